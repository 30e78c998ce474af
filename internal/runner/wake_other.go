//go:build !linux

package runner

import "time"

// threadSleep is nil: elsewhere time.Sleep goes through the runtime's
// timers, which would measure the Go scheduler, not the machine.
var threadSleep func(time.Duration)

func lockThread() {}

//go:build !linux

package runner

import "time"

// runDelay is not measured on this system: -1 (rundelay_linux_test.go).
func runDelay() time.Duration { return -1 }

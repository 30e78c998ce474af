//go:build !linux

package runner

import "time"

// setSlices does nothing where the kernel has no per-thread slice.
func setSlices(time.Duration) (int, bool) { return 0, false }

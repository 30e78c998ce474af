//go:build unix

package runner

import (
	"syscall"
	"time"
)

// processCPU is the process's CPU time so far, user plus system (all its
// threads); -1 when getrusage fails.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:build !unix

package runner

import "time"

// processCPU is unknown here (-1): the figures that need it are left out.
func processCPU() time.Duration { return -1 }

package runner

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// runDelay is how long this process's threads have waited, runnable, for
// a CPU that the kernel gave to another thread (the second field of
// /proc/self/task/*/schedstat, summed over the threads alive now); -1
// when the kernel does not say (no schedstats). A start lag that grows
// with it is the machine's, not the pacer's: on a machine shared with
// other users' processes, nice does not order processes of different
// sessions when the kernel groups them by session (autogroup).
func runDelay() time.Duration {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return -1
	}
	var sum int64
	for _, e := range ents {
		b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			return -1
		}
		v, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return -1
		}
		sum += v
	}
	return time.Duration(sum)
}

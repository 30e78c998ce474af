package runner

import (
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// setSlices sets the scheduler slice of each of the process's threads
// that runs under SCHED_OTHER or SCHED_BATCH to slice (0: the kernel's
// default), keeping its policy and nice value, and reports how many it
// set and whether the kernel kept the slice (it reads back as set on
// Linux 6.12 and later; older kernels ignore it).
func setSlices(slice time.Duration) (set int, kept bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	kept = true
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		a, err := unix.SchedGetAttr(tid, 0)
		if err != nil || (a.Policy != unix.SCHED_NORMAL && a.Policy != unix.SCHED_BATCH) {
			continue
		}
		a.Runtime = uint64(slice.Nanoseconds())
		a.Flags = 0
		if unix.SchedSetAttr(tid, a, 0) != nil {
			continue
		}
		set++
		if slice > 0 {
			if b, err := unix.SchedGetAttr(tid, 0); err != nil || b.Runtime == 0 {
				kept = false
			}
		}
	}
	return set, kept && set > 0
}

package runner

import (
	"os"
	"sync/atomic"
	"time"
)

// SchedSlice is the CPU slice TuneLatency asks the kernel for on each of
// the process's threads. Linux's scheduler (EEVDF, 6.6 and later) lets a
// running thread keep the CPU for its slice, about 3 ms by default, before
// a thread that woke up may take it; from 6.12 a thread may ask for a
// shorter one (0.1 to 100 ms, no privilege needed), and a woken thread
// with a shorter slice preempts at once. A load generator's threads wake
// up for each arrival: with the default slice an arrival that falls due
// while both cores run other threads waits for one of them to finish its
// slice. The weight (nice) is unchanged: the process gets no more CPU,
// only sooner.
const SchedSlice = 100 * time.Microsecond

// schedSlice is the slice TuneLatency set, 0 when none.
var schedSlice atomic.Int64

// TuneLatency sets SchedSlice on every thread of the process (threads
// made later inherit it), unless THROTTLEBENCH_SCHED_SLICE is "off" or
// the kernel does not keep it; it returns a function that gives the
// threads the kernel's default again. Like TuneGC it is process-wide:
// call it from main (bench run does), not from a library.
func TuneLatency() (restore func()) {
	if os.Getenv("THROTTLEBENCH_SCHED_SLICE") == "off" {
		return func() {}
	}
	if _, kept := setSlices(SchedSlice); !kept {
		setSlices(0)
		return func() {}
	}
	schedSlice.Store(int64(SchedSlice))
	return func() {
		if schedSlice.Swap(0) != 0 {
			setSlices(0)
		}
	}
}

// SchedSliceSet is the slice TuneLatency set on the process's threads, 0
// when it set none.
func SchedSliceSet() time.Duration { return time.Duration(schedSlice.Load()) }

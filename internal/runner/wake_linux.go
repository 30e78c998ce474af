package runner

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// threadSleep sleeps in nanosleep (a variable, nil on platforms without
// one).
var threadSleep = nanosleep

// nanosleep sleeps d in nanosleep(2): the kernel's high-resolution timer
// wakes this thread, without the runtime's timers and network poller.
func nanosleep(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}

// lockThread keeps the probe on a thread of its own, which exits with it
// (the goroutine never unlocks), and takes the thread's timer slack (50 µs
// by default, added to every nanosleep) down to 1 ns, as timerfd's
// wake-ups, the pacer's, have none.
func lockThread() {
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
}

package runner

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// newWaiter returns a timerfd waiter that spins the last pacerSpin, or a
// timer waiter when the kernel refuses a timerfd.
func newWaiter(ctx context.Context) waiter {
	if w, err := newTimerfdWaiter(ctx); err == nil {
		return &spinWaiter{w: w, spin: pacerSpin}
	}
	return newTimerWaiter(ctx)
}

// timerfdWaiter waits by reading a timerfd through the runtime's network
// poller. Go's own timers fire late on an idle process: the runtime blocks
// in epoll_wait with a timeout in whole milliseconds (at least 1 ms for
// any shorter delay), so at 2,000 arrivals/s the pacer woke up to 1 ms
// late. A timerfd is an epoll event of its own, delivered with the
// kernel's high-resolution timers. The read deadline, a runtime timer, is
// a backstop: whichever fires first wakes the pacer.
// Nothing spins: the pacer goroutine blocks, and no thread is tied up.
type timerfdWaiter struct {
	fd   int      // for timerfd_settime: f.Fd would make f blocking
	f    *os.File // reads go through the poller
	alt  *timerWaiter
	stop func() bool

	mu   sync.Mutex // guards done and the read deadline against cancellation
	done bool
	buf  [8]byte // the timerfd's expiration count
}

func newTimerfdWaiter(ctx context.Context) (*timerfdWaiter, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// A non-blocking descriptor: os.NewFile registers it with the poller.
	w := &timerfdWaiter{fd: fd, f: os.NewFile(uintptr(fd), "timerfd"), alt: newTimerWaiter(ctx)}
	w.stop = context.AfterFunc(ctx, func() {
		w.mu.Lock()
		w.done = true
		_ = w.f.SetReadDeadline(time.Unix(1, 0)) // wake a pending read
		w.mu.Unlock()
	})
	return w, nil
}

func (w *timerfdWaiter) wait(until time.Time) bool {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return false
	}
	d := time.Until(until)
	if d <= 0 {
		w.mu.Unlock()
		return true
	}
	// A relative one-shot timer; setting it also clears an expiration
	// left unread when the deadline won the previous wait.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	err := unix.TimerfdSettime(w.fd, 0, &spec, nil)
	if err == nil {
		err = w.f.SetReadDeadline(until)
	}
	w.mu.Unlock()
	if err != nil {
		return w.alt.wait(until)
	}
	if _, err := w.f.Read(w.buf[:]); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return w.alt.wait(until) // unexpected: the runtime timer still works
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.done
}

func (w *timerfdWaiter) close() {
	w.stop()
	w.alt.close()
	_ = w.f.Close()
}

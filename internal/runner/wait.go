package runner

import (
	"context"
	"time"
)

// A waiter blocks the open-loop pacer until an arrival's intended start.
// One goroutine uses it at a time. wait returns false, at once, when the
// context the waiter was made for is done; close releases its resources.
type waiter interface {
	wait(until time.Time) bool
	close()
}

// timerWaiter waits on a runtime timer. On Linux the runtime sleeps in
// epoll_wait, whose timeout is in whole milliseconds: an idle process
// wakes for a timer up to a millisecond late (see waitLinux).
type timerWaiter struct {
	ctx context.Context
	t   *time.Timer
}

func newTimerWaiter(ctx context.Context) *timerWaiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerWaiter{ctx: ctx, t: t}
}

func (w *timerWaiter) wait(until time.Time) bool {
	d := time.Until(until)
	if d <= 0 {
		return w.ctx.Err() == nil
	}
	w.t.Reset(d)
	select {
	case <-w.t.C:
		return true
	case <-w.ctx.Done():
		w.t.Stop()
		return false
	}
}

func (w *timerWaiter) close() { w.t.Stop() }

// spinWaiter wakes spin before the arrival on w, then spins until it: the
// kernel's wake-up and the scheduler's hand-off vary by tens to hundreds
// of microseconds, a short spin does not. It costs at most spin of CPU
// per arrival (at 2,000 arrivals/s and 50 µs a tenth of a core at worst),
// none when w wakes late; measured, it lowered p99 start lag at 1,000,
// 2,000 and 5,000/s without a visible CPU cost (pace_debug_linux_test.go).
type spinWaiter struct {
	w    waiter
	spin time.Duration
}

// pacerSpin is how long before each arrival the pacer starts to spin.
const pacerSpin = 50 * time.Microsecond

func (w *spinWaiter) wait(until time.Time) bool {
	if !w.w.wait(until.Add(-w.spin)) {
		return false
	}
	for time.Now().Before(until) {
	}
	return true
}

func (w *spinWaiter) close() { w.w.close() }

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

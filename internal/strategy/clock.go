package strategy

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Clock is where the time-dependent strategies (token-bucket, retry-budget,
// adaptive-throttle, circuit-breaker) read the time and wait. The zero Clock
// is the wall clock. A virtual-time engine passes its own through Timed;
// tests call the retryers' decision methods, which take the time as an
// argument, and need no clock at all.
type Clock struct {
	// Now returns the current time. nil means time.Now.
	Now func() time.Time
	// Sleep waits d, or until ctx is done and then returns ctx.Err(). nil
	// means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (c Clock) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Clock) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Timed is implemented by the strategies whose retryers depend on time.
// NewRetryerWithClock is NewRetryer with the retryer reading clock instead
// of the wall clock; NewRetryer(seed) is NewRetryerWithClock(seed, Clock{}).
type Timed interface {
	Strategy
	NewRetryerWithClock(seed int64, clock Clock) aws.RetryerV2
}

// window counts two kinds of events over a sliding window of Window,
// kept as 10 slices of Window/10 (as Finagle's WindowedAdder does): the
// sums cover the current slice and the 9 before it, so between 90 % and
// 100 % of Window back from now. Slices are numbered from epoch, the
// retryer's creation, so a clock may start anywhere, the zero time
// included. Not safe for concurrent use: its owner locks.
type window struct {
	width time.Duration // of one slice
	epoch time.Time
	slot  [windowSlices]int64    // absolute slice number held at each index
	n     [windowSlices][2]int64 // counts of that slice
}

const windowSlices = 10

func newWindow(length time.Duration, epoch time.Time) *window {
	w := &window{width: max(length/windowSlices, 1), epoch: epoch}
	for i := range w.slot {
		w.slot[i] = -1 << 62 // matches no slice
	}
	return w
}

// slice returns the absolute slice number of now; times before the epoch
// fall in negative slices.
func (w *window) slice(now time.Time) int64 {
	d := now.Sub(w.epoch)
	s := int64(d / w.width)
	if d < 0 && d%w.width != 0 {
		s--
	}
	return s
}

func ringIndex(s int64) int { return int(((s % windowSlices) + windowSlices) % windowSlices) }

// add adds delta to counter k (0 or 1) at now.
func (w *window) add(now time.Time, k int, delta int64) {
	s := w.slice(now)
	i := ringIndex(s)
	if w.slot[i] != s {
		w.slot[i], w.n[i] = s, [2]int64{}
	}
	w.n[i][k] += delta
}

// sums returns both counters over the window ending at now.
func (w *window) sums(now time.Time) (a, b int64) {
	cur := w.slice(now)
	for i, s := range w.slot {
		if s <= cur && s > cur-windowSlices {
			a += w.n[i][0]
			b += w.n[i][1]
		}
	}
	return a, b
}

// reset forgets every count.
func (w *window) reset() {
	for i := range w.slot {
		w.slot[i], w.n[i] = -1<<62, [2]int64{}
	}
}

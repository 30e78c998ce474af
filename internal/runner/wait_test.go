package runner

import (
	"context"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// waiters lists every waiter this platform builds.
func waiters(ctx context.Context) map[string]waiter {
	return map[string]waiter{"default": newWaiter(ctx), "timer": newTimerWaiter(ctx)}
}

func TestWaiterPastDeadlineReturnsAtOnce(t *testing.T) {
	for name, w := range waiters(context.Background()) {
		t.Run(name, func(t *testing.T) {
			defer w.close()
			for i := range 3 {
				if got := w.wait(time.Now().Add(-time.Second)); !got {
					t.Errorf("wait %d for a past instant: got false, want true", i)
				}
			}
		})
	}
}

func TestWaiterWaitsUntilDeadline(t *testing.T) {
	for name, w := range waiters(context.Background()) {
		t.Run(name, func(t *testing.T) {
			defer w.close()
			for i := range 3 {
				until := time.Now().Add(2 * time.Millisecond)
				if got := w.wait(until); !got {
					t.Fatalf("wait %d: got false, want true", i)
				}
				if now := time.Now(); now.Before(until) {
					t.Errorf("wait %d returned %v before its deadline", i, until.Sub(now))
				}
			}
		})
	}
}

func TestWaiterCanceledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for name, w := range waiters(ctx) {
		t.Run(name, func(t *testing.T) {
			defer w.close()
			done := make(chan bool)
			go func() { done <- w.wait(time.Now().Add(time.Hour)) }()
			cancel()
			if got := <-done; got {
				t.Error("wait canceled: got true, want false")
			}
			if got := w.wait(time.Now().Add(-time.Second)); got {
				t.Error("wait after cancel: got true, want false")
			}
		})
	}
}

func TestPhaseSpreadsStrategiesOverTheGap(t *testing.T) {
	epoch := time.Unix(1000, 0)
	cases := []struct {
		name string
		now  time.Duration // after epoch
		rate float64
		i, n int
		want time.Duration // after epoch
	}{
		{"first strategy at a gap boundary", 10 * time.Millisecond, 200, 0, 6, 10 * time.Millisecond},
		{"first strategy waits for the next boundary", 11 * time.Millisecond, 200, 0, 6, 15 * time.Millisecond},
		{"third of six: 2/6 of 5 ms in", 11 * time.Millisecond, 200, 2, 6, 11*time.Millisecond + 666666*time.Nanosecond},
		{"last of two, already past its phase", 8 * time.Millisecond, 200, 1, 2, 12500 * time.Microsecond},
		{"one strategy: no move", 11 * time.Millisecond, 200, 0, 1, 11 * time.Millisecond},
		{"closed loop (rate 0): no move", 11 * time.Millisecond, 0, 3, 6, 11 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := phase(epoch.Add(c.now), epoch, scenario.Rate(c.rate), c.i, c.n).Sub(epoch)
			if got != c.want {
				t.Errorf("got start %v after epoch, want %v", got, c.want)
			}
			if moved := got - c.now; moved < 0 || (c.rate > 0 && moved >= time.Duration(float64(time.Second)/c.rate)) {
				t.Errorf("start moved by %v: want within [0, one gap)", moved)
			}
		})
	}
}

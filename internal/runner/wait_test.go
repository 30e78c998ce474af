package runner

import (
	"context"
	"testing"
	"time"
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

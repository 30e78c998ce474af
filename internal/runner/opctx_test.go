package runner

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An opContext ends as a context.WithTimeout context does, seen from the
// operation (Err, Cause, Deadline) and from a context derived from it as
// net/http derives one per attempt (Done, Cause); and only one that was
// not canceled serves another operation. The one difference, documented
// on opContext: a derived context's Err after the deadline is
// context.Canceled (its Cause is DeadlineExceeded), where WithTimeout's
// child says DeadlineExceeded.
func TestOpContextActsAsWithTimeout(t *testing.T) {
	type outcome struct {
		err, cause, childCause, childErr error
		reusable                         bool
	}
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		act     func(cancelParent context.CancelFunc) // while the operation runs
		want    outcome
	}{
		{"ends in time", time.Hour, func(context.CancelFunc) {}, outcome{nil, nil, nil, nil, true}},
		{"deadline passes", 20 * time.Millisecond, func(context.CancelFunc) { time.Sleep(60 * time.Millisecond) },
			outcome{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, false}},
		{"no time at all", 0, func(context.CancelFunc) {},
			outcome{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, false}},
		{"run canceled", time.Hour, func(cancel context.CancelFunc) { cancel() },
			outcome{context.Canceled, context.Canceled, context.Canceled, context.Canceled, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The reference: what measure used before, WithTimeout per operation.
			parent, cancelParent := context.WithCancel(context.Background())
			ref, cancelRef := context.WithTimeout(parent, tc.timeout)
			refChild, cancelRefChild := context.WithCancelCause(ref)
			tc.act(cancelParent)
			if tc.want.err != nil { // a loaded machine may fire the timer late
				waitDone(t, refChild)
			}
			want := outcome{ref.Err(), context.Cause(ref), context.Cause(refChild), refChild.Err(), tc.want.reusable}
			cancelRefChild(nil)
			cancelRef()
			if want != tc.want {
				t.Fatalf("WithTimeout: got %+v, want %+v (the case is wrong)", want, tc.want)
			}

			parent, cancelParent = context.WithCancel(context.Background())
			defer cancelParent()
			c := newOpContext(parent)
			begun := time.Now()
			c.begin(tc.timeout)
			var ctx context.Context = c
			child, cancelChild := context.WithCancelCause(ctx)
			defer cancelChild(nil)
			deadline, ok := ctx.Deadline()
			if !ok || deadline.Before(begun.Add(tc.timeout)) || deadline.After(time.Now().Add(tc.timeout)) {
				t.Errorf("Deadline: got %v from the start, %v, want %v from it (WithTimeout's: %v from its start)", deadline.Sub(begun), ok, tc.timeout, tc.timeout)
			}
			tc.act(cancelParent)
			if want.err != nil {
				waitDone(t, child)
			}
			got := outcome{ctx.Err(), context.Cause(ctx), context.Cause(child), child.Err(), c.end()}
			if got.cause == context.DeadlineExceeded && got.childErr == context.Canceled {
				got.childErr = want.childErr // the documented difference
			}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if !errors.Is(got.err, want.err) {
				t.Errorf("Err: got %v, want %v", got.err, want.err)
			}
		})
	}
}

// A reused opContext times its second operation from that operation's
// start, not the first's.
func TestOpContextReuse(t *testing.T) {
	const timeout = time.Second
	c := newOpContext(context.Background())
	first := time.Now()
	c.begin(timeout)
	time.Sleep(50 * time.Millisecond)
	if !c.end() && time.Since(first) < timeout {
		t.Fatal("first operation: end got false, want true (it ended in time)")
	}
	time.Sleep(100 * time.Millisecond)
	second := time.Now()
	c.begin(timeout)
	if d, _ := c.Deadline(); d.Before(second.Add(timeout)) || d.After(time.Now().Add(timeout)) {
		t.Errorf("second operation: Deadline got %v after its start, want %v (it counts from its own start)", d.Sub(second), timeout)
	}
	waitDone(t, c)
	if in := time.Since(second); in < timeout {
		t.Errorf("second operation: done %v in, want not before %v", in, timeout)
	}
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Errorf("second operation, over %v in: Err got %v, want %v", timeout, err, context.DeadlineExceeded)
	}
	if c.end() {
		t.Error("end after the deadline passed: got true, want false")
	}
}

// waitDone waits, at most 10 s, for ctx to be done.
func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the context is not done after 10 s")
	}
}

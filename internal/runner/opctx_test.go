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
// not canceled serves another operation.
func TestOpContextActsAsWithTimeout(t *testing.T) {
	type outcome struct {
		err, cause, childCause error
		reusable               bool
	}
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		act     func(cancelParent context.CancelFunc) // while the operation runs
		want    outcome
	}{
		{"ends in time", time.Hour, func(context.CancelFunc) {}, outcome{nil, nil, nil, true}},
		{"deadline passes", 20 * time.Millisecond, func(context.CancelFunc) { time.Sleep(60 * time.Millisecond) },
			outcome{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, false}},
		{"no time at all", 0, func(context.CancelFunc) {},
			outcome{context.DeadlineExceeded, context.DeadlineExceeded, context.DeadlineExceeded, false}},
		{"run canceled", time.Hour, func(cancel context.CancelFunc) { cancel() },
			outcome{context.Canceled, context.Canceled, context.Canceled, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The reference: what measure used before, WithTimeout per operation.
			parent, cancelParent := context.WithCancel(context.Background())
			ref, cancelRef := context.WithTimeout(parent, tc.timeout)
			refChild, cancelRefChild := context.WithCancelCause(ref)
			tc.act(cancelParent)
			want := outcome{ref.Err(), context.Cause(ref), context.Cause(refChild), tc.want.reusable}
			cancelRefChild(nil)
			cancelRef()
			if want.err != tc.want.err || want.cause != tc.want.cause || want.childCause != tc.want.childCause {
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
				select {
				case <-child.Done():
				case <-time.After(5 * time.Second):
					t.Fatal("the derived context is not done")
				}
			}
			got := outcome{ctx.Err(), context.Cause(ctx), context.Cause(child), c.end()}
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
	const timeout = 200 * time.Millisecond
	c := newOpContext(context.Background())
	c.begin(timeout)
	time.Sleep(150 * time.Millisecond)
	if !c.end() {
		t.Fatal("first operation: end got false, want true (it ended in time)")
	}
	second := time.Now()
	c.begin(timeout)
	time.Sleep(100 * time.Millisecond) // over 250 ms after the first began
	err := c.Err()
	if in := time.Since(second); in < timeout && err != nil {
		t.Fatalf("second operation, %v in: Err got %v, want nil (its deadline counts from its own start)", in, err)
	}
	time.Sleep(150 * time.Millisecond)
	if err := c.Err(); err != context.DeadlineExceeded {
		t.Fatalf("second operation, over %v in: Err got %v, want %v", timeout, err, context.DeadlineExceeded)
	}
	if c.end() {
		t.Error("end after the deadline passed: got true, want false")
	}
}

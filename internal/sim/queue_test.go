package sim

import (
	"math/rand/v2"
	"testing"
)

// TestQueueOrder checks that events pop in (at, seq) order, ties in
// scheduling order, whatever the interleaving of pushes and pops.
func TestQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q queue
	var last event
	popped := 0
	for step := range 200000 {
		if q.len() == 0 || rng.IntN(3) > 0 {
			at := last.at + int64(rng.IntN(50)) // ties on purpose
			q.push(at, int32(step), uint8(step%7))
			continue
		}
		if got := q.top(); got != q.h[0].at {
			t.Fatalf("top = %d, want %d", got, q.h[0].at)
		}
		e := q.pop()
		if popped > 0 && e.before(&last) {
			t.Fatalf("pop %d: got (at %d, seq %d) after (at %d, seq %d)", popped, e.at, e.seq, last.at, last.seq)
		}
		if e.op%7 != int32(e.kind) {
			t.Fatalf("pop %d: op %d with kind %d, want kind %d", popped, e.op, e.kind, e.op%7)
		}
		last = e
		popped++
	}
	for q.len() > 0 {
		if e := q.pop(); e.before(&last) {
			t.Fatalf("draining: got (at %d, seq %d) after (at %d, seq %d)", e.at, e.seq, last.at, last.seq)
		} else {
			last = e
		}
	}
}

package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQueueOrder checks that events pop in (at, seq) order, ties in
// scheduling order, whatever the interleaving of pushes and pops, events
// scheduled before the last one popped included: against a reference that
// scans every pending event.
func TestQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var q queue
	var ref []event // pending, in no order
	var now int64
	popped := 0
	for step := range 200000 {
		if len(ref) == 0 || (rng.IntN(2) == 0 && len(ref) < 2000) {
			at := now + int64(rng.IntN(50)) // ties on purpose
			switch r := rng.IntN(100); {
			case r == 0 && now > 0:
				at = now - 1 - int64(rng.IntN(int(min(now, 20)))) // in the past
			case r < 10:
				at = now + int64(rng.IntN(1<<30)) // beyond the wheels
			case r < 30:
				at = now + int64(rng.IntN(1<<27)) // some blocks ahead
			case r < 50:
				at = now + int64(rng.IntN(1<<22)) // some slots ahead
			}
			q.push(at, int32(step), uint8(step%7))
			ref = append(ref, event{at: at, seq: q.seq, op: int32(step), kind: uint8(step % 7)})
			continue
		}
		if q.len() != len(ref) {
			t.Fatalf("pop %d: len %d, want %d", popped, q.len(), len(ref))
		}
		want := popMin(&ref)
		if top := q.top(); top != want.at {
			t.Fatalf("pop %d: top %d, want %d", popped, top, want.at)
		}
		got := q.pop()
		if got != want {
			t.Fatalf("pop %d: got %+v, want %+v", popped, got, want)
		}
		if got.op%7 != int32(got.kind) {
			t.Fatalf("pop %d: op %d with kind %d, want kind %d", popped, got.op, got.kind, got.op%7)
		}
		now = got.at
		popped++
	}
	for len(ref) > 0 {
		if got, want := q.pop(), popMin(&ref); got != want {
			t.Fatalf("draining: got %+v, want %+v", got, want)
		}
	}
	if q.len() != 0 {
		t.Fatalf("drained: len %d, want 0", q.len())
	}
}

// BenchmarkQueue pops the earliest event and schedules one in its place,
// as the engine does in steady state: most events a network leg ahead
// (|Normal(0.5ms, 0.1ms)|), a fifth a backoff ahead (up to 50 ms).
func BenchmarkQueue(b *testing.B) {
	for _, size := range []int{150, 600} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var q queue
			delay := func() int64 {
				if rng.IntN(5) == 0 {
					return rng.Int64N(50e6)
				}
				return int64(math.Abs(0.5e6 + 0.1e6*rng.NormFloat64()))
			}
			for i := range size {
				q.push(delay(), int32(i), 0)
			}
			delays := make([]int64, 1<<16)
			for i := range delays {
				delays[i] = delay()
			}
			b.ResetTimer()
			for i := range b.N {
				e := q.pop()
				q.push(e.at+delays[i&(len(delays)-1)], e.op, e.kind)
			}
		})
	}
}

// popMin removes and returns the earliest event of *s by a linear scan.
func popMin(s *[]event) event {
	b := *s
	m := 0
	for j := 1; j < len(b); j++ {
		if b[j].before(&b[m]) {
			m = j
		}
	}
	e := b[m]
	b[m] = b[len(b)-1]
	*s = b[:len(b)-1]
	return e
}

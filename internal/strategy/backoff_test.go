package strategy

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const ms = time.Millisecond

// uMax is the largest float64 below 1, the "u -> 1" end of [0, 1).
var uMax = math.Nextafter(1, 0)

func TestExponentialDelay(t *testing.T) {
	b := Exponential{Base: 25 * ms, Cap: 20 * time.Second}
	tests := []struct {
		name    string
		attempt int
		u       float64
		want    time.Duration
	}{
		{"attempt 1 is base", 1, 0, 25 * ms},
		{"attempt 2 doubles", 2, 0, 50 * ms},
		{"attempt 3", 3, 0, 100 * ms},
		{"attempt 4", 4, 0, 200 * ms},
		{"attempt 10 below cap", 10, 0, 12800 * ms},
		{"attempt 11 capped", 11, 0, 20 * time.Second},
		{"attempt 64 no overflow", 64, 0, 20 * time.Second},
		{"attempt 1000 no overflow", 1000, 0, 20 * time.Second},
		{"attempt 0 counts as 1", 0, 0, 25 * ms},
		{"u is ignored", 3, uMax, 100 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Delay(tt.attempt, 7*time.Second, tt.u); got != tt.want {
				t.Errorf("Delay(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
	if got, want := (Exponential{Base: time.Second, Cap: time.Second}).Delay(5, 0, 0), time.Second; got != want {
		t.Errorf("base == cap: got %v, want %v", got, want)
	}
}

func TestJitterDelayExact(t *testing.T) {
	full := FullJitter{Base: 25 * ms, Cap: 20 * time.Second}
	equal := EqualJitter{Base: 25 * ms, Cap: 20 * time.Second}
	dec := DecorrelatedJitter{Base: 25 * ms, Cap: 20 * time.Second}
	tests := []struct {
		name    string
		b       Backoff
		attempt int
		prev    time.Duration
		u       float64
		want    time.Duration
	}{
		{"full u=0", full, 1, 0, 0, 0},
		{"full u=0.5 attempt 1", full, 1, 0, 0.5, 12500 * time.Microsecond},
		{"full u=0.5 attempt 3", full, 3, 0, 0.5, 50 * ms},
		{"full u->1 attempt 1", full, 1, 0, uMax, 25*ms - 1},
		{"full u->1 attempt 4", full, 4, 0, uMax, 200*ms - 1},
		{"full u->1 capped", full, 20, 0, uMax, 20*time.Second - 1},
		{"full u=1 clamped", full, 1, 0, 1, 25*ms - 1},
		{"full u<0 clamped", full, 1, 0, -3, 0},
		{"full u NaN clamped", full, 1, 0, math.NaN(), 0},
		{"full ignores prev", full, 2, 9 * time.Second, 0.5, 25 * ms},

		{"equal u=0 attempt 1", equal, 1, 0, 0, 12500 * time.Microsecond},
		{"equal u=0.5 attempt 1", equal, 1, 0, 0.5, 18750 * time.Microsecond},
		{"equal u->1 attempt 1", equal, 1, 0, uMax, 25*ms - 1},
		{"equal u=0 attempt 3", equal, 3, 0, 0, 50 * ms},
		{"equal u->1 attempt 3", equal, 3, 0, uMax, 100*ms - 1},
		{"equal u=0 capped", equal, 30, 0, 0, 10 * time.Second},
		{"equal u->1 capped", equal, 30, 0, uMax, 20*time.Second - 1},
		{"equal odd ns u=0", EqualJitter{Base: 3, Cap: 3}, 1, 0, 0, 1},
		{"equal odd ns u->1", EqualJitter{Base: 3, Cap: 3}, 1, 0, uMax, 2},

		{"decorrelated first u=0", dec, 1, 0, 0, 25 * ms},
		{"decorrelated first u->1", dec, 1, 0, uMax, 75*ms - 1},
		{"decorrelated first u=0.5", dec, 1, 0, 0.5, 50 * ms},
		{"decorrelated prev below base", dec, 2, 10 * ms, 0.5, 50 * ms},
		{"decorrelated prev 100ms u=0.5", dec, 2, 100 * ms, 0.5, 162500 * time.Microsecond},
		{"decorrelated prev 100ms u->1", dec, 2, 100 * ms, uMax, 300*ms - 1},
		{"decorrelated ignores attempt", dec, 9, 100 * ms, 0, 25 * ms},
		{"decorrelated capped", dec, 3, 10 * time.Second, uMax, 20 * time.Second},
		{"decorrelated prev at cap u=0", dec, 3, 20 * time.Second, 0, 25 * ms},
		{"decorrelated huge prev", dec, 3, math.MaxInt64, 0.5, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Delay(tt.attempt, tt.prev, tt.u); got != tt.want {
				t.Errorf("%v: Delay(%d, %v, %v) = %v, want %v", tt.b, tt.attempt, tt.prev, tt.u, got, tt.want)
			}
		})
	}
}

// TestJitterDelayBounds draws many u and checks every delay against the
// formula's half-open range, chaining prev for decorrelated jitter.
func TestJitterDelayBounds(t *testing.T) {
	const (
		base  = 10 * ms
		limit = 3 * time.Second
		draws = 20000
	)
	type bounds struct{ lo, hi time.Duration } // [lo, hi), or [lo, lo] when hi == lo
	tests := []struct {
		name   string
		b      Backoff
		bounds func(attempt int, prev time.Duration) bounds
	}{
		{"full-jitter", FullJitter{base, limit}, func(a int, _ time.Duration) bounds {
			return bounds{0, ceiling(base, limit, a)}
		}},
		{"equal-jitter", EqualJitter{base, limit}, func(a int, _ time.Duration) bounds {
			v := ceiling(base, limit, a)
			return bounds{v / 2, v}
		}},
		{"decorrelated-jitter", DecorrelatedJitter{base, limit}, func(_ int, prev time.Duration) bounds {
			hi := 3 * max(prev, base)
			if hi > limit {
				return bounds{base, limit + 1} // min(Cap, ...) may return Cap itself
			}
			return bounds{base, hi}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var lowest, highest time.Duration = math.MaxInt64, 0
			for i := range draws {
				attempt := 1 + i%12
				var prev time.Duration
				for a := 1; a <= attempt; a++ {
					bd := tt.bounds(a, prev)
					got := tt.b.Delay(a, prev, r.Float64())
					if got < bd.lo || got >= bd.hi {
						t.Fatalf("attempt %d prev %v: got %v, want in [%v, %v)", a, prev, got, bd.lo, bd.hi)
					}
					lowest, highest = min(lowest, got), max(highest, got)
					prev = got
				}
			}
			// The draws must also reach both ends, or the bounds prove little.
			if lowest > base*11/10 {
				t.Errorf("lowest delay %v, want <= %v", lowest, base*11/10)
			}
			if highest < limit*9/10 {
				t.Errorf("highest delay %v, want >= %v", highest, limit*9/10)
			}
		})
	}
}

// TestDecorrelatedChain steps an operation's sleeps with fixed u: each sleep
// becomes the next prev.
func TestDecorrelatedChain(t *testing.T) {
	b := DecorrelatedJitter{Base: 10 * ms, Cap: 100 * ms}
	steps := []struct {
		u    float64
		want time.Duration // min(100ms, 10ms + u*(3*prev - 10ms)), prev = the previous step's want
	}{
		{0.5, 20 * ms},                   // prev = base: 10 + 0.5*(30-10)
		{0.5, 35 * ms},                   // 10 + 0.5*(60-10)
		{0.25, 33750 * time.Microsecond}, // 10 + 0.25*(105-10)
		{uMax, 100 * ms},                 // just under 101.25, capped
		{0, 10 * ms},                     // u = 0 gives base whatever prev was
		{uMax, 30*ms - 1},                // prev = base again: just under 3*base
	}
	var prev time.Duration
	for i, s := range steps {
		got := b.Delay(i+1, prev, s.u)
		if got != s.want {
			t.Fatalf("step %d (prev %v, u %v): got %v, want %v", i+1, prev, s.u, got, s.want)
		}
		prev = got
	}
}

// FuzzBackoff checks the invariants of every formula for any valid
// parameters: delays stay within [0, Cap] (decorrelated: [Base, Cap]) and
// never panic or overflow, whatever attempt, prev and u are.
func FuzzBackoff(f *testing.F) {
	f.Add(int64(25*ms), int64(20*time.Second), 1, int64(0), 0.5)
	f.Add(int64(1), int64(math.MaxInt64), 70, int64(math.MaxInt64), uMax)
	f.Add(int64(time.Second), int64(time.Second), -5, int64(-1), -1.0)
	f.Fuzz(func(t *testing.T, base, limit int64, attempt int, prev int64, u float64) {
		if base <= 0 || limit < base {
			t.Skip("precondition: Base > 0, Cap >= Base")
		}
		b, c := time.Duration(base), time.Duration(limit)
		for _, bo := range []Backoff{Exponential{b, c}, FullJitter{b, c}, EqualJitter{b, c}} {
			if d := bo.Delay(attempt, time.Duration(prev), u); d < 0 || d > c {
				t.Fatalf("%v: Delay(%d, %v, %v) = %v, want in [0, %v]", bo, attempt, prev, u, d, c)
			}
		}
		dec := DecorrelatedJitter{b, c}
		if d := dec.Delay(attempt, time.Duration(prev), u); d < b || d > c {
			t.Fatalf("%v: Delay(%d, %v, %v) = %v, want in [%v, %v]", dec, attempt, prev, u, d, b, c)
		}
	})
}

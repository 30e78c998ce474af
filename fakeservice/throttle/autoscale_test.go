package throttle

import (
	"strings"
	"testing"
	"time"
)

// scaleStep is one instant of a Scaler's timeline: consume perSec units per
// second through the whole minute starting at min (when perSec >= 0), then
// advance to at and expect want units in effect.
type scaleStep struct {
	minute int     // minute whose consumption is fed
	perSec float64 // units per second consumed in it; < 0 for none
	at     time.Duration
	want   int64
}

// feed consumes perSec units per second during minute m of a scaler created
// at origin, one charge per second.
func feed(s *Scaler, origin time.Time, m int, perSec float64) {
	for sec := 0; sec < 60; sec++ {
		s.Consume(origin.Add(time.Duration(m)*time.Minute+time.Duration(sec)*time.Second), MilliUnits(perSec*float64(Unit)))
	}
}

func TestScalerTimeline(t *testing.T) {
	origin := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var ss []scaleStep
	// Minutes 0-1 at 60/s, above 50 % of 100: the second minute sets the
	// alarm off at 2:00, effective at 3:00 with ceil(60/0.5) = 120.
	ss = append(ss,
		scaleStep{0, 60, time.Minute, 100},
		scaleStep{1, 60, 2 * time.Minute, 100},
		scaleStep{2, 60, 2*time.Minute + 59*time.Second, 100},
		scaleStep{-1, -1, 3 * time.Minute, 120},
	)
	// Then 10/s, below 30 % of 120 = 36: 15 minutes (3..17) set the low
	// alarm off at 18:00, effective at 19:00 with max(ceil(10/0.5), min 5) = 20.
	for m := 3; m <= 17; m++ {
		ss = append(ss, scaleStep{m, 10, time.Duration(m+1) * time.Minute, 120})
	}
	ss = append(ss, scaleStep{18, 10, 18*time.Minute + 59*time.Second, 120}, scaleStep{-1, -1, 19 * time.Minute, 20})
	// 11/s is 55 % of 20: above the target, but the minute 18 was spent
	// waiting, so minutes 19 and 20 count afresh: decided 21:00, 22:00 at
	// ceil(11/0.5) = 22.
	ss = append(ss,
		scaleStep{19, 11, 20 * time.Minute, 20},
		scaleStep{20, 11, 21 * time.Minute, 20},
		scaleStep{-1, -1, 22 * time.Minute, 22},
	)
	// A burst far above max is clamped to max.
	ss = append(ss,
		scaleStep{22, 5000, 23 * time.Minute, 22},
		scaleStep{23, 5000, 24 * time.Minute, 22},
		scaleStep{-1, -1, 25 * time.Minute, 1000},
	)
	s, err := NewScaler(ScalingPolicy{Min: 5, Max: 1000, Target: 50}, 100, origin)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range ss {
		if st.perSec >= 0 {
			feed(s, origin, st.minute, st.perSec)
		}
		if got, _ := s.Advance(origin.Add(st.at)); got != st.want {
			t.Fatalf("step %d (minute %d at %v): got %d units, want %d", i, st.minute, st.at, got, st.want)
		}
	}
	want := []struct {
		decided, effective time.Duration
		old, new           int64
		why                string
	}{
		{2 * time.Minute, 3 * time.Minute, 100, 120, "scale out: consumed 60.0/s > 50% of 100 for 2 minutes"},
		{18 * time.Minute, 19 * time.Minute, 120, 20, "scale in: consumed 10.0/s < 30% of 120 for 15 minutes"},
		{21 * time.Minute, 22 * time.Minute, 20, 22, "scale out: consumed 11.0/s > 50% of 20 for 2 minutes"},
		{24 * time.Minute, 25 * time.Minute, 22, 1000, "scale out: consumed 5000.0/s > 50% of 22 for 2 minutes"},
	}
	got := s.Actions()
	if len(got) != len(want) {
		t.Fatalf("got %d actions %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Decided != origin.Add(w.decided) || g.Effective != origin.Add(w.effective) || g.Old != w.old || g.New != w.new || g.Why != w.why {
			t.Errorf("action %d: got %v->%v %d->%d %q, want %v->%v %d->%d %q", i,
				g.Decided.Sub(origin), g.Effective.Sub(origin), g.Old, g.New, g.Why, w.decided, w.effective, w.old, w.new, w.why)
		}
	}
}

// TestScalerDecreaseLimit: with a one-minute low alarm and no delay, a table
// whose consumption keeps falling is decreased at once four times in its
// UTC day, then at most once an hour, and again four times the next day.
func TestScalerDecreaseLimit(t *testing.T) {
	origin := time.Date(2000, 1, 1, 22, 0, 0, 0, time.UTC)
	s, err := NewScaler(ScalingPolicy{Min: 1, Max: 1e9, Target: 50, ScaleInPeriods: 1, Delay: -1}, 1e9, origin)
	if err != nil {
		t.Fatal(err)
	}
	// Each minute consumes a tenth of the capacity, below 30 %: every
	// minute wants a decrease to a fifth.
	var decided []time.Duration
	for m := 0; m < 180; m++ {
		feed(s, origin, m, float64(s.Provisioned())/10)
		before := len(s.Actions())
		s.Advance(origin.Add(time.Duration(m+1) * time.Minute))
		if len(s.Actions()) > before {
			decided = append(decided, s.Actions()[before].Decided.Sub(origin))
		}
	}
	want := []time.Duration{
		1 * time.Minute, 2 * time.Minute, 3 * time.Minute, 4 * time.Minute, // four free on 1 Jan
		64 * time.Minute,                                                           // an hour after the fourth
		120 * time.Minute, 121 * time.Minute, 122 * time.Minute, 123 * time.Minute, // 2 Jan from 00:00
		// and the next at 3:03, after the loop's end
	}
	if durs(decided) != durs(want) {
		t.Errorf("decreases decided at %s, want %s", durs(decided), durs(want))
	}
}

func durs(ds []time.Duration) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String() + " ")
	}
	return b.String()
}

func TestScalingPolicyValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		p    ScalingPolicy
		want string
	}{
		{"ok", ScalingPolicy{Min: 1, Max: 10, Target: 70}, ""},
		{"min", ScalingPolicy{Min: 0, Max: 10, Target: 70}, "min: must be >= 1, got 0"},
		{"max", ScalingPolicy{Min: 5, Max: 4, Target: 70}, "max: must be >= min (5), got 4"},
		{"low target", ScalingPolicy{Min: 1, Max: 10, Target: 19}, "target: must be from 20 to 90 (percent), got 19"},
		{"high target", ScalingPolicy{Min: 1, Max: 10, Target: 90.5}, "target: must be from 20 to 90 (percent), got 90.5"},
	} {
		err := c.p.Validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCapacityScale: a Scaler attached to a TableCapacity (Scale) counts
// what the capacity admits, whatever the path, and nothing ChargeAll gives
// back: two minutes of 12 read units a second above 50 % of 20 make it 24
// (ceil(12 / 50 %)), where counting the 4 units a refused ChargeAll gave
// back would make it 32. A manual SetProvisioned becomes its capacity.
func TestCapacityScale(t *testing.T) {
	m := Model{Burst: -1}
	policy := ScalingPolicy{Min: 5, Max: 100, Target: 50, Delay: -1}
	twelve := 12 * Unit
	tests := []struct {
		name   string
		second func(c, other *TableCapacity, now time.Time) // one second's requests
		want   int64
	}{
		{"ChargeKey", func(c, _ *TableCapacity, now time.Time) { c.ChargeKey(now, Read, "k", twelve) }, 24},
		{"ChargeKeyAfter", func(c, _ *TableCapacity, now time.Time) { c.ChargeKeyAfter(now.Sub(t0), Read, "k", twelve) }, 24},
		{"Debit", func(c, _ *TableCapacity, now time.Time) { c.Debit(now, Read, "k", twelve) }, 24},
		{"ChargeAll admitted, then refused by the other and given back", func(c, other *TableCapacity, now time.Time) {
			both := func(n MilliUnits) []Charge {
				return []Charge{{Capacity: c, Kind: Read, Key: "k", N: n}, {Capacity: other, Kind: Read, Key: "o", N: Unit, Index: true}}
			}
			if d, _ := ChargeAll(now, both(twelve)); !d.Admitted {
				t.Fatalf("first ChargeAll at %v: refused", now.Sub(t0))
			}
			if d, at := ChargeAll(now, both(4*Unit)); d.Admitted || at != 1 {
				t.Fatalf("second ChargeAll at %v: got admitted %v at %d, want refused by the other", now.Sub(t0), d.Admitted, at)
			}
		}, 24},
	}
	for _, tt := range tests {
		c, other := m.NewProvisioned(20, 10, t0), m.NewProvisioned(1, 1, t0)
		sc, err := NewScaler(policy, 20, t0)
		if err != nil {
			t.Fatal(err)
		}
		c.Scale(sc, nil, t0)
		for s := range 120 {
			tt.second(c, other, t0.Add(time.Duration(s)*time.Second))
		}
		r, w, changed := c.Rescale(t0.Add(2 * time.Minute))
		if r != tt.want || w != 10 || !changed {
			t.Errorf("%s: got read %d, write %d, changed %v at +2m; want read %d, write 10, changed", tt.name, r, w, changed, tt.want)
		}
		if got := c.Limit(t0.Add(2*time.Minute), Read); got != MilliUnits(tt.want)*Unit {
			t.Errorf("%s: got a read rate of %v, want %d units/s", tt.name, got, tt.want)
		}
		c.SetProvisioned(40, 10, t0.Add(2*time.Minute))
		if got := sc.Provisioned(); got != 40 {
			t.Errorf("%s: after SetProvisioned(40): got scaler capacity %d, want 40", tt.name, got)
		}
	}
}

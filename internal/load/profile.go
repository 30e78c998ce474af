package load

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Stage is one piece of a piecewise-linear rate profile: the rate moves
// linearly from From to To (operations per second) over Duration.
type Stage struct {
	Duration time.Duration
	From, To float64
}

// Profile is an arrival rate over time: its stages one after another.
// The zero value has no arrivals.
type Profile []Stage

// Constant is a profile at one rate for d.
func Constant(rate float64, d time.Duration) Profile { return Profile{{d, rate, rate}} }

// Ramp is a profile moving linearly from one rate to another over d.
func Ramp(from, to float64, d time.Duration) Profile { return Profile{{d, from, to}} }

// Step is one level of a step profile.
type Step struct {
	Rate     float64
	Duration time.Duration
}

// Steps is a profile holding each step's rate for its duration.
func Steps(steps ...Step) Profile {
	p := make(Profile, 0, len(steps))
	for _, s := range steps {
		p = append(p, Stage{s.Duration, s.Rate, s.Rate})
	}
	return p
}

// Spike is base rate for total, except peak for width starting at at.
func Spike(base, peak float64, total, at, width time.Duration) Profile {
	at = min(max(at, 0), total)
	width = min(max(width, 0), total-at)
	return Steps(Step{base, at}, Step{peak, width}, Step{base, total - at - width}).compact()
}

// compact drops empty stages.
func (p Profile) compact() Profile {
	out := p[:0]
	for _, s := range p {
		if s.Duration > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Duration is the profile's total length.
func (p Profile) Duration() time.Duration {
	var d time.Duration
	for _, s := range p {
		d += s.Duration
	}
	return d
}

// Validate reports a stage with a negative duration or rate.
func (p Profile) Validate() error {
	for i, s := range p {
		switch {
		case s.Duration < 0:
			return fmt.Errorf("stage %d: duration must be >= 0, got %s", i, s.Duration)
		case s.From < 0 || s.To < 0 || math.IsNaN(s.From) || math.IsNaN(s.To) || math.IsInf(s.From, 0) || math.IsInf(s.To, 0):
			return fmt.Errorf("stage %d: rates must be finite and >= 0, got %g to %g", i, s.From, s.To)
		}
	}
	return nil
}

// RateAt is the rate at offset t (0 outside the profile).
func (p Profile) RateAt(t time.Duration) float64 {
	for _, s := range p {
		if t < s.Duration {
			return s.From + (s.To-s.From)*float64(t)/float64(s.Duration)
		}
		t -= s.Duration
	}
	return 0
}

// Expected is Λ(t): the expected number of arrivals in [0, t).
func (p Profile) Expected(t time.Duration) float64 {
	var c float64
	for _, s := range p {
		if t <= 0 {
			break
		}
		d := min(t, s.Duration).Seconds()
		slope := 0.0
		if s.Duration > 0 {
			slope = (s.To - s.From) / s.Duration.Seconds()
		}
		c += s.From*d + slope*d*d/2
		t -= s.Duration
	}
	return c
}

// Inverse returns the offset t with Λ(t) = x, and false when the profile
// ends before x arrivals are expected.
func (p Profile) Inverse(x float64) (time.Duration, bool) {
	if x < 0 || math.IsNaN(x) {
		return 0, false
	}
	var start time.Duration
	c := 0.0
	for _, s := range p {
		d := s.Duration.Seconds()
		area := (s.From + s.To) / 2 * d
		if x < c+area {
			r := x - c
			// Solve From·u + k·u² = r for u in [0, d], k = slope/2, in
			// the form that stays stable when k is near 0.
			k := (s.To - s.From) / d / 2
			disc := math.Max(s.From*s.From+4*k*r, 0)
			u := 0.0
			if r > 0 {
				u = 2 * r / (s.From + math.Sqrt(disc))
			}
			if math.IsNaN(u) || u > d {
				u = d
			}
			off := start + time.Duration(u*float64(time.Second))
			return off, off < p.Duration()
		}
		c += area
		start += s.Duration
	}
	return 0, false
}

func (p Profile) String() string {
	var parts []string
	for _, s := range p {
		if s.From == s.To {
			parts = append(parts, fmt.Sprintf("%g/s for %s", s.From, s.Duration))
		} else {
			parts = append(parts, fmt.Sprintf("%g→%g/s over %s", s.From, s.To, s.Duration))
		}
	}
	return strings.Join(parts, ", then ")
}

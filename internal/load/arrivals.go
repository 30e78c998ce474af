package load

import (
	"math"
	"math/rand/v2"
	"time"
)

// Process is how arrivals are spread under a profile's rate.
type Process uint8

const (
	// Uniform spaces arrivals evenly in expected count: the n-th arrival
	// (0-based) comes at Λ⁻¹(n). Under a constant rate r that is n/r.
	Uniform Process = iota
	// Poisson makes arrivals a (non-homogeneous) Poisson process with the
	// profile's rate.
	Poisson
)

func (p Process) String() string {
	if p == Poisson {
		return "poisson"
	}
	return "uniform"
}

// Arrivals yields the intended start offsets of an open-loop schedule, in
// order. Two Arrivals built with the same profile, process and seed yield
// the same offsets. Not safe for concurrent use.
type Arrivals struct {
	profile Profile
	process Process
	rng     *rand.Rand
	x       float64 // expected-count position of the next arrival
}

// NewArrivals returns the arrivals of profile under process.
func NewArrivals(profile Profile, process Process, seed int64) *Arrivals {
	a := &Arrivals{profile: profile, process: process, rng: rand.New(rand.NewPCG(uint64(seed), 0x6172726976616c73))}
	if process == Poisson {
		a.x = a.rng.ExpFloat64()
	}
	return a
}

// Next returns the next arrival's offset from the start of the run, and
// false when the schedule is over.
func (a *Arrivals) Next() (time.Duration, bool) {
	off, ok := a.profile.Inverse(a.x)
	if !ok {
		a.x = math.Inf(1)
		return 0, false
	}
	if a.process == Poisson {
		a.x += a.rng.ExpFloat64()
	} else {
		a.x++
	}
	return off, true
}

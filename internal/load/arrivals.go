// Package load decides when operations arrive and which keys they touch.
// Schedules are pure functions of the operation's index: they never read
// the clock, so tests check them at fixed instants and the same schedule can
// later drive a virtual-time simulation.
package load

import (
	"fmt"
	"math"
	"time"
)

// Arrivals is an open-loop arrival schedule: Offset returns when operation
// n (0-based) is intended to start, as an offset from the start of the run,
// and false when the schedule has no operation n.
type Arrivals interface {
	Offset(n int64) (time.Duration, bool)
}

// Constant is a constant arrival rate: operation n arrives at n/Rate, for
// as long as that is before Duration. Its zero value has no arrivals.
type Constant struct {
	Rate     float64       // operations per second
	Duration time.Duration // arrivals happen in [0, Duration)
}

// Offset implements Arrivals.
func (c Constant) Offset(n int64) (time.Duration, bool) {
	if c.Rate <= 0 || n < 0 {
		return 0, false
	}
	off := time.Duration(math.Round(float64(n) * float64(time.Second) / c.Rate))
	return off, off < c.Duration
}

// Count is how many operations the schedule offers.
func (c Constant) Count() int64 {
	if c.Rate <= 0 {
		return 0
	}
	n := int64(math.Ceil(c.Rate * c.Duration.Seconds()))
	for n > 0 { // guard rounding at the boundary
		if _, ok := c.Offset(n - 1); ok {
			break
		}
		n--
	}
	return n
}

func (c Constant) String() string { return fmt.Sprintf("constant %g/s for %s", c.Rate, c.Duration) }

// Key returns the key index (in [0, keys)) of operation n for a seed:
// uniform, and the same for every strategy run with that seed.
func Key(seed, n, keys int64) int64 {
	return int64(splitmix64(uint64(seed)*0x9E3779B97F4A7C15^uint64(n)) % uint64(keys))
}

// splitmix64 is a fast, well-mixed hash of one 64-bit value.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

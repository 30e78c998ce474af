package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Latency distributions.
const (
	// Normal is |Normal(Mean, StdDev)|: the absolute value, as the AWS
	// Architecture Blog's simulator draws network delay.
	Normal = "normal"
	// LogNormal has mean Mean and standard deviation StdDev: a long right
	// tail, closer to what networks do.
	LogNormal = "lognormal"
	// Fixed is always Mean.
	Fixed = "fixed"
)

// DefaultLatency is the round trip of one attempt when a simulation names
// none: |Normal(1ms, 0.2ms)|, about what an SDK call to the embedded fake
// on loopback takes on a small machine.
var DefaultLatency = Latency{Dist: Normal, Mean: time.Millisecond, StdDev: 200 * time.Microsecond}

// Latency is a distribution of network delay. The zero value is
// DefaultLatency. It prints as ParseLatency reads it.
type Latency struct {
	Dist         string // Normal (default), LogNormal or Fixed
	Mean, StdDev time.Duration
}

// ParseLatency reads "normal:MEAN,STDDEV", "lognormal:MEAN,STDDEV" or
// "fixed:MEAN", e.g. "normal:10ms,2ms".
func ParseLatency(s string) (Latency, error) {
	dist, args, _ := strings.Cut(strings.TrimSpace(s), ":")
	var l Latency
	l.Dist = dist
	parts := strings.Split(args, ",")
	want := 2
	if dist == Fixed {
		want = 1
	} else if dist != Normal && dist != LogNormal {
		return Latency{}, fmt.Errorf("latency %q: distribution must be normal, lognormal or fixed", s)
	}
	if len(parts) != want {
		return Latency{}, fmt.Errorf("latency %q: want %s:MEAN%s", s, dist, map[bool]string{true: ",STDDEV", false: ""}[want == 2])
	}
	var err error
	if l.Mean, err = time.ParseDuration(strings.TrimSpace(parts[0])); err != nil || l.Mean < 0 {
		return Latency{}, fmt.Errorf("latency %q: mean: want a duration >= 0 like 1ms", s)
	}
	if want == 2 {
		if l.StdDev, err = time.ParseDuration(strings.TrimSpace(parts[1])); err != nil || l.StdDev < 0 {
			return Latency{}, fmt.Errorf("latency %q: stddev: want a duration >= 0 like 0.2ms", s)
		}
	}
	if dist == LogNormal && l.Mean == 0 {
		return Latency{}, fmt.Errorf("latency %q: a lognormal needs a mean > 0", s)
	}
	return l, nil
}

func (l Latency) resolved() Latency {
	if l == (Latency{}) {
		return DefaultLatency
	}
	if l.Dist == "" {
		l.Dist = Normal
	}
	return l
}

func (l Latency) String() string {
	l = l.resolved()
	if l.Dist == Fixed {
		return fmt.Sprintf("fixed:%v", l.Mean)
	}
	return fmt.Sprintf("%s:%v,%v", l.Dist, l.Mean, l.StdDev)
}

// sampler draws from a Latency with precomputed parameters.
type sampler struct {
	dist      string
	mean, sd  float64 // nanoseconds; for LogNormal, mu and sigma of the log
	lognormal bool
}

func newSampler(l Latency) sampler {
	l = l.resolved()
	s := sampler{dist: l.Dist, mean: float64(l.Mean), sd: float64(l.StdDev)}
	if l.Dist == LogNormal {
		v := 1 + s.sd*s.sd/(s.mean*s.mean)
		s.sd = math.Sqrt(math.Log(v))
		s.mean = math.Log(s.mean) - s.sd*s.sd/2
		s.lognormal = true
	}
	return s
}

// sample draws one delay from r.
func (s sampler) sample(r *rand.Rand) time.Duration {
	switch {
	case s.dist == Fixed:
		return time.Duration(s.mean)
	case s.lognormal:
		return time.Duration(math.Exp(s.mean + s.sd*r.NormFloat64()))
	}
	return time.Duration(math.Abs(s.mean + s.sd*r.NormFloat64()))
}

package stats

import (
	"fmt"
	"math"
	"slices"
)

// DefaultConfidence is the confidence level of the intervals benchstat
// reports.
const DefaultConfidence = 0.95

// Median returns the median of xs (the mean of the two middle values
// when len(xs) is even), or NaN when xs is empty. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Summary is a sample's median with its confidence interval.
type Summary struct {
	N      int
	Center float64 // the median
	// Lo and Hi bound the interval; they are -Inf and +Inf when the
	// sample is too small for the requested confidence.
	Lo, Hi float64
	// Confidence is the interval's actual level, at least the one
	// requested (the order statistics make it discrete).
	Confidence float64
}

// Finite reports whether the interval has finite bounds.
func (s Summary) Finite() bool { return !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) }

// RangePct is benchstat's "±x%" : the interval's larger distance from the
// median as a percentage of it; "∞" for an infinite interval, "?" when
// the bounds straddle zero, "0%" for an all-zero sample.
func (s Summary) RangePct() string {
	if !s.Finite() {
		return "∞"
	}
	sign := func(v float64) int {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0
	}
	c := sign(s.Center)
	if c != sign(s.Lo) || c != sign(s.Hi) {
		return "?"
	}
	if s.Center == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*math.Max(s.Hi/s.Center-1, 1-s.Lo/s.Center))
}

// MedianCI returns the median of xs and a distribution-free confidence
// interval for the population median at level confidence (0 to 1), from
// order statistics (see QuantileCI). xs is not modified.
func MedianCI(xs []float64, confidence float64) Summary {
	s := slices.Sorted(slices.Values(xs))
	sum := Summary{N: len(s), Center: Median(s), Lo: math.Inf(-1), Hi: math.Inf(1)}
	if len(s) == 0 {
		return sum
	}
	ci := QuantileCI(len(s), 0.5, confidence)
	sum.Confidence = ci.Confidence
	if ci.LoOrder >= 1 {
		sum.Lo = s[ci.LoOrder-1]
	}
	if ci.HiOrder <= len(s) {
		sum.Hi = s[ci.HiOrder-1]
	}
	return sum
}

// MedianCISamples returns the smallest sample size with a finite median
// interval at level confidence (6 for 0.95), or 0 when none up to 50 has.
func MedianCISamples(confidence float64) int {
	for n := 2; n <= 50; n++ {
		if ci := QuantileCI(n, 0.5, confidence); ci.LoOrder >= 1 && ci.HiOrder <= n {
			return n
		}
	}
	return 0
}

// QuantileInterval bounds a quantile by order statistics.
type QuantileInterval struct {
	// LoOrder and HiOrder are 1-based order statistics: the interval of
	// a sorted sample xs is xs[LoOrder-1] to xs[HiOrder-1]. LoOrder 0
	// means -Inf and HiOrder n+1 means +Inf.
	LoOrder, HiOrder int
	// Confidence is the interval's actual level, >= the one requested.
	Confidence float64
	// Ambiguous reports that the interval shifted right by one order
	// has the same confidence (the left one is chosen).
	Ambiguous bool
}

// QuantileCI returns the order statistics bounding a confidence interval
// for the q'th quantile (0 to 1) of a population from a sample of size n:
// the number of sample values below the quantile is Binomial(n, q), and
// the interval accumulates its most probable outcomes, starting from the
// mode and preferring the left on ties, until it reaches confidence.
//
// This is benchstat's method; benchstat switches to a normal approximation
// of the binomial above 30 samples, where this stays exact.
func QuantileCI(n int, q, confidence float64) QuantileInterval {
	if confidence >= 1 || n < 1 {
		return QuantileInterval{LoOrder: 0, HiOrder: n + 1, Confidence: 1}
	}
	pmf := func(k int) float64 { return binomialPMF(n, q, k) }
	x := int(math.Ceil(float64(n+1)*q) - 1)
	if q == 0 {
		x = 0
	}
	accum := pmf(x)
	l, r := x, x+1 // [l, r) is the summed range of outcomes
	lp, rp := pmf(l-1), pmf(r)
	res := QuantileInterval{Ambiguous: rp == accum}
	for accum < confidence && (lp > 0 || rp > 0) {
		res.Ambiguous = lp == rp
		if lp >= rp {
			accum += lp
			l--
			lp = pmf(l - 1)
		} else {
			accum += rp
			r++
			rp = pmf(r)
		}
	}
	res.Confidence = accum
	res.LoOrder, res.HiOrder = max(l, 0), min(r, n+1)
	return res
}

// binomialPMF is P(X = k) for X ~ Binomial(n, p).
func binomialPMF(n int, p float64, k int) float64 {
	switch {
	case k < 0 || k > n:
		return 0
	case p == 0:
		if k == 0 {
			return 1
		}
		return 0
	case p == 1:
		if k == n {
			return 1
		}
		return 0
	}
	if n > 1000 {
		lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
		return math.Exp(lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
	}
	// Exact in floating point for the small n of repeated trials, so
	// that symmetric outcomes compare equal.
	c := 1.0
	for i := range min(k, n-k) {
		c = c * float64(n-i) / float64(i+1)
	}
	return c * math.Pow(p, float64(k)) * math.Pow(1-p, float64(n-k))
}

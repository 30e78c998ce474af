// Package stats holds the statistics that compare repeated trials: the
// Mann-Whitney U-test, and medians with distribution-free confidence
// intervals. It is a thin layer over benchstat's own package,
// golang.org/x/perf/benchmath (its AssumeNothing assumption, itself on
// github.com/aclements/go-moremath/stats), so that bench compare and
// benchstat agree to the last digit; it only adds the shapes bench compare
// needs (the smallest p-value a sample size allows, the sample sizes that
// make an interval finite or a difference detectable). Everything here is a
// pure function, safe for concurrent use; inputs are never modified.
package stats

import (
	"errors"
	"math"
	"slices"

	moremath "github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// DefaultConfidence is the confidence level of the intervals benchstat
// reports.
const DefaultConfidence = 0.95

// maxSamples bounds the searches of MedianCISamples and UTestSamples, as
// benchmath's own.
const maxSamples = 50

// sample copies xs (benchmath sorts its values in place).
func sample(xs []float64) *benchmath.Sample {
	return benchmath.NewSample(slices.Clone(xs), &benchmath.DefaultThresholds)
}

// Median returns the median of xs (the mean of the two middle values
// when len(xs) is even), or NaN when xs is empty.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return benchmath.AssumeNothing.Summary(sample(xs), DefaultConfidence).Center
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

// RangePct is benchstat's "±x%": the interval's larger distance from the
// median as a percentage of it; "∞" for an infinite interval, "?" when
// the bounds straddle zero, "0%" for an all-zero sample.
func (s Summary) RangePct() string {
	return benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
}

// MedianCI returns the median of xs and benchstat's distribution-free
// confidence interval for the population median at level confidence (0 to
// 1), from order statistics: exact binomial up to 30 values, its normal
// approximation beyond.
func MedianCI(xs []float64, confidence float64) Summary {
	sum := Summary{N: len(xs), Center: math.NaN(), Lo: math.Inf(-1), Hi: math.Inf(1)}
	if len(xs) == 0 {
		return sum
	}
	b := benchmath.AssumeNothing.Summary(sample(xs), confidence)
	sum.Center, sum.Lo, sum.Hi, sum.Confidence = b.Center, b.Lo, b.Hi, b.Confidence
	return sum
}

// MedianCISamples returns the smallest sample size with a finite median
// interval at level confidence (6 for 0.95), or 0 when none up to 50 has.
func MedianCISamples(confidence float64) int {
	for n := 2; n <= maxSamples; n++ {
		if MedianCI(ramp(n, 0), confidence).Finite() {
			return n
		}
	}
	return 0
}

// UTest is the result of a two-sided Mann-Whitney U-test.
type UTest struct {
	// N1 and N2 are the sample sizes.
	N1, N2 int
	// P is the two-sided p-value of the null hypothesis that both
	// samples come from the same distribution; 1 when the test cannot
	// be made (an empty sample, or every value the same).
	P float64
}

// Significant reports whether the test rejects the null hypothesis at
// level alpha. Like benchstat, a P equal to alpha is significant.
func (t UTest) Significant(alpha float64) bool { return t.P <= alpha }

// Errors from MannWhitneyU: go-moremath's, which benchmath reports.
var (
	ErrSampleSize   = moremath.ErrSampleSize   // a sample is empty
	ErrSamplesEqual = moremath.ErrSamplesEqual // every value in both samples is the same
)

// MannWhitneyU tests whether x and y come from the same distribution
// against the alternative that one tends to have larger values
// (two-sided), exactly as benchstat: the exact distribution of U up to 50
// values a side without ties (25 with ties, where one tail is doubled),
// the normal approximation with tie and continuity corrections beyond.
//
// When the test cannot be made it returns P = 1 with ErrSampleSize or
// ErrSamplesEqual.
func MannWhitneyU(x, y []float64) (UTest, error) {
	c := benchmath.AssumeNothing.Compare(sample(x), sample(y))
	t := UTest{N1: len(x), N2: len(y), P: c.P}
	for _, w := range c.Warnings {
		if errors.Is(w, ErrSampleSize) || errors.Is(w, ErrSamplesEqual) {
			return UTest{N1: len(x), N2: len(y), P: 1}, w
		}
	}
	return t, nil
}

// UTestMinP returns the smallest two-sided p-value the U-test can give
// for samples of sizes n1 and n2: its p-value for two fully separated
// samples (2 / C(n1+n2, n1) in the exact range).
func UTestMinP(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	t, err := MannWhitneyU(ramp(n1, 0), ramp(n2, n1))
	if err != nil {
		return 1
	}
	return t.P
}

// UTestSamples returns the smallest sample size n for which two samples
// of n values each can show a difference at level alpha (4 for 0.05), or
// 0 when none up to 50 can.
func UTestSamples(alpha float64) int {
	for n := 1; n <= maxSamples; n++ {
		if UTestMinP(n, n) <= alpha {
			return n
		}
	}
	return 0
}

// ramp returns from, from+1, ..., from+n-1.
func ramp(n, from int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(from + i)
	}
	return xs
}

// Package stats holds the statistics that compare repeated trials: the
// Mann-Whitney U-test, and medians with distribution-free confidence
// intervals. It follows benchstat (golang.org/x/perf/benchmath, itself on
// github.com/aclements/go-moremath/stats), which makes no assumption about
// the distribution of benchmark measurements; the differences are stated
// where they occur. Everything here is a pure function, safe for concurrent
// use.
package stats

import (
	"errors"
	"math"
	"sort"
)

// Limits on the sample sizes for which MannWhitneyU computes the exact
// distribution of U; beyond them it uses the normal approximation with tie
// and continuity corrections. They are benchstat's.
const (
	ExactLimit     = 50 // each sample, no ties
	TiesExactLimit = 25 // each sample, with ties
)

// Errors from MannWhitneyU.
var (
	ErrSampleSize   = errors.New("stats: a sample is empty")
	ErrSamplesEqual = errors.New("stats: all values are equal")
)

// UTest is the result of a two-sided Mann-Whitney U-test.
type UTest struct {
	// N1 and N2 are the sample sizes.
	N1, N2 int
	// U is the statistic of the first sample: the number of pairs (x, y)
	// with x > y, plus half the number with x == y; 0 to N1*N2.
	U float64
	// P is the two-sided p-value of the null hypothesis that both
	// samples come from the same distribution.
	P float64
	// Exact reports whether P comes from the exact distribution of U
	// (otherwise from the normal approximation).
	Exact bool
}

// Significant reports whether the test rejects the null hypothesis at
// level alpha. Like benchstat, a P equal to alpha is significant.
func (t UTest) Significant(alpha float64) bool { return t.P <= alpha }

// MannWhitneyU tests whether x and y come from the same distribution
// against the alternative that one tends to have larger values (two-sided).
// The inputs are not modified.
//
// Without ties it computes exactly what benchstat computes. With ties and
// small samples the exact p-value is that of the permutation distribution
// of U given the ties, P(|U - mean| >= |u - mean|) (as R's
// coin::wilcox_test with distribution = "exact"), where benchstat doubles
// one tail, which can differ when ties make the distribution asymmetric.
//
// It fails with ErrSampleSize when a sample is empty and ErrSamplesEqual
// when every value in both samples is the same.
func MannWhitneyU(x, y []float64) (UTest, error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return UTest{}, ErrSampleSize
	}
	type item struct {
		v     float64
		first bool
	}
	all := make([]item, 0, n1+n2)
	for _, v := range x {
		all = append(all, item{v, true})
	}
	for _, v := range y {
		all = append(all, item{v, false})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].v < all[j].v })

	// twoRank[i] is twice the mid-rank of all[i] (an integer); ties
	// holds the size of every group of equal values.
	n := n1 + n2
	twoRank := make([]int, n)
	var ties []int
	hasTies := false
	twoR1 := 0 // twice the rank sum of x
	for i := 0; i < n; {
		j := i
		for j < n && all[j].v == all[i].v {
			j++
		}
		r := i + 1 + j // twice the mid-rank of ranks i+1..j
		for k := i; k < j; k++ {
			twoRank[k] = r
			if all[k].first {
				twoR1 += r
			}
		}
		ties = append(ties, j-i)
		hasTies = hasTies || j-i > 1
		i = j
	}
	if len(ties) == 1 {
		return UTest{}, ErrSamplesEqual
	}
	twoU := twoR1 - n1*(n1+1) // twice U
	res := UTest{N1: n1, N2: n2, U: float64(twoU) / 2}

	if !hasTies && n1 <= ExactLimit && n2 <= ExactLimit ||
		hasTies && n1 <= TiesExactLimit && n2 <= TiesExactLimit {
		res.P = exactP(twoRank, n1, twoU)
		res.Exact = true
		return res, nil
	}

	// Normal approximation with tie and continuity corrections, as
	// benchstat.
	t := 0.0
	for _, k := range ties {
		t += float64(k*k*k - k)
	}
	N := float64(n)
	mu := float64(n1*n2) / 2
	sigma := math.Sqrt(float64(n1*n2) * ((N + 1) - t/(N*(N-1))) / 12)
	if sigma == 0 {
		return UTest{}, ErrSamplesEqual
	}
	d := res.U - mu
	switch {
	case d > 0:
		d -= 0.5
	case d < 0:
		d += 0.5
	}
	z := math.Abs(d) / sigma
	res.P = min(1, 2*normalSF(z))
	return res, nil
}

// exactP returns P(|2U - n1*n2| >= |twoU - n1*n2|) when the first sample
// is a uniformly random subset of size n1 of the pooled ranks (given as
// twice their mid-ranks).
func exactP(twoRank []int, n1, twoU int) float64 {
	// count[k][s] is the number of subsets of size k of the ranks seen
	// so far whose doubled rank sum is s.
	maxSum := 0
	for _, r := range twoRank {
		maxSum += r
	}
	count := make([][]float64, n1+1)
	for k := range count {
		count[k] = make([]float64, maxSum+1)
	}
	count[0][0] = 1
	for i, r := range twoRank {
		for k := min(i+1, n1); k >= 1; k-- {
			prev, cur := count[k-1], count[k]
			for s := maxSum; s >= r; s-- {
				if prev[s-r] != 0 {
					cur[s] += prev[s-r]
				}
			}
		}
	}
	offset := n1 * (n1 + 1) // doubled rank sum minus doubled U
	center := n1 * (len(twoRank) - n1)
	observed := abs(twoU - center)
	var tail, total float64
	for s, c := range count[n1] {
		if c == 0 {
			continue
		}
		total += c
		if abs(s-offset-center) >= observed {
			tail += c
		}
	}
	return min(1, tail/total)
}

// UTestMinP returns the smallest two-sided p-value the exact U-test can
// give for samples of sizes n1 and n2 without ties: 2 / C(n1+n2, n1).
func UTestMinP(n1, n2 int) float64 {
	if n1 < 1 || n2 < 1 {
		return 1
	}
	return min(1, 2/choose(n1+n2, n1))
}

// UTestSamples returns the smallest sample size n for which two samples
// of n values each can show a difference at level alpha (4 for 0.05), or
// 0 when none up to 50 can.
func UTestSamples(alpha float64) int {
	for n := 1; n <= ExactLimit; n++ {
		if UTestMinP(n, n) <= alpha {
			return n
		}
	}
	return 0
}

func choose(n, k int) float64 {
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return math.Round(math.Exp(lg(n) - lg(k) - lg(n-k)))
}

// normalSF is the standard normal survival function, 1 - CDF(z).
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

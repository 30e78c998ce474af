package stats

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestMannWhitneyU(t *testing.T) {
	s1 := []float64{2, 1, 3, 5}
	s2 := []float64{12, 11, 13, 15}
	s3 := []float64{0, 4, 6, 7}
	rx := []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46}
	ry := []float64{1.15, 0.88, 0.90, 0.74, 1.21}
	seq := func(n, mul, add int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(i*mul + add)
		}
		return xs
	}
	l1, l2 := seq(500, 2, 0), seq(600, 2, -41)
	l3 := append([]float64{}, l2...)
	copy(l3[:30], l1[:30])
	tests := []struct {
		name string
		x, y []float64
		p    float64
	}{
		// From go-moremath's tests (benchstat's U-test).
		{"separated", s1, s2, 0.028571428571428577},
		{"separated reversed", s2, s1, 0.028571428571428577},
		{"interleaved", s1, s3, 0.48571428571428577},
		{"identical samples", s1, s1, 1},
		// R: wilcox.test(x, y) from ?wilcox.test: W = 35, p-value = 0.2544.
		{"R wilcox.test example", rx, ry, 0.25441225441225443},
		// 6 trials each, fully separated: 2/C(12,6), benchstat's minimum.
		{"six each separated", []float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}, 2.0 / 924},
		// Constant trials on each side (a deterministic run): all ties.
		{"six each constant", []float64{5, 5, 5, 5, 5, 5}, []float64{6, 6, 6, 6, 6, 6}, 2.0 / 924},
		// Normal approximation; go-moremath's values, which match R.
		{"large", l1, l2, 0.0049335360814172224},
		{"large equal", l1, l1, 1},
		{"large ties", l1, l3, 0.0038703814239617884},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			if !approx(got.P, tt.p) || got.N1 != len(tt.x) || got.N2 != len(tt.y) {
				t.Errorf("got p=%v n=%d+%d, want p=%v n=%d+%d", got.P, got.N1, got.N2, tt.p, len(tt.x), len(tt.y))
			}
		})
	}
}

func TestMannWhitneyUErrors(t *testing.T) {
	if _, err := MannWhitneyU(nil, []float64{1}); !errors.Is(err, ErrSampleSize) {
		t.Errorf("empty sample: got %v, want ErrSampleSize", err)
	}
	if _, err := MannWhitneyU([]float64{2, 2}, []float64{2, 2, 2}); !errors.Is(err, ErrSamplesEqual) {
		t.Errorf("equal samples: got %v, want ErrSamplesEqual", err)
	}
}

// TestMannWhitneyUEnumeration checks the exact p-value against a
// brute-force enumeration of every assignment of the pooled values to the
// first sample. Without ties benchmath's p-value is that permutation
// p-value; with ties it doubles one tail of go-moremath's tie-aware
// distribution, which is what benchstat prints, and differs: those cases
// pin benchstat's value and the exact one beside it.
func TestMannWhitneyUEnumeration(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want float64 // NaN: the brute-force permutation p-value
		// exact is the permutation p-value, when it differs from want.
		exact float64
	}{
		{"no ties, interleaved", []float64{1, 4, 6, 9}, []float64{2, 3, 5, 7, 8}, math.NaN(), 0},
		{"no ties, R example", []float64{0.80, 0.83, 1.89, 1.04, 1.45}, []float64{1.15, 0.88, 0.90, 0.74, 1.21, 0.84}, math.NaN(), 0},
		{"ties with one value", []float64{1, 2, 3, 5}, []float64{2, 2, 2, 2}, math.NaN(), 0},
		{"ties, symmetric", []float64{10, 10, 11, 12, 12, 13}, []float64{11, 12, 12, 14, 14, 15}, math.NaN(), 0},
		// benchstat says 0 where 6 of the 126 assignments are as extreme.
		{"ties at the minimum", []float64{1, 2, 3, 5}, []float64{1, 1, 1, 1, 1}, 0, 6.0 / 126},
		{"one tie across samples", []float64{0.80, 0.83, 1.89, 1.04, 1.45}, []float64{1.15, 0.88, 0.90, 0.74, 1.21, 0.83}, 0.5714285714285714, 0.5692640692640693},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			brute := bruteP(tt.x, tt.y)
			if math.IsNaN(tt.want) {
				if !approx(got.P, brute) {
					t.Errorf("got p=%v, want the permutation p-value %v", got.P, brute)
				}
				return
			}
			if !approx(got.P, tt.want) {
				t.Errorf("got p=%v, want benchstat's %v", got.P, tt.want)
			}
			if !approx(brute, tt.exact) {
				t.Errorf("permutation p-value %v, want %v (fix the table)", brute, tt.exact)
			}
		})
	}
}

func uStat(x, y []float64) float64 {
	u := 0.0
	for _, a := range x {
		for _, b := range y {
			switch {
			case a > b:
				u++
			case a == b:
				u += 0.5
			}
		}
	}
	return u
}

func bruteP(x, y []float64) float64 {
	pool := append(append([]float64{}, x...), y...)
	n1, n := len(x), len(pool)
	center := float64(n1*(n-n1)) / 2
	obs := math.Abs(uStat(x, y) - center)
	var hit, total int
	for mask := 0; mask < 1<<n; mask++ {
		var a, b []float64
		for i, v := range pool {
			if mask&(1<<i) != 0 {
				a = append(a, v)
			} else {
				b = append(b, v)
			}
		}
		if len(a) != n1 {
			continue
		}
		total++
		if math.Abs(uStat(a, b)-center) >= obs-1e-9 {
			hit++
		}
	}
	return float64(hit) / float64(total)
}

func TestUTestSamples(t *testing.T) {
	for _, tt := range []struct {
		alpha float64
		want  int
	}{{0.05, 4}, {0.01, 5}, {0.001, 7}} {
		if got := UTestSamples(tt.alpha); got != tt.want {
			t.Errorf("UTestSamples(%v) = %d, want %d", tt.alpha, got, tt.want)
		}
	}
	if got, want := UTestMinP(6, 6), 2.0/924; !approx(got, want) {
		t.Errorf("UTestMinP(6, 6) = %v, want %v", got, want)
	}
}

func TestMedianCI(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name             string
		xs               []float64
		center, lo, hi   float64
		rangePct         string
		wantFiniteBounds bool
	}{
		{"six", []float64{12, 10, 11, 13, 9, 14}, 11.5, 9, 14, "22%", true},
		{"five: too few", []float64{3, 1, 2, 5, 4}, 3, -inf, 5, "∞", false},
		{"one", []float64{7}, 7, -inf, inf, "∞", false},
		{"zeros", []float64{0, 0, 0, 0, 0, 0}, 0, 0, 0, "0%", true},
		{"straddles zero", []float64{-1, -1, 1, 1, 2, 3}, 1, -1, 3, "?", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MedianCI(tt.xs, DefaultConfidence)
			if got.Center != tt.center || got.Lo != tt.lo || got.Hi != tt.hi || got.Finite() != tt.wantFiniteBounds {
				t.Errorf("got %v [%v, %v], want %v [%v, %v]", got.Center, got.Lo, got.Hi, tt.center, tt.lo, tt.hi)
			}
			if r := got.RangePct(); r != tt.rangePct {
				t.Errorf("RangePct() = %q, want %q", r, tt.rangePct)
			}
		})
	}
	if got := MedianCISamples(0.95); got != 6 {
		t.Errorf("MedianCISamples(0.95) = %d, want 6", got)
	}
	if got := Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}

// benchmath sorts a sample's values in place; bench compare passes the
// trials in run order and must get them back that way.
func TestInputsNotModified(t *testing.T) {
	x := []float64{3, 1, 2, 6, 5, 4}
	y := []float64{9, 7, 8, 12, 11, 10}
	MedianCI(x, DefaultConfidence)
	MannWhitneyU(x, y)
	Median(y)
	if !slices.Equal(x, []float64{3, 1, 2, 6, 5, 4}) || !slices.Equal(y, []float64{9, 7, 8, 12, 11, 10}) {
		t.Errorf("inputs reordered: x=%v y=%v", x, y)
	}
}

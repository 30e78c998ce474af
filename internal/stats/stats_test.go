package stats

import (
	"errors"
	"math"
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
		name  string
		x, y  []float64
		u, p  float64
		exact bool
	}{
		// From go-moremath's tests (benchstat's U-test).
		{"separated", s1, s2, 0, 0.028571428571428577, true},
		{"separated reversed", s2, s1, 16, 0.028571428571428577, true},
		{"interleaved", s1, s3, 5, 0.48571428571428577, true},
		{"identical samples", s1, s1, 8, 1, true},
		// R: wilcox.test(x, y) from ?wilcox.test: W = 35, p-value = 0.2544.
		{"R wilcox.test example", rx, ry, 35, 0.25441225441225443, true},
		// 6 trials each, fully separated: 2/C(12,6), benchstat's minimum.
		{"six each separated", []float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}, 0, 2.0 / 924, true},
		// Constant trials on each side (a deterministic run): all ties.
		{"six each constant", []float64{5, 5, 5, 5, 5, 5}, []float64{6, 6, 6, 6, 6, 6}, 0, 2.0 / 924, true},
		// Normal approximation; go-moremath's values, which match R.
		{"large", l1, l2, 135250, 0.0049335360814172224, false},
		{"large equal", l1, l1, 125000, 1, false},
		{"large ties", l1, l3, 134845, 0.0038703814239617884, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			if got.U != tt.u || !approx(got.P, tt.p) || got.Exact != tt.exact {
				t.Errorf("got U=%v p=%v exact=%v, want U=%v p=%v exact=%v", got.U, got.P, got.Exact, tt.u, tt.p, tt.exact)
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

// TestMannWhitneyUEnumeration checks the exact p-value, ties included,
// against a brute-force enumeration of every assignment of the pooled
// values to the first sample.
func TestMannWhitneyUEnumeration(t *testing.T) {
	cases := [][2][]float64{
		{{1, 2, 3, 5}, {2, 2, 2, 2}},
		{{1, 2, 3, 5}, {1, 1, 1, 1, 1}},
		{{10, 10, 11, 12, 12, 13}, {11, 12, 12, 14, 14, 15}},
		{{0.80, 0.83, 1.89, 1.04, 1.45}, {1.15, 0.88, 0.90, 0.74, 1.21, 0.83}},
	}
	for _, c := range cases {
		got, err := MannWhitneyU(c[0], c[1])
		if err != nil {
			t.Fatal(err)
		}
		want := bruteP(c[0], c[1])
		if !approx(got.P, want) {
			t.Errorf("%v vs %v: got p=%v, want %v", c[0], c[1], got.P, want)
		}
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

func TestQuantileCI(t *testing.T) {
	// go-moremath's exact-binomial cases (benchstat's method).
	tests := []struct {
		n          int
		q, conf    float64
		lo, hi     int
		confidence float64
		ambiguous  bool
	}{
		{4, 0.5, 0.001, 2, 3, 0.375, false},
		{4, 0.25, 0.001, 1, 2, 0.421875, false},
		{4, 0, 0.001, 0, 1, 1, false},
		{4, 1, 0.001, 4, 5, 1, false},
		{4, 0.5, 0.375, 2, 3, 0.375, false},
		{4, 0.5, 0.3750001, 1, 3, 0.375 + 0.25, true},
		{4, 0.5, 1, 0, 5, 1, false},
		{4, 0.5, 0.99, 0, 5, 1, false},
		{4, 0.5, 0.99 - 0.0625, 0, 4, 0.375 + 2*0.25 + 0.0625, true},
		{5, 0.5, 0.001, 2, 3, 0.3125, true},
		{5, 0.5, 0.3125, 2, 3, 0.3125, true},
		{5, 0.5, 0.3125001, 2, 4, 0.3125 * 2, false},
		{5, 0.5, 1, 0, 6, 1, false},
		{5, 0.5, 0.99, 0, 6, 1, false},
		{5, 0.5, 0.99 - 0.03125, 0, 5, 1 - 0.03125, true},
		// 95 % needs 6 samples: [x1, x6] covers 62/64.
		{5, 0.5, 0.95, 0, 5, 31.0 / 32, true},
		{6, 0.5, 0.95, 1, 6, 62.0 / 64, false},
		{10, 0.5, 0.95, 2, 9, 1 - 2*(1.0+10)/1024, false},
	}
	for _, tt := range tests {
		got := QuantileCI(tt.n, tt.q, tt.conf)
		if got.LoOrder != tt.lo || got.HiOrder != tt.hi || !approx(got.Confidence, tt.confidence) || got.Ambiguous != tt.ambiguous {
			t.Errorf("QuantileCI(%d, %v, %v) = [%d,%d]@%v/%v, want [%d,%d]@%v/%v", tt.n, tt.q, tt.conf,
				got.LoOrder, got.HiOrder, got.Confidence, got.Ambiguous, tt.lo, tt.hi, tt.confidence, tt.ambiguous)
		}
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

package load

import (
	"math"
	"testing"
	"time"
)

func collect(a *Arrivals) []time.Duration {
	var out []time.Duration
	for {
		off, ok := a.Next()
		if !ok {
			return out
		}
		out = append(out, off)
	}
}

func TestUniformArrivals(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		profile Profile
		count   int
		checks  map[int]time.Duration // index -> exact offset
	}{
		{"constant 200/s for 1s", Constant(200, time.Second), 200, map[int]time.Duration{0: 0, 1: 5 * ms, 3: 15 * ms, 199: 995 * ms}},
		{"fractional rate", Constant(3, 2*time.Second), 6, map[int]time.Duration{1: 333333333, 5: 1666666666}},
		// Ramp 0→100/s over 2s: Λ(t) = 25 t², so arrival n at sqrt(n/25).
		{"ramp up", Ramp(0, 100, 2*time.Second), 100, map[int]time.Duration{0: 0, 1: 200 * ms, 4: 400 * ms, 25: time.Second, 99: 1989974874}},
		// Ramp 100→0/s over 2s: Λ(t) = 100t - 25t²; arrival 75 at t = 1s.
		{"ramp down", Ramp(100, 0, 2*time.Second), 100, map[int]time.Duration{0: 0, 75: time.Second}},
		{"steps", Steps(Step{10, time.Second}, Step{100, time.Second}), 110, map[int]time.Duration{9: 900 * ms, 10: time.Second, 11: 1010 * ms}},
		{"spike", Spike(10, 1000, 3*time.Second, time.Second, 100*ms), 10 + 100 + 19, map[int]time.Duration{10: time.Second, 109: 1099 * ms, 110: 1100 * ms}},
		{"zero rate", Constant(0, time.Second), 0, nil},
		{"empty", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := collect(NewArrivals(tt.profile, Uniform, 1))
			if len(got) != tt.count {
				t.Fatalf("got %d arrivals, want %d", len(got), tt.count)
			}
			for i, want := range tt.checks {
				if d := got[i] - want; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("arrival %d at %v, want %v", i, got[i], want)
				}
			}
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					t.Fatalf("arrival %d at %v before arrival %d at %v", i, got[i], i-1, got[i-1])
				}
			}
		})
	}
}

func TestPoissonArrivals(t *testing.T) {
	const rate, secs = 1000.0, 20
	a := collect(NewArrivals(Constant(rate, secs*time.Second), Poisson, 7))
	want := rate * secs
	if n := float64(len(a)); math.Abs(n-want) > 4*math.Sqrt(want) {
		t.Errorf("got %v arrivals, want %v ± 4σ", n, want)
	}
	// Inter-arrival gaps of a Poisson process are exponential: mean = sd = 1/rate.
	var sum, sq float64
	for i := 1; i < len(a); i++ {
		g := (a[i] - a[i-1]).Seconds()
		sum += g
		sq += g * g
	}
	n := float64(len(a) - 1)
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean-1/rate)/(1/rate) > 0.03 || math.Abs(sd-1/rate)/(1/rate) > 0.05 {
		t.Errorf("gaps mean %g sd %g, want both about %g", mean, sd, 1/rate)
	}
	b := collect(NewArrivals(Constant(rate, secs*time.Second), Poisson, 7))
	if len(a) != len(b) || a[100] != b[100] || a[len(a)-1] != b[len(b)-1] {
		t.Errorf("same seed gave different arrivals")
	}
	// A ramp under Poisson: arrivals in the second half are about 3x those in the first.
	r := collect(NewArrivals(Ramp(0, 2000, 10*time.Second), Poisson, 3))
	var first int
	for _, off := range r {
		if off < 5*time.Second {
			first++
		}
	}
	if ratio := float64(len(r)-first) / float64(first); ratio < 2.8 || ratio > 3.2 {
		t.Errorf("ramp second/first half = %g, want about 3", ratio)
	}
}

func TestProfileValidate(t *testing.T) {
	if err := (Profile{{time.Second, -1, 5}}).Validate(); err == nil {
		t.Errorf("negative rate accepted")
	}
	if err := (Profile{{-time.Second, 1, 5}}).Validate(); err == nil {
		t.Errorf("negative duration accepted")
	}
}

func TestKeys(t *testing.T) {
	const n = 200000
	t.Run("uniform", func(t *testing.T) {
		const keys = 10
		var counts [keys]int
		for i := int64(0); i < n; i++ {
			counts[UniformKeys{keys}.Key(7, i)]++
		}
		for k, c := range counts {
			if c < n/keys*95/100 || c > n/keys*105/100 {
				t.Errorf("key %d drawn %d times, want about %d", k, c, n/keys)
			}
		}
	})
	t.Run("hot", func(t *testing.T) {
		k := HotKeys{N: 1000, Hot: 2, Fraction: 0.5}
		hot := 0
		for i := int64(0); i < n; i++ {
			if k.Key(1, i) < 2 {
				hot++
			}
		}
		// 50% directed + 0.2% of the uniform half.
		if want := n * 0.501; math.Abs(float64(hot)-want) > 0.01*n {
			t.Errorf("hot keys got %d of %d, want about %g", hot, n, want)
		}
	})
	t.Run("zipf", func(t *testing.T) {
		z, err := NewZipf(1000, 0.99)
		if err != nil {
			t.Fatal(err)
		}
		counts := make([]int, 1000)
		for i := int64(0); i < n; i++ {
			counts[z.Key(1, i)]++
		}
		// P(0)/P(9) = 10^0.99 ≈ 9.8 for a Zipfian with theta 0.99.
		if r := float64(counts[0]) / float64(counts[9]); r < 8 || r > 12 {
			t.Errorf("P(key 0)/P(key 9) = %g, want about 9.8", r)
		}
		zeta := 0.0
		for i := 1; i <= 1000; i++ {
			zeta += 1 / math.Pow(float64(i), 0.99)
		}
		if p0, want := float64(counts[0])/n, 1/zeta; math.Abs(p0-want) > 0.1*want {
			t.Errorf("P(key 0) = %g, want %g", p0, want)
		}
		if _, err := NewZipf(10, 1.5); err == nil {
			t.Errorf("theta 1.5 accepted")
		}
	})
	t.Run("repeatable", func(t *testing.T) {
		a, b := UniformKeys{1 << 40}, UniformKeys{1 << 40}
		if a.Key(7, 3) != b.Key(7, 3) {
			t.Errorf("same seed and index gave different keys")
		}
		if (UniformKeys{1 << 40}).Key(7, 3) == (UniformKeys{1 << 40}).Key(8, 3) {
			t.Errorf("different seeds gave the same key")
		}
	})
}

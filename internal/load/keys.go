package load

import (
	"fmt"
	"math"
)

// Keys picks the key (an index in [0, N)) of operation n from a uniform
// number derived from the seed and n, so every strategy sees the same key
// sequence. Implementations are immutable and safe for concurrent use.
type Keys interface {
	Key(seed, n int64) int64
	String() string
}

// UniformKeys draws keys uniformly from [0, N).
type UniformKeys struct{ N int64 }

// Key implements Keys.
func (k UniformKeys) Key(seed, n int64) int64 { return int64(Uniform64(seed, n, 0) % uint64(k.N)) }

func (k UniformKeys) String() string { return fmt.Sprintf("uniform over %d keys", k.N) }

// HotKeys sends Fraction of operations to the first Hot keys (uniformly
// among them) and the rest uniformly over all N keys.
type HotKeys struct {
	N, Hot   int64
	Fraction float64
}

// Key implements Keys.
func (k HotKeys) Key(seed, n int64) int64 {
	if Float(seed, n, 1) < k.Fraction {
		return int64(Uniform64(seed, n, 2) % uint64(max(k.Hot, 1)))
	}
	return int64(Uniform64(seed, n, 2) % uint64(k.N))
}

func (k HotKeys) String() string {
	return fmt.Sprintf("%g%% of operations on %d hot keys of %d", 100*k.Fraction, k.Hot, k.N)
}

// ZipfKeys draws key ranks from a Zipfian distribution with exponent Theta
// in (0, 1) over N keys: key 0 is the most popular, P(i) ∝ 1/(i+1)^Theta.
// It is YCSB's generator (Gray et al., "Quickly generating billion-record
// synthetic databases"); YCSB's default Theta is 0.99. Build it with NewZipf.
type ZipfKeys struct {
	n                        int64
	theta, alpha, zetan, eta float64
	half                     float64 // 1 + 0.5^theta
}

// NewZipf precomputes a Zipfian generator over n keys; O(n) once.
func NewZipf(n int64, theta float64) (*ZipfKeys, error) {
	if n < 1 {
		return nil, fmt.Errorf("zipf: need at least one key, got %d", n)
	}
	if !(theta > 0 && theta < 1) {
		return nil, fmt.Errorf("zipf: theta must be in (0, 1), got %g", theta)
	}
	zeta := func(m int64) float64 {
		s := 0.0
		for i := int64(1); i <= m; i++ {
			s += 1 / math.Pow(float64(i), theta)
		}
		return s
	}
	z := &ZipfKeys{n: n, theta: theta, alpha: 1 / (1 - theta), zetan: zeta(n), half: 1 + math.Pow(0.5, theta)}
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - zeta(2)/z.zetan)
	return z, nil
}

// Key implements Keys.
func (z *ZipfKeys) Key(seed, n int64) int64 {
	u := Float(seed, n, 3)
	uz := u * z.zetan
	switch {
	case uz < 1 || z.n == 1:
		return 0
	case uz < z.half:
		return 1
	}
	k := int64(float64(z.n) * math.Pow(z.eta*u-z.eta+1, z.alpha))
	return min(max(k, 0), z.n-1)
}

func (z *ZipfKeys) String() string {
	return fmt.Sprintf("zipfian (theta %g) over %d keys", z.theta, z.n)
}

// Uniform64 is a well-mixed 64-bit number derived from (seed, n, stream):
// different streams give independent numbers for the same operation.
func Uniform64(seed, n int64, stream uint64) uint64 {
	return splitmix64(splitmix64(uint64(seed)^stream*0xD1B54A32D192ED03) ^ uint64(n))
}

// Float is Uniform64 as a float in [0, 1).
func Float(seed, n int64, stream uint64) float64 {
	return float64(Uniform64(seed, n, stream)>>11) / (1 << 53)
}

// splitmix64 is a fast, well-mixed hash of one 64-bit value.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Package shard splits one run's schedule over several processes.
//
// Shard I of N offers every Nth arrival of the one global schedule for the
// seed: arrival n (0-based, in schedule order) belongs to shard n mod N, so
// the N shards together offer the single-process schedule arrival for
// arrival, with the same keys (a key is a function of the seed and n).
// Arrival n goes to fleet member n mod F on every shard, as it would in one
// process; a shard builds only the members its arrivals reach.
package shard

import (
	"fmt"
	"strconv"
	"strings"
)

// Environment variables a shard reads its place from: a Kubernetes
// Indexed Job sets IndexEnv in each pod; the Job's manifest sets CountEnv.
const (
	IndexEnv = "JOB_COMPLETION_INDEX"
	CountEnv = "THROTTLEBENCH_SHARDS"
)

// MaxCount bounds the number of shards.
const MaxCount = 10000

// Shard is one part of a sharded run: Index in [0, Count). The zero value
// (Count 0) means the whole run in one process, as does Count 1.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Sharded reports whether s splits the run over more than one process.
func (s Shard) Sharded() bool { return s.Count > 1 }

// Owns reports whether arrival (or closed-loop worker) n belongs to s.
func (s Shard) Owns(n int64) bool {
	if s.Count <= 1 {
		return true
	}
	return n%int64(s.Count) == int64(s.Index)
}

// Offered is how many of the first n arrivals belong to s.
func (s Shard) Offered(n int64) int64 {
	if s.Count <= 1 {
		return n
	}
	c, i := int64(s.Count), int64(s.Index)
	if n <= i {
		return 0
	}
	return (n-i-1)/c + 1
}

// Member reports whether fleet member m (of a fleet of f) receives any of
// s's arrivals: arrival n goes to member n mod f, and n ≡ Index (mod
// Count), so member m is reached exactly when m ≡ Index (mod gcd(f,
// Count)).
func (s Shard) Member(m, f int) bool {
	if s.Count <= 1 {
		return true
	}
	g := gcd(f, s.Count)
	return m%g == s.Index%g
}

// SplitsFleet reports whether every fleet member of a fleet of f lives on
// exactly one shard (Count divides f). Otherwise a member's retry state
// (retry quota, limiter, budget) is split over Count/gcd(f, Count) shards,
// each keeping its own, which a single process would not do.
func (s Shard) SplitsFleet(f int) bool { return s.Count <= 1 || f%s.Count == 0 }

func (s Shard) String() string {
	if s.Count <= 1 {
		return "0/1"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Parse reads "I/N", for example "2/8".
func Parse(v string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT, for example 0/4", v)
	}
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want INDEX/COUNT with whole numbers, for example 0/4", v)
	}
	s := Shard{Index: index, Count: count}
	return s, s.Validate()
}

// Validate reports a count out of [1, MaxCount] or an index out of
// [0, Count).
func (s Shard) Validate() error {
	switch {
	case s.Count < 1 || s.Count > MaxCount:
		return fmt.Errorf("shard count must be in [1, %d], got %d", MaxCount, s.Count)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("shard index must be in [0, %d) for %d shards, got %d", s.Count, s.Count, s.Index)
	}
	return nil
}

// FromEnv reads the shard from IndexEnv and CountEnv through getenv (for
// example os.Getenv). It returns false when neither is set; one without
// the other is an error.
func FromEnv(getenv func(string) string) (Shard, bool, error) {
	i, n := strings.TrimSpace(getenv(IndexEnv)), strings.TrimSpace(getenv(CountEnv))
	switch {
	case i == "" && n == "":
		return Shard{}, false, nil
	case n == "":
		return Shard{}, false, fmt.Errorf("%s=%s is set but %s is not: set it to the number of shards (the Job's completions)", IndexEnv, i, CountEnv)
	case i == "":
		return Shard{}, false, fmt.Errorf("%s=%s is set but %s is not", CountEnv, n, IndexEnv)
	}
	index, err := strconv.Atoi(i)
	if err != nil {
		return Shard{}, false, fmt.Errorf("%s: want a whole number, got %q", IndexEnv, i)
	}
	count, err := strconv.Atoi(n)
	if err != nil {
		return Shard{}, false, fmt.Errorf("%s: want a whole number, got %q", CountEnv, n)
	}
	s := Shard{Index: index, Count: count}
	if err := s.Validate(); err != nil {
		return Shard{}, false, fmt.Errorf("%s=%s, %s=%s: %w", IndexEnv, i, CountEnv, n, err)
	}
	return s, true, nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	if a < 1 {
		return 1
	}
	return a
}

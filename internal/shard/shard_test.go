package shard

import (
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/load"
)

// TestUnionIsTheSchedule: the shards' arrivals, put together, are the
// single-process schedule arrival for arrival (offsets and keys), each
// arrival on exactly one shard, on the member one process would use.
func TestUnionIsTheSchedule(t *testing.T) {
	profile := load.Ramp(50, 400, 3*time.Second)
	keys := load.UniformKeys{N: 1000}
	const seed, fleet = 42, 6
	type arr struct {
		off       time.Duration
		key, memb int64
	}
	var whole []arr
	a := load.NewArrivals(profile, load.Poisson, seed)
	for n := int64(0); ; n++ {
		off, ok := a.Next()
		if !ok {
			break
		}
		whole = append(whole, arr{off, keys.Key(seed, n), n % fleet})
	}
	for _, count := range []int{1, 2, 3, 4, 7} {
		got := make([]*arr, len(whole))
		for i := range count {
			s := Shard{Index: i, Count: count}
			a := load.NewArrivals(profile, load.Poisson, seed)
			var mine int64
			for n := int64(0); ; n++ {
				off, ok := a.Next()
				if !ok {
					break
				}
				if !s.Owns(n) {
					continue
				}
				mine++
				if got[n] != nil {
					t.Fatalf("%d shards: arrival %d offered by two shards", count, n)
				}
				m := n % fleet
				if !s.Member(int(m), fleet) {
					t.Fatalf("shard %s: arrival %d goes to member %d, which the shard does not build", s, n, m)
				}
				got[n] = &arr{off, keys.Key(seed, n), m}
			}
			if want := s.Offered(int64(len(whole))); mine != want {
				t.Errorf("shard %s: offered %d, Offered says %d", s, mine, want)
			}
		}
		for n, g := range got {
			if g == nil {
				t.Fatalf("%d shards: arrival %d offered by no shard", count, n)
			}
			if *g != whole[n] {
				t.Fatalf("%d shards: arrival %d is %+v, one process has %+v", count, n, *g, whole[n])
			}
		}
	}
}

func TestMembersSplitFleet(t *testing.T) {
	for _, tc := range []struct {
		fleet, count int
		perShard     int // members each shard builds
	}{
		{6, 3, 2}, {6, 2, 3}, {6, 4, 3}, {5, 3, 5}, {1, 3, 1}, {12, 1, 12},
	} {
		owners := make([]int, tc.fleet)
		for i := range tc.count {
			built := 0
			for m := range tc.fleet {
				if (Shard{i, tc.count}).Member(m, tc.fleet) {
					built++
					owners[m]++
				}
			}
			if built != tc.perShard {
				t.Errorf("fleet %d over %d shards: shard %d builds %d members, want %d", tc.fleet, tc.count, i, built, tc.perShard)
			}
		}
		split := (Shard{0, tc.count}).SplitsFleet(tc.fleet)
		for m, n := range owners {
			if split && n != 1 {
				t.Errorf("fleet %d over %d shards: member %d on %d shards, want 1", tc.fleet, tc.count, m, n)
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Shard
		wantErr string
	}{
		{"0/1", Shard{0, 1}, ""},
		{"2/3", Shard{2, 3}, ""},
		{" 1/4 ", Shard{1, 4}, ""},
		{"3/3", Shard{}, "index must be in [0, 3)"},
		{"-1/3", Shard{}, "index must be in [0, 3)"},
		{"0/0", Shard{}, "count must be in [1,"},
		{"1", Shard{}, "want INDEX/COUNT"},
		{"a/3", Shard{}, "whole numbers"},
		{"", Shard{}, "want INDEX/COUNT"},
	} {
		got, err := Parse(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q): error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       map[string]string
		want      Shard
		wantOK    bool
		wantError string
	}{
		{"none", nil, Shard{}, false, ""},
		{"both", map[string]string{IndexEnv: "2", CountEnv: "3"}, Shard{2, 3}, true, ""},
		{"index only", map[string]string{IndexEnv: "2"}, Shard{}, false, CountEnv + " is not"},
		{"count only", map[string]string{CountEnv: "3"}, Shard{}, false, IndexEnv + " is not"},
		{"index too big", map[string]string{IndexEnv: "3", CountEnv: "3"}, Shard{}, false, "index must be in [0, 3)"},
		{"not a number", map[string]string{IndexEnv: "x", CountEnv: "3"}, Shard{}, false, "whole number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := FromEnv(func(k string) string { return tc.env[k] })
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantError)
				}
				return
			}
			if err != nil || ok != tc.wantOK || got != tc.want {
				t.Fatalf("got %v, %v, %v; want %v, %v, nil", got, ok, err, tc.want, tc.wantOK)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", "x/y", "/", "9999/10000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := Parse(v)
		if err == nil && s.Validate() != nil {
			t.Fatalf("Parse(%q) = %v accepted an invalid shard", v, s)
		}
	})
}

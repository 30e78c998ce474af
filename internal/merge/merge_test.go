package merge

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
	"github.com/throttlebench/throttlebench/internal/sim"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// overload is steady-overload cut to 12 s (5 s warmup) with a fleet of 6:
// throttles, retries, give-ups and the retry quota all show up.
func overload(t *testing.T) (*scenario.Scenario, []strategy.Strategy) {
	t.Helper()
	sc, err := scenario.Load("../../scenarios/steady-overload.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc.Workload.Duration = scenario.Duration(12 * time.Second)
	sc.Workload.Fleet = 6
	var sts []strategy.Strategy
	for _, name := range []string{"none", "sdk-default", "full-jitter"} {
		st, err := strategy.New(name, strategy.Params{})
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, st)
	}
	return sc, sts
}

func simulate(t *testing.T, sc *scenario.Scenario, sts []strategy.Strategy, sh shard.Shard) *results.File {
	t.Helper()
	res, err := sim.Run(context.Background(), sim.Options{Scenario: sc, Strategies: sts, Shard: sh})
	if err != nil {
		t.Fatal(err)
	}
	return results.New(sc, sim.Target, res)
}

func shards(t *testing.T, sc *scenario.Scenario, sts []strategy.Strategy, n int) []Part {
	var parts []Part
	for i := range n {
		parts = append(parts, Part{Name: "shard" + string(rune('0'+i)) + ".json", File: simulate(t, sc, sts, shard.Shard{Index: i, Count: n})})
	}
	return parts
}

// TestMergeEqualsSingleProcess: N simulated shards of a run against one
// table, merged, are the single-process run: every counter exactly, every
// percentile within the histogram's precision, the same SLO verdicts.
func TestMergeEqualsSingleProcess(t *testing.T) {
	sc, sts := overload(t)
	whole := simulate(t, sc, sts, shard.Shard{})
	for _, n := range []int{2, 3} {
		parts := shards(t, sc, sts, n)
		var partOps int64
		for _, p := range parts {
			partOps += p.File.Strategies[0].Summary.Ops
			if p.File.Strategies[0].Summary.Ops == whole.Strategies[0].Summary.Ops {
				t.Fatalf("%d shards: shard %s holds every operation", n, p.Name)
			}
		}
		got, err := Merge(parts, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range whole.Strategies {
			g := got.Strategies[i]
			gs, ws := g.Summary, w.Summary
			if g.Offered != w.Offered {
				t.Errorf("%d shards, %s: offered %d, want %d", n, w.Name, g.Offered, w.Offered)
			}
			counters := func(s any) string {
				b, _ := json.Marshal(s)
				return string(b)
			}
			type counts struct {
				Ops, Succeeded, Attempts, Throttled, Late int64
				Failed, Reasons                           map[string]int64
				Statuses, Tries                           map[int]int64
				Ops2                                      any
				Clients                                   any
			}
			c := func(s *runner.StrategyResult) counts {
				m := s.Summary
				return counts{m.Ops, m.Succeeded, m.Attempts, m.ThrottledAttempts, m.StartedLate, m.Failed, m.ThrottleReasons, m.Statuses, m.AttemptsHist, m.ByOperation, m.ByClient}
			}
			if a, b := counters(c(&g)), counters(c(&w)); a != b {
				t.Errorf("%d shards, %s: counters\n got %s\nwant %s", n, w.Name, a, b)
			}
			for _, p := range []struct {
				name      string
				got, want float64
			}{
				{"p50", gs.LatencyMs.P50, ws.LatencyMs.P50}, {"p90", gs.LatencyMs.P90, ws.LatencyMs.P90},
				{"p99", gs.LatencyMs.P99, ws.LatencyMs.P99}, {"p99.9", gs.LatencyMs.P999, ws.LatencyMs.P999},
				{"max", gs.LatencyMs.Max, ws.LatencyMs.Max}, {"attempt p99", gs.AttemptMs.P99, ws.AttemptMs.P99},
				{"from-send p99", gs.FromSendMs.P99, ws.FromSendMs.P99}, {"start lag max", gs.StartLagMs.Max, ws.StartLagMs.Max},
				{"goodput/s", gs.GoodputPerS, ws.GoodputPerS}, {"backoff ms/op", gs.BackoffMsPerOp, ws.BackoffMsPerOp},
				{"fairness", gs.Fairness, ws.Fairness},
			} {
				if math.Abs(p.got-p.want) > 1e-3*math.Abs(p.want) {
					t.Errorf("%d shards, %s: %s %g, want %g", n, w.Name, p.name, p.got, p.want)
				}
			}
			if len(g.Series) != len(w.Series) {
				t.Fatalf("%d shards, %s: %d seconds of series, want %d", n, w.Name, len(g.Series), len(w.Series))
			}
			for k := range w.Series {
				a, b := g.Series[k], w.Series[k]
				a.P50Ms, a.P99Ms, b.P50Ms, b.P99Ms = 0, 0, 0, 0
				if a != b {
					t.Errorf("%d shards, %s: second %d: %+v, want %+v", n, w.Name, k, a, b)
				}
			}
			if !reflect.DeepEqual(g.Server, w.Server) {
				t.Errorf("%d shards, %s: server view %+v, want %+v", n, w.Name, g.Server, w.Server)
			}
		}
		if !reflect.DeepEqual(got.SLOs, whole.SLOs) {
			t.Errorf("%d shards: SLOs %+v, want %+v", n, got.SLOs, whole.SLOs)
		}
		if ws := whole.Strategies[1].Summary; ws.ThrottledAttempts == 0 || ws.Attempts == ws.Ops || len(ws.Failed) == 0 {
			t.Fatalf("scenario too easy to tell anything: %+v", ws)
		}
	}
}

func TestMergeRefuses(t *testing.T) {
	sc, sts := overload(t)
	sc.Workload.Duration = scenario.Duration(6 * time.Second)
	sts = sts[:1]
	good := shards(t, sc, sts, 3)
	clone := func(p Part) Part {
		b, _ := json.Marshal(p.File)
		var f results.File
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		return Part{Name: p.Name, File: &f}
	}
	edit := func(i int, fn func(*results.File)) []Part {
		parts := []Part{clone(good[0]), clone(good[1]), clone(good[2])}
		fn(parts[i].File)
		return parts
	}
	single := simulate(t, sc, sts, shard.Shard{})
	merged, err := Merge(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		parts []Part
		want  string
	}{
		{"nothing", nil, "no files to merge"},
		{"not a shard", []Part{good[0], {Name: "whole.json", File: single}}, "whole.json: not a shard"},
		{"a merge", []Part{{Name: "merged.json", File: merged}}, "merged.json: already a merge of 3 shards"},
		{"different scenario", edit(1, func(f *results.File) { f.Scenario.Name = "other" }), `shard1.json is scenario "other", shard0.json is "steady-overload"`},
		{"different seed", edit(2, func(f *results.File) { f.Scenario.Seed = 7 }), "shard2.json has seed 7, shard0.json seed 1"},
		{"different settings", edit(1, func(f *results.File) { f.Scenario.Workload.Rate = 301 }), "different settings (workload differs)"},
		{"different version", edit(2, func(f *results.File) { f.Tool.Throttlebench = "v9.9.9" }), "shard2.json was written by throttlebench v9.9.9"},
		{"different go", edit(1, func(f *results.File) { f.Tool.Go = "go1.0" }), "different versions"},
		{"different target", edit(1, func(f *results.File) { f.Target = "DynamoDB us-east-1" }), "different targets"},
		{"different start", edit(1, func(f *results.File) { now := time.Now(); f.Shard.StartAt = &now }), "different runs"},
		{"different strategies", edit(1, func(f *results.File) { f.Strategies[0].Name = "exponential" }), "different strategies"},
		{"different params", edit(1, func(f *results.File) { f.Strategies[0].Params = map[string]any{"x": 1.0} }), "different parameters"},
		{"different counts", edit(2, func(f *results.File) { f.Shard.Count = 4 }), "shard2.json is shard 2 of 4 but shard0.json is shard 0 of 3"},
		{"duplicate", []Part{good[0], good[1], {Name: "again.json", File: good[1].File}}, "shard1.json and again.json are both shard 1 of 3"},
		{"missing", []Part{good[0], good[2]}, "missing shard(s) 1 of 3"},
		{"missing two", []Part{good[2]}, "missing shard(s) 0, 1 of 3"},
		{"corrupt histogram", edit(1, func(f *results.File) { f.Strategies[0].Summary.Histogram = []byte("junk") }), "shard1.json: strategy none: summary: latency histogram"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge(tc.parts, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestMergeFlagsSkew: shards whose loads started further apart than
// MaxSkew are flagged; their series land on one wall clock.
func TestMergeFlagsSkew(t *testing.T) {
	sc, sts := overload(t)
	sc.Workload.Duration = scenario.Duration(6 * time.Second)
	parts := shards(t, sc, sts[:1], 2)
	t0 := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	t1 := t0.Add(2 * time.Second)
	parts[0].File.Strategies[0].LoadStart = &t0
	parts[1].File.Strategies[0].LoadStart = &t1
	got, err := Merge(parts, Options{MaxSkew: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Merged; !m.Skewed || m.StartSkewS != 2 || m.MaxSkewS != 1.5 {
		t.Errorf("merged info %+v, want skewed, 2 s apart, limit 1.5 s", m)
	}
	s0, s1, g := parts[0].File.Strategies[0].Series, parts[1].File.Strategies[0].Series, got.Strategies[0].Series
	if g[0].Offered != s0[0].Offered || g[2].Offered != s0[2].Offered+s1[0].Offered {
		t.Errorf("second 2 offered %d, want shard 0's second 2 (%d) plus shard 1's second 0 (%d)", g[2].Offered, s0[2].Offered, s1[0].Offered)
	}
	if got, err := Merge(parts, Options{MaxSkew: 3 * time.Second}); err != nil || got.Merged.Skewed {
		t.Errorf("within 3 s: skewed %v, %v; want not skewed", got.Merged.Skewed, err)
	}
}

// TestMergeGeneratorVerdict: a merged run is saturated when any shard's
// generator was, with that shard's reasons named; else lagging when any
// shard lagged; else ok.
func TestMergeGeneratorVerdict(t *testing.T) {
	sc, sts := overload(t)
	sc.Workload.Duration = scenario.Duration(6 * time.Second)
	parts := shards(t, sc, sts[:1], 3)
	for i, p := range parts {
		p.File.Generator = &runner.Generator{Verdict: runner.VerdictOK, Cores: 2, CPUS: 1, LoadS: 6}
		if i == 2 {
			p.File.Generator = &runner.Generator{Verdict: runner.VerdictSaturated, Reasons: []string{"start lag p99 3 ms > 1 ms"}, Cores: 2, CPUS: 11, LoadS: 6}
		}
	}
	got, err := Merge(parts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Generator
	if !g.Saturated() || len(g.Reasons) != 1 || !strings.Contains(g.Reasons[0], "shard 2 (shard2.json): start lag p99 3 ms") {
		t.Errorf("merged generator %+v, want saturated with shard 2's reason", g)
	}
	if g.Cores != 6 || g.CPUS != 13 || math.Abs(g.CPUPct-100*13/36.0) > 1e-9 {
		t.Errorf("cores %g cpu %g s (%g %%), want 6, 13 and %g", g.Cores, g.CPUS, g.CPUPct, 100*13/36.0)
	}
	parts[2].File.Generator.Verdict = runner.VerdictLagging
	if got, err := Merge(parts, Options{}); err != nil || got.Generator.Verdict != runner.VerdictLagging || len(got.Generator.Reasons) != 1 {
		t.Errorf("one shard lagging: merged %+v, %v; want lagging with its reason", got.Generator, err)
	}
	parts[1].File.Generator = &runner.Generator{Verdict: runner.VerdictSaturated, Reasons: []string{"CPU 97 % of 2 cores > 90 %"}, Cores: 2, CPUS: 1, LoadS: 6}
	if got, err := Merge(parts, Options{}); err != nil || !got.Generator.Saturated() || len(got.Generator.Reasons) != 2 {
		t.Errorf("one shard lagging, one saturated: merged %+v, %v; want saturated with both reasons", got.Generator, err)
	}
	parts[1].File.Generator = &runner.Generator{Verdict: runner.VerdictOK, Cores: 2, CPUS: 1, LoadS: 6}
	parts[2].File.Generator.Verdict, parts[2].File.Generator.Reasons = runner.VerdictOK, nil
	if got, err := Merge(parts, Options{}); err != nil || !got.Generator.OK() {
		t.Errorf("every shard ok: merged %+v, %v; want ok", got.Generator, err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
	"github.com/throttlebench/throttlebench/internal/sim"
)

// shardedScenario overloads a 20 WCU table twice over with a fleet of 6;
// the SLO success >= 99% is missed by strategy none, so a merge exits 3.
const shardedScenario = `name: sharded
seed: 3
table: {read_capacity: 10, write_capacity: 20}
workload: {rate: 40/s, duration: 4s, keys: 500, fleet: 6}
fake: {burst: 0s}
strategies:
  - none
  - {name: full-jitter, base: 5ms}
slos: ["success >= 99%"]
`

// simShards simulates every shard of count of the scenario at path (and,
// for count 0, the single-process run) and writes their run.json files as
// bench run -shard writes them; it returns their paths, by shard index.
func simShards(t *testing.T, path string, count int) []string {
	t.Helper()
	sc, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sts, err := resolveStrategies(sc, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	for i := range max(count, 1) {
		sh := shard.Shard{Index: i, Count: count}
		res, err := sim.Run(context.Background(), sim.Options{Scenario: sc, Strategies: sts, Shard: sh})
		if err != nil {
			t.Fatal(err)
		}
		f := results.New(sc, sim.Target, res)
		p, err := results.Write(filepath.Join(dir, fmt.Sprintf("shard-%d", i)), f)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// TestMergeCommand: bench merge of three shards writes the merged run.json
// and its reports under -out, prints the table and the merge's skew, judges
// the SLOs on the merge (exit 3), and the merged counts are the
// single-process run's.
func TestMergeCommand(t *testing.T) {
	path := writeScenario(t, shardedScenario)
	parts := simShards(t, path, 3)
	whole, err := results.Read(simShards(t, path, 0)[0])
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runBench(t, append([]string{"merge", "-out", out}, parts...)...)
	if code != exitSLOMissed {
		t.Fatalf("exit %d, want %d (SLO missed); stderr %q", code, exitSLOMissed, stderr)
	}
	if !strings.Contains(stderr, "SLO missed") {
		t.Errorf("stderr %q, want it to say the SLO was missed", stderr)
	}
	for _, want := range []string{"strategy", "goodput/s", "none", "full-jitter", "merged 3 shards", "SLO missed: none: success >= 99%", "results: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "sharded", "*-merged-3"))
	if len(dirs) != 1 {
		t.Fatalf("found %v, want one OUT/sharded/*-merged-3 directory", dirs)
	}
	for _, name := range []string{"run.json", "summary.csv", "summary.md", "report.html"} {
		if st, err := os.Stat(filepath.Join(dirs[0], name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v, want a non-empty file", name, err)
		}
	}
	got, err := results.Read(filepath.Join(dirs[0], "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Merged == nil || got.Merged.Shards != 3 || got.Shard != nil {
		t.Fatalf("merged %+v shard %+v, want a merge of 3 shards and no shard field", got.Merged, got.Shard)
	}
	if !strings.Contains(stdout, filepath.Join(dirs[0], "run.json")) {
		t.Errorf("stdout does not name %s:\n%s", filepath.Join(dirs[0], "run.json"), stdout)
	}
	for i, w := range whole.Strategies {
		g := got.Strategies[i]
		if g.Name != w.Name || g.Offered != w.Offered || g.Summary.Ops != w.Summary.Ops ||
			g.Summary.Succeeded != w.Summary.Succeeded || g.Summary.Attempts != w.Summary.Attempts {
			t.Errorf("%s: offered %d ops %d succeeded %d attempts %d; single process: %d %d %d %d", w.Name,
				g.Offered, g.Summary.Ops, g.Summary.Succeeded, g.Summary.Attempts,
				w.Offered, w.Summary.Ops, w.Summary.Succeeded, w.Summary.Attempts)
		}
	}
	if len(got.SLOs) != len(whole.SLOs) {
		t.Fatalf("%d SLO checks, want %d", len(got.SLOs), len(whole.SLOs))
	}
	for i, c := range got.SLOs {
		if c.Met != whole.SLOs[i].Met {
			t.Errorf("SLO %s on %s: met %v, single process %v", c.SLO, c.Strategy, c.Met, whole.SLOs[i].Met)
		}
	}

	// The same shards with an SLO every strategy meets exit 0.
	met := strings.Replace(shardedScenario, `["success >= 99%"]`, `["success >= 1%"]`, 1)
	code, _, stderr = runBench(t, append([]string{"merge", "-out", t.TempDir()}, simShards(t, writeScenario(t, met), 2)...)...)
	if code != exitOK {
		t.Errorf("SLO met: exit %d, want 0; stderr %q", code, stderr)
	}
}

// TestMergeCommandRefuses: every refusal exits 2 with one line naming the
// file at fault, and writes nothing.
func TestMergeCommandRefuses(t *testing.T) {
	path := writeScenario(t, shardedScenario)
	good := simShards(t, path, 3)
	single := simShards(t, path, 0)[0]
	dir := t.TempDir()
	// edited writes a copy of shard i changed by fn and returns the three
	// paths with the copy in place of shard i.
	edited := func(name string, i int, fn func(*results.File)) []string {
		f, err := results.Read(good[i])
		if err != nil {
			t.Fatal(err)
		}
		fn(f)
		p := filepath.Join(dir, name)
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out := append([]string(nil), good...)
		out[i] = p
		return out
	}
	mergedOut := t.TempDir()
	if code, _, stderr := runBench(t, append([]string{"merge", "-out", mergedOut}, good...)...); code != exitSLOMissed {
		t.Fatalf("good shards: exit %d, stderr %q", code, stderr)
	}
	merged, _ := filepath.Glob(filepath.Join(mergedOut, "sharded", "*", "run.json"))
	if len(merged) != 1 {
		t.Fatalf("merged files %v, want one", merged)
	}
	notJSON := filepath.Join(dir, "notes.json")
	if err := os.WriteFile(notJSON, []byte("shard 0 went fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		files []string
		want  []string // all in the one line of stderr
	}{
		{"no files", nil, []string{"want the run.json file of every shard"}},
		{"no such file", []string{good[0], filepath.Join(dir, "gone.json")}, []string{"gone.json", "no such file"}},
		{"not json", []string{good[0], notJSON}, []string{notJSON}},
		{"not a shard", []string{good[0], good[1], single}, []string{single, "not a shard"}},
		{"a merge", merged, []string{merged[0], "already a merge of 3 shards"}},
		{"other scenario", edited("other.json", 1, func(f *results.File) { f.Scenario.Name = "other" }), []string{filepath.Join(dir, "other.json"), `scenario "other"`, "different scenarios"}},
		{"other seed", edited("seed.json", 2, func(f *results.File) { f.Scenario.Seed = 9 }), []string{filepath.Join(dir, "seed.json"), "seed 9", "different schedules"}},
		{"other settings", edited("rate.json", 1, func(f *results.File) { f.Scenario.Workload.Rate = 41 }), []string{filepath.Join(dir, "rate.json"), "different settings (workload differs)"}},
		{"other version", edited("version.json", 2, func(f *results.File) { f.Tool.Throttlebench = "v0.0.1-other" }), []string{filepath.Join(dir, "version.json"), "v0.0.1-other", "different versions"}},
		{"other target", edited("target.json", 1, func(f *results.File) { f.Target = "AWS DynamoDB eu-west-1" }), []string{filepath.Join(dir, "target.json"), "different targets"}},
		{"other start", edited("start.json", 1, func(f *results.File) { f.Shard.StartAt = &later }), []string{filepath.Join(dir, "start.json"), "different runs"}},
		{"other strategies", edited("strategy.json", 2, func(f *results.File) { f.Strategies[1].Name = "exponential" }), []string{filepath.Join(dir, "strategy.json"), "different strategies"}},
		{"other shard count", edited("count.json", 2, func(f *results.File) { f.Shard.Count = 4 }), []string{filepath.Join(dir, "count.json"), "shard 2 of 4", "different shard counts"}},
		{"duplicate", []string{good[0], good[1], good[1]}, []string{good[1] + " and " + good[1], "duplicate"}},
		{"missing", []string{good[0], good[2]}, []string{"missing shard(s) 1 of 3"}},
		{"corrupt histogram", edited("hist.json", 1, func(f *results.File) { f.Strategies[0].Summary.Histogram = []byte("junk") }), []string{filepath.Join(dir, "hist.json"), "histogram"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			code, stdout, stderr := runBench(t, append([]string{"merge", "-out", out}, tc.files...)...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d; stderr %q", code, exitBadInput, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q, want it to contain %q", stderr, w)
				}
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one: %q", n+1, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if written, _ := filepath.Glob(filepath.Join(out, "*", "*", "*")); len(written) != 0 {
				t.Errorf("wrote %v, want nothing", written)
			}
		})
	}
	if code, _, stderr := runBench(t, "merge", "-max-skew", "0s", good[0]); code != exitBadInput || !strings.Contains(stderr, "-max-skew must be > 0") {
		t.Errorf("-max-skew 0s: exit %d, stderr %q; want 2 and the flag named", code, stderr)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// Every ready scenario runs, told about twenty times faster (its schedule
// scaled to about two seconds, operations cut off after two seconds), and
// writes complete results.
func TestReadyScenariosRun(t *testing.T) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if len(files) < 8 {
		t.Fatalf("found %d ready scenarios, want at least 8", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			sc, err := scenario.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			scale := 2 / sc.Workload.TotalDuration().Seconds()
			out := t.TempDir()
			// Time scaling scales auto scaling's periods and delay too.
			args := []string{"run", "--quiet", "--out", out, "--time-scale", fmt.Sprint(scale), "--op-timeout", "2s", path}
			code, stdout, stderr := runBench(t, args...)
			if code != exitOK && code != exitSLOMissed {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "results: ") {
				t.Errorf("no results line in:\n%s", stdout)
			}
			runs, _ := filepath.Glob(filepath.Join(out, sc.Name, "*", "run.json"))
			if len(runs) != 1 {
				t.Fatalf("found %v, want one run.json", runs)
			}
			f, err := results.Read(runs[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Strategies) != len(sc.Strategies) {
				t.Errorf("%d strategies in results, want %d", len(f.Strategies), len(sc.Strategies))
			}
			for _, s := range f.Strategies {
				if s.Summary.Ops == 0 || s.Summary.Attempts == 0 {
					t.Errorf("%s: %d ops, %d attempts: want load", s.Name, s.Summary.Ops, s.Summary.Attempts)
				}
			}
			for _, name := range []string{"summary.csv", "summary.md", "report.html"} {
				if m, _ := filepath.Glob(filepath.Join(filepath.Dir(runs[0]), name)); len(m) != 1 {
					t.Errorf("%s not written", name)
				}
			}
		})
	}
}

// Whole scenarios shown in the documentation are valid: docs cannot drift
// from the format.
func TestDocumentedScenariosValidate(t *testing.T) {
	for _, doc := range []string{"../../README.md", "../../docs/scenarios.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(string(b), "```yaml\n")
		for i, blk := range blocks[1:] {
			body, _, _ := strings.Cut(blk, "```")
			if !strings.HasPrefix(body, "name:") {
				continue // a fragment, not a whole scenario
			}
			path := filepath.Join(t.TempDir(), fmt.Sprintf("doc%d.yaml", i))
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, stdout, _ := runBench(t, "validate", path); code != exitOK {
				t.Errorf("%s: yaml block %d does not validate: %s", doc, i+1, stdout)
			}
		}
	}
}

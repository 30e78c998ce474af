package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// TestBaselines reads every committed baseline (results/baselines/, which
// docs/ci.md's regression gate compares against) with the current schema:
// strictly, so a renamed or removed field fails here instead of silently
// reading as zero in bench compare, and checks it can still serve as a
// baseline for its scenario file.
func TestBaselines(t *testing.T) {
	paths, err := filepath.Glob("../../results/baselines/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(paths, "../../results/baselines/quickstart.json") {
		t.Fatalf("results/baselines/quickstart.json missing (have %v): docs/ci.md's gate needs it", paths)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			var strict File
			if err := dec.Decode(&strict); err != nil {
				t.Fatalf("%s does not match the current run.json schema: %v (re-record it as docs/ci.md says)", path, err)
			}
			f, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(path), ".json")
			if f.Scenario == nil || f.Scenario.Name != name {
				t.Fatalf("scenario in %s: got %v, want %q", path, f.Scenario, name)
			}
			sc, err := scenario.Load(filepath.Join("../../scenarios", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range f.Strategies {
				got = append(got, s.Name)
				if len(s.Trials) < 6 {
					t.Errorf("%s: %d trials, want >= 6 (bench compare needs them for intervals and U-tests)", s.Name, len(s.Trials))
				}
				if s.Summary.Ops == 0 {
					t.Errorf("%s: no operations", s.Name)
				}
				h, err := hdrhistogram.Decode(s.Summary.Histogram)
				if err != nil {
					t.Errorf("%s: histogram: %v", s.Name, err)
				} else if h.TotalCount() == 0 {
					t.Errorf("%s: empty latency histogram", s.Name)
				}
			}
			var want []string
			for _, s := range sc.Strategies {
				want = append(want, s.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("strategies: got %v, want scenarios/%s.yaml's %v", got, name, want)
			}
		})
	}
}

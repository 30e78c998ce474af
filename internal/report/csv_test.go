package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// fixture is a real six-strategy run (a 2 s spike against 100 WCU)
// recorded by bench run, with the host name replaced.
func fixture(t *testing.T) *results.File {
	t.Helper()
	f, err := results.Read(filepath.Join("testdata", "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// matchGolden compares got with testdata/name, rewriting it under -update.
func matchGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestCSVGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := CSV(&buf, fixture(t)); err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "summary.csv.golden", buf.Bytes())
}

func TestCSVColumns(t *testing.T) {
	tests := []struct {
		name      string
		f         *results.File
		wantExtra []string // after the failure columns every file has
	}{
		{"no server stats", sampleFile(), nil},
		{"server stats and an unknown reason", &results.File{Strategies: []runner.StrategyResult{
			{Name: "a", Summary: metrics.Summary{Failed: map[string]int64{"zz_new": 1, "throttled": 2}}, Server: &runner.TableStats{UnitsPerSuccess: 1.25}},
			{Name: "b"},
		}}, []string{"failed_zz_new", "units_per_success"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := CSV(&buf, tt.f); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatalf("output is not CSV: %v", err)
			}
			if got, want := len(rows), 1+len(tt.f.Strategies); got != want {
				t.Fatalf("got %d rows, want %d", got, want)
			}
			header := rows[0]
			for _, col := range []string{"strategy", "success_pct", "p999_ms", "backoff_ms_per_op", "failed_throttled", "failed_retry_quota_exhausted", "failed_dropped", "failed_circuit_open"} {
				if !slices.Contains(header, col) {
					t.Errorf("header %v lacks %s", header, col)
				}
			}
			i := slices.Index(header, "failed_circuit_open")
			if got := header[i+1:]; !slices.Equal(got, tt.wantExtra) {
				t.Errorf("columns after failed_circuit_open: got %v, want %v", got, tt.wantExtra)
			}
			for _, r := range rows[1:] {
				if len(r) != len(header) {
					t.Errorf("row %v has %d cells, want %d", r, len(r), len(header))
				}
			}
		})
	}
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		v    float64
		prec int
		want string
	}{
		{71, 3, "71"}, {71.04, 3, "71.04"}, {2.0000001, 4, "2"}, {0.59412, 4, "0.5941"},
		{-0.00001, 3, "0"}, {1500, 0, "1500"}, {0.5, 0, "0"},
	}
	for _, tt := range tests {
		if got := decimal(tt.v, tt.prec); got != tt.want {
			t.Errorf("decimal(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, fixture(t)); err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "summary.md.golden", buf.Bytes())
}

func TestMarkdownKeepsCellsWhole(t *testing.T) {
	f := sampleFile()
	f.Interrupted = true
	f.Strategies[0].Name = "a|b_c*"
	var buf bytes.Buffer
	if err := Markdown(&buf, f); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if !strings.Contains(lines[0], "interrupted") {
		t.Errorf("headline %q does not say the run was interrupted", lines[0])
	}
	cols := strings.Count(lines[2], " |")
	for _, l := range lines[2:] {
		if got := strings.Count(strings.ReplaceAll(l, `\|`, ""), " |"); got != cols {
			t.Errorf("line %q has %d cells, want %d", l, got, cols)
		}
	}
	if !strings.Contains(buf.String(), `a\|b\_c\*`) {
		t.Errorf("strategy name not escaped:\n%s", buf.String())
	}
}

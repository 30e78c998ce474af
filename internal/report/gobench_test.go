package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

func gobenchFile() *results.File {
	trial := func(p50, p99 float64, success float64) metrics.Summary {
		return metrics.Summary{
			Ops: 2000, SuccessPct: success, GoodputPerS: 179.456789, AttemptsPerOp: 1.2081, RetryShare: 0.1723,
			ThrottledAttempts: 418,
			LatencyMs:         metrics.Percentiles{P50: p50, P90: 6.3, P99: p99, P999: 585.2, Max: 896.1},
		}
	}
	return &results.File{
		SchemaVersion: results.SchemaVersion,
		Tool:          results.Versions{AWSSDK: "v1.48.0"},
		Machine:       results.Machine{OS: "linux", Arch: "amd64", CPUs: 2},
		Scenario:      &scenario.Scenario{Name: "steady-overload"},
		Strategies: []runner.StrategyResult{
			{Name: "full-jitter", Summary: trial(2.09, 418, 99.57), Trials: []metrics.Summary{
				trial(2.09, 418, 99.57), trial(2.13, 421.5, 99.6), trial(2.041, 409.9, 99.5),
			}},
			{Name: "none", Summary: trial(1.7, 9.8, 88)},
			{Name: "full-jitter", Summary: trial(2.2, 455, 98.9)}, // same name, other parameters
		},
	}
}

func TestGoBenchGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := GoBench(&buf, gobenchFile()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "gobench.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("gobench output differs from %s:\ngot:\n%s\nwant:\n%s", golden, buf.Bytes(), want)
	}
}

// TestGoBenchFormat checks the output against the rules of the Go
// benchmark format (golang.org/x/perf/benchfmt, as benchstat reads it):
// configuration lines "key: value" with a lower-case key free of spaces
// and upper case; result lines "BenchmarkName iterations (value unit)+".
func TestGoBenchFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := GoBench(&buf, gobenchFile()); err != nil {
		t.Fatal(err)
	}
	config := map[string]string{}
	names := map[string]int{}
	for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		where := "line " + strconv.Itoa(i+1) + ": " + line
		if strings.HasPrefix(line, "Benchmark") {
			f := strings.Fields(line)
			if len(f) < 4 || len(f)%2 != 0 {
				t.Errorf("%s: got %d fields, want name, iterations and value/unit pairs", where, len(f))
				continue
			}
			if r := []rune(strings.TrimPrefix(f[0], "Benchmark")); len(r) == 0 || unicode.IsLower(r[0]) {
				t.Errorf("%s: name must go on with a non-lower-case letter after Benchmark", where)
			}
			names[f[0]]++
			if n, err := strconv.Atoi(f[1]); err != nil || n < 1 {
				t.Errorf("%s: iterations %q, want a positive integer", where, f[1])
			}
			units := map[string]bool{}
			for j := 2; j < len(f); j += 2 {
				if _, err := strconv.ParseFloat(f[j], 64); err != nil {
					t.Errorf("%s: value %q is not a number", where, f[j])
				}
				if units[f[j+1]] {
					t.Errorf("%s: unit %q twice", where, f[j+1])
				}
				units[f[j+1]] = true
			}
			for _, u := range []string{"p50-ns/op", "p99-ns/op", "success-%", "attempts/op", "goodput-ops/s"} {
				if !units[u] {
					t.Errorf("%s: no %s", where, u)
				}
			}
			continue
		}
		key, value, ok := strings.Cut(line, ": ")
		if !ok || key == "" || !unicode.IsLower([]rune(key)[0]) || strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsUpper(r) }) {
			t.Errorf("%s: neither a configuration line nor a benchmark line", where)
			continue
		}
		if len(names) > 0 {
			t.Errorf("%s: configuration after results would split benchstat's tables", where)
		}
		config[key] = value
	}
	for key, want := range map[string]string{"goos": "linux", "goarch": "amd64", "pkg": GoBenchPkg, "scenario": "steady-overload", "sdk": "v1.48.0"} {
		if config[key] != want {
			t.Errorf("config %s: got %q, want %q", key, config[key], want)
		}
	}
	for name, want := range map[string]int{
		"BenchmarkSteadyOverload/strategy=full-jitter":   3, // one line per trial
		"BenchmarkSteadyOverload/strategy=none":          1, // the summary
		"BenchmarkSteadyOverload/strategy=full-jitter#2": 1, // a repeated name keeps apart
	} {
		if names[name] != want {
			t.Errorf("%s: got %d lines, want %d", name, names[name], want)
		}
	}
}

func TestGoBenchCamel(t *testing.T) {
	for in, want := range map[string]string{"quickstart": "Quickstart", "steady-overload": "SteadyOverload", "hot_key 2": "HotKey2", "": "Run"} {
		if got := gobenchCamel(in); got != want {
			t.Errorf("gobenchCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// fixture is a hand-made run.json from internal/compare/testdata: base6,
// regressed6 and noise6 have 6 trials per strategy (regressed6 plants a
// regression in full-jitter; noise6 only redraws the noise);
// single-base and single-current have one trial each.
func fixture(name string) string {
	return filepath.Join("..", "..", "internal", "compare", "testdata", name+".json")
}

var gate = []string{"--fail-on", "p99>+10%", "--fail-on", "success<-0.5pp", "--fail-on", "attempts_per_op>+5%", "--fail-on", "max>+10%"}

func TestCompareGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		exit     int
		inStderr string
	}{
		{"regression", append([]string{"compare", fixture("base6"), fixture("regressed6")}, gate...), exitFailed,
			"bench compare: rules broken: full-jitter p99>+10%, full-jitter success<-0.5pp, full-jitter attempts_per_op>+5%, full-jitter max>+10%"},
		{"noise", append([]string{"compare", fixture("base6"), fixture("noise6")}, gate...), exitOK, ""},
		{"unchanged", append([]string{"compare", fixture("base6"), fixture("base6")}, gate...), exitOK, ""},
		{"no-rules", []string{"compare", fixture("base6"), fixture("regressed6")}, exitOK, ""},
		{"single", []string{"compare", fixture("single-base"), fixture("single-current"),
			"--fail-on", "p99 > +10%", "--fail-on", "success<-0.5pp", "--fail-on", "p50>+20ms", "--fail-on", "retry_share>+1pp"}, exitFailed,
			"bench compare: rules broken: full-jitter success<-0.5pp, full-jitter retry_share>+1pp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != tt.exit {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.exit, stderr)
			}
			if strings.TrimSpace(stderr) != tt.inStderr {
				t.Errorf("stderr %q, want %q", stderr, tt.inStderr)
			}
			checkGolden(t, filepath.Join("compare", tt.name+".golden"), []byte(stdout))
		})
	}
}

func TestCompareBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := write("garbage.json", "{not json")
	future := write("future.json", `{"schema_version": 99}`)
	empty := write("empty.json", `{"schema_version": 1, "scenario": {"name": "t"}, "strategies": []}`)
	other := write("other.json", `{"schema_version": 1, "scenario": {"name": "t"}, "strategies": [{"name": "other", "summary": {}}, {"name": "other", "summary": {}}]}`)
	base := fixture("base6")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one file", []string{base}, "want two run.json files, got 1"},
		{"missing file", []string{base, "nope.json"}, "current: open nope.json: no such file or directory"},
		{"invalid json", []string{garbage, base}, "baseline: " + garbage + ": invalid character"},
		{"unknown schema", []string{base, future}, "current: " + future + ": schema_version 99"},
		{"no strategies", []string{base, empty}, "current: " + empty + ": no strategies"},
		{"nothing in common", []string{base, other}, `no strategy in common: baseline has "full-jitter", "sdk-default"; current has "other", "other#2"`},
		{"rule without operator", []string{"--fail-on", "p99", base, base}, `rule "p99": want METRIC>CHANGE`},
		{"unknown metric", []string{"--fail-on", "p95>+10%", base, base}, `rule "p95>+10%": unknown metric "p95"`},
		{"unknown unit", []string{"--fail-on", "p99>+10x", base, base}, `rule "p99>+10x": unknown unit "x"`},
		{"pp on latency", []string{"--fail-on", "p99>+1pp", base, base}, `rule "p99>+1pp": pp (percentage points) applies to success and retry_share only`},
		{"ms on success", []string{"--fail-on", "success<-5ms", base, base}, `rule "success<-5ms": ms applies to latencies`},
		{"sign against operator", []string{"--fail-on", "goodput<+5%", base, base}, `rule "goodput<+5%": a < rule takes a - change`},
		{"not a number", []string{"--fail-on", "p99>+%", base, base}, `rule "p99>+%": change "+" is not a number`},
		{"alpha", []string{"--alpha", "1.5", base, base}, "-alpha must be between 0 and 1, got 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, append([]string{"compare"}, tt.args...)...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func TestRunFormatGoBench(t *testing.T) {
	code, _, stderr := runBench(t, "run", "--format", "csv", writeScenario(t, tiny))
	if code != exitBadInput || !strings.Contains(stderr, `-format must be table or gobench, got "csv"`) {
		t.Errorf("bad -format: exit %d, stderr %q", code, stderr)
	}
	if testing.Short() {
		t.Skip("runs the tiny scenario")
	}
	code, stdout, stderr := runBench(t, "run", "--out", t.TempDir(), "--format", "gobench", "--duration", "300ms", "--trials", "2", writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stderr, "results: ") {
		t.Errorf("stderr %q, want the results path there (stdout is for benchstat)", stderr)
	}
	var results int
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		switch {
		case strings.HasPrefix(line, "BenchmarkTiny/strategy="):
			results++
			if !strings.Contains(line, " p99-ns/op ") || !strings.HasSuffix(line, " retry-share-%") {
				t.Errorf("result line %q lacks its units", line)
			}
		case strings.Contains(line, ": "):
		default:
			t.Errorf("stdout line %q is neither configuration nor a result", line)
		}
	}
	if results != 4 { // 2 strategies x 2 trials
		t.Errorf("got %d result lines, want 4:\n%s", results, stdout)
	}
}

// TestDocsCIOutput keeps the sample outputs in docs/ci.md true: every
// line of each sample (but "...") is in the output of its command.
func TestDocsCIOutput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	samples := []struct {
		after string
		args  []string
		exit  int
	}{
		{"A planted regression", []string{"compare", fixture("base6"), fixture("regressed6"),
			"--fail-on", "p99>+10%", "--fail-on", "success<-0.5pp", "--fail-on", "attempts_per_op>+5%"}, exitFailed},
		{"Noise only", append([]string{"compare", fixture("base6"), fixture("noise6")}, gate...), exitOK},
	}
	for _, s := range samples {
		t.Run(s.after, func(t *testing.T) {
			_, rest, ok := strings.Cut(string(doc), s.after)
			if !ok {
				t.Fatalf("docs/ci.md has no %q", s.after)
			}
			_, rest, _ = strings.Cut(rest, "```\n")
			block, _, _ := strings.Cut(rest, "```")
			code, stdout, _ := runBench(t, s.args...)
			if code != s.exit {
				t.Errorf("exit %d, want %d", code, s.exit)
			}
			for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
				if line != "..." && !strings.Contains(stdout, line+"\n") {
					t.Errorf("docs/ci.md line %q is not in the output:\n%s", line, stdout)
				}
			}
		})
	}
}

// TestCompareRefusesSaturated checks that bench compare calls nothing a
// regression or improvement when either side's generator was saturated:
// exit 2 naming the side, its file and the reason, unless
// --allow-saturated, which compares and notes it.
func TestCompareRefusesSaturated(t *testing.T) {
	dir := t.TempDir()
	judged := func(name, sub string, g *runner.Generator) string {
		f, err := results.Read(fixture(name))
		if err != nil {
			t.Fatal(err)
		}
		f.Generator = g
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		path, err := results.Write(filepath.Join(dir, sub, name), f)
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
	saturate := func(name string) string {
		return judged(name, "saturated", &runner.Generator{Verdict: runner.VerdictSaturated, Reasons: []string{"start lag p99 14 ms > 1.0 ms at 97 % CPU of 2 cores"}})
	}
	satBase, satCur := saturate("single-base"), saturate("single-current")
	lagCur := judged("single-current", "lagging", &runner.Generator{Verdict: runner.VerdictLagging, Reasons: []string{"start lag p99 1.6 ms > 1.0 ms at 36 % CPU of 2 cores"}})
	tests := []struct {
		name       string
		args       []string
		exit       int
		inStderr   []string
		inStdout   string
		notInStdio string
	}{
		{"current saturated", []string{"compare", fixture("single-base"), satCur}, exitBadInput,
			[]string{satCur, "current: the load generator was saturated (start lag p99 14 ms > 1.0 ms at 97 % CPU of 2 cores)", "--allow-saturated"}, "", ""},
		{"baseline saturated", []string{"compare", satBase, fixture("single-current")}, exitBadInput,
			[]string{satBase, "baseline: the load generator was saturated"}, "", ""},
		{"allowed", []string{"compare", "--allow-saturated", fixture("single-base"), satCur}, exitOK,
			nil, "warning: current's load generator was saturated (start lag p99 14 ms", ""},
		{"neither", []string{"compare", fixture("single-base"), fixture("single-current")}, exitOK, nil, "", "saturated"},
		{"current lagging: compared, with a warning", []string{"compare", fixture("single-base"), lagCur}, exitOK,
			nil, "warning: current's operations started late though its CPU had room (start lag p99 1.6 ms", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != tt.exit {
				t.Errorf("exit: got %d, want %d (stderr %q)", code, tt.exit, stderr)
			}
			for _, w := range tt.inStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr: got %q, want it to contain %q", stderr, w)
				}
			}
			if !strings.Contains(stdout, tt.inStdout) {
				t.Errorf("stdout: got %q, want it to contain %q", stdout, tt.inStdout)
			}
			if tt.notInStdio != "" && strings.Contains(stdout+stderr, tt.notInStdio) {
				t.Errorf("got %q in %q", tt.notInStdio, stdout+stderr)
			}
			if tt.exit == exitBadInput && stdout != "" {
				t.Errorf("stdout: got %q, want nothing (no comparison printed)", stdout)
			}
		})
	}
}

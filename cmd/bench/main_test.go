package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/throttlebench/throttlebench/internal/results"
)

// runBench runs the command in-process and returns its exit status and output.
func runBench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := bench(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeScenario(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const tiny = `name: tiny
table: {read_capacity: 10, write_capacity: 20}
workload: {rate: 40/s, duration: 1s, keys: 100}
strategies:
  - none
  - {name: exponential, base: 5ms}
`

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	good := writeScenario(t, tiny)
	bad := writeScenario(t, strings.Replace(tiny, "- none", "- nope", 1))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage: bench"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"bad flag", []string{"run", "--bogus", good}, "flag provided but not defined: -bogus"},
		{"bad flag value", []string{"run", "--duration", "soon", good}, `invalid value "soon" for flag -duration`},
		{"missing scenario", []string{"run", "nope.yaml"}, "open nope.yaml: no such file or directory"},
		{"no scenario", []string{"run"}, "want one scenario file"},
		{"unknown strategy in file", []string{"run", bad}, `s.yaml:5: strategies[0]: unknown strategy "nope"`},
		{"unknown strategy in flag", []string{"run", "--strategies", "none,zigzag", good}, `-strategies: unknown strategy "zigzag"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitBadInput, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tt.want)
			}
			if tt.args != nil && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

func TestRunPrintsTableAndWritesResults(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runBench(t, "run", "--out", out, writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"strategy", "goodput/s", "attempts/op", "p99 ms", "none", "exponential", "results: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	files, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	if len(files) != 1 {
		t.Fatalf("found %v, want one run.json", files)
	}
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if f.Tool.AWSSDK == "" || f.Tool.DynamoDB == "" || f.Tool.Go == "" {
		t.Errorf("versions not recorded: %+v", f.Tool)
	}
	if len(f.Strategies) != 2 || f.Strategies[0].Summary.Ops != 40 {
		t.Fatalf("strategies %+v, want 2 with 40 ops", f.Strategies)
	}
	if f.Strategies[1].Params["base"] != "5ms" {
		t.Errorf("exponential params %v, want base 5ms as resolved", f.Strategies[1].Params)
	}
	// The table shows what run.json holds.
	if !strings.Contains(stdout, f.Strategies[0].Name) {
		t.Errorf("table lacks %s", f.Strategies[0].Name)
	}
}

func TestStrategiesListsEveryStrategy(t *testing.T) {
	code, stdout, _ := runBench(t, "strategies")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"sdk-default", "none", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter"} {
		if !strings.Contains(stdout, name+"\n") {
			t.Errorf("missing %s in:\n%s", name, stdout)
		}
	}
}

// Ctrl-C stops the run, keeps what was measured and says so.
func TestInterruptWritesPartialResults(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	var stdout, stderr bytes.Buffer
	path := writeScenario(t, strings.Replace(tiny, "duration: 1s", "duration: 30s", 1))
	code := bench(ctx, []string{"run", "--out", out, "--grace", "1s", path}, &stdout, &stderr)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted: partial results written to") {
		t.Errorf("stderr %q does not say where the partial results are", stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	if len(files) != 1 {
		t.Fatalf("found %v, want one run.json", files)
	}
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !f.Interrupted {
		t.Errorf("interrupted = false in run.json")
	}
	for _, s := range f.Strategies {
		// 40/s for about 0.8 s: some operations, far fewer than 30 s worth.
		if s.Summary.Ops < 10 || s.Summary.Ops > 60 || s.Summary.Ops != s.Offered {
			t.Errorf("%s: %d ops recorded of %d offered, want the 20-40 offered before the interrupt", s.Name, s.Summary.Ops, s.Offered)
		}
	}
}

func TestTrialsKeepEachTrial(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runBench(t, "run", "--out", out, "--trials", "2", "--strategies", "none", writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s := f.Strategies[0]
	if len(s.Trials) != 2 || s.Trials[0].Ops != 40 || s.Trials[1].Ops != 40 || s.Summary.Ops != 80 || s.Offered != 80 {
		t.Errorf("got %d trials, summary ops %d, offered %d; want 2 trials of 40 ops merged into 80", len(s.Trials), s.Summary.Ops, s.Offered)
	}
	// Goodput of the merged trials is per second of all the trials' time,
	// not of the longest trial.
	if want := float64(s.Summary.Succeeded) / (s.Trials[0].SpanS + s.Trials[1].SpanS); math.Abs(s.Summary.GoodputPerS-want) > 1e-9 || s.Summary.GoodputPerS > 41 {
		t.Errorf("merged goodput %g/s, want %g/s (at most the 40/s offered)", s.Summary.GoodputPerS, want)
	}
}

// A run whose fake reaches fake.store_limit says so, on stderr and in
// run.json; one that stays under it says nothing.
func TestRunReportsStoreLimit(t *testing.T) {
	for _, tt := range []struct {
		name, fake string
		limited    bool
	}{
		{"sizes by default", "", false},
		{"full under the limit", "fake: {store: full}\n", false},
		{"full past the limit", "fake: {store: full, store_limit: 4KB}\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := runBench(t, "run", "--out", out, writeScenario(t, `name: store
table: {read_capacity: 100, write_capacity: 100}
workload: {rate: 40/s, duration: 1s, keys: 1000}
strategies: [none]
`+tt.fake))
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			f := onlyRun(t, out)
			srv := f.Strategies[0].Server
			if srv == nil {
				t.Fatal("run.json has no server stats")
			}
			// 1 KB items: 3 fit in 4KB, and nearly every one of the 40
			// writes is a new key.
			if got := srv.StoreLimited; (got >= 30) != tt.limited || (got > 0) != tt.limited {
				t.Errorf("server.store_limited: got %d, want limited %v (30 to 40)", got, tt.limited)
			}
			if warned := strings.Contains(stderr, "reached fake.store_limit"); warned != tt.limited {
				t.Errorf("stderr warns of the store limit %v, want %v:\n%s", warned, tt.limited, stderr)
			}
		})
	}
}

// -memprofile writes a heap profile pprof reads, with in-use and allocation
// samples; a file that cannot be created is refused before the run.
func TestRunMemProfile(t *testing.T) {
	for _, tt := range []struct {
		name   string
		path   func(dir string) string
		code   int
		stderr string // in stderr when the run is refused
	}{
		{"written", func(dir string) string { return filepath.Join(dir, "heap.pprof") }, exitOK, ""},
		{"no such directory", func(dir string) string { return filepath.Join(dir, "missing", "heap.pprof") }, exitBadInput, "-memprofile: open "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.path(dir)
			code, _, stderr := runBench(t, "run", "--out", dir, "--strategies", "none", "--memprofile", path, writeScenario(t, tiny))
			if code != tt.code {
				t.Fatalf("exit: got %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if tt.code != exitOK {
				if !strings.Contains(stderr, tt.stderr) {
					t.Errorf("stderr: got %q, want it to contain %q", stderr, tt.stderr)
				}
				return
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, err := profile.Parse(f)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var types []string
			for _, st := range p.SampleType {
				types = append(types, st.Type)
			}
			if !slices.Contains(types, "inuse_space") || !slices.Contains(types, "alloc_space") || len(p.Sample) == 0 {
				t.Errorf("%s: got sample types %v and %d samples, want inuse_space, alloc_space and samples", path, types, len(p.Sample))
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const simScenario = `name: simtest
seed: 7
table: {read_capacity: 10, write_capacity: 50}
workload: {rate: 100/s, duration: 5s, keys: 1000, fleet: 3}
fake: {burst: 0s}
strategies: [sdk-default, none, full-jitter, token-bucket, sdk-adaptive]
slos: ["success >= 99%"]
`

// Two simulations with one seed write byte-identical run.json files.
func TestSimDeterministicFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "simtest.yaml")
	if err := os.WriteFile(path, []byte(simScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for i := range 2 {
		out := filepath.Join(dir, "out", string(rune('a'+i)))
		var stdout, stderr bytes.Buffer
		code := bench(context.Background(), []string{"sim", "-out", out, path}, &stdout, &stderr)
		if code != exitSLOMissed {
			t.Fatalf("exit %d, want %d (SLO missed); stderr:\n%s", code, exitSLOMissed, stderr.String())
		}
		if !strings.Contains(stderr.String(), "skipping strategy sdk-adaptive: not simulable") {
			t.Errorf("stderr does not say sdk-adaptive is skipped:\n%s", stderr.String())
		}
		runs, _ := filepath.Glob(filepath.Join(out, "simtest", "sim-*", "run.json"))
		if len(runs) != 1 {
			t.Fatalf("found %v, want one run.json", runs)
		}
		for _, f := range []string{"summary.csv", "summary.md", "report.html"} {
			if _, err := os.Stat(filepath.Join(filepath.Dir(runs[0]), f)); err != nil {
				t.Error(err)
			}
		}
		b, err := os.ReadFile(runs[0])
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two simulations with one seed wrote different run.json files")
	}
	if !bytes.Contains(files[0], []byte(`"target": "simulation"`)) || !bytes.Contains(files[0], []byte(`"started": "2000-01-01T00:00:00Z"`)) {
		t.Error("run.json does not name the simulation target and epoch")
	}
}

func TestSimBackoffExperiment(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := bench(context.Background(), []string{"sim", "-experiment", "backoff", "-runs", "3", "-clients", "10,20", "-out", out}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"Total calls", "Completion time", "full-jitter", "decorrelated-jitter", "backoff.svg"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	svgs, _ := filepath.Glob(filepath.Join(out, "backoff-experiment", "sim-*", "backoff.svg"))
	if len(svgs) != 1 {
		t.Fatalf("found %v, want one backoff.svg", svgs)
	}
}

func TestSimBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"sim"},
		{"sim", "-experiment", "nope"},
		{"sim", "-experiment", "backoff", "-clients", "190-10/10"},
		{"sim", "-latency", "weibull:1ms", "x.yaml"},
		{"sweep"},
	} {
		var stdout, stderr bytes.Buffer
		if code := bench(context.Background(), args, &stdout, &stderr); code != exitBadInput {
			t.Errorf("%q: exit %d, want %d; stderr: %s", args, code, exitBadInput, stderr.String())
		}
	}
}

func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sweep.yaml")
	sc := strings.Replace(simScenario, "strategies: [sdk-default, none, full-jitter, token-bucket, sdk-adaptive]", "strategies: [none, sdk-adaptive]", 1)
	if err := os.WriteFile(path, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := bench(context.Background(), []string{"sweep", "-out", dir, path}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "max sustainable rate") || !strings.Contains(stdout.String(), "found") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if svgs, _ := filepath.Glob(filepath.Join(dir, "simtest", "sweep-*", "sweep.svg")); len(svgs) != 1 {
		t.Errorf("found %v, want one sweep.svg", svgs)
	}
}

// A scenario of clients only (for bench run --exec) has no workload:
// bench sim and bench sweep refuse it with exit 2 instead of running
// nothing.
func TestClientsOnlyScenarioRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "apps.yaml")
	const apps = "name: apps\ntable: {read_capacity: 10, write_capacity: 10}\nclients:\n  - {name: app, command: [\"true\"]}\n"
	if err := os.WriteFile(path, []byte(apps), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"sim", "sweep"} {
		var stdout, stderr bytes.Buffer
		code := bench(context.Background(), []string{cmd, "-out", t.TempDir(), path}, &stdout, &stderr)
		if code != exitBadInput || !strings.Contains(stderr.String(), "apps.yaml: no workload: the scenario lists clients only") {
			t.Errorf("bench %s: exit %d, stderr %q; want exit %d naming the file and the missing workload", cmd, code, stderr.String(), exitBadInput)
		}
	}
}

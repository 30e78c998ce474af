package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportFixture is a recorded three-strategy run (a 2 s write spike
// against 100 WCU).
var reportFixture = filepath.Join("testdata", "report", "run.json")

func TestReportGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"table", []string{"report", reportFixture}},
		{"csv", []string{"report", "--format", "csv", reportFixture}},
		{"md", []string{"report", reportFixture, "--format=md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if stderr != "" {
				t.Errorf("stderr %q, want nothing", stderr)
			}
			checkGolden(t, filepath.Join("report", tt.name+".golden"), []byte(stdout))
		})
	}
}

func TestReportWritesFiles(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.json")
	data, err := os.ReadFile(reportFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(run, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		file     string // written, and printed on stdout
		contains string
	}{
		{"html next to run.json", []string{"report", "--format", "html", run}, filepath.Join(dir, "report.html"), `<figure data-chart="latency">`},
		{"html to a file", []string{"report", "--format", "html", "--out", filepath.Join(dir, "x.html"), run}, filepath.Join(dir, "x.html"), `<figure data-chart="attempts">`},
		{"csv to a file", []string{"report", "--format", "csv", "--out", filepath.Join(dir, "s.csv"), run}, filepath.Join(dir, "s.csv"), "strategy,offered,succeeded,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if want := "report: " + tt.file + "\n"; stdout != want {
				t.Errorf("stdout %q, want %q", stdout, want)
			}
			got, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.contains) {
				t.Errorf("%s lacks %q", tt.file, tt.contains)
			}
		})
	}
	code, stdout, _ := runBench(t, "report", "--format", "html", "--out", "-", run)
	if code != exitOK || !strings.HasPrefix(stdout, "<!DOCTYPE html>") {
		t.Errorf("--out -: exit %d, stdout starts %.40q; want the page on stdout", code, stdout)
	}
}

func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	invalid := write("invalid.json", `{"schema_version": 1, "strategies": [`)
	future := write("future.json", `{"schema_version": 99}`)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", []string{"report"}, "want one run.json file, got 0 arguments"},
		{"two files", []string{"report", reportFixture, reportFixture}, "want one run.json file, got 2 arguments"},
		{"missing file", []string{"report", filepath.Join(dir, "nope.json")}, "nope.json: no such file or directory"},
		{"invalid JSON", []string{"report", invalid}, "invalid.json: unexpected end of JSON input"},
		{"unknown schema", []string{"report", future}, "future.json: schema_version 99"},
		{"unknown format", []string{"report", "--format", "pdf", reportFixture}, `-format: unknown format "pdf" (formats: csv, gobench, html, md, table)`},
		{"bad flag", []string{"report", "--colour", reportFixture}, "flag provided but not defined: -colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, tt.args...)
			if code != exitBadInput {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitBadInput, stderr)
			}
			if !strings.HasPrefix(stderr, "bench report: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want bench report: ...%s", stderr, tt.want)
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

// TestRunWritesReports checks bench run leaves the summaries and the HTML
// report next to run.json, and that bench report reproduces them.
func TestRunWritesReports(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runBench(t, "run", "--quiet", "--out", out, writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	if len(runs) != 1 {
		t.Fatalf("found %v, want one run.json", runs)
	}
	dir := filepath.Dir(runs[0])
	for _, tt := range []struct{ file, format string }{{"summary.csv", "csv"}, {"summary.md", "md"}, {"report.html", "html"}} {
		written, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Errorf("bench run did not write %s: %v", tt.file, err)
			continue
		}
		code, stdout, stderr := runBench(t, "report", "--format", tt.format, "--out", "-", runs[0])
		if code != exitOK {
			t.Fatalf("bench report --format %s: exit %d, stderr %q", tt.format, code, stderr)
		}
		if stdout != string(written) {
			t.Errorf("bench report --format %s differs from the %s bench run wrote", tt.format, tt.file)
		}
	}
}

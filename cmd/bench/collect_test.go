package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// emitted runs tiny as shard sh of bench run -emit-result on the embedded
// fake and returns its stdout and the run.json it wrote.
func emitted(t *testing.T, sh string) (stdout string, runJSON []byte) {
	t.Helper()
	out := t.TempDir()
	args := []string{"run", "-quiet", "-emit-result", "-out", out, "-strategies", "none"}
	if sh != "" {
		args = append(args, "-shard", sh)
	}
	code, stdout, stderr := runBench(t, append(args, writeScenario(t, tiny))...)
	if code != exitOK {
		t.Fatalf("bench run -shard %s: exit %d: %s", sh, code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	if len(files) != 1 {
		t.Fatalf("run.json files %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return stdout, data
}

func writeLog(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// prefixed puts kubectl logs --prefix's "[pod/NAME/CONTAINER] " before
// every line.
func prefixed(pod, log string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(log, "\n") {
		if l != "" {
			b.WriteString("[pod/" + pod + "/bench] " + l)
		}
	}
	return b.String()
}

// TestCollectRoundTrip: the marked last line bench run -emit-result prints
// comes back through bench collect as the very run.json the run wrote,
// named after its shard, from a file, from stdin and from kubectl's
// prefixed, interleaved logs of several pods.
func TestCollectRoundTrip(t *testing.T) {
	out0, want0 := emitted(t, "0/2")
	out1, want1 := emitted(t, "1/2")
	outWhole, wantWhole := emitted(t, "")
	last := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return lines[len(lines)-1]
	}
	if !strings.HasPrefix(last(out0), resultMarker+" ") {
		t.Fatalf("last stdout line %.80q..., want it to start with %s", last(out0), resultMarker)
	}
	// Pod logs as kubectl logs -l job-name=J --prefix gives them: each pod's
	// stderr and stdout, then a trailing line after the marker (the exit
	// message of a run that missed an SLO).
	logs := prefixed("sharded-1-x7k2p", "bench run: shard 1/2: every 2nd arrival\n"+out1+"bench run: SLO missed: 1 of 1 checks\n") +
		prefixed("sharded-0-q9z4r", "bench run: shard 0/2: every 2nd arrival\n"+out0)
	tests := []struct {
		name  string
		stdin string // when set, the log comes on stdin
		logs  []string
		want  map[string][]byte
	}{
		{"file", "", []string{writeLog(t, "pod.log", out0)}, map[string][]byte{"shard-0-of-2.json": want0}},
		{"two files", "", []string{writeLog(t, "a.log", out0), writeLog(t, "b.log", out1)}, map[string][]byte{"shard-0-of-2.json": want0, "shard-1-of-2.json": want1}},
		{"kubectl prefixed, interleaved", "", []string{writeLog(t, "job.log", logs)}, map[string][]byte{"shard-0-of-2.json": want0, "shard-1-of-2.json": want1}},
		{"stdin", logs, nil, map[string][]byte{"shard-0-of-2.json": want0, "shard-1-of-2.json": want1}},
		{"stdin as -", out1, []string{"-"}, map[string][]byte{"shard-1-of-2.json": want1}},
		{"unsharded run", "", []string{writeLog(t, "whole.log", outWhole)}, map[string][]byte{"run.json": wantWhole}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.stdin != "" {
				old := os.Stdin
				os.Stdin, _ = os.Open(writeLog(t, "stdin", tc.stdin))
				defer func() { os.Stdin.Close(); os.Stdin = old }()
			}
			dir := filepath.Join(t.TempDir(), "shards")
			code, stdout, stderr := runBench(t, append([]string{"collect", "-dir", dir}, tc.logs...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(tc.want) {
				t.Errorf("wrote %d files, want %d", len(entries), len(tc.want))
			}
			for name, want := range tc.want {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: %d bytes differ from the run's run.json (%d bytes)", name, len(got), len(want))
				}
				if !strings.Contains(stdout, filepath.Join(dir, name)) {
					t.Errorf("stdout %q does not name %s", stdout, name)
				}
			}
			if !strings.Contains(stderr, "next: bench merge") {
				t.Errorf("stderr %q, want the next step", stderr)
			}
		})
	}

	// What bench collect wrote, bench merge takes.
	dir := filepath.Join(t.TempDir(), "shards")
	if code, _, stderr := runBench(t, "collect", "-dir", dir, writeLog(t, "job.log", logs)); code != exitOK {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runBench(t, "merge", "-out", t.TempDir(), filepath.Join(dir, "shard-0-of-2.json"), filepath.Join(dir, "shard-1-of-2.json"))
	if code != exitOK || !strings.Contains(stdout, "merged 2 shards") {
		t.Errorf("merge of collected shards: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestCollectBadInput: logs without a result, with a damaged one or with
// one shard twice exit 2 naming the file (and line) at fault, and write
// nothing.
func TestCollectBadInput(t *testing.T) {
	out0, _ := emitted(t, "0/2")
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}
	noise := "bench run: tiny: 1 strategies against the embedded fake\n\x00\xff binary noise \x1b[2K\n" + strings.Repeat("x", 100000) + "\n"
	tests := []struct {
		name, log string
		want      []string
	}{
		{"empty log", "", []string{"no " + resultMarker + " line in", "-emit-result"}},
		{"no marker", noise, []string{"no " + resultMarker + " line in", "did they finish?"}},
		{"marker without its space", resultMarker + gz("{}") + "\n", []string{"no " + resultMarker + " line in"}},
		{"not base64", noise + resultMarker + " !!not*base64!!\n", []string{"pod.log:4: result line: base64"}},
		{"not gzip", resultMarker + " " + base64.StdEncoding.EncodeToString([]byte("plain text")) + "\n", []string{"pod.log:1: result line: gzip"}},
		{"cut short", resultMarker + " " + gz(strings.Repeat("{", 5000))[:40] + "\n", []string{"pod.log:1: result line"}},
		{"not a run.json", resultMarker + " " + gz(`{"hello": "world"}`) + "\n", []string{"pod.log:1: result line: schema_version"}},
		{"same shard twice", out0 + out0, []string{"pod.log:", "two results for shard-0-of-2", "mixed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			log := writeLog(t, "pod.log", tc.log)
			dir := filepath.Join(t.TempDir(), "shards")
			code, stdout, stderr := runBench(t, "collect", "-dir", dir, log)
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
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("created %s, want nothing written", dir)
			}
		})
	}
	if code, _, stderr := runBench(t, "collect", "-dir", t.TempDir(), filepath.Join(t.TempDir(), "gone.log")); code != exitBadInput || !strings.Contains(stderr, "gone.log") {
		t.Errorf("missing log: exit %d, stderr %q; want 2 and the file named", code, stderr)
	}
}

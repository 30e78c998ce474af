package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/throttlebench/throttlebench/internal/results"
)

// resultMarker starts the log line on which bench run -emit-result prints
// its run.json, gzip then standard base64, so a pod's log carries its
// results back without a volume.
const resultMarker = "THROTTLEBENCH-RESULT-V1"

// maxResultLine bounds one marked line (a run.json of many strategies
// with per-second series compresses to well under this).
const maxResultLine = 64 << 20

// emitResult prints the file at path as a marked line on w.
func emitResult(w io.Writer, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s %s\n", resultMarker, base64.StdEncoding.EncodeToString(buf.Bytes()))
	return err
}

// result is one run.json found on a marked log line.
type result struct {
	data  []byte
	where string // "FILE:LINE"
}

// decodeResults finds every marked line in r (prefixed or not, as kubectl
// logs --prefix writes them) and returns the run.json files they carry.
func decodeResults(r io.Reader, name string) ([]result, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxResultLine)
	var out []result
	line := 0
	for sc.Scan() {
		line++
		_, enc, ok := strings.Cut(sc.Text(), resultMarker+" ")
		if !ok {
			continue
		}
		gz, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: result line: base64: %w", name, line, err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: result line: gzip: %w", name, line, err)
		}
		data, err := io.ReadAll(io.LimitReader(zr, 1<<30))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: result line: gzip: %w", name, line, err)
		}
		out = append(out, result{data, fmt.Sprintf("%s:%d", name, line)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// collectMain is bench collect: it reads pods' logs (files, or stdin when
// none or "-") and writes each marked run.json to DIR/shard-I.json.
func collectMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	dir := fs.String("dir", "shards", "directory for the shards' run.json files")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench collect [-dir DIR] [LOG...]   (no LOG or -: stdin)")
		fmt.Fprintln(fs.Output(), "  e.g. kubectl logs -l job-name=JOB --tail=-1 --max-log-requests=100 | bench collect -dir shards && bench merge shards/*.json")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		rest = []string{"-"}
	}
	var found []result
	for _, name := range rest {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return badInput{err}
			}
			defer f.Close()
			r = f
		} else {
			name = "stdin"
		}
		got, err := decodeResults(r, name)
		if err != nil {
			return badInput{err}
		}
		found = append(found, got...)
	}
	if len(found) == 0 {
		return badInput{fmt.Errorf("no %s line in %s: were the shards run with -emit-result, and did they finish?", resultMarker, strings.Join(rest, ", "))}
	}
	// Check every result before writing any, so bad input leaves nothing.
	names := make([]string, len(found))
	seen := map[string]string{}
	for i, r := range found {
		f, err := results.Parse(r.data, r.where+": result line")
		if err != nil {
			return badInput{err}
		}
		name := "run.json"
		if f.Shard != nil {
			name = fmt.Sprintf("shard-%d-of-%d.json", f.Shard.Index, f.Shard.Count)
		}
		if prev, ok := seen[name]; ok {
			return badInput{fmt.Errorf("%s and %s: two results for %s: logs of two runs mixed?", prev, r.where, strings.TrimSuffix(name, ".json"))}
		}
		seen[name] = r.where
		names[i] = name
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for i, r := range found {
		path := filepath.Join(*dir, names[i])
		if err := os.WriteFile(path, r.data, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
	}
	fmt.Fprintf(stderr, "bench collect: %d result(s) in %s; next: bench merge %s\n", len(found), *dir, filepath.Join(*dir, "*.json"))
	return nil
}

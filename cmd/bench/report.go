package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/results"
)

// reportFormats are the renderings bench report offers; every one reads
// only the results file.
var reportFormats = map[string]func(io.Writer, *results.File) error{
	"table":   report.Table,
	"csv":     report.CSV,
	"md":      report.Markdown,
	"html":    report.HTML,
	"gobench": report.GoBench,
}

// runFiles are the files bench run writes next to run.json, by format.
var runFiles = []struct{ name, format string }{
	{"summary.csv", "csv"},
	{"summary.md", "md"},
	{"report.html", "html"},
}

// reportOptions are bench report's flags.
type reportOptions struct {
	runPath string
	format  string
	out     string // file to write; "-" for stdout; "" for stdout, or report.html next to run.json
}

func reportMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o reportOptions
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.StringVar(&o.format, "format", "table", "output format: "+strings.Join(formatNames(), ", "))
	fs.StringVar(&o.out, "out", "", "write to this file instead of stdout (- for stdout); html defaults to report.html next to RUN.json")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench report [flags] RUN.json")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one run.json file, got %d arguments (usage: bench report [flags] RUN.json)", len(rest))}
	}
	o.runPath = rest[0]
	return reportRun(ctx, o, stdout, stderr)
}

// reportRun renders a saved run in one format, to stdout or a file; when
// it writes a file it prints the file's path.
func reportRun(_ context.Context, o reportOptions, stdout, _ io.Writer) error {
	render, ok := reportFormats[o.format]
	if !ok {
		return badInput{fmt.Errorf("-format: unknown format %q (formats: %s)", o.format, strings.Join(formatNames(), ", "))}
	}
	f, err := results.Read(o.runPath)
	if err != nil {
		return badInput{err}
	}
	out := o.out
	if out == "" && o.format == "html" {
		out = filepath.Join(filepath.Dir(o.runPath), "report.html")
	}
	if out == "" || out == "-" {
		return render(stdout, f)
	}
	if err := writeRendered(out, render, f); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "report: %s\n", out)
	return nil
}

// writeReports writes summary.csv, summary.md and report.html into the
// directory of runJSON, the run.json file f was written to.
func writeReports(runJSON string, f *results.File) error {
	dir := filepath.Dir(runJSON)
	for _, rf := range runFiles {
		if err := writeRendered(filepath.Join(dir, rf.name), reportFormats[rf.format], f); err != nil {
			return err
		}
	}
	return nil
}

// writeRendered renders f in full before replacing path, so a failure
// never leaves a half-written file.
func writeRendered(path string, render func(io.Writer, *results.File) error, f *results.File) error {
	var buf bytes.Buffer
	if err := render(&buf, f); err != nil {
		return fmt.Errorf("render %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func formatNames() []string {
	names := make([]string, 0, len(reportFormats))
	for n := range reportFormats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

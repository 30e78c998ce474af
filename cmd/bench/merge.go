package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/throttlebench/throttlebench/internal/merge"
	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/results"
)

// mergeMain is bench merge: it joins the run.json files of a sharded run
// into one (with its summary.csv, summary.md and report.html), judges the
// scenario's SLOs on the merged result and exits like bench run.
func mergeMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("out", "results", "results directory: the merge goes to OUT/<scenario>/<start>-merged-N/")
	maxSkew := fs.Duration("max-skew", merge.DefaultMaxSkew, "flag the merge when the shards' loads started further apart than this")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench merge [-out DIR] [-max-skew 1s] SHARD.json...   (every shard of one bench run -shard I/N)")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return badInput{errors.New("want the run.json file of every shard (usage: bench merge [-out DIR] SHARD.json...)")}
	}
	if *maxSkew <= 0 {
		return badInput{fmt.Errorf("-max-skew must be > 0, got %s", *maxSkew)}
	}
	parts := make([]merge.Part, 0, len(rest))
	for _, path := range rest {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f, err := results.Read(path)
		if err != nil {
			return badInput{err}
		}
		parts = append(parts, merge.Part{Name: path, File: f})
	}
	file, err := merge.Merge(parts, merge.Options{MaxSkew: *maxSkew})
	if err != nil {
		if merge.IsRefusal(err) {
			return badInput{err}
		}
		return err
	}
	path, err := results.Write(results.Dir(*out, file), file)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := writeReports(path, file); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	if err := report.Table(stdout, file); err != nil {
		return err
	}
	m := file.Merged
	fmt.Fprintf(stdout, "merged %d shards; load starts %s apart (limit %s)\n", m.Shards,
		time.Duration(m.StartSkewS*float64(time.Second)).Round(time.Microsecond), *maxSkew)
	if m.Skewed {
		fmt.Fprintf(stdout, "warning: the shards started more than %s apart: they did not offer the load as one schedule\n", *maxSkew)
	}
	for _, n := range m.Notes {
		fmt.Fprintf(stdout, "note: %s\n", n)
	}
	missed := printMissedSLOs(stdout, file.SLOs)
	fmt.Fprintf(stdout, "results: %s\n", path)
	if file.Interrupted {
		return fmt.Errorf("%w: a shard was interrupted; merged what it gathered, in %s", errInterrupted, path)
	}
	if missed > 0 {
		return fmt.Errorf("%w: %d of %d checks", errSLOMissed, missed, len(file.SLOs))
	}
	return nil
}

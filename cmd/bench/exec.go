package main

import (
	"io"
	"path/filepath"
	"time"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/served"
)

// servedFile assembles the run.json of traffic the fake measured from its
// side: one strategy per client group, params(name) as its parameters, and
// the groups' forensics.
func servedFile(sc *scenario.Scenario, target string, start time.Time, res []served.Result, interrupted bool, params func(name string) map[string]any) *results.File {
	r := &runner.Result{Started: start, Interrupted: interrupted}
	var fx []served.Forensics
	for _, g := range res {
		r.Strategies = append(r.Strategies, runner.StrategyResult{
			Name: g.Name, Params: params(g.Name), Offered: g.Summary.Ops, Summary: g.Summary, Series: g.Series,
		})
		fx = append(fx, g.Forensics)
	}
	f := results.New(sc, target, r)
	f.Served = fx
	return f
}

// writeServed writes f's run.json, summary.csv, summary.md, report.html
// and forensics.md under root/<scenario>/<start>/ and returns run.json's
// path.
func writeServed(root string, f *results.File) (string, error) {
	path, err := results.Write(results.Dir(root, f), f)
	if err != nil {
		return "", err
	}
	if err := writeReports(path, f); err != nil {
		return "", err
	}
	err = writeRendered(filepath.Join(filepath.Dir(path), "forensics.md"), func(w io.Writer, f *results.File) error {
		return served.WriteForensics(w, f.Served)
	}, f)
	return path, err
}

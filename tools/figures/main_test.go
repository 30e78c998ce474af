package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/figures"
)

// Every row of the table comes from a benchmark that one of the runs
// invokes: a row whose benchmark is not run fails make figures only after
// minutes of benchmarks.
func TestEveryFigureIsRun(t *testing.T) {
	for _, f := range append(refs(table), refs(memoryTable)...) {
		ran := false
		for _, r := range runs {
			if r.pkg == "./"+f.pkg+"/" && regexp.MustCompile(r.bench).MatchString(f.bench) {
				ran = true
			}
		}
		if !ran {
			t.Errorf("figure %q: no run invokes %s in ./%s/", f.label, f.bench, f.pkg)
		}
	}
}

type figureRef struct{ label, pkg, bench string }

// refs splits each figure's key, "pkg BenchmarkName/sub", into the package
// and the top-level benchmark that -bench matches.
func refs(figs []figures.Figure) []figureRef {
	var out []figureRef
	for _, f := range figs {
		pkg, name, _ := strings.Cut(f.Key, " ")
		name, _, _ = strings.Cut(name, "/")
		out = append(out, figureRef{label: f.Label, pkg: pkg, bench: name})
	}
	return out
}

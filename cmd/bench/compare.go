package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/throttlebench/throttlebench/internal/compare"
	"github.com/throttlebench/throttlebench/internal/results"
)

// errRuleBroken marks a comparison in which a --fail-on rule was broken:
// bench exits 1.
var errRuleBroken = errors.New("rules broken")

// compareOptions are bench compare's flags.
type compareOptions struct {
	baseline, current string
	rules             []compare.Rule
	alpha             float64
	allowSaturated    bool
}

// ruleFlag collects repeated --fail-on rules, parsing each as it comes.
type ruleFlag struct{ rules *[]compare.Rule }

func (f ruleFlag) String() string {
	if f.rules == nil {
		return ""
	}
	parts := make([]string, len(*f.rules))
	for i, r := range *f.rules {
		parts[i] = r.Text
	}
	return strings.Join(parts, " ")
}

func (f ruleFlag) Set(s string) error {
	r, err := compare.ParseRule(s)
	if err != nil {
		return err
	}
	*f.rules = append(*f.rules, r)
	return nil
}

func compareMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o compareOptions
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.Var(ruleFlag{&o.rules}, "fail-on", "exit 1 when this rule is broken, e.g. 'p99>+10%' or 'success<-0.5pp' (repeatable; metrics: "+
		strings.Join(compare.MetricNames(), ", ")+"; units: %, pp, ms, s, us, none)")
	fs.Float64Var(&o.alpha, "alpha", compare.DefaultAlpha, "significance level of the U-test when both runs have trials")
	fs.BoolVar(&o.allowSaturated, "allow-saturated", false, "compare even when either run's load generator was saturated (run.json generator.verdict); by default that is refused, exit 2")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench compare [flags] BASELINE.json CURRENT.json")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nExit status: 0 no rule broken; 1 a rule broken; 2 bad input, or a saturated generator on either side (without --allow-saturated).")
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		return badInput{fmt.Errorf("want two run.json files, got %d arguments (usage: bench compare [flags] BASELINE.json CURRENT.json)", len(rest))}
	}
	o.baseline, o.current = rest[0], rest[1]
	return compareRuns(ctx, o, stdout, stderr)
}

// compareRuns prints the comparison of two run files and returns
// errRuleBroken (wrapped) when a rule is broken.
func compareRuns(_ context.Context, o compareOptions, stdout, _ io.Writer) error {
	if !(o.alpha > 0 && o.alpha < 1) {
		return badInput{fmt.Errorf("-alpha must be between 0 and 1, got %v", o.alpha)}
	}
	base, err := readRun("baseline", o.baseline)
	if err != nil {
		return err
	}
	cur, err := readRun("current", o.current)
	if err != nil {
		return err
	}
	res, err := compare.Compare(base, cur, compare.Options{Alpha: o.alpha, Rules: o.rules, AllowSaturated: o.allowSaturated})
	if sat := (*compare.SaturatedError)(nil); errors.As(err, &sat) {
		path := o.baseline
		if sat.Side == "current" {
			path = o.current
		}
		return badInput{fmt.Errorf("%s %w", path, err)}
	}
	if err != nil {
		return badInput{fmt.Errorf("%s vs %s: %w", o.baseline, o.current, err)}
	}
	if err := res.Write(stdout); err != nil {
		return err
	}
	if len(res.Broken) > 0 {
		var broken []string
		for _, v := range res.Broken {
			broken = append(broken, v.Strategy+" "+v.Rule.Text)
		}
		return fmt.Errorf("%w: %s", errRuleBroken, strings.Join(broken, ", "))
	}
	return nil
}

func readRun(which, path string) (*results.File, error) {
	f, err := results.Read(path)
	if err != nil {
		return nil, badInput{fmt.Errorf("%s: %w", which, err)}
	}
	if len(f.Strategies) == 0 {
		return nil, badInput{fmt.Errorf("%s: %s: no strategies", which, path)}
	}
	return f, nil
}

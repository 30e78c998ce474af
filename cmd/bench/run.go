package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// runOptions are bench run's flags.
type runOptions struct {
	scenarioPath string
	strategies   string // comma-separated override of the scenario's list
	duration     time.Duration
	out          string
	sequential   bool
	grace        time.Duration
	quiet        bool
	trials       int
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&o.strategies, "strategies", "", "comma-separated strategies to run instead of the scenario's list (see 'bench strategies')")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's workload.duration (e.g. 3s)")
	fs.StringVar(&o.out, "out", "results", "results directory: files go to OUT/SCENARIO/TIMESTAMP/")
	fs.BoolVar(&o.sequential, "sequential", false, "run strategies one after another instead of side by side")
	fs.DurationVar(&o.grace, "grace", runner.DefaultGrace, "after Ctrl-C, how long in-flight operations may finish")
	fs.IntVar(&o.trials, "trials", 1, "repeat each strategy's run N times (fresh table each) for medians and significance tests")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line (there is none when stderr is not a terminal)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench run [flags] SCENARIO.yaml")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench run [flags] SCENARIO.yaml)", len(rest))}
	}
	o.scenarioPath = rest[0]
	return run(ctx, o, stdout, stderr)
}

// run loads the scenario, starts the embedded fake, compares the
// strategies, writes run.json and prints the comparison table.
func run(ctx context.Context, o runOptions, stdout, stderr io.Writer) error {
	sc, err := scenario.Load(o.scenarioPath)
	if err != nil {
		return badInput{err}
	}
	if o.trials < 1 {
		return badInput{fmt.Errorf("-trials must be >= 1, got %d", o.trials)}
	}
	if o.duration < 0 {
		return badInput{fmt.Errorf("-duration must be > 0, got %s", o.duration)}
	}
	if o.duration > 0 {
		if len(sc.Workload.Stages) > 0 {
			return badInput{fmt.Errorf("-duration: %s sets its length with workload.stages", o.scenarioPath)}
		}
		sc.Workload.Duration = scenario.Duration(o.duration)
		if sp := sc.Workload.Spike; sp != nil && time.Duration(sp.At+sp.Width) > o.duration {
			sc.Workload.Spike = nil
			fmt.Fprintf(stderr, "bench run: -duration %s leaves no room for the scenario's spike; running without it\n", o.duration)
		}
	}
	strategies, err := resolveStrategies(sc, o.strategies)
	if err != nil {
		return badInput{err}
	}

	fake := fakeservice.New(fakeservice.Options{})
	url, err := fake.Start("127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start embedded fake: %w", err)
	}
	defer fake.Close()
	target := runner.Target{
		Endpoint: url,
		// The embedded fake checks no signature: send none, so no
		// credentials are looked up, let alone handled.
		Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
		Stats: func(table string) (runner.TableStats, bool) {
			st, ok := fake.Stats()[table]
			if !ok {
				return runner.TableStats{}, false
			}
			return runner.TableStats{
				ConsumedReadUnits:  float64(st.ConsumedReadUnits) / float64(fakeservice.Unit),
				ConsumedWriteUnits: float64(st.ConsumedWriteUnits) / float64(fakeservice.Unit),
				ThrottledRequests:  st.ThrottledReads + st.ThrottledWrites,
			}, true
		},
	}
	fmt.Fprintf(stderr, "bench run: %s: %d strategies against the embedded fake (%s): %s, %d client(s) each; table %s %d RCU / %d WCU\n",
		sc.Name, len(strategies), url, sc.Workload.Describe(), sc.Workload.Fleet,
		sc.Table.BillingMode, sc.Table.ReadCapacity, sc.Table.WriteCapacity)

	live := &runner.Live{}
	if !o.quiet && isTerminal(stderr) {
		stop := showProgress(stderr, live, time.Duration(o.trials)*sc.Workload.TotalDuration())
		defer stop()
	}
	res, err := runner.Run(ctx, runner.Options{
		Scenario: sc, Target: target, Strategies: strategies,
		Sequential: o.sequential, Grace: o.grace, Live: live, Trials: o.trials,
	})
	if err != nil {
		return err
	}
	file := results.New(sc, "embedded fake", res)
	path, err := results.Write(results.Dir(o.out, file), file)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := report.Table(stdout, file); err != nil {
		return err
	}
	missed := 0
	for _, c := range file.SLOs {
		if !c.Met {
			missed++
			fmt.Fprintf(stdout, "SLO missed: %s: %s (measured %.4g)\n", c.Strategy, c.SLO, c.Value)
		}
	}
	fmt.Fprintf(stdout, "results: %s\n", path)
	if res.Interrupted {
		return fmt.Errorf("%w: partial results written to %s", errInterrupted, path)
	}
	if missed > 0 {
		return fmt.Errorf("%w: %d of %d checks", errSLOMissed, missed, len(file.SLOs))
	}
	return nil
}

// resolveStrategies builds the scenario's strategies, or the ones named in
// override (keeping the scenario's parameters for names it lists).
func resolveStrategies(sc *scenario.Scenario, override string) ([]strategy.Strategy, error) {
	specs := sc.Strategies
	if override != "" {
		byName := map[string]scenario.StrategySpec{}
		for _, s := range sc.Strategies {
			byName[s.Name] = s
		}
		specs = nil
		for _, name := range strings.Split(override, ",") {
			name = strings.TrimSpace(name)
			spec, ok := byName[name]
			if !ok {
				spec = scenario.StrategySpec{Name: name}
			}
			specs = append(specs, spec)
		}
	}
	var out []strategy.Strategy
	for i, spec := range specs {
		s, err := strategy.New(spec.Name, strategy.Params{
			MaxAttempts: spec.MaxAttempts, Base: time.Duration(spec.Base), Cap: time.Duration(spec.Cap),
		})
		if err != nil {
			if override != "" {
				return nil, fmt.Errorf("-strategies: %w", err)
			}
			return nil, sc.Errorf(fmt.Sprintf("strategies[%d]", i), "%v", err)
		}
		out = append(out, s)
	}
	return out, nil
}

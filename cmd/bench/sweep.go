package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/sim"
	"github.com/throttlebench/throttlebench/internal/strategy"
	"github.com/throttlebench/throttlebench/internal/sweep"
)

// sweepOptions are bench sweep's flags.
type sweepOptions struct {
	scenarioPath string
	strategies   string
	duration     time.Duration
	out          string
	latency      string
	targetRate   float64
	lo, hi       float64
	tolerance    float64
	budget       int
	real         bool
	autoscaling  bool // search the auto scaling policy's target utilization
	minCapacity  bool // with autoscaling: its minimum capacity instead
}

func sweepMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o sweepOptions
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.StringVar(&o.strategies, "strategies", "", "comma-separated strategies to search instead of the scenario's list")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's workload.duration for every run (e.g. 30s)")
	fs.StringVar(&o.out, "out", "results", "results directory: the chart goes to OUT/SCENARIO/sweep-TIMESTAMP/")
	fs.StringVar(&o.latency, "latency", sim.DefaultLatency.String(), "simulated network round trip (see bench sim -h)")
	fs.Float64Var(&o.targetRate, "target-rate", 0, "search the least provisioned capacity meeting the SLOs at this rate (ops/s) instead of the highest rate")
	fs.Float64Var(&o.lo, "lo", 0, "lower end of the range searched (ops/s, or units with -target-rate); default 1")
	fs.Float64Var(&o.hi, "hi", 0, "upper end of the range searched; default 64 times the scenario's rate, or 40000 units")
	fs.Float64Var(&o.tolerance, "tolerance", sweep.DefaultTolerance, "stop when the bracket is this narrow, relative to the answer")
	fs.IntVar(&o.budget, "budget", sweep.DefaultBudget, "most runs per strategy")
	fs.BoolVar(&o.autoscaling, "autoscaling", false, "search the highest target utilization of the scenario's table.autoscaling policy (20-90 %) meeting the SLOs at the scenario's own load, stages and all")
	fs.BoolVar(&o.minCapacity, "min-capacity", false, "with -autoscaling: search the least minimum capacity of the policy meeting the SLOs at its target instead")
	fs.BoolVar(&o.real, "real", false, "confirm each answer with a real run against the embedded fake (takes the scenario's duration per strategy)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench sweep [flags] SCENARIO.yaml")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench sweep [flags] SCENARIO.yaml)", len(rest))}
	}
	o.scenarioPath = rest[0]
	return sweepRun(ctx, o, stdout, stderr)
}

// sweepRun searches every strategy in simulation, prints the table, writes
// the chart and, with -real, checks each answer against the embedded fake.
func sweepRun(ctx context.Context, o sweepOptions, stdout, stderr io.Writer) error {
	sc, err := scenario.Load(o.scenarioPath)
	if err != nil {
		return badInput{err}
	}
	if err := needWorkload(sc, o.scenarioPath, "sweep"); err != nil {
		return err
	}
	if err := overrideDuration(sc, o.duration, o.scenarioPath, stderr); err != nil {
		return err
	}
	strategies, err := resolveStrategies(sc, o.strategies)
	if err != nil {
		return badInput{err}
	}
	lat, err := sim.ParseLatency(o.latency)
	if err != nil {
		return badInput{fmt.Errorf("-latency: %w", err)}
	}
	if o.targetRate < 0 || o.lo < 0 || o.hi < 0 || o.budget < 1 {
		return badInput{fmt.Errorf("-target-rate, -lo and -hi must be >= 0 and -budget >= 1")}
	}
	var scaling sweep.ScaleSearch
	switch {
	case o.minCapacity && !o.autoscaling:
		return badInput{fmt.Errorf("-min-capacity goes with -autoscaling")}
	case o.autoscaling && o.targetRate > 0:
		return badInput{fmt.Errorf("-autoscaling searches at the scenario's own load: not with -target-rate")}
	case o.autoscaling && o.real:
		return badInput{fmt.Errorf("-real confirms rate and capacity answers only: a ramp under auto scaling runs for the scenario's whole length (bench run %s at the answer does it)", o.scenarioPath)}
	case o.minCapacity:
		scaling = sweep.ScaleMin
	case o.autoscaling:
		scaling = sweep.ScaleTarget
	}
	if scaling != "" {
		if f := sc.AutoScalingField(); f == "" {
			return badInput{fmt.Errorf("-autoscaling: %s has no table.autoscaling", o.scenarioPath)}
		}
	}
	eval := func(ctx context.Context, sc *scenario.Scenario, st strategy.Strategy) (metrics.Summary, error) {
		sr, err := sim.RunStrategy(ctx, sim.Options{Scenario: sc, Latency: lat}, st)
		return sr.Summary, err
	}
	var answers []sweep.Answer
	for _, st := range strategies {
		if err := sim.Simulable(st); err != nil {
			fmt.Fprintf(stderr, "bench sweep: skipping %v\n", err)
			continue
		}
		ans, err := sweep.Search(ctx, sweep.Options{Scenario: sc, Strategy: st, Eval: eval, TargetRate: o.targetRate,
			AutoScaling: scaling, Lo: o.lo, Hi: o.hi, Tolerance: o.tolerance, Budget: o.budget})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%w: %v", errInterrupted, err)
			}
			return badInput{err}
		}
		answers = append(answers, ans)
	}
	if err := sweep.WriteTable(stdout, answers); err != nil {
		return err
	}
	dir := filepath.Join(o.out, sc.Name, "sweep-"+time.Now().UTC().Format("20060102T150405.000Z"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var svg strings.Builder
	title := fmt.Sprintf("%s: goodput and p99 against offered rate (simulated); dashed: the highest rate meeting the SLOs", sc.Name)
	switch {
	case scaling == sweep.ScaleTarget:
		title = fmt.Sprintf("%s under auto scaling: goodput and p99 against the target utilization (simulated); dashed: the highest target meeting the SLOs", sc.Name)
	case scaling == sweep.ScaleMin:
		title = fmt.Sprintf("%s under auto scaling: goodput and p99 against the minimum capacity (simulated); dashed: the least minimum meeting the SLOs", sc.Name)
	case o.targetRate > 0:
		title = fmt.Sprintf("%s at %g ops/s: goodput and p99 against capacity (simulated); dashed: the least capacity meeting the SLOs", sc.Name, o.targetRate)
	}
	if err := sweep.Chart(title, answers).WriteSVG(&svg); err != nil {
		return err
	}
	path := filepath.Join(dir, "sweep.svg")
	if err := os.WriteFile(path, []byte(svg.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "chart: %s\n", path)
	js, err := json.MarshalIndent(answers, "", "  ")
	if err != nil {
		return err
	}
	path = filepath.Join(dir, "sweep.json")
	if err := os.WriteFile(path, append(js, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "answers: %s\n", path)
	if o.real {
		return confirmReal(ctx, sc, strategies, answers, o.targetRate, stdout)
	}
	return nil
}

// confirmReal runs each strategy at its answer against the embedded fake
// and says whether the SLOs held there too.
func confirmReal(ctx context.Context, sc *scenario.Scenario, strategies []strategy.Strategy, answers []sweep.Answer, targetRate float64, stdout io.Writer) error {
	byName := map[string]strategy.Strategy{}
	for _, st := range strategies {
		byName[st.Name()] = st
	}
	fmt.Fprintln(stdout, "\nconfirmation against the embedded fake:")
	defer runner.TuneGC()()
	for _, a := range answers {
		if a.Value <= 0 || a.Status == sweep.NoneMeets {
			fmt.Fprintf(stdout, "%-22s nothing to confirm (%s)\n", a.Strategy, a.Status)
			continue
		}
		st := byName[a.Strategy]
		ans, err := sweep.Search(ctx, sweep.Options{Scenario: sc, Strategy: st, TargetRate: targetRate, Lo: a.Value, Hi: a.Value, Budget: 1,
			Eval: func(ctx context.Context, sc *scenario.Scenario, st strategy.Strategy) (metrics.Summary, error) {
				tg, err := embeddedTarget(sc)
				if err != nil {
					return metrics.Summary{}, err
				}
				defer tg.close()
				res, err := runner.Run(ctx, runner.Options{Scenario: sc, Target: tg.Target, Strategies: []strategy.Strategy{st}})
				if err != nil {
					return metrics.Summary{}, err
				}
				return res.Strategies[0].Summary, nil
			}})
		if err != nil {
			return err
		}
		p := ans.Points[0]
		verdict := "confirmed: SLOs met"
		if !p.Met {
			verdict = "NOT confirmed: missed " + strings.Join(p.Missed, ", ")
		}
		fmt.Fprintf(stdout, "%-22s at %-10s goodput %.4g/s, p99 %.4gms, success %.2f%%: %s\n",
			a.Strategy, fmt.Sprintf("%.4g", a.Value), p.Goodput, p.P99, p.Summary.SuccessPct, verdict)
	}
	return nil
}

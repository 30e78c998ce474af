package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
	"github.com/throttlebench/throttlebench/internal/sweep"
)

// calibrateOptions are bench calibrate's flags.
type calibrateOptions struct {
	scenarioPath  string
	strategy      string
	duration      time.Duration
	lo, hi        float64
	tolerance     float64
	budget        int
	saturation    string
	scaleCapacity bool
	cpuProfile    string
	target        targetOptions
}

// Defaults of bench calibrate's flags.
const (
	calibrateDuration  = 3 * time.Second
	calibrateTolerance = 0.05
	calibrateBudget    = 12
)

func calibrateMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o calibrateOptions
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.StringVar(&o.strategy, "strategy", "", "the retry strategy to drive (default: the scenario's first)")
	fs.DurationVar(&o.duration, "duration", calibrateDuration, "how long each candidate rate runs")
	fs.Float64Var(&o.lo, "lo", 0, "lower end of the rates searched, ops/s (default 1)")
	fs.Float64Var(&o.hi, "hi", 0, "upper end of the rates searched, ops/s (default 64 times the scenario's rate)")
	fs.Float64Var(&o.tolerance, "tolerance", calibrateTolerance, "stop when the bracket is this narrow, relative to the answer")
	fs.IntVar(&o.budget, "budget", calibrateBudget, "most candidate runs")
	fs.StringVar(&o.saturation, "saturation", runner.Thresholds{}.WithDefaults().String(), "what counts as honest: the generator's thresholds, as for bench run")
	fs.BoolVar(&o.scaleCapacity, "scale-capacity", true, "scale the table's provisioned capacity with the rate, keeping the scenario's offered-to-capacity ratio (and so its share of throttles)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "also write the profiled run's CPU profile to this file (go tool pprof; label "+runner.LabelSide+" tells the fake from the client)")
	fs.StringVar(&o.target.endpoint, "endpoint", "", "a DynamoDB-compatible endpoint URL instead of the embedded fake (credentials from the default chain)")
	fs.StringVar(&o.target.profile, "profile", "", "shared config profile for -endpoint")
	fs.StringVar(&o.target.region, "region", "", "region for -endpoint")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench calibrate [flags] SCENARIO.yaml")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nExit status: 0 a rate found; 1 no honest rate in the range, or runs failed; 2 bad input.")
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench calibrate [flags] SCENARIO.yaml)", len(rest))}
	}
	o.scenarioPath = rest[0]
	return calibrate(ctx, o, stdout, stderr)
}

// errNoHonestRate: no rate in the range kept the generator healthy.
var errNoHonestRate = errors.New("no honest rate")

// calibrate finds the highest rate at which this machine generates the
// scenario's operation mix honestly (the generator's verdict ok), by
// sweep's bracketing search, then profiles a run at that rate and prints
// the CPU each operation costs, split by side.
func calibrate(ctx context.Context, o calibrateOptions, stdout, stderr io.Writer) error {
	sc, err := scenario.Load(o.scenarioPath)
	if err != nil {
		return badInput{err}
	}
	th, err := runner.ParseThresholds(o.saturation)
	if err != nil {
		return badInput{fmt.Errorf("-saturation: %w", err)}
	}
	if o.duration <= 0 || o.lo < 0 || o.hi < 0 || o.budget < 1 || !(o.tolerance > 0) {
		return badInput{fmt.Errorf("-duration, -tolerance and -budget must be > 0, -lo and -hi >= 0")}
	}
	if len(sc.Workload.Stages) > 0 || sc.Workload.Spike != nil || sc.Workload.Workers > 0 {
		return badInput{fmt.Errorf("%s: bench calibrate searches a constant open-loop rate: workload.stages, spike and workers are not supported", o.scenarioPath)}
	}
	sc.Workload.Duration = scenario.Duration(o.duration)
	sc.Workload.Warmup = 0
	name := o.strategy
	if name == "" {
		if len(sc.Strategies) == 0 {
			return badInput{fmt.Errorf("%s: no strategies: pass -strategy", o.scenarioPath)}
		}
		name = sc.Strategies[0].Name
	}
	strategies, err := resolveStrategies(sc, name)
	if err != nil {
		return badInput{err}
	}
	st := strategies[0]
	if err := o.target.validate(); err != nil {
		return badInput{err}
	}
	newTarget := func(sc *scenario.Scenario) (*target, error) { return embeddedTarget(sc) }
	if o.target.endpoint != "" {
		tg, err := remoteTarget(ctx, o.target, stderr)
		if err != nil {
			return err
		}
		defer tg.close()
		newTarget = func(*scenario.Scenario) (*target, error) {
			shared := *tg
			shared.close = func() {}
			return &shared, nil
		}
	}
	base := float64(sc.Workload.Rate)
	at := func(sc *scenario.Scenario) *scenario.Scenario {
		if !o.scaleCapacity || sc.Table.BillingMode != scenario.Provisioned || base <= 0 {
			return sc
		}
		c := *sc
		f := float64(sc.Workload.Rate) / base
		c.Table.ReadCapacity = max(1, int64(math.Round(float64(sc.Table.ReadCapacity)*f)))
		c.Table.WriteCapacity = max(1, int64(math.Round(float64(sc.Table.WriteCapacity)*f)))
		return &c
	}
	runAt := func(ctx context.Context, sc *scenario.Scenario) (*runner.Result, error) {
		sc = at(sc)
		tg, err := newTarget(sc)
		if err != nil {
			return nil, err
		}
		defer tg.close()
		res, err := runner.Run(ctx, runner.Options{Scenario: sc, Target: tg.Target, Strategies: []strategy.Strategy{st}, Health: th})
		if err != nil {
			return nil, err
		}
		if res.Interrupted {
			return nil, errInterrupted
		}
		return res, nil
	}

	where := "the embedded fake"
	if o.target.endpoint != "" {
		where = o.target.endpoint
	}
	fmt.Fprintf(stdout, "bench calibrate: %s: %s, strategy %s, against %s, %s per candidate; honest: %s\n",
		sc.Name, sc.Workload.Describe(), st.Name(), where, o.duration, honestText(th))
	const wakePeriod = 2 * time.Millisecond
	if w := runner.MeasureWakeLag(2*time.Second, wakePeriod); w != nil {
		fmt.Fprintf(stdout, "this machine's wake-ups, idle (a thread sleeping %g ms at a time outside the pacer, %d times): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			wakePeriod.Seconds()*1000, w.Samples, w.P50Ms, w.P99Ms, w.MaxMs)
		if w.P99Ms > th.LagP99Ms {
			fmt.Fprintf(stdout, "  over the start lag threshold (%g ms) already: the machine (its kernel or hypervisor) wakes threads late, so rates may read lagging however low; a quieter machine, or -saturation lag_p99=..., gives a limit\n", th.LagP99Ms)
		}
	}
	defer runner.TuneGC()()
	var last *runner.Generator
	ans, err := sweep.Search(ctx, sweep.Options{
		Scenario: sc, Strategy: st, Lo: o.lo, Hi: o.hi, Tolerance: o.tolerance, Budget: o.budget,
		Eval: func(ctx context.Context, sc *scenario.Scenario, _ strategy.Strategy) (metrics.Summary, error) {
			res, err := runAt(ctx, sc)
			if err != nil {
				return metrics.Summary{}, err
			}
			last = res.Generator
			fmt.Fprintf(stdout, "  %8.0f/s  %s\n", float64(sc.Workload.Rate), last.Summary())
			return res.Strategies[0].Summary, nil
		},
		Judge: func(metrics.Summary) []string {
			if !last.OK() { // lagging too: the schedule was not kept
				return last.Reasons
			}
			return nil
		},
	})
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errInterrupted) {
			return fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return err
	}
	switch {
	case ans.Value <= 0:
		return fmt.Errorf("%w: every rate tried down to %.4g/s saturated the generator or started late (see above)", errNoHonestRate, ans.Missed)
	case ans.Status == sweep.AllMeet:
		fmt.Fprintf(stdout, "honest up to the top of the range, %.0f ops/s: raise -hi to find the limit\n", ans.Value)
	case ans.Status == sweep.NotConverged:
		fmt.Fprintf(stdout, "highest honest rate: %.0f ops/s (the budget ran out: %.0f/s was not honest; raise -budget to narrow)\n", ans.Value, ans.Missed)
	default:
		fmt.Fprintf(stdout, "highest honest rate: %.0f ops/s (%.0f/s was not; %d runs)\n", ans.Value, ans.Missed, ans.Runs)
	}
	if n := len(sc.Strategies); n > 1 && o.strategy == "" {
		fmt.Fprintf(stdout, "bench run drives the scenario's %d strategies side by side: keep the scenario's rate under %.0f/s (or use -sequential)\n", n, ans.Value/float64(n))
	}

	// Profile one more run at the answer for the CPU split.
	c := *sc
	c.Workload.Rate = scenario.Rate(ans.Value)
	var keep io.Writer
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		keep = f
	}
	var res *runner.Result
	split, err := runner.ProfileCPU(ctx, func(ctx context.Context) error {
		var err error
		res, err = runAt(ctx, &c)
		return err
	}, keep)
	if err != nil {
		return err
	}
	m := res.Strategies[0].Summary
	ops := m.Ops - m.Failed[metrics.Dropped.String()]
	g := res.Generator
	fmt.Fprintf(stdout, "CPU per operation at %.0f ops/s (one more run, profiled: %d operations, %.3g attempts each; %s):\n",
		ans.Value, ops, m.AttemptsPerOp, g.Summary())
	return writeSplit(stdout, split, g, ops)
}

// honestText describes the thresholds a calibrated rate meets.
func honestText(t runner.Thresholds) string {
	cores, from := runner.Cores()
	return fmt.Sprintf("start lag p99 <= %g ms, dropped <= %g %%, CPU <= %g %% of %g cores (%s)", t.LagP99Ms, t.DroppedPct, t.CPUPct, cores, from)
}

// writeSplit prints the CPU per operation: the total (getrusage while
// load ran), split in the shares of the profile's parts (100 samples a
// second), and the runtime's GC estimate.
func writeSplit(w io.Writer, split runner.CPUSplit, g *runner.Generator, ops int64) error {
	if ops <= 0 {
		_, err := fmt.Fprintln(w, "  no operation started")
		return err
	}
	per := func(s float64) float64 { return 1e6 * s / float64(ops) }
	total := per(g.CPUS)
	fmt.Fprintf(w, "  %-48s %8.0f µs  (getrusage, user + system, while load ran)\n", "total", total)
	// The profile also covers the table's set-up and clean-up: its shares
	// split the load's total rather than its own seconds.
	for _, p := range split.Parts {
		share := p.S / split.TotalS
		fmt.Fprintf(w, "  %-48s %8.0f µs  %3.0f %%\n", p.Name, share*total, 100*share)
	}
	_, err := fmt.Fprintf(w, "  %-48s %8.0f µs  (the runtime's estimate, assists included; %d collections, %.3g ms paused)\n",
		"GC, all of it", per(g.GCCPUS), g.GCCycles, g.GCPauseMs)
	return err
}

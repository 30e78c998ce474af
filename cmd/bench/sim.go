package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/dashboard"
	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/sim"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// simOptions are bench sim's flags.
type simOptions struct {
	scenarioPath string
	strategies   string
	duration     time.Duration
	out          string
	latency      string
	cryptoJitter bool
	// The backoff experiment (-experiment backoff) instead of a scenario.
	experiment string
	runs       int
	clients    string
	ui         string // serve the live dashboard on this loopback address
	uiLinger   time.Duration
	// scaleTarget, when > 0, overrides every auto scaling policy's target.
	scaleTarget float64
}

func simMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o simOptions
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.StringVar(&o.strategies, "strategies", "", "comma-separated strategies to simulate instead of the scenario's list")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's workload.duration (e.g. 1h)")
	fs.StringVar(&o.out, "out", "results", "results directory: files go to OUT/SCENARIO/sim-TIMESTAMP/")
	fs.StringVar(&o.latency, "latency", sim.DefaultLatency.String(), "network round trip of one attempt: normal:MEAN,STDDEV (absolute value), lognormal:MEAN,STDDEV or fixed:MEAN")
	fs.BoolVar(&o.cryptoJitter, "crypto-jitter", false, "keep the SDK's crypto/rand backoff draws for sdk-default and sdk-standard-noquota (results then vary from run to run)")
	fs.StringVar(&o.experiment, "experiment", "", `run a built-in experiment instead of a scenario: "backoff" (AWS Architecture Blog, "Exponential Backoff And Jitter")`)
	fs.Float64Var(&o.scaleTarget, "autoscaling-target", 0, "override the target utilization (percent, 20-90) of every auto scaling policy of the scenario (table.autoscaling and its global indexes')")
	fs.IntVar(&o.runs, "runs", 100, "backoff experiment: runs averaged per point")
	fs.StringVar(&o.ui, "ui", "", "serve a live dashboard of the simulated seconds at http://ADDR/ while it simulates (loopback only, e.g. 127.0.0.1:8080), with a link to report.html at the end")
	fs.DurationVar(&o.uiLinger, "ui-linger", time.Minute, "with -ui: how long the dashboard stays up after the simulation (Ctrl-C ends it sooner)")
	fs.StringVar(&o.clients, "clients", "10-190/10", "backoff experiment: numbers of clients, FROM-TO/STEP or a comma-separated list")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench sim [flags] SCENARIO.yaml\n       bench sim -experiment backoff [-runs N] [-clients 10-190/10]")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if o.experiment != "" {
		if len(rest) != 0 {
			return badInput{fmt.Errorf("-experiment takes no scenario file, got %q", rest)}
		}
		return backoffExperiment(ctx, o, stdout, stderr)
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench sim [flags] SCENARIO.yaml)", len(rest))}
	}
	o.scenarioPath = rest[0]
	return simulate(ctx, o, stdout, stderr)
}

// simulate runs a scenario in virtual time and writes what bench run
// writes: run.json (target "simulation", started at the simulation's
// epoch, so a seed gives identical files), summary.csv, summary.md and
// report.html, then prints the comparison table.
func simulate(ctx context.Context, o simOptions, stdout, stderr io.Writer) (err error) {
	sc, err := scenario.Load(o.scenarioPath)
	if err != nil {
		return badInput{err}
	}
	if err := needWorkload(sc, o.scenarioPath, "sim"); err != nil {
		return err
	}
	if err := overrideDuration(sc, o.duration, o.scenarioPath, stderr); err != nil {
		return err
	}
	if o.scaleTarget != 0 {
		if err := sc.SetScalingTarget(o.scaleTarget); err != nil {
			return badInput{fmt.Errorf("-autoscaling-target: %s: %w", o.scenarioPath, err)}
		}
	}
	strategies, err := resolveStrategies(sc, o.strategies)
	if err != nil {
		return badInput{err}
	}
	lat, err := sim.ParseLatency(o.latency)
	if err != nil {
		return badInput{fmt.Errorf("-latency: %w", err)}
	}
	fmt.Fprintf(stderr, "bench sim: %s: %d strategies in virtual time: %s, %d client(s) each; table %s %d RCU / %d WCU; network %s\n",
		sc.Name, len(strategies), sc.Workload.Describe(), sc.Workload.Fleet,
		sc.Table.BillingMode, sc.Table.ReadCapacity, sc.Table.WriteCapacity, lat)
	var observer runner.Observer
	var dir string // the run's files, once written
	if o.ui != "" {
		opts := dashboard.Options{Title: fmt.Sprintf("%s: %d strategies, simulated", sc.Name, len(strategies)),
			Expected: sc.Workload.TotalDuration(), Simulated: true, Start: sim.Epoch}
		for _, s := range strategies {
			opts.Strategies = append(opts.Strategies, s.Name())
		}
		ui, err := startUI(o.ui, opts, stderr, "sim")
		if err != nil {
			return err
		}
		defer ui.close()
		defer func() { ui.finish(ctx, dir, err, o.uiLinger, stderr, "sim") }()
		for _, f := range faultWindows(sc.Faults, sim.Epoch) {
			ui.dash.AddFault(f)
		}
		observer = ui.dash
	}
	start := time.Now()
	res, err := sim.Run(ctx, sim.Options{
		Scenario: sc, Strategies: strategies, Latency: lat, CryptoJitter: o.cryptoJitter, Observer: observer,
		SkipUnsimulable: true, Warn: func(err error) { fmt.Fprintf(stderr, "bench sim: skipping %v\n", err) },
	})
	if err != nil {
		return badInput{err}
	}
	if len(res.Strategies) == 0 {
		return badInput{errors.New("no strategy of the scenario can be simulated")}
	}
	file := simFile(sc, res)
	path, err := results.Write(filepath.Join(o.out, sc.Name, "sim-"+time.Now().UTC().Format("20060102T150405.000Z")), file)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	dir = filepath.Dir(path)
	if err := writeReports(path, file); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	if err := report.Table(stdout, file); err != nil {
		return err
	}
	var ops int64
	for _, s := range res.Strategies {
		ops += s.Summary.Ops
	}
	fmt.Fprintf(stderr, "bench sim: %d operations simulated in %v\n", ops, time.Since(start).Round(time.Millisecond))
	printScaling(stdout, file)
	missed := printMissedSLOs(stdout, file.SLOs)
	fmt.Fprintf(stdout, "results: %s\n", path)
	if res.Interrupted {
		return fmt.Errorf("%w: partial results written to %s", errInterrupted, path)
	}
	if missed > 0 {
		return fmt.Errorf("%w: %d of %d checks", errSLOMissed, missed, len(file.SLOs))
	}
	return nil
}

// simFile is the results file of a simulation.
func simFile(sc *scenario.Scenario, res *runner.Result) *results.File {
	file := results.New(sc, sim.Target, res)
	file.Credentials = "none (simulation)"
	return file
}

// needWorkload refuses a scenario without a workload (clients only, for
// bench run --exec) for bench CMD, which would otherwise run nothing.
func needWorkload(sc *scenario.Scenario, path, cmd string) error {
	if sc.HasWorkload() {
		return nil
	}
	return badInput{fmt.Errorf("%s: no workload: the scenario lists clients only (applications bench run --exec measures); bench %s needs a workload: section (rate, duration) to drive its strategies", path, cmd)}
}

// overrideDuration applies -duration as bench run does.
func overrideDuration(sc *scenario.Scenario, d time.Duration, path string, stderr io.Writer) error {
	if d < 0 {
		return badInput{fmt.Errorf("-duration must be > 0, got %s", d)}
	}
	if d == 0 {
		return nil
	}
	if len(sc.Workload.Stages) > 0 {
		return badInput{fmt.Errorf("-duration: %s sets its length with workload.stages", path)}
	}
	sc.Workload.Duration = scenario.Duration(d)
	if sp := sc.Workload.Spike; sp != nil && time.Duration(sp.At+sp.Width) > d {
		sc.Workload.Spike = nil
		fmt.Fprintf(stderr, "bench: -duration %s leaves no room for the scenario's spike; running without it\n", d)
	}
	return nil
}

// backoffExperiment runs the backoff experiment and writes its table to
// stdout, and backoff.svg, backoff.csv and backoff.json under -out.
func backoffExperiment(ctx context.Context, o simOptions, stdout, stderr io.Writer) error {
	if o.experiment != "backoff" {
		return badInput{fmt.Errorf("-experiment: unknown experiment %q (experiments: backoff)", o.experiment)}
	}
	if o.runs < 1 {
		return badInput{fmt.Errorf("-runs must be >= 1, got %d", o.runs)}
	}
	clients, err := parseClients(o.clients)
	if err != nil {
		return badInput{fmt.Errorf("-clients: %w", err)}
	}
	x := sim.Experiment{Clients: clients, Runs: o.runs}
	fmt.Fprintf(stderr, "bench sim: backoff experiment: %d strategies x %d values of N x %d runs; base 5ms, cap 2s, messages |Normal(10ms, 2ms)|\n",
		len(sim.ExperimentStrategies), len(clients), o.runs)
	start := time.Now()
	rows, err := sim.RunExperiment(ctx, x, runtime.GOMAXPROCS(0))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return err
	}
	if err := sim.WriteExperimentTable(stdout, rows, o.runs); err != nil {
		return err
	}
	dir := filepath.Join(o.out, "backoff-experiment", "sim-"+time.Now().UTC().Format("20060102T150405.000Z"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var svg, csv strings.Builder
	if err := sim.ExperimentChart(rows, o.runs).WriteSVG(&svg); err != nil {
		return err
	}
	csv.WriteString("strategy,clients,calls,completion_ms\n")
	for _, r := range rows {
		fmt.Fprintf(&csv, "%s,%d,%.2f,%.3f\n", r.Strategy, r.Clients, r.Calls, float64(r.Completion)/float64(time.Millisecond))
	}
	for name, data := range map[string]string{"backoff.svg": svg.String(), "backoff.csv": csv.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "bench sim: experiment took %v\n", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "chart: %s\n", filepath.Join(dir, "backoff.svg"))
	return nil
}

// parseClients reads "FROM-TO/STEP" or "N,N,...".
func parseClients(s string) ([]int, error) {
	var out []int
	if lohi, step, ok := strings.Cut(s, "/"); ok {
		lo, hi, ok := strings.Cut(lohi, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		c, err3 := strconv.Atoi(step)
		if !ok || err1 != nil || err2 != nil || err3 != nil || a < 1 || b < a || c < 1 {
			return nil, fmt.Errorf("%q: want FROM-TO/STEP like 10-190/10", s)
		}
		for n := a; n <= b; n += c {
			out = append(out, n)
		}
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want FROM-TO/STEP or a list of client counts like 10,50,100", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// compareSim simulates sc under the strategies of a finished real run and
// prints real and simulated figures side by side. The network model is
// calibrated on the run: the round trip is the median of the strategies'
// median attempt, the client's overhead the least gap between a
// strategy's median operation and its median attempt.
func compareSim(ctx context.Context, sc *scenario.Scenario, strategies []strategy.Strategy, file *results.File, w io.Writer) error {
	var rtts []float64
	overhead := math.Inf(1)
	for _, s := range file.Strategies {
		m := s.Summary
		if m.Attempts == 0 {
			continue
		}
		rtts = append(rtts, m.AttemptMs.P50)
		overhead = min(overhead, max(0, m.LatencyMs.P50-m.AttemptMs.P50))
	}
	if len(rtts) == 0 {
		return nil
	}
	slices.Sort(rtts)
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	rtt := ms(rtts[len(rtts)/2])
	lat := sim.Latency{Dist: sim.Normal, Mean: rtt, StdDev: rtt / 5}
	res, err := sim.Run(ctx, sim.Options{Scenario: sc, Strategies: strategies, Latency: lat, Overhead: ms(overhead), SkipUnsimulable: true})
	if err != nil {
		return err
	}
	byName := map[string]runner.StrategyResult{}
	for _, s := range res.Strategies {
		byName[s.Name] = s
	}
	fmt.Fprintf(w, "\nreal vs simulated (network %v, client overhead %v, calibrated on this run):\n", lat, ms(overhead).Round(time.Microsecond))
	fmt.Fprintf(w, "%-22s %21s %21s %23s %23s\n", "", "success %", "attempts/op", "p50 ms", "p99 ms")
	fmt.Fprintf(w, "%-22s %10s %10s %10s %10s %11s %11s %11s %11s\n", "strategy", "real", "sim", "real", "sim", "real", "sim", "real", "sim")
	for _, r := range file.Strategies {
		s, ok := byName[r.Name]
		if !ok {
			fmt.Fprintf(w, "%-22s not simulable\n", r.Name)
			continue
		}
		a, b := r.Summary, s.Summary
		fmt.Fprintf(w, "%-22s %10.2f %10.2f %10.3f %10.3f %11.4g %11.4g %11.4g %11.4g\n", r.Name,
			a.SuccessPct, b.SuccessPct, a.AttemptsPerOp, b.AttemptsPerOp, a.LatencyMs.P50, b.LatencyMs.P50, a.LatencyMs.P99, b.LatencyMs.P99)
	}
	return nil
}

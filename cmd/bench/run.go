package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/dashboard"
	"github.com/throttlebench/throttlebench/internal/exporter"
	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
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
	timeScale    float64
	opTimeout    time.Duration
	format       string // what stdout gets: "table" or "gobench"
	target       targetOptions
	keepTables   bool
	table        string // an existing table to use instead of fresh ones
	useExisting  bool
	yes          bool
	compareSim   bool   // also simulate the scenario and print both side by side
	shard        string // "I/N"; empty: from the environment, else the whole run
	startAt      string // RFC 3339
	tableWait    time.Duration
	emitResult   bool   // print the run.json, gzip and base64, on a marked last line
	metrics      string // serve Prometheus metrics on this loopback address
	exec         bool   // run the command after -- (or the scenario's clients) and measure it (exec.go)
	ui           string // serve the live dashboard on this loopback address
	uiLinger     time.Duration
	saturation   string // thresholds of the generator's verdict (runner.ParseThresholds)
	memProfile   string // write a heap profile here at the end of the load
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&o.strategies, "strategies", "", "comma-separated strategies to run instead of the scenario's list (see 'bench strategies')")
	fs.DurationVar(&o.duration, "duration", 0, "override the scenario's workload.duration (e.g. 3s)")
	fs.StringVar(&o.out, "out", "results", "results directory: files go to OUT/SCENARIO/TIMESTAMP/")
	fs.BoolVar(&o.sequential, "sequential", false, "run strategies one after another instead of side by side")
	fs.DurationVar(&o.grace, "grace", runner.DefaultGrace, "after Ctrl-C, how long in-flight operations may finish")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "multiply every time in the scenario's schedule (duration, stages, spike, fault windows) by this factor, e.g. 0.1")
	fs.DurationVar(&o.opTimeout, "op-timeout", 0, "override the scenario's workload.timeout (per operation, all attempts and backoff included)")
	fs.IntVar(&o.trials, "trials", 1, "repeat each strategy's run N times (fresh table each) for medians and significance tests")
	fs.StringVar(&o.format, "format", "table", "stdout: table, or gobench (Go benchmark format for benchstat, one line per trial; other lines go to stderr)")
	fs.StringVar(&o.target.endpoint, "endpoint", "", "a DynamoDB-compatible endpoint URL instead of the embedded fake (credentials from the default chain)")
	fs.BoolVar(&o.target.aws, "aws", false, "real DynamoDB (region and credentials from the default chain; us-east-1 when no region is configured)")
	fs.StringVar(&o.target.profile, "profile", "", "shared config profile for -aws or -endpoint")
	fs.StringVar(&o.target.region, "region", "", "region for -aws or -endpoint")
	fs.BoolVar(&o.keepTables, "keep-table", false, "keep the tables the run creates (deleted by default)")
	fs.StringVar(&o.table, "table", "", "run on this existing table instead of fresh ones (strategies then run one after another)")
	fs.BoolVar(&o.useExisting, "use-existing-table", false, "allow -table to name a table throttlebench did not create")
	fs.BoolVar(&o.yes, "yes", false, "with -aws: accept the estimated cost without asking")
	fs.BoolVar(&o.compareSim, "compare-sim", false, "also run the scenario in simulation (bench sim), network calibrated on this run, and print both side by side")
	fs.StringVar(&o.metrics, "metrics", "", "serve the run's Prometheus metrics at http://ADDR/metrics while it runs (loopback only, e.g. 127.0.0.1:9100)")
	fs.StringVar(&o.ui, "ui", "", "serve a live dashboard at http://ADDR/ while it runs (loopback only, e.g. 127.0.0.1:8080), with a link to report.html at the end")
	fs.DurationVar(&o.uiLinger, "ui-linger", time.Minute, "with -ui: how long the dashboard stays up after the run (Ctrl-C ends it sooner)")
	fs.StringVar(&o.saturation, "saturation", runner.Thresholds{}.WithDefaults().String(), "when the generator counts as saturated (run.json generator.verdict): any strategy's start lag p99, share of arrivals dropped, process CPU share of its cores, and the CPU busy share above which start lag is saturation rather than lagging")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile (go tool pprof; in use after a collection, and allocations) to this `file` when the load ends, before the embedded fake closes (its tables are kept until then; with several strategies or trials, the last to end wins)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line (there is none when stderr is not a terminal)")
	fs.StringVar(&o.shard, "shard", "", "run shard I of N (I/N): every Nth arrival of the schedule; default from "+shard.IndexEnv+" and "+shard.CountEnv+" when set")
	fs.StringVar(&o.startAt, "start-at", "", "start the load at this instant (RFC 3339, e.g. 2026-12-06T05:00:00Z); sharded runs against one endpoint then share a table per strategy")
	fs.DurationVar(&o.tableWait, "table-wait", runner.DefaultTableWait, "shards other than 0: how long to wait for shard 0's table to be ACTIVE")
	fs.BoolVar(&o.emitResult, "emit-result", false, "print run.json, gzip then base64, as the last line of stdout after the marker "+resultMarker+" (for bench collect)")
	fs.BoolVar(&o.exec, "exec", false, "measure your own application: run the command after -- (or the scenario's clients:) against the embedded fake and report its traffic like a strategy")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench run [flags] SCENARIO.yaml")
		fmt.Fprintln(fs.Output(), "       bench run --exec [flags] SCENARIO.yaml [-- CMD [ARG...]]")
		fs.PrintDefaults()
	}
	var command []string // after "--": the command of --exec, kept away from flag parsing
	if i := slices.Index(args, "--"); i >= 0 {
		args, command = args[:i], args[i+1:]
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if o.exec {
		return execRun(ctx, o, rest, command, stdout, stderr)
	}
	rest = append(rest, command...)
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench run [flags] SCENARIO.yaml)", len(rest))}
	}
	o.scenarioPath = rest[0]
	return run(ctx, o, stdout, stderr)
}

// run loads the scenario, starts the embedded fake, compares the
// strategies, writes run.json and prints the comparison table.
func run(ctx context.Context, o runOptions, stdout, stderr io.Writer) (err error) {
	sc, err := scenario.Load(o.scenarioPath)
	if err != nil {
		return badInput{err}
	}
	if o.trials < 1 {
		return badInput{fmt.Errorf("-trials must be >= 1, got %d", o.trials)}
	}
	if o.format != "table" && o.format != "gobench" {
		return badInput{fmt.Errorf("-format must be table or gobench, got %q", o.format)}
	}
	if o.opTimeout < 0 {
		return badInput{fmt.Errorf("-op-timeout must be > 0, got %s", o.opTimeout)}
	}
	if o.opTimeout > 0 {
		sc.Workload.Timeout = scenario.Duration(o.opTimeout)
	}
	if !(o.timeScale > 0) {
		return badInput{fmt.Errorf("-time-scale must be > 0, got %g", o.timeScale)}
	}
	if o.timeScale != 1 {
		sc.ScaleTime(o.timeScale)
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
	if len(strategies) == 0 {
		return badInput{fmt.Errorf("%s lists clients and no strategies: run it with bench run --exec", o.scenarioPath)}
	}

	if err := o.target.validate(); err != nil {
		return badInput{err}
	}
	if o.useExisting && o.table == "" {
		return badInput{errors.New("-use-existing-table goes with -table NAME")}
	}
	sh, startAt, err := shardOptions(o, os.Getenv)
	if err != nil {
		return badInput{err}
	}
	health, err := runner.ParseThresholds(o.saturation)
	if err != nil {
		return badInput{fmt.Errorf("-saturation: %w", err)}
	}
	if o.memProfile != "" {
		// A path that cannot be written fails now, not after the load.
		f, err := os.Create(o.memProfile)
		if err != nil {
			return badInput{fmt.Errorf("-memprofile: %w", err)}
		}
		f.Close()
	}
	var watch observers
	if o.metrics != "" {
		ln, err := listenLoopback("-metrics", o.metrics)
		if err != nil {
			return err
		}
		exp := exporter.New()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", exp.Handler())
		defer serveLoopback(ln, mux)()
		announce(stderr, "metrics", ln, "/metrics")
		watch = append(watch, exp)
	}
	var ui *liveUI
	var written string // run.json, once written
	if o.ui != "" {
		expected := time.Duration(o.trials) * sc.Workload.TotalDuration()
		if o.sequential || o.table != "" {
			expected *= time.Duration(len(strategies))
		}
		opts := dashboard.Options{Title: fmt.Sprintf("%s: %d strategies", sc.Name, len(strategies)), Expected: expected}
		for _, s := range strategies {
			opts.Strategies = append(opts.Strategies, s.Name())
		}
		if ui, err = startUI(o.ui, opts, stderr, "run"); err != nil {
			return err
		}
		defer ui.close()
		defer func() {
			dir := ""
			if written != "" {
				dir = filepath.Dir(written)
			}
			ui.finish(ctx, dir, err, o.uiLinger, stderr, "run")
		}()
		watch = append(watch, ui.dash)
	}
	var tg *target
	if o.target.aws || o.target.endpoint != "" {
		tg, err = remoteTarget(ctx, o.target, stderr)
	} else {
		var profile func()
		if o.memProfile != "" {
			// Finer than the runtime's 512 KiB, so that per-key
			// structures of a few MB show with their sizes; process-wide,
			// so put back when the run returns.
			defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
			runtime.MemProfileRate = memProfileRate
			// Each trial's fake closes when its load ends: profile it
			// then, its items and per-key state still in memory.
			profile = func() {
				if perr := writeHeapProfile(o.memProfile); perr != nil {
					fmt.Fprintf(stderr, "bench run: %v\n", perr)
				}
			}
		}
		tg, err = embeddedTargetWith(sc, profile)
	}
	if err != nil {
		return err
	}
	defer tg.close()
	if ui != nil {
		ui.watch(&tg.Target, tg.Real, sc.Faults)
	}
	if tg.Real {
		if err := confirmCost(sc, len(strategies), o.trials, o.yes, os.Stdin, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "bench run: %s: %d strategies against the %s: %s, %d client(s) each; table %s %d RCU / %d WCU\n",
		sc.Name, len(strategies), tg.Description, sc.Workload.Describe(), sc.Workload.Fleet,
		sc.Table.BillingMode, sc.Table.ReadCapacity, sc.Table.WriteCapacity)

	if sh.Sharded() {
		fmt.Fprintf(stderr, "bench run: shard %s: every %s arrival of the schedule, starting with arrival %d\n", sh, ordinal(sh.Count), sh.Index)
		if tg.Isolate != nil {
			fmt.Fprintf(stderr, "bench run: warning: shard %s runs against its own embedded fake, a full table for a part of the load; give every shard one -endpoint to share a table\n", sh)
		}
		if !sh.SplitsFleet(sc.Workload.Fleet) {
			fmt.Fprintf(stderr, "bench run: warning: a fleet of %d is not a multiple of %d shards: a client's retry state (quota, limiter, budget) is split over several shards\n", sc.Workload.Fleet, sh.Count)
		}
	}
	live := &runner.Live{}
	if !o.quiet && isTerminal(stderr) {
		stop := showProgress(stderr, live, time.Duration(o.trials)*sc.Workload.TotalDuration())
		defer stop()
	}
	runCtx, stopRun := tg.access.watch(ctx) // an access error stops the run
	defer stopRun()
	defer runner.TuneGC()()
	keepTables := o.keepTables
	if o.memProfile != "" && tg.Isolate != nil {
		// The embedded fake's tables (its items, its per-key state) are
		// what a heap profile is for; they go when the fake closes.
		keepTables = true
	}
	res, err := runner.Run(runCtx, runner.Options{
		Scenario: sc, Target: tg.Target, Strategies: strategies,
		Sequential: o.sequential, Grace: o.grace, Live: live, Trials: o.trials,
		Observer:   watch.observer(),
		KeepTables: keepTables, ExistingTable: o.table, UseExistingTable: o.useExisting,
		Shard: sh, StartAt: startAt, TableWait: o.tableWait, Health: health,
	})
	if o.memProfile != "" && tg.Isolate == nil { // the client side only
		if perr := writeHeapProfile(o.memProfile); perr != nil {
			return perr
		}
	}
	if aerr := tg.access.Err(); aerr != nil {
		return aerr // the measurements say nothing about the strategies
	}
	if err != nil {
		return err
	}
	if res.CleanupError != "" {
		fmt.Fprintf(stderr, "bench run: warning: %s\n", res.CleanupError)
	}
	for _, sr := range res.Strategies {
		if sr.Server != nil && sr.Server.StoreLimited > 0 {
			fmt.Fprintf(stderr, "bench run: warning: %s: the embedded fake reached fake.store_limit and kept %d written items as their key and size only\n", sr.Name, sr.Server.StoreLimited)
		}
	}
	file := results.New(sc, tg.Description, res)
	file.Credentials = tg.Credentials
	path, err := results.Write(results.Dir(o.out, file), file)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := writeReports(path, file); err != nil { // summary.csv, summary.md, report.html
		return fmt.Errorf("write reports: %w", err)
	}
	written = path
	render, notes := report.Table, stdout
	if o.format == "gobench" {
		render, notes = report.GoBench, stderr // stdout stays parseable
	}
	if err := render(stdout, file); err != nil {
		return err
	}
	if o.compareSim {
		if err := compareSim(ctx, sc, strategies, file, notes); err != nil {
			return err
		}
	}
	printScaling(notes, file)
	missed := printMissedSLOs(notes, file.SLOs)
	if missed > 0 && sh.Sharded() {
		// A shard's part is not the run: its exit status must not fail
		// an Indexed Job's index. bench merge judges the SLOs and exits 3.
		fmt.Fprintf(notes, "note: shard %s judged the SLOs on its own part only; bench merge judges them on the whole run\n", sh)
		missed = 0
	}
	fmt.Fprintf(notes, "results: %s\n", path)
	if o.emitResult {
		if err := emitResult(stdout, path); err != nil {
			return err
		}
	}
	if res.Interrupted {
		return fmt.Errorf("%w: partial results written to %s", errInterrupted, path)
	}
	if missed > 0 {
		return fmt.Errorf("%w: %d of %d checks", errSLOMissed, missed, len(file.SLOs))
	}
	return nil
}

// memProfileRate is the bytes allocated between heap profile samples
// under -memprofile.
const memProfileRate = 64 << 10

// writeHeapProfile writes the heap profile to path after a collection, so
// that its in-use figures are the live heap.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("-memprofile: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("-memprofile: %w", err)
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
		s, err := strategy.New(spec.Name, spec.Params())
		if err != nil {
			if override != "" {
				return nil, fmt.Errorf("-strategies: %w", err)
			}
			field := fmt.Sprintf("strategies[%d]", i)
			if pe := (*strategy.ParamError)(nil); errors.As(err, &pe) {
				// Point at the line of the field at fault.
				return nil, sc.Errorf(field+"."+pe.Field, "strategy %s: %s", pe.Strategy, pe.Msg)
			}
			return nil, sc.Errorf(field, "%v", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// shardOptions resolves -shard (or the Indexed Job's environment, read
// through getenv) and -start-at.
func shardOptions(o runOptions, getenv func(string) string) (shard.Shard, time.Time, error) {
	var sh shard.Shard
	var err error
	if o.shard != "" {
		if sh, err = shard.Parse(o.shard); err != nil {
			return sh, time.Time{}, fmt.Errorf("-shard: %w", err)
		}
	} else if sh, _, err = shard.FromEnv(getenv); err != nil {
		return sh, time.Time{}, err
	}
	var startAt time.Time
	if o.startAt != "" {
		if startAt, err = time.Parse(time.RFC3339Nano, o.startAt); err != nil {
			return sh, time.Time{}, fmt.Errorf("-start-at: want an RFC 3339 time such as 2026-12-06T05:00:00Z, got %q", o.startAt)
		}
	}
	if o.tableWait <= 0 {
		return sh, time.Time{}, fmt.Errorf("-table-wait must be > 0, got %s", o.tableWait)
	}
	return sh, startAt, nil
}

// ordinal is "2nd", "3rd", "11th"...
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

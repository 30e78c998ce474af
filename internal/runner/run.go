package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/load"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// DefaultGrace is how long an interrupted run lets in-flight operations
// finish before canceling them.
const DefaultGrace = 5 * time.Second

// Options configure a comparison run.
type Options struct {
	Scenario *scenario.Scenario
	Target   Target
	// Strategies to run, each against its own fresh table.
	Strategies []strategy.Strategy
	// Sequential runs one strategy after another; by default all run at
	// once, each against its own table, so a comparison takes one
	// scenario duration instead of one per strategy.
	Sequential bool
	// Grace is how long in-flight operations may finish after ctx is
	// canceled (Ctrl-C) before they are canceled too; 0 means DefaultGrace.
	Grace time.Duration
	// TablePrefix names the tables the run creates; default "throttlebench".
	TablePrefix string
	// Live, when set, is updated as operations start and end, for a
	// progress display.
	Live *Live
	// KeepTables keeps the tables the run creates; by default they are
	// deleted at the end, interrupted or not.
	KeepTables bool
	// ExistingTable runs every strategy and trial, one after another, on
	// this table instead of fresh ones. It must carry the created-by
	// throttlebench tag unless UseExistingTable is set.
	ExistingTable    string
	UseExistingTable bool
	// Trials repeats each strategy's run that many times, each against a
	// fresh table with the same arrivals and keys; 0 means 1. The summary
	// merges all trials; Trials in the result keeps each one, so a
	// comparison can tell a real difference from run-to-run noise.
	Trials int
	// Shard runs one part of a sharded run: every Count-th arrival of the
	// schedule, from the Index-th (see package shard). The zero value runs
	// all of it.
	Shard shard.Shard
	// StartAt, when set, is the instant every strategy's load starts: the
	// run waits for it, and a load that starts later offers the arrivals
	// it missed at once, recording how late it was. With a sharded run
	// against one endpoint (a Target without Isolate) it also names the
	// tables, so every shard uses the same table per strategy: shard 0
	// creates and deletes it, the others wait for it (see TableWait).
	StartAt time.Time
	// TableWait bounds how long a shard other than 0 waits for a shared
	// table to be ACTIVE; 0 means DefaultTableWait.
	TableWait time.Duration
	// TableLinger is how long shard 0 keeps a shared table after the
	// other shards' last operations could have ended (schedule end plus
	// workload.timeout), room for their start skew; 0 means
	// DefaultTableLinger.
	TableLinger time.Duration
	// Observer, when set, watches the run as it happens: every record as
	// it is aggregated, and each strategy's own progress counters.
	Observer Observer
	// Health says when the generator counts as saturated (Result.Generator);
	// zero fields take their defaults.
	Health Thresholds
}

// Observer watches a run as it happens: a Prometheus exporter, a live
// dashboard.
type Observer interface {
	// Observe is called once per strategy, before its first trial offers
	// load, with the strategy's own progress counters (updated like
	// Options.Live, which they roll up into). It returns the function
	// that receives each of the strategy's records, trial after trial, as
	// the strategy's collector aggregates them: from one goroutine per
	// strategy, so it must be quick and must not block.
	Observe(strategy string, live *Live) func(metrics.Record)
}

// DefaultTableWait is how long a shard waits for shard 0's table.
const DefaultTableWait = 2 * time.Minute

// DefaultTableLinger is Options.TableLinger's default.
const DefaultTableLinger = 10 * time.Second

// Live counts a run's progress across all its strategies. Read its fields
// with their Load methods while the run goes on.
type Live struct {
	Offered, Done, Succeeded, InFlight atomic.Int64
	// Late counts operations that started more than
	// metrics.LateThreshold after their intended start, Dropped arrivals
	// that met a full in-flight cap.
	Late, Dropped atomic.Int64
	lagMax        atomic.Int64 // µs, the largest start lag since TakeMaxLag
	up            *Live        // counted there too: a strategy's counters roll up into the run's
	trialStart    atomic.Pointer[time.Time]
}

// TrialStart is when the strategy's current trial started offering load
// (a record's Intended, Started and Ended count from it); zero before the
// first trial, and on the run's own Live, whose strategies start apart.
// An Observer places a record in wall-clock time with it: records reach
// observers in batches, up to 10 ms after they end.
func (l *Live) TrialStart() time.Time {
	if t := l.trialStart.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// TakeMaxLag returns the largest start lag (intended to actual start) seen
// since its last call, and starts over.
func (l *Live) TakeMaxLag() time.Duration {
	return time.Duration(l.lagMax.Swap(0)) * time.Microsecond
}

// RecordStart counts an operation's start lag (intended to actual start).
func (l *Live) RecordStart(lag time.Duration) {
	us := int64(lag / time.Microsecond)
	for ; l != nil; l = l.up {
		if lag > metrics.LateThreshold {
			l.Late.Add(1)
		}
		for {
			cur := l.lagMax.Load()
			if us <= cur || l.lagMax.CompareAndSwap(cur, us) {
				break
			}
		}
	}
}

// Offer counts an operation the schedule offered.
func (l *Live) Offer() {
	for ; l != nil; l = l.up {
		l.Offered.Add(1)
	}
}

// Begin counts an operation that started (one more in flight).
func (l *Live) Begin() {
	for ; l != nil; l = l.up {
		l.InFlight.Add(1)
	}
}

// End counts an operation's outcome: began says it was started with
// Begin (dropped ones never began), ok that it succeeded.
func (l *Live) End(began, ok bool) {
	for ; l != nil; l = l.up {
		if began {
			l.InFlight.Add(-1)
		} else {
			l.Dropped.Add(1)
		}
		l.Done.Add(1)
		if ok {
			l.Succeeded.Add(1)
		}
	}
}

// StrategyResult is one strategy's outcome.
type StrategyResult struct {
	Name    string          `json:"name"`
	Params  map[string]any  `json:"params"`
	Table   string          `json:"table"`
	Offered int64           `json:"offered"`
	Summary metrics.Summary `json:"summary"`
	// Trials holds each trial's own summary when there was more than one;
	// Summary then merges them all.
	Trials []metrics.Summary `json:"trials,omitempty"`
	// Series is the first trial's per-second series.
	Series []metrics.Second `json:"series"`
	// Server is the endpoint's own view of the table, when it offers one.
	Server *TableStats `json:"server,omitempty"`
	// Recovery is set when the scenario's faults drop capacity.
	Recovery *Recovery `json:"recovery,omitempty"`
	// LoadStart is when the first trial's load started (its schedule's
	// zero), and StartLateS how many seconds after Options.StartAt the
	// load was ready to start; set for sharded runs, so a merge can put
	// shards on one wall clock.
	LoadStart  *time.Time `json:"load_start,omitempty"`
	StartLateS float64    `json:"start_late_s,omitempty"`
}

// ShardInfo says which part of a sharded run a result is.
type ShardInfo struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// StartAt is the agreed start, when there was one.
	StartAt *time.Time `json:"start_at,omitempty"`
	// LateS is the latest any strategy's load was ready after StartAt,
	// seconds (0 when on time or without StartAt).
	LateS float64 `json:"late_s"`
	// SharedTable says the shards used one table per strategy on one
	// endpoint; TableOwner that this shard created and deleted it.
	SharedTable bool   `json:"shared_table"`
	TableOwner  bool   `json:"table_owner"`
	Host        string `json:"host"`
}

// TableStats is what the endpoint reports about a table after the run.
type TableStats struct {
	ConsumedReadUnits  float64 `json:"consumed_read_units"`
	ConsumedWriteUnits float64 `json:"consumed_write_units"`
	ThrottledRequests  int64   `json:"throttled_requests"`
	// UnitsPerSuccess is the capacity consumed per successful operation.
	UnitsPerSuccess float64 `json:"units_per_success"`
	// StoreLimited counts the writes the embedded fake kept as their key
	// and size only because its store limit (fake.store_limit) was
	// reached; nonzero means reads and conditions saw less than was written.
	StoreLimited int64 `json:"store_limited,omitempty"`
	// Series is the endpoint's per-second view of the first trial's table:
	// consumed against provisioned (in effect) units, when it offers one.
	Series []ServerSecond `json:"series,omitempty"`
	// ScalingActions are the auto scaling changes that took effect on the
	// table and its indexes (scenario table.autoscaling), in time order.
	ScalingActions []ScalingAction `json:"scaling_actions,omitempty"`
}

// ScalingAction is one auto scaling change of a table's or index's
// provisioned capacity.
type ScalingAction struct {
	// DecidedS is when the alarm fired and EffectiveS when the capacity
	// changed, seconds from the start of the strategy's load (bench sim)
	// or from the endpoint's first second of the table (Series' T 0).
	DecidedS   float64 `json:"decided_s"`
	EffectiveS float64 `json:"effective_s"`
	// Resource is "table/T" or "table/T/index/I"; Dimension "read" or
	// "write".
	Resource  string `json:"resource"`
	Dimension string `json:"dimension"`
	Old       int64  `json:"old"`
	New       int64  `json:"new"`
	// Why names the alarm and what it saw.
	Why string `json:"why"`
}

// ServerSecond is one second of the endpoint's view of a table; T counts
// seconds from the table's first.
type ServerSecond struct {
	T                     int     `json:"t"`
	ConsumedReadUnits     float64 `json:"consumed_read_units"`
	ConsumedWriteUnits    float64 `json:"consumed_write_units"`
	ProvisionedReadUnits  float64 `json:"provisioned_read_units"`
	ProvisionedWriteUnits float64 `json:"provisioned_write_units"`
	ThrottledRequests     int64   `json:"throttled_requests"`
}

// Recovery is how long after a capacity drop ended the strategy's
// per-second successes got back to 90 % of their level before the drop.
type Recovery struct {
	DropAtS   float64 `json:"drop_at_s"`
	DropEndS  float64 `json:"drop_end_s"`
	Recovered bool    `json:"recovered"`
	// AfterS is the time from the end of the drop to recovery, seconds.
	AfterS float64 `json:"after_s"`
}

// Result is a whole comparison.
type Result struct {
	Started     time.Time        `json:"started"`
	Interrupted bool             `json:"interrupted"`
	Strategies  []StrategyResult `json:"strategies"`
	// CleanupError says which created tables could not be deleted.
	CleanupError string `json:"cleanup_error,omitempty"`
	// Shard is set for one part of a sharded run.
	Shard *ShardInfo `json:"shard,omitempty"`
	// Generator is the generator's own health: start lag, drops, CPU,
	// GC, and the verdict (ok or saturated) with its reasons.
	Generator *Generator `json:"generator,omitempty"`
}

// Run drives the scenario's workload under each strategy and returns what
// was measured. When ctx is canceled it stops offering load, lets in-flight
// operations finish within the grace period, and returns the results
// gathered so far with Interrupted set.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.TablePrefix == "" {
		o.TablePrefix = "throttlebench"
	}
	if o.Live == nil {
		o.Live = &Live{}
	}
	if o.Trials < 1 {
		o.Trials = 1
	}
	if o.TableLinger <= 0 {
		o.TableLinger = DefaultTableLinger
	}
	if o.TableWait <= 0 {
		o.TableWait = DefaultTableWait
	}
	sharded := o.Shard.Sharded()
	if sharded {
		if err := o.Shard.Validate(); err != nil {
			return nil, err
		}
		if !o.StartAt.IsZero() && (o.Trials > 1 || ((o.Sequential || o.ExistingTable != "") && len(o.Strategies) > 1)) {
			return nil, fmt.Errorf("shard %s: with a start time, trials and strategies must run side by side, once: later loads would not start together on every shard", o.Shard)
		}
	}
	wl, err := newWorkload(o.Scenario)
	if err != nil {
		return nil, err
	}
	res := &Result{Started: time.Now().UTC(), Strategies: make([]StrategyResult, len(o.Strategies))}
	stamp := strconv.FormatInt(res.Started.UnixMilli(), 36)
	shared := sharded && !o.StartAt.IsZero() && o.Target.Isolate == nil && o.ExistingTable == ""
	if sharded && !o.StartAt.IsZero() {
		stamp = strconv.FormatInt(o.StartAt.UnixMilli(), 36) // the same on every shard
	}
	owner := !shared || o.Shard.Index == 0
	if sharded {
		host, _ := os.Hostname()
		res.Shard = &ShardInfo{Index: o.Shard.Index, Count: o.Shard.Count, SharedTable: shared, TableOwner: shared && owner, Host: host}
		if !o.StartAt.IsZero() {
			at := o.StartAt.UTC()
			res.Shard.StartAt = &at
		}
	}
	tables := make([][]string, len(o.Strategies)) // [strategy][trial]
	for i, st := range o.Strategies {
		for trial := range o.Trials {
			name := tableName(o.TablePrefix, o.Scenario.Name, st.Name(), stamp)
			if o.Trials > 1 {
				name = tableName(o.TablePrefix, o.Scenario.Name, st.Name(), stamp+"-t"+strconv.Itoa(trial+1))
			}
			tables[i] = append(tables[i], name)
		}
		res.Strategies[i] = StrategyResult{Name: st.Name(), Params: st.Resolved(), Table: tables[i][0]}
	}
	existing := o.ExistingTable != ""
	if existing {
		if err := checkExisting(ctx, o.Target, o.ExistingTable, o.UseExistingTable); err != nil {
			return nil, err
		}
		for i := range tables {
			for t := range tables[i] {
				tables[i][t] = o.ExistingTable
			}
			res.Strategies[i].Table = o.ExistingTable
		}
		o.Sequential = true // one table: strategies must not share it at once
	}
	errs := make([]error, len(o.Strategies))
	cores, coresFrom := Cores()
	mon := newMonitor(cores, o.Health.WithDefaults().LagCPUPct)
	epoch := time.Now()                            // the common reference of the strategies' phases
	lags := make([][]LagSecond, len(o.Strategies)) // first trial's, per strategy
	conns := make([]connStats, len(o.Strategies))  // all trials', per strategy
	var cleanupMu sync.Mutex
	var cleanup []error
	// runOne runs strategy i's trials, each on a table created just before
	// its load (and on its own endpoint when the target isolates them, so
	// fault schedules count from that load's start), and deleted after it.
	runOne := func(i int) {
		sr := &res.Strategies[i]
		all := metrics.NewAggregator()
		live, observe := o.Live, func(metrics.Record) {}
		if o.Observer != nil {
			live = &Live{up: o.Live}
			observe = o.Observer.Observe(sr.Name, live)
		}
		var consumed TableStats
		for trial, table := range tables[i] {
			if ctx.Err() != nil {
				break
			}
			t, stop := o.Target, func() {}
			if o.Target.Isolate != nil && !existing {
				var err error
				if t, stop, err = o.Target.Isolate(); err != nil {
					errs[i] = err
					return
				}
			}
			if !existing && !owner {
				if err := waitTable(ctx, t, table, o.TableWait, o.Shard); err != nil {
					errs[i] = err
					stop()
					return
				}
			}
			if !existing && owner {
				err := createTable(ctx, t, o.Scenario, table)
				if err == nil && o.Scenario.Workload.Preload {
					err = preload(ctx, t, o.Scenario, wl, table)
				}
				if err != nil {
					errs[i] = err
					stop()
					return
				}
			}
			start := time.Now()
			if !o.Sequential && staggerOn {
				start = phase(start, epoch, o.Scenario.Workload.Rate, i, len(o.Strategies))
			}
			if !o.StartAt.IsZero() {
				// Interrupted while waiting: drive then offers nothing,
				// and the table is still cleaned up below.
				sleepUntil(ctx, o.StartAt)
				start = o.StartAt
				if late := time.Since(start); trial == 0 && late > 0 {
					sr.StartLateS = late.Seconds()
				}
			}
			if sharded && trial == 0 {
				ls := start.UTC()
				sr.LoadStart = &ls
			}
			if live != o.Live {
				live.trialStart.Store(&start)
			}
			mon.begin()
			offered, agg, series, h := drive(ctx, o, t, wl, o.Strategies[i], table, start, live, observe)
			mon.end()
			sr.Offered += offered
			all.Merge(agg)
			conns[i].merge(h.conn)
			if trial == 0 {
				sr.Series, lags[i] = series, h.lag
			}
			if o.Trials > 1 {
				sr.Trials = append(sr.Trials, agg.Summary())
			}
			if shared && owner && !o.KeepTables {
				// The other shards may still be finishing their last
				// operations: wait until none could be (unless stopped),
				// then read the table's counters and delete it.
				sleepUntil(ctx, start.Add(o.Scenario.Workload.TotalDuration()+time.Duration(o.Scenario.Workload.Timeout)+o.TableLinger))
			}
			if t.Stats != nil {
				if ts, ok := t.Stats(table); ok {
					consumed.ConsumedReadUnits += ts.ConsumedReadUnits
					consumed.ConsumedWriteUnits += ts.ConsumedWriteUnits
					consumed.StoreLimited += ts.StoreLimited
					consumed.ThrottledRequests += ts.ThrottledRequests
					if trial == 0 {
						consumed.Series, consumed.ScalingActions = ts.Series, ts.ScalingActions
					}
					sr.Server = &consumed
				}
			}
			if !existing && owner && !o.KeepTables {
				// Clean up even after an interrupt, within bounds.
				dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				if err := deleteTables(dctx, t, []string{table}); err != nil {
					cleanupMu.Lock()
					cleanup = append(cleanup, err)
					cleanupMu.Unlock()
				}
				cancel()
			}
			stop()
		}
		sr.Summary = all.Summary()
		if len(sr.Trials) > 1 {
			// Each trial's times count from its own start: the merged span
			// is the trials' spans added up, not the longest of them.
			var span float64
			for _, tr := range sr.Trials {
				span += tr.SpanS
			}
			sr.Summary.SpanS, sr.Summary.GoodputPerS = span, 0
			if span > 0 {
				sr.Summary.GoodputPerS = float64(sr.Summary.Succeeded) / span
			}
		}
		sr.Recovery = recovery(o.Scenario, sr.Series)
		if sr.Server != nil && sr.Summary.Succeeded > 0 {
			sr.Server.UnitsPerSuccess = (consumed.ConsumedReadUnits + consumed.ConsumedWriteUnits) / float64(sr.Summary.Succeeded)
		}
	}
	if o.Sequential {
		for i := range o.Strategies {
			if ctx.Err() != nil {
				break
			}
			runOne(i)
		}
	} else {
		var wg sync.WaitGroup
		for i := range o.Strategies {
			wg.Go(func() { runOne(i) })
		}
		wg.Wait()
	}
	gen := mon.stop()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	gen.Thresholds = o.Health.WithDefaults()
	gen.CoresFrom, gen.NumCPU, gen.GOMAXPROCS = coresFrom, runtime.NumCPU(), runtime.GOMAXPROCS(0)
	gen.FakeCPU = fakeCPUNote
	cs := clientSettings(o.Target, o.Scenario.Workload.MaxInFlight)
	gen.Client = &cs
	for i, sr := range res.Strategies {
		gen.Strategies = append(gen.Strategies, strategyHealth(sr, lags[i], conns[i]))
	}
	gen.judge()
	res.Generator = gen
	if err := errors.Join(cleanup...); err != nil {
		res.CleanupError = err.Error()
	}
	if res.Shard != nil {
		for _, sr := range res.Strategies {
			res.Shard.LateS = max(res.Shard.LateS, sr.StartLateS)
		}
	}
	res.Interrupted = ctx.Err() != nil
	return res, nil
}

// member is one client of the fleet: an application instance with its own
// SDK client, retryer (retry quota, limiter) and in-flight cap.
type member struct {
	id      int
	client  *dynamodb.Client
	retryer aws.Retryer
	scoped  strategy.OperationScoped
	slots   chan struct{}
	conn    *connWatch // shared by the strategy's fleet in one trial
	mu      sync.Mutex
	free    []*opState // done with their operations; at most the in-flight peak
}

// opState returns an opState for one operation of the run started at
// runStart, lasting at most timeout, under ctx, the in-flight operations'
// context: the same for every operation of a member, which lives for one
// trial. Give it back with m.done when the operation is over.
func (m *member) opState(ctx context.Context, runStart time.Time, timeout time.Duration) *opState {
	var st *opState
	m.mu.Lock()
	if n := len(m.free); n > 0 {
		st, m.free = m.free[n-1], m.free[:n-1]
	}
	m.mu.Unlock()
	if st == nil {
		st = &opState{}
		st.ctx = newOpContext(m.conn.trace(withOpState(ctx, st)))
	}
	st.reset(runStart)
	st.ctx.begin(timeout)
	return st
}

// done takes back st, whose operation is over.
func (m *member) done(st *opState) {
	if !st.ctx.end() {
		st.ctx.release()
		return
	}
	m.mu.Lock()
	m.free = append(m.free, st)
	m.mu.Unlock()
}

// drive offers the workload to one strategy's fleet and aggregates the
// records. It returns the number of operations offered, their aggregate,
// the per-second series, and the per-second start lag with the time spent
// waiting for connections.
func drive(ctx context.Context, o Options, target Target, wl *workload, st strategy.Strategy, table string, start time.Time, live *Live, observe func(metrics.Record)) (int64, *metrics.Aggregator, []metrics.Second, driveHealth) {
	sc := o.Scenario
	w := sc.Workload
	conn := &connWatch{}
	fleet := make([]*member, w.Fleet)
	for i := range fleet {
		if !o.Shard.Member(i, len(fleet)) {
			continue // reached by other shards' arrivals only
		}
		r := st.NewRetryer(sc.Seed + int64(i))
		var configure []func(*dynamodb.Options)
		cc, configures := st.(strategy.ClientConfigurer)
		if configures {
			configure = append(configure, cc.ConfigureClient)
		}
		m := &member{id: i, client: newClient(target, r, w.MaxInFlight, configure...), slots: make(chan struct{}, w.MaxInFlight), conn: conn}
		m.retryer = r
		if r == nil || configures {
			m.retryer = m.client.Options().Retryer // the one the client resolved, or the strategy set
		}
		m.scoped, _ = m.retryer.(strategy.OperationScoped)
		fleet[i] = m
	}

	// In-flight operations get their own context: an interrupt stops new
	// arrivals at once but cancels what is in flight only after the grace.
	opsCtx, cancelOps := context.WithCancel(context.Background())
	defer cancelOps()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(o.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelOps()
		case <-opsCtx.Done():
		}
	})
	defer stopGrace()

	records := newRecordQueue()
	agg, series, lag := metrics.NewAggregator(), metrics.NewSeries(), &lagSeries{}
	warmup := time.Duration(w.Warmup)
	collected := make(chan struct{})
	go func() {
		records.collect(func(r metrics.Record) {
			series.Add(r)
			lag.add(r)
			observe(r)
			if r.Intended >= warmup {
				agg.Add(r)
			}
		})
		close(collected)
	}()

	var offered int64
	if w.Workers > 0 {
		offered = closedLoop(ctx, opsCtx, live, wl, fleet, o.Shard, table, start, records)
	} else {
		offered = openLoop(ctx, opsCtx, live, wl, fleet, o.Shard, table, start, records)
	}
	records.close()
	<-collected
	stopGrace()
	return offered, agg, series.Seconds(), driveHealth{lag: lag.seconds(), conn: conn.stats()}
}

// openLoop starts operations at the schedule's intended times, whatever
// happens to earlier ones. An arrival whose client is at its in-flight cap
// is dropped and recorded as such, so the schedule is never silently slowed.
//
// Arrivals go to worker goroutines that outlive their operations: one
// waiting for work takes the arrival, else a new one starts with it. The
// pool grows to the peak number of operations in flight (bounded by the
// fleet's in-flight caps) and ends with the schedule. A goroutine per
// arrival grew a fresh stack through the SDK's middleware chain on every
// operation: 12 % of the CPU at 5,000/s. A worker keeps its stack until a
// garbage collection shrinks it while idle, which TuneGC makes rarer.
//
// A shard offers only its own arrivals (sh.Owns) but numbers them as the
// whole schedule does, so each keeps its offset, key and fleet member.
func openLoop(ctx, opsCtx context.Context, live *Live, wl *workload, fleet []*member, sh shard.Shard, table string, start time.Time, records *recordQueue) int64 {
	w := wl.w
	process := load.Uniform
	if w.Process == scenario.ProcessPoisson {
		process = load.Poisson
	}
	arrivals := load.NewArrivals(w.Profile(), process, wl.seed)
	jobs := make(chan arrival) // unbuffered: a send succeeds only if a worker waits
	var wg sync.WaitGroup
	work := func(a arrival) {
		for ok := true; ok; a, ok = <-jobs {
			records.add(wl.measure(opsCtx, live, a.m, table, start, a.off, a.n))
			<-a.m.slots
		}
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	pacer := newPacer(ctx)
	defer pacer.close()
	var offered int64
	for n := int64(0); ; n++ {
		off, ok := arrivals.Next()
		if !ok {
			break
		}
		if !sh.Owns(n) {
			continue
		}
		if !pacer.wait(start.Add(off)) {
			break
		}
		offered++
		m := fleet[n%int64(len(fleet))]
		live.Offer()
		select {
		case m.slots <- struct{}{}:
		default:
			records.add(metrics.Record{Client: m.id, Op: wl.op(n), Intended: off, Started: off, Ended: off, Outcome: metrics.Dropped})
			live.End(false, false)
			continue
		}
		a := arrival{m: m, off: off, n: n}
		select {
		case jobs <- a:
		default:
			wg.Go(func() { work(a) })
		}
	}
	return offered
}

// staggerOn lets BenchmarkPaceStagger compare staggered starts with
// unstaggered ones in one run; always true otherwise.
var staggerOn = true

// phase returns the first instant at or after now whose offset from epoch,
// modulo the mean gap between arrivals at rate (ops/s), is i/n of that gap.
// Strategies run side by side each pace their own schedule: started in
// phase, their arrivals would fall due together, and the last of n
// operations handed to the SDK at the same instant would start behind the
// others' CPU work (n-1 times a few hundred µs on 2 cores). Spread over
// the gap, each finds the cores as the others left them. A start moves by
// less than one gap; the schedule relative to it is unchanged.
func phase(now, epoch time.Time, rate scenario.Rate, i, n int) time.Time {
	if rate <= 0 || n < 2 {
		return now
	}
	gap := time.Duration(float64(time.Second) / float64(rate))
	if gap <= 0 {
		return now
	}
	want := gap * time.Duration(i) / time.Duration(n)
	at := now.Sub(epoch) % gap
	return now.Add(((want-at)%gap + gap) % gap)
}

// newPacer makes the open loop's waiter; tests swap it.
var newPacer = newWaiter

// arrival is operation n, intended to start at off, for member m.
type arrival struct {
	m   *member
	off time.Duration
	n   int64
}

// closedLoop runs the workload's workers: each issues an operation, waits
// for its outcome, thinks, and repeats until the duration is over.
//
// A shard runs the workers sh owns; its operations are numbered n ≡ Index
// (mod Count), so shards draw different keys, as one process would.
func closedLoop(ctx, opsCtx context.Context, live *Live, wl *workload, fleet []*member, sh shard.Shard, table string, start time.Time, records *recordQueue) int64 {
	w := wl.w
	end := start.Add(time.Duration(w.Duration))
	count, index := int64(max(sh.Count, 1)), int64(sh.Index)
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < w.Workers; i++ {
		if !sh.Owns(int64(i)) {
			continue
		}
		m := fleet[i%len(fleet)]
		wg.Go(func() {
			t := time.NewTimer(time.Hour)
			t.Stop()
			for ctx.Err() == nil && time.Now().Before(end) {
				n := (next.Add(1)-1)*count + index
				live.Offer()
				records.add(wl.measure(opsCtx, live, m, table, start, time.Since(start), n))
				if w.Think > 0 {
					t.Reset(time.Duration(w.Think))
					select {
					case <-t.C:
					case <-ctx.Done():
						t.Stop()
					}
				}
			}
		})
	}
	wg.Wait()
	return next.Load()
}

// measure runs operation n, intended to start at start+intended, on
// member m and returns its record.
func (wl *workload) measure(ctx context.Context, live *Live, m *member, table string, start time.Time, intended time.Duration, n int64) metrics.Record {
	live.Begin()
	st := m.opState(ctx, start, time.Duration(wl.w.Timeout))
	defer m.done(st)
	ctx = st.ctx
	c := call{client: m.client, retryer: m.retryer, st: st}
	if m.scoped != nil {
		r := m.scoped.ForOperation()
		c.retryer = r
		c.optFns = []func(*dynamodb.Options){func(o *dynamodb.Options) { o.Retryer = r }}
	}
	op := wl.op(n)
	started := time.Since(start)
	live.RecordStart(started - intended)
	err := wl.run(ctx, c, table, op, n)
	rec := metrics.Record{
		Client:            m.id,
		Op:                op,
		Intended:          intended,
		Started:           started,
		Ended:             time.Since(start),
		Attempts:          st.attempts,
		ThrottledAttempts: st.throttled,
		Sending:           st.sending,
		AttemptLog:        st.log,
		Outcome:           metrics.Classify(err, ctx.Err()),
	}
	live.End(true, rec.Outcome == metrics.OK)
	return rec
}

// tableName builds a valid, unique DynamoDB table name.
func tableName(prefix, scenarioName, strategyName, stamp string) string {
	name := cleanTableName(prefix + "-" + scenarioName + "-" + strategyName + "-" + stamp)
	if len(name) > 255 {
		name = name[:255]
	}
	return name
}

// cleanTableName makes every character of s that a DynamoDB table name
// cannot hold (other than letters, digits, '-', '_' and '.') a '-'.
func cleanTableName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

// createTable creates a table for one strategy and waits until it is ACTIVE.
func createTable(ctx context.Context, t Target, sc *scenario.Scenario, name string) error {
	spec := sc.Table
	c := newClient(t, nil, 4)
	in := &dynamodb.CreateTableInput{
		TableName:            &name,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		Tags:                 []types.Tag{createdByTag},
	}
	if sc.Workload.SortKeys > 0 {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	if spec.BillingMode == scenario.PayPerRequest {
		in.BillingMode = types.BillingModePayPerRequest
	} else {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(spec.ReadCapacity),
			WriteCapacityUnits: aws.Int64(spec.WriteCapacity),
		}
	}
	for _, g := range spec.GlobalIndexes {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(g.Key), AttributeType: types.ScalarAttributeTypeS})
		gsi := types.GlobalSecondaryIndex{
			IndexName:  aws.String(g.Name),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(g.Key), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
		if g.Projection == scenario.ProjectKeysOnly {
			gsi.Projection.ProjectionType = types.ProjectionTypeKeysOnly
		}
		if spec.BillingMode != scenario.PayPerRequest {
			gsi.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(g.ReadCapacity), WriteCapacityUnits: aws.Int64(g.WriteCapacity)}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	return nil
}

// waitTable waits, at most wait, for a table another shard creates to be
// ACTIVE.
func waitTable(ctx context.Context, t Target, name string, wait time.Duration, sh shard.Shard) error {
	c := newClient(t, nil, 4)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last := "it does not exist yet"
	for {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		switch {
		case err == nil && out.Table != nil && out.Table.TableStatus == types.TableStatusActive:
			return nil
		case err == nil && out.Table != nil:
			last = "its status is " + string(out.Table.TableStatus)
		case err != nil && !errors.As(err, &nf) && ctx.Err() == nil:
			return fmt.Errorf("shard %s: describe table %s: %w", sh, name, err)
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("shard %s: table %s not ACTIVE after %s (%s): shard 0 creates it; is it running, against the same endpoint, with the same --start-at?", sh, name, wait, last)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// sleepUntil waits until t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// createdByTag marks the tables throttlebench creates.
var createdByTag = types.Tag{Key: aws.String("created-by"), Value: aws.String("throttlebench")}

// checkExisting refuses a table throttlebench did not create unless allowed.
func checkExisting(ctx context.Context, t Target, table string, allow bool) error {
	c := newClient(t, nil, 4)
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	if allow {
		return nil
	}
	tags, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: out.Table.TableArn})
	if err != nil {
		return fmt.Errorf("table %s: cannot read its tags to see who created it (%w); pass -use-existing-table to write to it anyway", table, err)
	}
	for _, tag := range tags.Tags {
		if aws.ToString(tag.Key) == *createdByTag.Key && aws.ToString(tag.Value) == *createdByTag.Value {
			return nil
		}
	}
	return fmt.Errorf("table %s was not created by throttlebench (no created-by=throttlebench tag); pass -use-existing-table to write to it anyway", table)
}

// deleteTables removes tables a run created. A table already gone is fine;
// other errors are reported once on the table list, not fatal: the results
// matter more than the clean-up.
func deleteTables(ctx context.Context, t Target, tables []string) error {
	c := newClient(t, nil, 4)
	var errs []error
	for _, name := range tables {
		_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			errs = append(errs, fmt.Errorf("delete table %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// recoveryFraction is the share of the pre-drop success rate that counts as
// recovered.
const recoveryFraction = 0.9

// recovery measures recovery after the scenario's first capacity drop.
func recovery(sc *scenario.Scenario, series []metrics.Second) *Recovery {
	if sc.Faults == nil {
		return nil
	}
	for _, c := range sc.Faults.Capacity {
		if c.Scale >= 1 || c.For <= 0 {
			continue
		}
		at, end := time.Duration(c.At), time.Duration(c.At+c.For)
		r := &Recovery{DropAtS: at.Seconds(), DropEndS: end.Seconds()}
		if d, ok := metrics.RecoveryTime(series, at, end, recoveryFraction); ok {
			r.Recovered, r.AfterS = true, d.Seconds()
		}
		return r
	}
	return nil
}

// RecoveryOf measures recovery after the scenario's first capacity drop in
// a per-second series (nil when the scenario drops none), as Run does; for
// series merged from several processes.
func RecoveryOf(sc *scenario.Scenario, series []metrics.Second) *Recovery {
	return recovery(sc, series)
}

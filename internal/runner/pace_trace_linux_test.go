package runner

// BenchmarkPaceTrace runs the open loop under the execution tracer with
// every pacer wake-up logged (trace.Log category "wake": the intended
// instant, Unix ns, and how late the waiter returned, ns) and writes each
// operation's intended start (Unix ns, the same key), start lag (ns) and
// outcome, one line each, to $PACE_TRACE_OUT: the trace's clock and the
// records' are both monotonic, the wall clock only names arrivals. With the trace, each start
// lag splits into: the pacer made runnable late (its timerfd or read
// deadline), the pacer runnable but not running, the hand-off to a
// worker, the worker runnable but not running, and the worker running
// measure()'s set-up before it takes `started`, with the GC phase at that
// instant. Run with
//
//	PACE_TRACE_OUT=/tmp/starts.txt PACE_TRACE_RATE=2000 go test -run '^$' \
//	  -bench PaceTrace -benchtime 1x -trace /tmp/pace.trace ./internal/runner/
//
// or PACE_TRACE_SCENARIO=scenarios/quickstart.yaml (its strategies side
// by side, PACE_TRACE_SEQ=1 one after another, PACE_TRACE_SCALE=0.3 to
// shorten it; each line then ends with the strategy's name, and the
// intended start is its trial start plus the offset), and read the trace
// with golang.org/x/exp/trace.
//
// Measured on 2026-12-07 on the 2-core machine while two other sessions ran
// benchmarks (their processes at nice 19, but in other autogroups, so the
// kernel split the cores between sessions equally): at 2,000/s the
// process's threads waited 1.0 s per second for a core (os-wait-ms/s),
// the trace had 52 gaps of 2-15 ms with no event from any thread (202 ms
// of 5.1 s: the whole process off the CPU), p99 start lag 33.7 ms. Apart
// from that, the lag concentrates in the GC's mark phases: the 4.1 % of
// arrivals that fell in one had p50 5.8 ms and 62.7 % of them were 1 ms
// late or more, against p50 0.033 ms and 12.8 % outside (another run: 4.8
// % in mark, p50 4.0 ms and 68 % late against 0.039 ms and 23 %). In
// the first run 103 starts (1 % of 10,000) spent 0.5 ms or more between
// the worker's getting the CPU and `started`, measure()'s set-up; there
// the worker blocked 97 times in the GC: its first allocations (opState,
// context.WithValue) owed a mark assist and parked waiting for mark work
// (34) or finished the mark phase and waited for its termination (63);
// and 8 times on the operations context's lock in
// context.WithTimeout. The pacer itself never assisted.

import (
	"context"
	"fmt"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// traceWake logs each wake-up of w to the execution trace and keeps the
// intended instants.
type traceWake struct {
	w      waiter
	mu     *sync.Mutex
	untils *[]int64
}

func (r traceWake) wait(until time.Time) bool {
	ok := r.w.wait(until)
	now := time.Now()
	trace.Log(context.Background(), "wake", strconv.FormatInt(until.UnixNano(), 10)+" "+strconv.FormatInt(int64(now.Sub(until)), 10))
	r.mu.Lock()
	*r.untils = append(*r.untils, until.UnixNano())
	r.mu.Unlock()
	return ok
}

func (r traceWake) close() { r.w.close() }

// recordKeeper keeps every record the run observes, by strategy.
type recordKeeper struct {
	mu    sync.Mutex
	recs  map[string][]metrics.Record
	lives map[string]*Live // for each strategy's trial start
}

func (o *recordKeeper) Observe(name string, live *Live) func(metrics.Record) {
	o.mu.Lock()
	if o.recs == nil {
		o.recs, o.lives = map[string][]metrics.Record{}, map[string]*Live{}
	}
	o.lives[name] = live
	o.mu.Unlock()
	return func(r metrics.Record) {
		o.mu.Lock()
		o.recs[name] = append(o.recs[name], r)
		o.mu.Unlock()
	}
}

func BenchmarkPaceTrace(b *testing.B) {
	out := os.Getenv("PACE_TRACE_OUT")
	if out == "" {
		b.Skip("PACE_TRACE_OUT unset")
	}
	rate, _ := strconv.ParseFloat(os.Getenv("PACE_TRACE_RATE"), 64)
	if rate == 0 {
		rate = 5000
	}
	defer TuneGC()()
	var mu sync.Mutex
	var untils []int64
	newPacer = func(ctx context.Context) waiter { return traceWake{w: newWaiter(ctx), mu: &mu, untils: &untils} }
	defer func() { newPacer = newWaiter }()
	sc := testScenario(40000, rate, 5*time.Second)
	sc.Workload.MaxInFlight = 1024
	none, _ := strategy.New("none", strategy.Params{})
	sts, seq := []strategy.Strategy{none}, false
	opts := fakeservice.Options{}
	if f := os.Getenv("PACE_TRACE_SCENARIO"); f != "" {
		var err error
		if sc, err = scenario.Load(f); err != nil {
			b.Fatal(err)
		}
		if v, _ := strconv.ParseFloat(os.Getenv("PACE_TRACE_SCALE"), 64); v > 0 {
			sc.ScaleTime(v)
		}
		sts = nil
		for _, spec := range sc.Strategies {
			st, err := strategy.New(spec.Name, spec.Params())
			if err != nil {
				b.Fatal(err)
			}
			sts = append(sts, st)
		}
		seq = os.Getenv("PACE_TRACE_SEQ") != ""
		opts = fakeservice.Options{Model: sc.Fake.Model(), Faults: sc.Faults}
	}
	srv := fakeservice.New(opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	keep := &recordKeeper{}
	wait0, t0 := runDelay(), time.Now()
	res, err := Run(context.Background(), Options{
		Scenario: sc, Strategies: sts, Observer: keep, Sequential: seq,
		Target: Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
	})
	wait, wall := runDelay()-wait0, time.Since(t0)
	srv.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(1e3*wait.Seconds()/wall.Seconds(), "os-wait-ms/s")
	b.ReportMetric(res.Strategies[0].Summary.StartLagMs.P99, "p99-lag-ms")
	b.ReportMetric(100-res.Generator.CPUPct, "idle-%")
	b.Log(res.Generator.Summary())
	if len(untils) == 0 || len(keep.recs) == 0 {
		b.Fatal("nothing paced")
	}
	// Records hold offsets from their strategy's trial start; the pacer
	// logged intended instants in wall-clock Unix ns.
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for _, sr := range res.Strategies {
		live := keep.lives[sr.Name]
		if live == nil || live.TrialStart().IsZero() {
			b.Fatalf("%s: no trial start", sr.Name)
		}
		start := live.TrialStart().UnixNano()
		for _, r := range keep.recs[sr.Name] {
			fmt.Fprintf(f, "%d %d %d %s\n", start+int64(r.Intended), int64(r.Started-r.Intended), r.Outcome, sr.Name)
		}
	}
}

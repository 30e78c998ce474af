package runner

import (
	"context"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// Run these with -benchtime=1x (make bench does): each iteration is a
// whole timed run, and the figures that matter are the reported metrics.

// BenchmarkPacing offers PutItem at a constant rate for 5 s to an
// unthrottled embedded fake and reports how well the schedule was kept: the
// achieved start rate as a ratio of the target (goal: within 1 %) and the
// p99 lag between intended and actual start (goal: under 1 ms). The goal
// is set at 5,000/s; 1,000/s and 2,000/s show the pacer where the machine
// has room (on 2 cores the SDK client and the fake together top out near
// 5,000/s): the goal is a p99 lag under 1 ms wherever idle-% is at
// least 30. The garbage collector is set as bench run sets it (TuneGC).
// cpu-% is the process's CPU against its cores while load ran (idle-% the
// rest), cpu-µs/op its CPU per started operation (client and fake), and
// machine-idle-% the whole machine's idle share (other processes count),
// os-wait-ms/s how long the process's threads waited, runnable, for a
// core the kernel gave to another thread, per second of the run (summed
// over threads; Linux only): near 0 when neither other processes nor the
// process's own extra threads compete for the cores; where it is large the
// lag is the machine's, whatever idle-% says (other users' processes in
// other sessions take their share of the cores whatever their nice value
// when the kernel groups processes by session, autogroup),
// saturated the generator's verdict at the default thresholds (1: yes;
// lagging is not saturated). BenchmarkPacingCalibrated does the same at
// this machine's calibrated limit.
func BenchmarkPacing(b *testing.B) {
	defer TuneGC()()
	for _, rate := range []float64{1000, 2000, 5000} {
		b.Run(fmt.Sprintf("rate=%g", rate), func(b *testing.B) {
			const secs = 5
			for b.Loop() {
				srv := fakeservice.New(fakeservice.Options{})
				url, err := srv.Start("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				sc := testScenario(20000, rate, secs*time.Second)
				sc.Workload.MaxInFlight = 1024
				none, _ := strategy.New("none", strategy.Params{})
				wait0, t0 := runDelay(), time.Now()
				res, err := Run(context.Background(), Options{
					Scenario: sc, Strategies: []strategy.Strategy{none},
					Target: Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
				})
				wait, wall := runDelay()-wait0, time.Since(t0)
				srv.Close()
				if err != nil {
					b.Fatal(err)
				}
				m := res.Strategies[0].Summary
				started := m.Ops - m.Failed["dropped"]
				b.ReportMetric(float64(started)/(rate*secs), "start-rate-ratio")
				b.ReportMetric(m.StartLagMs.P99, "p99-lag-ms")
				b.ReportMetric(m.StartLagMs.P50, "p50-lag-ms")
				b.ReportMetric(100*float64(m.StartedLate)/float64(max(m.Ops, 1)), "late-%")
				g := res.Generator
				b.ReportMetric(g.CPUPct, "cpu-%")
				b.ReportMetric(100-g.CPUPct, "idle-%")
				if g.MachineCPUPct > 0 {
					b.ReportMetric(100-g.MachineCPUPct, "machine-idle-%")
				}
				b.ReportMetric(1e6*g.CPUS/float64(max(started, 1)), "cpu-µs/op")
				if wait0 >= 0 {
					b.ReportMetric(1e3*wait.Seconds()/wall.Seconds(), "os-wait-ms/s")
				}
				saturated := 0.0
				if g.Saturated() {
					saturated = 1
				}
				b.ReportMetric(saturated, "saturated")
			}
		})
	}
}

// BenchmarkOverhead compares the runner's throughput (strategy none, closed
// loop, against the unthrottled embedded fake) with a bare loop of SDK
// PutItem calls against a handler that answers {}. The two sides share the
// cores with different servers, so the ratio counts the fake's work
// against the runner too and has no goal: BenchmarkCPUPerOp is the
// runner's own cost, with both sides on the same fake.
// Both loops run with the garbage collector set as bench run sets it.
// ratio-metrics is the same with the observers of bench run -metrics -ui
// (the Prometheus exporter and the live dashboard, observer_test.go)
// watching every record, measured in the same iteration, and
// metrics/plain the runner's throughput with them against without.
func BenchmarkOverhead(b *testing.B) {
	defer TuneGC()()
	const workers, d = 32, 3 * time.Second
	for b.Loop() {
		bare := bareSDKLoop(b, workers, d)
		plain := overheadRun(b, workers, d, nil)
		b.ReportMetric(bare, "bare-calls/s")
		b.ReportMetric(plain, "runner-ops/s")
		b.ReportMetric(plain/bare, "ratio")
		if newMetricsObserver != nil {
			observed := overheadRun(b, workers, d, newMetricsObserver())
			b.ReportMetric(observed/bare, "ratio-metrics")
			b.ReportMetric(observed/plain, "metrics/plain")
		}
	}
}

// newMetricsObserver, when set (by the external test package, which can
// import internal/exporter), makes BenchmarkOverhead also measure the
// runner with a Prometheus exporter observing every record, as bench run
// --metrics does.
var newMetricsObserver func() Observer

// overheadRun runs the closed-loop workload for d against an unthrottled
// embedded fake and returns successful operations per second.
func overheadRun(b *testing.B, workers int, d time.Duration, obs Observer) float64 {
	srv := fakeservice.New(fakeservice.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sc := testScenario(40000, 0, 0)
	sc.Workload.Workers, sc.Workload.Duration = workers, scenario.Duration(d)
	none, _ := strategy.New("none", strategy.Params{})
	res, err := Run(context.Background(), Options{
		Scenario: sc, Strategies: []strategy.Strategy{none}, Observer: obs,
		Target: Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
	})
	srv.Close()
	if err != nil {
		b.Fatal(err)
	}
	return float64(res.Strategies[0].Summary.Succeeded) / d.Seconds()
}

// bareSDKLoop runs workers goroutines calling PutItem (1 KB) for d against
// a handler that answers {} and returns calls per second.
func bareSDKLoop(b *testing.B, workers int, d time.Duration) float64 {
	body := []byte("{}")
	sum := strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", sum)
		w.Header().Set("X-Amzn-Requestid", "BARE")
		_, _ = w.Write(body)
	}))
	defer hs.Close()
	client := newClient(Target{Endpoint: hs.URL, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}}, aws.NopRetryer{}, workers)
	item := map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: keyString(1)},
		"data": &types.AttributeValueMemberB{Value: make([]byte, payloadSize(1024, false, 0))},
	}
	var calls atomic.Int64
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
					b.Error(err)
					return
				}
				calls.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(calls.Load()) / d.Seconds()
}

// BenchmarkCPUPerOp compares the CPU time (getrusage, the whole process:
// client and embedded fake) per successful PutItem of the runner (closed
// loop, strategy none) with a bare loop of SDK PutItem calls, both
// against the same unthrottled embedded fake, in one iteration. The goal
// for cpu-ratio (runner over bare) is <= 1.10: the runner's own work per
// operation (records, attempt middleware, pacing) within 10 % of the SDK's.
//
// An iteration runs cpuRounds rounds of each, in the order bare, runner,
// runner, bare, ... (each pair mirrors the previous one), so a change in
// what else the machine runs during the iteration weighs on both sides
// alike; the figures are the rounds' CPU over their operations, summed.
// A short unmeasured bare loop comes first. One 3 s round of each, bare
// first, read 0.84 to 1.21 on a shared machine. bare-mallocs/op and
// runner-mallocs/op, the process's heap allocations per operation (the
// runner's over its whole Run call, table set-up included), depend
// little on what else the machine runs.
func BenchmarkCPUPerOp(b *testing.B) {
	defer TuneGC()()
	const workers, d = 32, 2 * time.Second
	for b.Loop() {
		srv := fakeservice.New(fakeservice.Options{})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		tg := Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, Embedded: true}
		sc := testScenario(40000, 0, 0)
		sc.Workload.Workers, sc.Workload.Duration = workers, scenario.Duration(d)
		if err := createTable(context.Background(), tg, sc, "bare"); err != nil {
			b.Fatal(err)
		}
		wl, err := newWorkload(sc)
		if err != nil {
			b.Fatal(err)
		}
		// Unmeasured: the first loop of an iteration pays for a new fake
		// and, in a new process, for growing the heap.
		sdkLoop(b, newClient(tg, aws.NopRetryer{}, workers), wl, "bare", workers, d/4)
		var bare, runner cpuTally
		for i := range 2 * cpuRounds {
			m0 := mallocs()
			if i%4 == 0 || i%4 == 3 { // bare, runner, runner, bare, ...
				cpu, calls := sdkLoop(b, newClient(tg, aws.NopRetryer{}, workers), wl, "bare", workers, d)
				bare.add(cpu*float64(calls), calls, mallocs()-m0)
				continue
			}
			none, _ := strategy.New("none", strategy.Params{})
			res, err := Run(context.Background(), Options{Scenario: sc, Strategies: []strategy.Strategy{none}, Target: tg})
			if err != nil {
				b.Fatal(err)
			}
			runner.add(1e6*res.Generator.CPUS, res.Strategies[0].Summary.Succeeded, mallocs()-m0)
		}
		srv.Close()
		b.ReportMetric(bare.perOp(), "bare-cpu-µs/op")
		b.ReportMetric(runner.perOp(), "runner-cpu-µs/op")
		b.ReportMetric(runner.perOp()/bare.perOp(), "cpu-ratio")
		b.ReportMetric(float64(bare.ops)/(cpuRounds*d.Seconds()), "bare-ops/s")
		b.ReportMetric(float64(runner.ops)/(cpuRounds*d.Seconds()), "runner-ops/s")
		b.ReportMetric(bare.mallocsPerOp(), "bare-mallocs/op")
		b.ReportMetric(runner.mallocsPerOp(), "runner-mallocs/op")
	}
}

// mallocs is the process's count of heap allocations so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// cpuRounds is how many rounds of each side BenchmarkCPUPerOp runs per
// iteration; even, so that each side runs first as often as second.
const cpuRounds = 4

// cpuTally sums CPU time (µs), successful operations and heap
// allocations over rounds.
type cpuTally struct {
	us      float64
	ops     int64
	mallocs uint64
}

func (t *cpuTally) add(us float64, ops int64, mallocs uint64) {
	t.us += us
	t.ops += ops
	t.mallocs += mallocs
}

// mallocsPerOp is the heap allocations per operation over all rounds.
func (t *cpuTally) mallocsPerOp() float64 { return float64(t.mallocs) / float64(max(t.ops, 1)) }

// perOp is the CPU per operation over all rounds, µs.
func (t *cpuTally) perOp() float64 { return t.us / float64(max(t.ops, 1)) }

// sdkLoop calls PutItem on table from workers goroutines for d and returns
// the process's CPU per call, µs (client and embedded fake), and the calls.
func sdkLoop(b *testing.B, client *dynamodb.Client, wl *workload, table string, workers int, d time.Duration) (float64, int64) {
	var calls atomic.Int64
	cpu0, end := processCPU(), time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := int64(w); time.Now().Before(end); n += int64(workers) {
				k, sk := wl.key(n, 0)
				if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: wl.item(n, k, sk)}); err != nil {
					b.Error(err)
					return
				}
				calls.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(processCPU()-cpu0) / float64(time.Microsecond) / float64(max(calls.Load(), 1)), calls.Load()
}

// BenchmarkClientOptions measures each SDK client option a load generator
// may change without changing what the user measures (ClientSettings),
// as the CPU per PutItem of a bare SDK loop on an unthrottled embedded
// fake with the option changed, over the same loop with the SDK's
// defaults for it, alternating in one iteration (ratio < 1: the option
// helps). Options: no-checksum (the x-amz-crc32 check off, as against the
// embedded fake) and max-conns (MaxConnsPerHost at the in-flight cap).
func BenchmarkClientOptions(b *testing.B) {
	defer TuneGC()()
	const workers, d, rounds = 32, 2 * time.Second, 2
	options := []struct {
		name string
		set  func(*ClientSettings)
	}{
		{"no-checksum", func(c *ClientSettings) { c.ValidateResponseChecksum = false }},
		{"max-conns", func(c *ClientSettings) { c.MaxConnsPerHost = workers }},
	}
	for b.Loop() {
		srv := fakeservice.New(fakeservice.Options{})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		tg := Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}}
		sc := testScenario(40000, 0, 0)
		if err := createTable(context.Background(), tg, sc, "opts"); err != nil {
			b.Fatal(err)
		}
		wl, err := newWorkload(sc)
		if err != nil {
			b.Fatal(err)
		}
		base := ClientSettings{MaxIdleConnsPerHost: workers, ValidateResponseChecksum: true}
		for _, o := range options {
			changed := base
			o.set(&changed)
			var cpuBase, cpuChanged float64
			for range rounds { // alternate, so drift in the machine hits both
				c, _ := sdkLoop(b, newClientWith(tg, aws.NopRetryer{}, base), wl, "opts", workers, d)
				cpuBase += c / rounds
				c, _ = sdkLoop(b, newClientWith(tg, aws.NopRetryer{}, changed), wl, "opts", workers, d)
				cpuChanged += c / rounds
			}
			b.ReportMetric(cpuChanged/cpuBase, o.name+"-cpu-ratio")
		}
		srv.Close()
	}
}

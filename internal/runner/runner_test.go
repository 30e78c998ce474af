package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// startFake starts the embedded fake on a free loopback port, without
// burst credit: a table then accepts its first second's W units and W per
// second after, whatever pauses the load generator takes.
func startFake(t *testing.T) Target {
	t.Helper()
	srv := fakeservice.New(fakeservice.Options{Model: fakeservice.Model{Burst: -1}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}}
}

func testScenario(wcu int64, rate float64, d time.Duration) *scenario.Scenario {
	return &scenario.Scenario{
		Name: "test", Seed: 1,
		Table: scenario.Table{BillingMode: scenario.Provisioned, ReadCapacity: 100, WriteCapacity: wcu},
		Workload: scenario.Workload{
			Operation: scenario.OpPut, Rate: scenario.Rate(rate), Duration: scenario.Duration(d),
			ItemSize: 1024, Keys: 1000, MaxInFlight: 256, Timeout: scenario.Duration(10 * time.Second),
			Fleet: 1, BatchSize: 25, QueryLimit: 100, Process: scenario.ProcessUniform, KeyDistribution: scenario.KeysUniform,
		},
	}
}

func strategies(t *testing.T, names ...string) []strategy.Strategy {
	t.Helper()
	var out []strategy.Strategy
	for _, n := range names {
		var p strategy.Params
		if n != "none" && n != "sdk-default" {
			p.Base = 5 * time.Millisecond // keep retries short
		}
		s, err := strategy.New(n, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestRunUnthrottledAllSucceedOnce(t *testing.T) {
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(10000, 200, time.Second), Target: startFake(t),
		Strategies: strategies(t, "none", "full-jitter"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		m := s.Summary
		if s.Offered != 200 || m.Ops != 200 || m.Succeeded != 200 {
			t.Errorf("%s: offered %d, ops %d, succeeded %d; want 200 each", s.Name, s.Offered, m.Ops, m.Succeeded)
		}
		if m.AttemptsPerOp != 1 || m.ThrottledAttempts != 0 {
			t.Errorf("%s: attempts/op %g, throttled %d; want 1, 0", s.Name, m.AttemptsPerOp, m.ThrottledAttempts)
		}
	}
}

// With no retry, a table of W units offered 4W writes/s for 2 s accepts
// one second of capacity (the full bucket it starts with) plus W per second
// of the run: 3W of 8W when the schedule is kept. On a loaded machine the
// run stretches, so the expectation follows its real span.
func TestRunOverloadNoRetryAcceptsCapacity(t *testing.T) {
	const w = 50
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(w, 4*w, 2*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Strategies[0].Summary
	if dropped := m.Failed["dropped"]; dropped > 0 {
		// A starved machine could not keep the schedule: the run must say
		// so, and then says nothing about the table's capacity.
		if !res.Generator.Saturated() {
			t.Fatalf("%d of %d arrivals dropped, yet the generator's verdict is %q", dropped, m.Ops, res.Generator.Verdict)
		}
		t.Skipf("this machine dropped %d of %d arrivals (%s): capacity not checked", dropped, m.Ops, res.Generator.Summary())
	}
	want := min(float64(w)*(1+m.SpanS), float64(m.Ops))
	if got := float64(m.Succeeded); got < want*0.85 || got > want*1.15 {
		t.Errorf("succeeded %d of %d in %.2f s, want about %.0f", m.Succeeded, m.Ops, m.SpanS, want)
	}
	if m.Failed["throttled"] != m.Ops-m.Succeeded {
		t.Errorf("failures %v, want all %d throttled", m.Failed, m.Ops-m.Succeeded)
	}
	if m.AttemptsPerOp != 1 || m.ThrottledAttempts != m.Ops-m.Succeeded {
		t.Errorf("attempts/op %g, throttled attempts %d; want 1 and %d", m.AttemptsPerOp, m.ThrottledAttempts, m.Ops-m.Succeeded)
	}
}

// Retries raise success and amplify attempts, never beyond max attempts.
func TestRunOverloadRetriesAmplify(t *testing.T) {
	const w = 25
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(w, 4*w, 2*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none", "exponential"),
	})
	if err != nil {
		t.Fatal(err)
	}
	none, exp := res.Strategies[0].Summary, res.Strategies[1].Summary
	if exp.AttemptsPerOp <= 1 || exp.AttemptsPerOp > 4 {
		t.Errorf("exponential attempts/op %g, want in (1, 4]", exp.AttemptsPerOp)
	}
	// Both are bounded by the table's units over the run; retries win
	// the units that free up while they wait, which on a busy machine can
	// be none: a tie is possible, a loss is not.
	if exp.Succeeded < none.Succeeded {
		t.Errorf("exponential succeeded %d, none %d: retries should never lose", exp.Succeeded, none.Succeeded)
	}
	if exp.Attempts-exp.ThrottledAttempts != exp.Succeeded {
		t.Errorf("exponential: %d attempts, %d throttled, %d succeeded: every unthrottled attempt should be a success",
			exp.Attempts, exp.ThrottledAttempts, exp.Succeeded)
	}
}

// Interrupting a run stops new arrivals but keeps what was measured.
func TestRunInterruptKeepsPartialResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, Options{
		Scenario: testScenario(10000, 100, 10*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none"), Grace: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if !res.Interrupted {
		t.Errorf("Interrupted = false, want true")
	}
	if s.Offered < 50 || s.Offered > 90 {
		t.Errorf("offered %d in 0.7 s at 100/s, want about 70", s.Offered)
	}
	if s.Summary.Ops != s.Offered || s.Summary.Succeeded != s.Offered {
		t.Errorf("ops %d, succeeded %d, want all %d offered recorded and succeeded", s.Summary.Ops, s.Summary.Succeeded, s.Offered)
	}
}

// stallOnce wraps h so that the first request after at makes every request
// wait until one second later: a one-off server pause, like a long GC.
func stallOnce(h http.Handler, at time.Duration) http.Handler {
	start := time.Now()
	var mu sync.Mutex
	var until time.Time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if until.IsZero() && time.Since(start) >= at {
			until = time.Now().Add(time.Second)
		}
		wait := time.Until(until)
		mu.Unlock()
		if wait > 0 {
			time.Sleep(wait)
		}
		h.ServeHTTP(w, r)
	})
}

// TestCoordinatedOmission checks what wrk2 shows: a server that stalls once
// for 1 s shows in the open-loop p99 (every operation scheduled during the
// stall waits), while a closed loop hides it (its one worker just waits).
func TestCoordinatedOmission(t *testing.T) {
	run := func(w scenario.Workload) metrics.Summary {
		srv := httptest.NewServer(stallOnce(fakeservice.New(fakeservice.Options{}), 1500*time.Millisecond))
		defer srv.Close()
		sc := testScenario(10000, 0, 0)
		sc.Workload.Rate, sc.Workload.Duration, sc.Workload.Workers = w.Rate, w.Duration, w.Workers
		res, err := Run(context.Background(), Options{
			Scenario: sc, Strategies: strategies(t, "none"),
			Target: Target{Endpoint: srv.URL, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
		})
		if err != nil {
			t.Error(err) // not Fatal: this runs on its own goroutine
			return metrics.Summary{}
		}
		return res.Strategies[0].Summary
	}
	var open, closed metrics.Summary
	var wg sync.WaitGroup
	wg.Go(func() { open = run(scenario.Workload{Rate: 100, Duration: scenario.Duration(3 * time.Second)}) })
	wg.Go(func() { closed = run(scenario.Workload{Workers: 1, Duration: scenario.Duration(3 * time.Second)}) })
	wg.Wait()
	// Open loop: ~100 of 300 operations were scheduled in the stalled
	// second, waiting 0 to 1000 ms: p99 near 1 s, p90 several hundred ms.
	t.Logf("open loop p90 %.0f ms p99 %.0f ms; closed loop p99 %.0f ms max %.0f ms", open.LatencyMs.P90, open.LatencyMs.P99, closed.LatencyMs.P99, closed.LatencyMs.Max)
	if open.LatencyMs.P99 < 800 || open.LatencyMs.P90 < 200 {
		t.Errorf("open loop p90 %.0f ms, p99 %.0f ms: the stall should show (want p90 >= 200, p99 >= 800)", open.LatencyMs.P90, open.LatencyMs.P99)
	}
	// Closed loop: one operation took the whole second, the rest were fast.
	// (500 ms leaves room for a loaded machine, and is still half the stall.)
	if closed.LatencyMs.Max < 900 || closed.LatencyMs.P99 > 500 {
		t.Errorf("closed loop p99 %.0f ms, max %.0f ms: want the stall only in max", closed.LatencyMs.P99, closed.LatencyMs.Max)
	}
}

// quotaStrategy gives each client a retryer whose quota allows 3 retries.
type quotaStrategy struct{}

func (quotaStrategy) Name() string             { return "quota3" }
func (quotaStrategy) Describe() string         { return "three retries per client, then none" }
func (quotaStrategy) Resolved() map[string]any { return nil }
func (quotaStrategy) NewRetryer(int64) aws.RetryerV2 {
	return &quotaRetryer{left: 3}
}

type quotaRetryer struct {
	aws.RetryerV2
	mu   sync.Mutex
	left int
}

func (q *quotaRetryer) IsErrorRetryable(err error) bool { return metrics.IsThrottle(err) }
func (q *quotaRetryer) MaxAttempts() int                { return 10 }
func (q *quotaRetryer) RetryDelay(int, error) (time.Duration, error) {
	return time.Millisecond, nil
}
func (q *quotaRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return func(error) error { return nil }, nil
}
func (q *quotaRetryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.left == 0 {
		return nil, errors.New("no quota")
	}
	q.left--
	return func(error) error { return nil }, nil
}

// Each client of a fleet has its own retryer, hence its own quota.
func TestFleetIsolatesRetryQuotas(t *testing.T) {
	for _, fleet := range []int{1, 4} {
		sc := testScenario(1, 20, time.Second) // one write unit: nearly everything throttles
		sc.Workload.Fleet = fleet
		res, err := Run(context.Background(), Options{Scenario: sc, Target: startFake(t), Strategies: []strategy.Strategy{quotaStrategy{}}})
		if err != nil {
			t.Fatal(err)
		}
		m := res.Strategies[0].Summary
		if retries := m.Attempts - m.Ops; retries != int64(3*fleet) {
			t.Errorf("fleet of %d: %d retries, want %d (3 per client)", fleet, retries, 3*fleet)
		}
		if fleet > 1 && len(m.ByClient) != fleet {
			t.Errorf("fleet of %d: %d clients in the summary", fleet, len(m.ByClient))
		}
	}
}

func TestWorkloadMixAndBatches(t *testing.T) {
	sc := testScenario(10000, 200, time.Second)
	sc.Workload.Operation = ""
	sc.Workload.Mix = map[string]int{scenario.OpPut: 3, scenario.OpGet: 1, scenario.OpBatchWrite: 1}
	sc.Workload.BatchSize = 5
	res, err := Run(context.Background(), Options{Scenario: sc, Target: startFake(t), Strategies: strategies(t, "none")})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Strategies[0].Summary
	if m.Succeeded != m.Ops {
		t.Errorf("succeeded %d of %d: %v", m.Succeeded, m.Ops, m.Failed)
	}
	put, get, batch := m.ByOperation[scenario.OpPut].Ops, m.ByOperation[scenario.OpGet].Ops, m.ByOperation[scenario.OpBatchWrite].Ops
	if put < 90 || put > 150 || get < 20 || get > 60 || batch < 20 || batch > 60 || put+get+batch != 200 {
		t.Errorf("mix put %d, get %d, batch %d of 200; want about 120, 40, 40", put, get, batch)
	}
}

// endObserver checks every record against the strategy's trial start: its
// wall-clock end (TrialStart + Ended) has passed when the record is
// observed, and by no more than the record queue's batching (10 ms) plus
// what a loaded machine adds.
type endObserver struct {
	t        *testing.T
	mu       sync.Mutex
	seen     int
	worst    time.Duration
	noStart  int
	negative int
}

func (o *endObserver) Observe(_ string, live *Live) func(metrics.Record) {
	return func(r metrics.Record) {
		now := time.Now()
		start := live.TrialStart()
		o.mu.Lock()
		defer o.mu.Unlock()
		o.seen++
		if start.IsZero() {
			o.noStart++
			return
		}
		late := now.Sub(start.Add(r.Ended))
		if late < 0 {
			o.negative++
		}
		o.worst = max(o.worst, late)
	}
}

// An observer places each record at its real end (the dashboard's
// per-second view does), although records reach it in batches.
func TestObserverSeesTrialStart(t *testing.T) {
	obs := &endObserver{t: t}
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(10000, 200, 500*time.Millisecond), Target: startFake(t),
		Strategies: strategies(t, "none"), Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if want := res.Strategies[0].Summary.Ops; int64(obs.seen) != want || want == 0 {
		t.Fatalf("observed %d records, want %d (every one, and some)", obs.seen, want)
	}
	if obs.noStart > 0 || obs.negative > 0 {
		t.Errorf("%d records without a trial start and %d ending after they were observed, want none", obs.noStart, obs.negative)
	}
	if obs.worst > 2*time.Second {
		t.Errorf("a record was observed %v after it ended, want within the batching delay (10 ms) and scheduling", obs.worst)
	}
}

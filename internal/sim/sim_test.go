package sim

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

func testScenario(wcu int64, rate float64, d time.Duration) *scenario.Scenario {
	sc := benchScenario(1, rate, wcu, d)
	sc.Workload.Process = scenario.ProcessUniform
	sc.Workload.Keys = 1000
	return sc
}

func strategies(t testing.TB, names ...string) []strategy.Strategy {
	t.Helper()
	var out []strategy.Strategy
	for _, n := range names {
		s, err := strategy.New(n, strategy.Params{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestUnthrottledAllSucceedOnce(t *testing.T) {
	res, err := Run(context.Background(), Options{Scenario: testScenario(10000, 200, time.Second), Strategies: strategies(t, "none", "sdk-default", "full-jitter")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		m := s.Summary
		if s.Offered != 200 || m.Ops != 200 || m.Succeeded != 200 || m.AttemptsPerOp != 1 {
			t.Errorf("%s: offered %d, ops %d, succeeded %d, attempts/op %g; want 200, 200, 200, 1", s.Name, s.Offered, m.Ops, m.Succeeded, m.AttemptsPerOp)
		}
		if p50 := m.LatencyMs.P50; p50 < 0.5 || p50 > 1.5 {
			t.Errorf("%s: p50 %gms, want about the 1ms round trip", s.Name, p50)
		}
	}
}

// With no retry and no burst, a table of W units offered 2W writes/s
// admits about W per second: half succeed.
func TestNoRetryAdmitsCapacity(t *testing.T) {
	sc := testScenario(100, 200, 20*time.Second)
	burst := scenario.Duration(0)
	sc.Fake = &scenario.Fake{Burst: &burst}
	res, err := Run(context.Background(), Options{Scenario: sc, Strategies: strategies(t, "none")})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Strategies[0].Summary
	// 100/s for 20 s plus the first second's allowance.
	if want := 100.0 * 21 / 4000 * 100; m.SuccessPct < want-1 || m.SuccessPct > want+1 {
		t.Errorf("success %.2f%%, want %.2f%% ± 1", m.SuccessPct, want)
	}
	if got := m.Failed[metrics.Throttled.String()]; got != m.Ops-m.Succeeded {
		t.Errorf("throttled %d, want every failure (%d)", got, m.Ops-m.Succeeded)
	}
}

// Two runs with one seed produce identical results; another seed differs.
func TestDeterministic(t *testing.T) {
	sc := testScenario(100, 300, 5*time.Second)
	sc.Workload.Fleet = 4
	sc.Workload.Process = scenario.ProcessPoisson
	names := []string{"sdk-default", "sdk-standard-noquota", "sdk-legacy", "full-jitter", "decorrelated-jitter", "token-bucket", "retry-budget", "adaptive-throttle", "circuit-breaker"}
	run := func(seed int64) []byte {
		sc := *sc
		sc.Seed = seed
		res, err := Run(context.Background(), Options{Scenario: &sc, Strategies: strategies(t, names...)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := run(1), run(1), run(2)
	if string(a) != string(b) {
		t.Error("two runs with seed 1 differ")
	}
	if string(a) == string(c) {
		t.Error("seeds 1 and 2 gave identical results")
	}
}

func TestAdaptiveNotSimulable(t *testing.T) {
	sts := strategies(t, "sdk-adaptive", "none")
	_, err := Run(context.Background(), Options{Scenario: testScenario(100, 10, time.Second), Strategies: sts})
	if !errors.Is(err, ErrNotSimulable) {
		t.Fatalf("got %v, want ErrNotSimulable", err)
	}
	var warned []error
	res, err := Run(context.Background(), Options{Scenario: testScenario(100, 10, time.Second), Strategies: sts,
		SkipUnsimulable: true, Warn: func(err error) { warned = append(warned, err) }})
	if err != nil || len(res.Strategies) != 1 || len(warned) != 1 {
		t.Fatalf("got %v, %d strategies, %d warnings; want nil, 1, 1", err, len(res.Strategies), len(warned))
	}
}

// The seeded replacement of the SDK's backoff has the SDK's range: for a
// throttle U[0, 1s*2^(attempt-1)), else U[0, 25ms*2^(attempt-1)).
func TestSeededSDKBackoff(t *testing.T) {
	st := strategies(t, "sdk-default")[0]
	r, err := newRetryer(st, 1, strategy.Clock{}, false)
	if err != nil {
		t.Fatal(err)
	}
	throttle := throttleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded,
		Reason: throttle.TableWriteProvisionedThroughputExceeded}, "arn", 0)
	for _, c := range []struct {
		name    string
		err     error
		attempt int
		limit   time.Duration
	}{
		{"throttle 1", throttle, 1, time.Second},
		{"throttle 3", throttle, 3, 4 * time.Second},
		{"500 1", errInternal, 1, 25 * time.Millisecond},
		{"500 2", errInternal, 2, 50 * time.Millisecond},
	} {
		var hi time.Duration
		for range 2000 {
			d, err := r.RetryDelay(c.attempt, c.err)
			if err != nil || d < 0 || d >= c.limit {
				t.Fatalf("%s: delay %v, %v; want in [0, %v)", c.name, d, err, c.limit)
			}
			hi = max(hi, d)
		}
		if hi < c.limit*9/10 {
			t.Errorf("%s: largest of 2000 delays %v, want near %v", c.name, hi, c.limit)
		}
	}
	if !r.IsErrorRetryable(throttle) || r.MaxAttempts() != 4 {
		t.Errorf("retryable %v, max attempts %d; want true, 4", r.IsErrorRetryable(throttle), r.MaxAttempts())
	}
}

// The errors the simulated service returns classify as the real ones do.
func TestErrorShapes(t *testing.T) {
	throttle := throttleError(throttle.Decision{Exception: throttle.ExceptionProvisionedThroughputExceeded,
		Reason: throttle.TableWriteProvisionedThroughputExceeded}, "arn", 150*time.Millisecond)
	var pt *types.ProvisionedThroughputExceededException
	if !errors.As(throttle, &pt) || !metrics.IsThrottle(throttle) {
		t.Errorf("throttle: not a ProvisionedThroughputExceededException throttle: %v", throttle)
	}
	for _, c := range []struct {
		err  error
		want metrics.Outcome
	}{
		{&retry.MaxAttemptsError{Attempt: 4, Err: throttle}, metrics.Throttled},
		{&retry.MaxAttemptsError{Attempt: 4, Err: errInternal}, metrics.MaxAttempts},
		{&retry.MaxAttemptsError{Attempt: 4, Err: errDropped}, metrics.MaxAttempts},
		{errConflict, metrics.Error},
	} {
		if got := metrics.Classify(c.err, nil); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if got := retryAfter(10*time.Millisecond, throttle); got != 150*time.Millisecond {
		t.Errorf("retry-after: backoff 10ms became %v, want 150ms", got)
	}
	if got := retryAfter(200*time.Millisecond, throttle); got != 200*time.Millisecond {
		t.Errorf("retry-after: backoff 200ms became %v, want 200ms", got)
	}
}

// A brownout to 30 % costs successes; errors and drops are retried.
func TestFaults(t *testing.T) {
	base := testScenario(200, 150, 20*time.Second)
	burst := scenario.Duration(0)
	base.Fake = &scenario.Fake{Burst: &burst}
	run := func(f *faults.Schedule) metrics.Summary {
		sc := *base
		sc.Faults = f
		res, err := Run(context.Background(), Options{Scenario: &sc, Strategies: strategies(t, "none")})
		if err != nil {
			t.Fatal(err)
		}
		return res.Strategies[0].Summary
	}
	clean := run(nil)
	brown := run(&faults.Schedule{Capacity: []faults.CapacityChange{{Window: faults.Window{At: faults.Duration(5 * time.Second), For: faults.Duration(10 * time.Second)}, Scale: 0.3}}})
	if clean.SuccessPct < 99 || brown.SuccessPct > 80 || brown.SuccessPct < 50 {
		t.Errorf("success %.1f%% without the brownout, %.1f%% with it; want >= 99%%, then about 100-(1-60/150)*50 = 70%%", clean.SuccessPct, brown.SuccessPct)
	}
	errs := run(&faults.Schedule{Seed: 1, Errors: []faults.ErrorFault{{Status: 500, Rate: 0.2}}})
	if got := errs.Failed[metrics.MaxAttempts.String()]; got == 0 || errs.Statuses[500] == 0 {
		t.Errorf("500s at 20%%: %d max-attempts failures, %d 500 attempts; want some of each", got, errs.Statuses[500])
	}
}

func TestParseLatency(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Latency
		ok   bool
	}{
		{"normal:10ms,2ms", Latency{Normal, 10 * time.Millisecond, 2 * time.Millisecond}, true},
		{"lognormal:1ms,0.5ms", Latency{LogNormal, time.Millisecond, 500 * time.Microsecond}, true},
		{"fixed:3ms", Latency{Dist: Fixed, Mean: 3 * time.Millisecond}, true},
		{"normal:10ms", Latency{}, false},
		{"weibull:1ms,1ms", Latency{}, false},
		{"fixed:-1ms", Latency{}, false},
	} {
		got, err := ParseLatency(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("ParseLatency(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
		if c.ok {
			if back, _ := ParseLatency(got.String()); back != got {
				t.Errorf("%q: String %q does not parse back", c.in, got.String())
			}
		}
	}
}

// The published conclusions of "Exponential Backoff And Jitter", at small N.
func TestBackoffExperimentConclusions(t *testing.T) {
	const n = 60
	rows, err := RunExperiment(context.Background(), Experiment{Clients: []int{10, n}, Runs: 20}, 2)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]map[int]ExperimentRow{}
	for _, r := range rows {
		if at[r.Strategy] == nil {
			at[r.Strategy] = map[int]ExperimentRow{}
		}
		at[r.Strategy][r.Clients] = r
	}
	calls := func(s string) float64 { return at[s][n].Calls }
	done := func(s string) time.Duration { return at[s][n].Completion }
	// No backoff: work grows as N², not N: 6x the clients, well over 6x
	// the work (not all of 36x: the network's jitter spreads the clients).
	if g := at["none"][n].Calls / at["none"][10].Calls; g < 15 {
		t.Errorf("none: calls grew %.1fx from 10 to %d clients, want superlinear, at least 15x", g, n)
	}
	// Exponential without jitter barely reduces work, and takes far longer.
	if calls("exponential") < 0.5*calls("none") {
		t.Errorf("exponential: %.0f calls, want at least half of none's %.0f", calls("exponential"), calls("none"))
	}
	if done("exponential") < 3*done("full-jitter") || done("exponential") < done("none") {
		t.Errorf("exponential: done in %v, want far longer than full jitter (%v) and none (%v)", done("exponential"), done("full-jitter"), done("none"))
	}
	// Full and equal jitter do the least work; full jitter finishes sooner.
	for _, s := range []string{"full-jitter", "equal-jitter"} {
		if calls(s) > 0.75*calls("exponential") || calls(s) > 0.75*calls("none") {
			t.Errorf("%s: %.0f calls, want well below exponential's %.0f and none's %.0f", s, calls(s), calls("exponential"), calls("none"))
		}
	}
	if done("full-jitter") >= done("equal-jitter") {
		t.Errorf("full jitter done in %v, equal jitter in %v; want full sooner", done("full-jitter"), done("equal-jitter"))
	}
	// Decorrelated jitter is close to full jitter.
	if r := calls("decorrelated-jitter") / calls("full-jitter"); r < 0.7 || r > 1.4 {
		t.Errorf("decorrelated: %.0f calls, full jitter %.0f; want within 0.7x-1.4x", calls("decorrelated-jitter"), calls("full-jitter"))
	}
}

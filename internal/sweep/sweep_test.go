package sweep

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/sim"
	"github.com/throttlebench/throttlebench/internal/slo"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

func simEval(ctx context.Context, sc *scenario.Scenario, st strategy.Strategy) (metrics.Summary, error) {
	sr, err := sim.RunStrategy(ctx, sim.Options{Scenario: sc}, st)
	return sr.Summary, err
}

// closedForm is a table of w WCU with no burst credit written at a
// constant rate with no retries: it admits w writes per second (plus its
// first second's allowance), so "success >= 99%" holds up to about w/0.99.
func closedForm(w int64, d time.Duration) *scenario.Scenario {
	burst := scenario.Duration(0)
	sc := &scenario.Scenario{
		Name: "closed-form", Seed: 1,
		Table: scenario.Table{BillingMode: scenario.Provisioned, ReadCapacity: 10, WriteCapacity: w},
		Workload: scenario.Workload{
			Operation: scenario.OpPut, Rate: scenario.Rate(w / 2), Duration: scenario.Duration(d),
			ItemSize: 1024, Keys: 1000, MaxInFlight: 1024, Timeout: scenario.Duration(30 * time.Second),
			Fleet: 1, Process: scenario.ProcessUniform, KeyDistribution: scenario.KeysUniform,
		},
		Fake:       &scenario.Fake{Burst: &burst},
		Strategies: []scenario.StrategySpec{{Name: "none"}},
		SLOs:       []string{"success >= 99%"},
	}
	return sc
}

func none(t *testing.T) strategy.Strategy {
	st, err := strategy.New("none", strategy.Params{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestMaxRateClosedForm(t *testing.T) {
	const w = 50
	ans, err := Search(context.Background(), Options{Scenario: closedForm(w, 300*time.Second), Strategy: none(t), Eval: simEval, Tolerance: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != Found || math.Abs(ans.Value-w)/w > 0.02 {
		t.Fatalf("got %s %g (bracket %g / %g, %d runs), want found within 2%% of %d", ans.Status, ans.Value, ans.Met, ans.Missed, ans.Runs, w)
	}
	if ans.Runs > DefaultBudget {
		t.Errorf("%d runs, want at most %d", ans.Runs, DefaultBudget)
	}
}

// The inverse: the least capacity for a target rate is about the rate.
func TestMinCapacityClosedForm(t *testing.T) {
	sc := closedForm(20, 300*time.Second)
	ans, err := Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, TargetRate: 40})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != Found || ans.Value < 39 || ans.Value > 41 {
		t.Fatalf("got %s %g (bracket %g / %g), want found, 39..41 WCU for 40 writes/s", ans.Status, ans.Value, ans.Met, ans.Missed)
	}
}

func TestUnreachableAndBudget(t *testing.T) {
	sc := closedForm(50, 20*time.Second)
	impossible, _ := slo.Parse("p50 < 1us")
	ans, err := Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, SLOs: []slo.SLO{impossible}, Lo: 1, Hi: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != NoneMeets || ans.Value != 0 || ans.Missed != 1 {
		t.Errorf("impossible SLO: got %s, value %g, missed %g; want %q, 0, 1", ans.Status, ans.Value, ans.Missed, NoneMeets)
	}
	ans, err = Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, Budget: 4})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != NotConverged || ans.Runs != 4 || ans.Met == 0 || ans.Missed == 0 || ans.Met >= ans.Missed {
		t.Errorf("budget 4: got %s after %d runs, bracket %g / %g; want %q with a bracket", ans.Status, ans.Runs, ans.Met, ans.Missed, NotConverged)
	}
	easy, _ := slo.Parse("success >= 1%")
	ans, err = Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, SLOs: []slo.SLO{easy}, Hi: 200})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != AllMeet || ans.Value != 200 {
		t.Errorf("easy SLO: got %s %g, want %q 200", ans.Status, ans.Value, AllMeet)
	}
	var b strings.Builder
	if err := WriteTable(&b, []Answer{ans}); err != nil || !strings.Contains(b.String(), ">= 200") {
		t.Errorf("table: %v\n%s", err, b.String())
	}
}

// For scenarios/autoscaling-ramp.yaml (a 30-minute ramp to twice the
// starting capacity), the search answers the highest target utilization
// that keeps the SLOs; a run of the scenario with that target meets them
// and one clearly above it (+5 points) misses them.
func TestAutoScalingTargetRamp(t *testing.T) {
	if raceEnabled {
		t.Skip("a search over a 35-minute ramp takes minutes under -race; .ci/run runs it without")
	}
	sc, err := scenario.Load("../../scenarios/autoscaling-ramp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ans, err := Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, AutoScaling: ScaleTarget})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != Found || ans.Value < 20 || ans.Value > 90 || ans.Dimension != "write" {
		t.Fatalf("got %s %g on %q (bracket %g / %g), want a write target found in [20, 90]", ans.Status, ans.Value, ans.Dimension, ans.Met, ans.Missed)
	}
	slos := sc.ParsedSLOs()
	for _, tt := range []struct {
		target   float64
		wantMet  bool
		withName string
	}{
		{ans.Value, true, "the answer"},
		{min(ans.Value+5, 90), false, "5 points above"},
	} {
		c := *sc
		a := *sc.Table.AutoScaling
		w := *a.Write
		w.Target = tt.target
		a.Write = &w
		c.Table.AutoScaling = &a
		m, err := simEval(context.Background(), &c, none(t))
		if err != nil {
			t.Fatal(err)
		}
		met := true
		for _, s := range slos {
			met = met && s.Met(s.Measure(m))
		}
		if met != tt.wantMet {
			t.Errorf("target %g (%s): got SLOs met %v (success %.3f%%, p99 %.1f ms), want %v", tt.target, tt.withName, met, m.SuccessPct, m.LatencyMs.P99, tt.wantMet)
		}
	}
}

// spikeAfterQuiet is a table auto scaled at 70 % whose writes stay at
// 10/s for 20 minutes (long enough to scale in to its minimum) and then
// jump to 200/s for 5 minutes: what the minimum capacity holds decides how
// many writes the spike loses before scaling out catches up.
const spikeAfterQuiet = `
name: spike-after-quiet
seed: 1
table:
  read_capacity: 10
  write_capacity: 100
  autoscaling:
    write: {min: 5, max: 1000, target: 70}
workload:
  operation: PutItem
  keys: 100000
  stages:
    - {duration: 20m, rate: 10/s}
    - {duration: 5m, rate: 200/s}
fake:
  burst: 0s
strategies: [none]
slos:
  - success >= 99%
`

// For a spike after a quiet period, bench sweep -autoscaling -min-capacity
// answers the least minimum capacity that keeps the SLOs: a run with that
// minimum meets them, one with a fifth less misses them, and the answer
// lies between the quiet load and the spike (a minimum below the quiet
// load would throttle it; one at the spike's rate needs no scaling).
func TestAutoScalingMinCapacitySpike(t *testing.T) {
	sc, err := scenario.Parse("spike-after-quiet.yaml", []byte(spikeAfterQuiet))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := Search(context.Background(), Options{Scenario: sc, Strategy: none(t), Eval: simEval, AutoScaling: ScaleMin})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != Found || ans.Value <= 10 || ans.Value > 200 || ans.Dimension != "write" {
		t.Fatalf("got %s %g on %q (bracket %g / %g, %d runs), want a write minimum found in (10, 200]", ans.Status, ans.Value, ans.Dimension, ans.Met, ans.Missed, ans.Runs)
	}
	slos := sc.ParsedSLOs()
	for _, tt := range []struct {
		min     float64
		wantMet bool
		what    string
	}{
		{ans.Value, true, "the answer"},
		{math.Floor(ans.Value * 0.8), false, "a fifth less"},
	} {
		m, err := simEval(context.Background(), applyScaling(sc, ScaleMin, tt.min), none(t))
		if err != nil {
			t.Fatal(err)
		}
		met := true
		for _, s := range slos {
			met = met && s.Met(s.Measure(m))
		}
		if met != tt.wantMet {
			t.Errorf("minimum %g WCU (%s): got SLOs met %v (success %.3f%%), want %v", tt.min, tt.what, met, m.SuccessPct, tt.wantMet)
		}
	}
	t.Logf("least minimum %g WCU after %d runs (bracket %g / %g)", ans.Value, ans.Runs, ans.Met, ans.Missed)
}

package sim

import (
	"context"
	"testing"

	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// A table of 100 WCU offered 90 new one-KB items a second at target 50 %:
// the high alarm fires at the end of the second minute above 50 units/s
// and the change to ceil(90/0.5) = 180 takes effect a minute later. Every
// item also costs a unit on the index (100 WCU, target 70 %, delay 30s):
// above 70 for two minutes too, it goes to ceil(90/0.7) = 129 half a
// minute after its decision.
func TestAutoScalingTimeline(t *testing.T) {
	sc, err := scenario.Parse("t.yaml", []byte(`name: t
table:
  read_capacity: 10
  write_capacity: 100
  autoscaling:
    write: {min: 10, max: 1000, target: 50}
  global_secondary_indexes:
    - name: by-group
      read_capacity: 1
      write_capacity: 100
      autoscaling:
        write: {min: 50, max: 1000, target: 70, delay: 30s}
workload:
  operation: PutItem
  rate: 90/s
  duration: 4m
  keys: 10000000
fake:
  burst: 0s
strategies: [none]
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Scenario: sc, Strategies: strategies(t, "none")})
	if err != nil {
		t.Fatal(err)
	}
	srv := res.Strategies[0].Server
	want := []runner.ScalingAction{
		{DecidedS: 120, EffectiveS: 150, Resource: "table/sim-t-none/index/by-group", Dimension: "write", Old: 100, New: 129,
			// A few of the minute's keys were written before: a put of the same
			// item changes nothing on the index and costs it nothing.
			Why: "scale out: consumed 89.9/s > 70% of 100 for 2 minutes"},
		{DecidedS: 120, EffectiveS: 180, Resource: "table/sim-t-none", Dimension: "write", Old: 100, New: 180,
			Why: "scale out: consumed 90.0/s > 50% of 100 for 2 minutes"},
	}
	if len(srv.ScalingActions) != len(want) {
		t.Fatalf("got actions %+v, want %+v", srv.ScalingActions, want)
	}
	for i := range want {
		if srv.ScalingActions[i] != want[i] {
			t.Errorf("action %d: got %+v, want %+v", i, srv.ScalingActions[i], want[i])
		}
	}
	for _, c := range []struct{ t, want int }{{0, 100}, {179, 100}, {181, 180}, {239, 180}} {
		if got := srv.Series[c.t].ProvisionedWriteUnits; got != float64(c.want) {
			t.Errorf("second %d: got provisioned %v WCU, want %d", c.t, got, c.want)
		}
	}
	if got := srv.Series[100].ConsumedWriteUnits; got != 90 {
		t.Errorf("second 100: got %v WCU consumed, want 90", got)
	}
}

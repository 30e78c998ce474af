package main

import (
	"math"
	"strings"
	"testing"
)

// scaledRun is a run of the embedded fake under auto scaling with
// one-second datapoints: writes offered at twice the table's 10 WCU keep
// consumption above the 50 % target, so the capacity grows within the run.
const scaledRun = `name: scaled
table:
  read_capacity: 10
  write_capacity: 10
  autoscaling:
    write: {min: 5, max: 100, target: 50, period: 1s, delay: 1s}
workload: {operation: PutItem, rate: 20/s, duration: 6s, keys: 1000}
fake: {burst: 0s}
strategies: [none]
`

// bench run applies auto scaling in the embedded fake, and bench serve
// -autoscaling in the fake it serves: run.json lists the scaling actions
// the fake took and its per-second series shows the capacity growing.
func TestRunAutoScalingWritesActions(t *testing.T) {
	sc := writeScenario(t, scaledRun)
	tests := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"embedded fake", func(*testing.T) []string { return nil }},
		{"bench serve -autoscaling", func(t *testing.T) []string {
			testCredentials(t)
			url, _ := startServe(t, "-autoscaling", sc)
			return []string{"--endpoint", url}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append(append([]string{"run", "--quiet", "--out", out}, tt.args(t)...), sc)
			code, _, stderr := runBench(t, args...)
			if code != 0 {
				t.Fatalf("got exit %d, stderr %q; want 0", code, stderr)
			}
			f := onlyRun(t, out)
			srv := f.Strategies[0].Server
			if srv == nil || len(srv.ScalingActions) == 0 {
				t.Fatalf("got server stats %+v, want scaling actions", srv)
			}
			a := srv.ScalingActions[0]
			if a.Dimension != "write" || !strings.HasPrefix(a.Resource, "table/") || strings.Contains(a.Resource, "/index/") ||
				a.Old != 10 || a.New <= 10 || math.Abs(a.EffectiveS-a.DecidedS-1) > 1e-6 || !strings.HasPrefix(a.Why, "scale out: ") {
				t.Errorf("got first action %+v, want a write scale-out of table/... from 10, effective 1 s after its decision", a)
			}
			var peak float64
			for _, s := range srv.Series {
				peak = max(peak, s.ProvisionedWriteUnits)
			}
			if peak <= 10 {
				t.Errorf("got series peak provisioned write units %v, want above 10 (the capacity scaled)", peak)
			}
		})
	}
}

// bench serve -autoscaling wants a scenario that has auto scaling.
func TestServeAutoScalingBadInput(t *testing.T) {
	none := writeScenario(t, tiny)
	for _, tt := range []struct {
		file, want string
	}{
		{none, "-autoscaling: " + none + " has no table.autoscaling (nor on a global index)"},
		{"nope.yaml", "-autoscaling: "},
	} {
		code, _, stderr := runBench(t, "serve", "-addr", "127.0.0.1:0", "-autoscaling", tt.file)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: got exit %d, stderr %q; want exit %d and %q", tt.file, code, stderr, exitBadInput, tt.want)
		}
	}
}

// The auto scaling flags of bench sim and bench sweep refuse what they
// cannot do, naming the flag and the file.
func TestAutoScalingFlagsBadInput(t *testing.T) {
	ramp := "../../scenarios/autoscaling-ramp.yaml"
	none := writeScenario(t, tiny)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sim", "-autoscaling-target", "95", ramp}, "-autoscaling-target: " + ramp + ": target: must be from 20 to 90 (percent), got 95"},
		{[]string{"sim", "-autoscaling-target", "50", none}, "-autoscaling-target: " + none + ": no table.autoscaling"},
		{[]string{"sweep", "-min-capacity", ramp}, "-min-capacity goes with -autoscaling"},
		{[]string{"sweep", "-autoscaling", "-target-rate", "100", ramp}, "-autoscaling searches at the scenario's own load: not with -target-rate"},
		{[]string{"sweep", "-autoscaling", "-real", ramp}, "-real confirms rate and capacity answers only"},
		{[]string{"sweep", "-autoscaling", none}, "-autoscaling: " + none + " has no table.autoscaling"},
	}
	for _, tt := range tests {
		code, _, stderr := runBench(t, append(tt.args, "-out", t.TempDir())...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: got exit %d, stderr %q; want exit %d and %q", tt.args, code, stderr, exitBadInput, tt.want)
		}
	}
}

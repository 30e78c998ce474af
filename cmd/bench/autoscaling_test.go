package main

import (
	"strings"
	"testing"
)

// bench run refuses a scenario with auto scaling, naming the file, line and
// field, rather than run it at a fixed capacity.
func TestRunRefusesAutoScaling(t *testing.T) {
	code, _, stderr := runBench(t, "run", "--quiet", "--out", t.TempDir(), "../../scenarios/autoscaling-ramp.yaml")
	want := "../../scenarios/autoscaling-ramp.yaml:16: table.autoscaling: auto scaling is applied by bench sim only"
	if code != exitBadInput || !strings.Contains(stderr, want) {
		t.Errorf("got exit %d, stderr %q; want exit %d and %q", code, stderr, exitBadInput, want)
	}
}

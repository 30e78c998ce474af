package scenario

import (
	"strings"
	"testing"
	"time"
)

func TestAutoScaling(t *testing.T) {
	src := strings.Replace(valid, "  write_capacity: 20\n", `  write_capacity: 20
  autoscaling:
    write: {min: 5, max: 500, target: 70, delay: 30s}
  global_secondary_indexes:
    - name: by-group
      read_capacity: 1
      write_capacity: 2
      autoscaling:
        read: {min: 1, max: 10, target: 50, scale_out_periods: 3, scale_in_periods: 5}
`, 1)
	sc, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	r, w := sc.Table.AutoScaling.Scalers(sc.Table.ReadCapacity, sc.Table.WriteCapacity, now)
	if r != nil || w == nil {
		t.Fatalf("got read scaler %v, write %v; want none and one", r, w)
	}
	if p := w.Policy(); p.Min != 5 || p.Max != 500 || p.Target != 70 || p.Delay != 30*time.Second {
		t.Errorf("got table write policy %+v, want min 5 max 500 target 70 delay 30s", p)
	}
	r, w = sc.Table.GlobalIndexes[0].AutoScaling.Scalers(1, 2, now)
	if r == nil || w != nil {
		t.Fatalf("got index read scaler %v, write %v; want one and none", r, w)
	}
	if p := r.Policy(); p.ScaleOutPeriods != 3 || p.ScaleInPeriods != 5 || p.Target != 50 {
		t.Errorf("got index read policy %+v, want periods 3 and 5, target 50", p)
	}
	fa := sc.FakeAutoScaling()
	if fa == nil || fa.Table.Read != nil || fa.Table.Write == nil || fa.Table.Write.Target != 70 ||
		fa.Indexes["by-group"].Read == nil || fa.Indexes["by-group"].Read.Max != 10 || fa.Indexes["by-group"].Write != nil {
		t.Errorf("got the fake's auto scaling %+v, want table write at 70 and by-group read up to 10", fa)
	}
	if r, w := (*AutoScaling)(nil).Scalers(1, 1, now); r != nil || w != nil {
		t.Errorf("got scalers %v %v from no autoscaling, want none", r, w)
	}
}

func TestAutoScalingErrors(t *testing.T) {
	tests := []struct {
		name, table, want string
	}{
		{"target too high", "  autoscaling:\n    write: {min: 5, max: 500, target: 95}\n",
			"t.yaml:6: table.autoscaling.write.target: must be from 20 to 90 (percent), got 95"},
		{"max below min", "  autoscaling:\n    read:\n      min: 50\n      max: 10\n      target: 70\n",
			"t.yaml:8: table.autoscaling.read.max: must be >= min (50), got 10"},
		{"no min", "  autoscaling:\n    read: {max: 10, target: 70}\n",
			"t.yaml:6: table.autoscaling.read.min: must be >= 1, got 0"},
		{"empty", "  autoscaling: {}\n",
			"t.yaml:5: table.autoscaling: name read, write or both"},
		{"negative delay", "  autoscaling:\n    write: {min: 1, max: 2, target: 70, delay: -1s}\n",
			"t.yaml:6: table.autoscaling.write.delay: must be >= 0, got -1s"},
		{"index", "  global_secondary_indexes:\n    - name: gsi\n      read_capacity: 1\n      write_capacity: 1\n      autoscaling:\n        write: {min: 1, max: 2, target: 10}\n",
			"t.yaml:10: table.global_secondary_indexes[0].autoscaling.write.target: must be from 20 to 90 (percent), got 10"},
		{"negative period", "  autoscaling:\n    write: {min: 1, max: 2, target: 70, period: -1s}\n",
			"t.yaml:6: table.autoscaling.write.period: must be >= 0, got -1s"},
		{"unknown field", "  autoscaling:\n    write: {min: 1, max: 2, target: 70, cooldown: 1m}\n",
			"t.yaml:6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(strings.Replace(valid, "  write_capacity: 20\n", "  write_capacity: 20\n"+tt.table, 1)))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want prefix %q", err, tt.want)
			}
		})
	}
	// The line is the mapping's first (lineOf's rule for a mapping).
	onDemand := strings.Replace(valid, "  read_capacity: 10\n  write_capacity: 20\n",
		"  billing_mode: on_demand\n  autoscaling:\n    write: {min: 1, max: 2, target: 70}\n", 1)
	_, err := Parse("t.yaml", []byte(onDemand))
	if want := "t.yaml:5: table.autoscaling: not allowed on an on_demand table"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want prefix %q", err, want)
	}
	// A preload's writes would scale the table before the load starts.
	preload := strings.Replace(strings.Replace(valid, "  write_capacity: 20\n", "  write_capacity: 20\n  autoscaling:\n    write: {min: 5, max: 500, target: 70}\n", 1), "duration: 2s", "duration: 2s\n  preload: true", 1)
	_, err = Parse("t.yaml", []byte(preload))
	if want := "workload.preload: not supported with table.autoscaling"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want it to contain %q", err, want)
	}
}

// SetScalingTarget sets every policy's target on copies; ScaleTime scales
// the period and delay (their defaults too) on copies.
func TestScalingOverrides(t *testing.T) {
	src := strings.Replace(valid, "  write_capacity: 20\n", `  write_capacity: 20
  autoscaling:
    write: {min: 5, max: 500, target: 70, delay: 30s}
  global_secondary_indexes:
    - name: by-group
      read_capacity: 1
      write_capacity: 2
      autoscaling:
        read: {min: 1, max: 10, target: 50}
`, 1)
	sc, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	orig := *sc
	c := *sc
	if err := c.SetScalingTarget(85); err != nil {
		t.Fatal(err)
	}
	if got := [2]float64{c.Table.AutoScaling.Write.Target, c.Table.GlobalIndexes[0].AutoScaling.Read.Target}; got != [2]float64{85, 85} {
		t.Errorf("got targets %v, want 85 and 85", got)
	}
	if got := [2]float64{orig.Table.AutoScaling.Write.Target, orig.Table.GlobalIndexes[0].AutoScaling.Read.Target}; got != [2]float64{70, 50} {
		t.Errorf("the original's targets changed: got %v, want 70 and 50", got)
	}
	for _, tt := range []struct {
		pct  float64
		want string
	}{{95, "target: must be from 20 to 90 (percent), got 95"}, {10, "target: must be from 20 to 90 (percent), got 10"}} {
		if err := c.SetScalingTarget(tt.pct); err == nil || err.Error() != tt.want {
			t.Errorf("SetScalingTarget(%g): got %v, want %q", tt.pct, err, tt.want)
		}
	}
	none, err := Parse("t.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if err := none.SetScalingTarget(50); err == nil || !strings.Contains(err.Error(), "no table.autoscaling") {
		t.Errorf("SetScalingTarget without auto scaling: got %v, want an error saying there is none", err)
	}
	s := *sc
	s.ScaleTime(0.1)
	w, r := s.Table.AutoScaling.Write, s.Table.GlobalIndexes[0].AutoScaling.Read
	for _, x := range []struct {
		what      string
		got, want time.Duration
	}{
		{"write period (default 1m)", time.Duration(w.Period), 6 * time.Second},
		{"write delay (30s)", time.Duration(w.Delay), 3 * time.Second},
		{"index read period", time.Duration(r.Period), 6 * time.Second},
		{"index read delay (default 1m)", time.Duration(r.Delay), 6 * time.Second},
		{"the original's write delay", time.Duration(sc.Table.AutoScaling.Write.Delay), 30 * time.Second},
	} {
		if x.got != x.want {
			t.Errorf("%s: got %v, want %v", x.what, x.got, x.want)
		}
	}
}

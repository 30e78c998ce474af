package scenario

import (
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
)

// ScaleTime multiplies every time in the scenario's schedule by f: the
// workload's duration, stages, spike, warm-up and think time, and the fault
// windows. Rates, capacities, latencies and timeouts stay as they are, so a
// scenario run at f = 0.1 is the same story told ten times faster (CI runs
// the ready scenarios that way).
func (sc *Scenario) ScaleTime(f float64) {
	d := func(v *Duration) { *v = Duration(time.Duration(float64(*v) * f)) }
	w := &sc.Workload
	d(&w.Duration)
	d(&w.Warmup)
	d(&w.Think)
	for i := range w.Stages {
		d(&w.Stages[i].Duration)
	}
	if w.Spike != nil {
		sp := *w.Spike
		d(&sp.At)
		d(&sp.Width)
		w.Spike = &sp
	}
	sc.scaleAutoScalingTime(f)
	if sc.Faults == nil {
		return
	}
	fs := *sc.Faults
	win := func(x *faults.Window) {
		x.At = faults.Duration(float64(x.At) * f)
		x.For = faults.Duration(float64(x.For) * f)
	}
	fs.Capacity = append([]faults.CapacityChange(nil), fs.Capacity...)
	for i := range fs.Capacity {
		win(&fs.Capacity[i].Window)
	}
	fs.Errors = append([]faults.ErrorFault(nil), fs.Errors...)
	for i := range fs.Errors {
		win(&fs.Errors[i].Window)
	}
	fs.Latency = append([]faults.LatencyFault(nil), fs.Latency...)
	for i := range fs.Latency {
		win(&fs.Latency[i].Window)
	}
	fs.Stalls = append([]faults.StallFault(nil), fs.Stalls...)
	for i := range fs.Stalls {
		win(&fs.Stalls[i].Window)
	}
	fs.Drops = append([]faults.DropFault(nil), fs.Drops...)
	for i := range fs.Drops {
		win(&fs.Drops[i].Window)
	}
	sc.Faults = &fs
}

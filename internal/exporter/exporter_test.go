package exporter

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// record is a PutItem throttled twice, then written.
var record = metrics.Record{
	Op: "PutItem", Intended: time.Second, Started: time.Second + 3*time.Millisecond, Ended: time.Second + 90*time.Millisecond,
	Attempts: 3, ThrottledAttempts: 2, Outcome: metrics.OK,
	AttemptLog: []metrics.Attempt{
		{Start: time.Second + 3*time.Millisecond, Duration: time.Millisecond, Status: 400, Throttled: true},
		{Start: time.Second + 29*time.Millisecond, Duration: time.Millisecond, Status: 400, Throttled: true},
		{Start: time.Second + 89*time.Millisecond, Duration: time.Millisecond, Status: 200},
	},
}

func TestObserve(t *testing.T) {
	e := New()
	live := &runner.Live{}
	observe := e.Observe("full-jitter", live)
	observe(record)
	observe(metrics.Record{Op: "PutItem", Intended: 2 * time.Second, Started: 2 * time.Second, Ended: 2 * time.Second, Outcome: metrics.Dropped})
	live.Offered.Store(2)

	want := `
# HELP throttlebench_attempts_total Attempts sent, by strategy and outcome (ok, throttled, error, no_response).
# TYPE throttlebench_attempts_total counter
throttlebench_attempts_total{outcome="ok",strategy="full-jitter"} 1
throttlebench_attempts_total{outcome="throttled",strategy="full-jitter"} 2
# HELP throttlebench_arrivals_dropped_total Arrivals never started because their client was at its in-flight cap (also in operations_total{outcome="dropped"}).
# TYPE throttlebench_arrivals_dropped_total counter
throttlebench_arrivals_dropped_total{strategy="full-jitter"} 1
# HELP throttlebench_arrivals_late_total Operations that started more than 1 ms after their intended time.
# TYPE throttlebench_arrivals_late_total counter
throttlebench_arrivals_late_total{strategy="full-jitter"} 1
# HELP throttlebench_operations_offered_total Operations the schedule started (dropped ones included).
# TYPE throttlebench_operations_offered_total counter
throttlebench_operations_offered_total{strategy="full-jitter"} 2
`
	names := []string{"throttlebench_attempts_total", "throttlebench_arrivals_dropped_total", "throttlebench_arrivals_late_total", "throttlebench_operations_offered_total"}
	// Outcomes with no attempts stay at 0 and are listed too.
	want = strings.Replace(want, "# TYPE throttlebench_attempts_total counter\n",
		"# TYPE throttlebench_attempts_total counter\nthrottlebench_attempts_total{outcome=\"error\",strategy=\"full-jitter\"} 0\nthrottlebench_attempts_total{outcome=\"no_response\",strategy=\"full-jitter\"} 0\n", 1)
	if err := testutil.GatherAndCompare(e.Registry(), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	// Two retries, after waits of 25 ms and 59 ms; one operation timed
	// from its intended start (90 ms), the dropped one not at all.
	fams, err := e.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		var count uint64
		var sum float64
		switch f.GetName() {
		case "throttlebench_retry_delay_seconds":
			count, sum = 2, 0.084
		case "throttlebench_operation_latency_seconds":
			count, sum = 1, 0.090
		default:
			continue
		}
		h := f.Metric[0].Histogram
		if h.GetSampleCount() != count || math.Abs(h.GetSampleSum()-sum) > 1e-9 {
			t.Errorf("%s: got count %d sum %v, want %d and %v", f.GetName(), h.GetSampleCount(), h.GetSampleSum(), count, sum)
		}
	}
	if ok := testutil.ToFloat64(e.ops.WithLabelValues("full-jitter", "ok")); ok != 1 {
		t.Errorf("ok operations: got %v, want 1", ok)
	}
}

// BenchmarkObserve is the exporter's cost per record on the collector
// goroutine, against which bench run's per-operation cost (about 140 µs of
// CPU per operation on two cores at 7,000 operations/s) is measured.
func BenchmarkObserve(b *testing.B) {
	observe := New().Observe("full-jitter", &runner.Live{})
	for b.Loop() {
		observe(record)
	}
}

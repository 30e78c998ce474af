package runner_test

import (
	"github.com/throttlebench/throttlebench/internal/dashboard"
	"github.com/throttlebench/throttlebench/internal/exporter"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// both observes a run as bench run -metrics ADDR -ui ADDR does: the
// Prometheus exporter and the live dashboard on every record.
type both struct {
	exp  *exporter.Exporter
	dash *dashboard.Dashboard
}

func (b both) Observe(strategy string, live *runner.Live) func(metrics.Record) {
	e, d := b.exp.Observe(strategy, live), b.dash.Observe(strategy, live)
	return func(r metrics.Record) { e(r); d(r) }
}

func init() {
	runner.SetMetricsObserver(func() runner.Observer {
		return both{exporter.New(), dashboard.New(dashboard.Options{})}
	})
}

package runner_test

import (
	"github.com/throttlebench/throttlebench/internal/exporter"
	"github.com/throttlebench/throttlebench/internal/runner"
)

func init() {
	runner.SetMetricsObserver(func() runner.Observer { return exporter.New() })
}

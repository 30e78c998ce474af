package runner

import "time"

// SetMetricsObserver lets the external test package give BenchmarkOverhead
// the Prometheus exporter, which imports this package.
func SetMetricsObserver(f func() Observer) { newMetricsObserver = f }

// RunDelay gives the external test package runDelay (rundelay_linux_test.go).
func RunDelay() time.Duration { return runDelay() }

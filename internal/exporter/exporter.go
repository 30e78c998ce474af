// Package exporter exposes a running comparison as Prometheus metrics,
// with github.com/prometheus/client_golang: operations and attempts by
// strategy and outcome, operation latency, retry delays, start lag
// (generator lag), late and dropped arrivals, and operations in flight.
//
// An Exporter is a runner.Observer: give it to runner.Options and serve
// Handler. The runner calls it from each strategy's collector goroutine,
// after the operation has ended, so the operations themselves pay nothing;
// the collector pays a few atomic additions per record (label lookups are
// resolved once per strategy). An Exporter is safe for concurrent use.
package exporter

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// Namespace prefixes every metric name.
const Namespace = "throttlebench"

// Attempt outcomes, the values of throttlebench_attempts_total's outcome
// label.
const (
	AttemptOK         = "ok"          // a 2xx answer
	AttemptThrottled  = "throttled"   // a throttling error, or a batch with unprocessed items
	AttemptError      = "error"       // any other error answer
	AttemptNoResponse = "no_response" // no answer: timeout, reset, dropped connection
)

// Exporter holds a run's metrics in its own registry.
type Exporter struct {
	reg *prometheus.Registry

	ops      *prometheus.CounterVec
	attempts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	retry    *prometheus.HistogramVec
	lag      *prometheus.HistogramVec
	late     *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	offered  *prometheus.Desc
	inFlight *prometheus.Desc

	mu       sync.Mutex // guards strategy
	strategy []liveStrategy
}

type liveStrategy struct {
	name string
	live *runner.Live
}

// latencyBuckets span 1 ms to about 65 s, doubling: throttled operations
// back off for seconds, unthrottled ones answer in a millisecond.
var latencyBuckets = prometheus.ExponentialBuckets(0.001, 2, 17)

// New returns an Exporter whose registry also carries the Go runtime and
// process collectors.
func New() *Exporter {
	e := &Exporter{reg: prometheus.NewRegistry()}
	histogram := func(name, help string, buckets []float64) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Name: name, Help: help, Buckets: buckets,
			// Native buckets too, for servers that scrape them.
			NativeHistogramBucketFactor: 1.1, NativeHistogramMaxBucketNumber: 160,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{"strategy"})
	}
	e.ops = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "operations_total",
		Help: "Operations that ended, by strategy and outcome (ok, throttled, retry_quota_exhausted, max_attempts, timeout, canceled, error, dropped, ...)."},
		[]string{"strategy", "outcome"})
	e.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "attempts_total",
		Help: "Attempts sent, by strategy and outcome (ok, throttled, error, no_response)."},
		[]string{"strategy", "outcome"})
	e.latency = histogram("operation_latency_seconds",
		"Operation latency from its intended start to its final outcome, every attempt and backoff included.", latencyBuckets)
	e.retry = histogram("retry_delay_seconds",
		"Time between the end of an attempt and the start of the next one (backoff, retry-quota and rate-limiter waits).", latencyBuckets)
	e.lag = histogram("start_lag_seconds",
		"How late operations started after their intended time (generator lag).",
		prometheus.ExponentialBuckets(0.0001, 2, 16))
	e.late = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "arrivals_late_total",
		Help: "Operations that started more than 1 ms after their intended time."}, []string{"strategy"})
	e.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "arrivals_dropped_total",
		Help: "Arrivals never started because their client was at its in-flight cap (also in operations_total{outcome=\"dropped\"})."}, []string{"strategy"})
	e.offered = prometheus.NewDesc(Namespace+"_operations_offered_total", "Operations the schedule started (dropped ones included).", []string{"strategy"}, nil)
	e.inFlight = prometheus.NewDesc(Namespace+"_operations_in_flight", "Operations started and not yet ended.", []string{"strategy"}, nil)
	e.reg.MustRegister(e.ops, e.attempts, e.latency, e.retry, e.lag, e.late, e.dropped, liveCollector{e},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return e
}

// Registry returns the registry the metrics are in.
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{Registry: e.reg})
}

// Observe implements runner.Observer.
func (e *Exporter) Observe(strategy string, live *runner.Live) func(metrics.Record) {
	e.mu.Lock()
	e.strategy = append(e.strategy, liveStrategy{strategy, live})
	e.mu.Unlock()

	var ops []prometheus.Counter
	for o := metrics.Outcome(0); o.String() != "unknown"; o++ {
		ops = append(ops, e.ops.WithLabelValues(strategy, o.String()))
	}
	aOK := e.attempts.WithLabelValues(strategy, AttemptOK)
	aThrottled := e.attempts.WithLabelValues(strategy, AttemptThrottled)
	aError := e.attempts.WithLabelValues(strategy, AttemptError)
	aNone := e.attempts.WithLabelValues(strategy, AttemptNoResponse)
	latency := e.latency.WithLabelValues(strategy)
	retry := e.retry.WithLabelValues(strategy)
	lag := e.lag.WithLabelValues(strategy)
	late := e.late.WithLabelValues(strategy)
	dropped := e.dropped.WithLabelValues(strategy)
	return func(r metrics.Record) {
		if int(r.Outcome) < len(ops) {
			ops[r.Outcome].Inc()
		}
		if r.Outcome == metrics.Dropped {
			dropped.Inc()
			return
		}
		latency.Observe(r.Latency().Seconds())
		d := r.Started - r.Intended
		lag.Observe(max(d, 0).Seconds())
		if d > metrics.LateThreshold {
			late.Inc()
		}
		for i, a := range r.AttemptLog {
			switch {
			case a.Throttled:
				aThrottled.Inc()
			case a.Status == 0:
				aNone.Inc()
			case a.Status >= 200 && a.Status < 300:
				aOK.Inc()
			default:
				aError.Inc()
			}
			if i > 0 {
				prev := r.AttemptLog[i-1]
				retry.Observe(max(a.Start-prev.Start-prev.Duration, 0).Seconds())
			}
		}
	}
}

// liveCollector reads each strategy's progress counters at scrape time.
type liveCollector struct{ e *Exporter }

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.e.offered
	ch <- c.e.inFlight
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.mu.Lock()
	strats := c.e.strategy
	c.e.mu.Unlock()
	for _, s := range strats {
		ch <- prometheus.MustNewConstMetric(c.e.offered, prometheus.CounterValue, float64(s.live.Offered.Load()), s.name)
		ch <- prometheus.MustNewConstMetric(c.e.inFlight, prometheus.GaugeValue, float64(s.live.InFlight.Load()), s.name)
	}
}

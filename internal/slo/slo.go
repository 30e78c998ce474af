// Package slo parses and checks service-level objectives such as
// "p99 < 100ms" or "success >= 99.9%" against a strategy's results, as k6
// thresholds do: a run that misses one exits non-zero.
package slo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Metrics an SLO may name, with the unit its value is written in.
var units = map[string]string{
	"p50": "ms", "p90": "ms", "p99": "ms", "p999": "ms", "max": "ms",
	"success": "%", "goodput": "/s", "attempts_per_op": "", "retry_share": "%",
}

// SLO is one objective: Metric Op Value, optionally for one strategy only.
type SLO struct {
	Strategy string  // "" applies to every strategy
	Metric   string  // p50, p90, p99, p999, max, success, goodput, attempts_per_op, retry_share
	Op       string  // <, <=, >, >=
	Value    float64 // in the metric's unit: ms, %, ops/s, attempts, %
	text     string
}

func (s SLO) String() string { return s.text }

// Parse reads an SLO: "[STRATEGY:] METRIC OP VALUE", e.g. "p99 < 100ms",
// "success >= 99.9%", "goodput >= 90/s", "full-jitter: attempts_per_op <= 1.5".
// Latencies take ms, s or µs/us suffixes (default ms).
func Parse(text string) (SLO, error) {
	s := SLO{text: strings.TrimSpace(text)}
	rest := s.text
	if i := strings.Index(rest, ":"); i >= 0 {
		s.Strategy, rest = strings.TrimSpace(rest[:i]), strings.TrimSpace(rest[i+1:])
		if s.Strategy == "" {
			return SLO{}, fmt.Errorf("slo %q: empty strategy before ':'", text)
		}
	}
	for _, op := range []string{"<=", ">=", "<", ">"} {
		if i := strings.Index(rest, op); i >= 0 {
			s.Metric, s.Op = strings.TrimSpace(rest[:i]), op
			rest = strings.TrimSpace(rest[i+len(op):])
			break
		}
	}
	if s.Op == "" {
		return SLO{}, fmt.Errorf("slo %q: want METRIC OP VALUE with OP one of <, <=, >, >= (e.g. \"p99 < 100ms\")", text)
	}
	unit, ok := units[s.Metric]
	if !ok {
		return SLO{}, fmt.Errorf("slo %q: unknown metric %q (one of p50, p90, p99, p999, max, success, goodput, attempts_per_op, retry_share)", text, s.Metric)
	}
	v, err := parseValue(rest, unit)
	if err != nil {
		return SLO{}, fmt.Errorf("slo %q: %v", text, err)
	}
	s.Value = v
	return s, nil
}

func parseValue(s, unit string) (float64, error) {
	if unit == "ms" {
		if d, err := time.ParseDuration(s); err == nil {
			return float64(d) / float64(time.Millisecond), nil
		}
	}
	num := strings.TrimSpace(strings.TrimSuffix(s, unit))
	if unit == "" || unit == "ms" {
		num = strings.TrimSpace(s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		want := map[string]string{"ms": "a latency like 100ms or 1.5s", "%": "a percentage like 99.9%", "/s": "a rate like 90/s", "": "a number"}[unit]
		return 0, fmt.Errorf("value %q: want %s", s, want)
	}
	return v, nil
}

// Applies reports whether the SLO concerns strategy.
func (s SLO) Applies(strategy string) bool { return s.Strategy == "" || s.Strategy == strategy }

// Measure returns the SLO's metric from a summary, in the SLO's unit.
func (s SLO) Measure(m metrics.Summary) float64 {
	switch s.Metric {
	case "p50":
		return m.LatencyMs.P50
	case "p90":
		return m.LatencyMs.P90
	case "p99":
		return m.LatencyMs.P99
	case "p999":
		return m.LatencyMs.P999
	case "max":
		return m.LatencyMs.Max
	case "success":
		return m.SuccessPct
	case "goodput":
		return m.GoodputPerS
	case "attempts_per_op":
		return m.AttemptsPerOp
	case "retry_share":
		return 100 * m.RetryShare
	}
	return 0
}

// Met reports whether value satisfies the SLO.
func (s SLO) Met(value float64) bool {
	switch s.Op {
	case "<":
		return value < s.Value
	case "<=":
		return value <= s.Value
	case ">":
		return value > s.Value
	case ">=":
		return value >= s.Value
	}
	return false
}

// Check is one SLO checked against one strategy.
type Check struct {
	Strategy string  `json:"strategy"`
	SLO      string  `json:"slo"`
	Value    float64 `json:"value"`
	Met      bool    `json:"met"`
}

// Evaluate checks every SLO against every strategy it applies to.
func Evaluate(slos []SLO, strategies map[string]metrics.Summary, order []string) []Check {
	var out []Check
	for _, name := range order {
		m := strategies[name]
		for _, s := range slos {
			if s.Applies(name) {
				v := s.Measure(m)
				out = append(out, Check{Strategy: name, SLO: s.String(), Value: v, Met: s.Met(v)})
			}
		}
	}
	return out
}

package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
)

// CSV writes summary.csv: a header and one row per strategy, for
// spreadsheets and scripts. Columns, in order: strategy, offered,
// succeeded, success_pct (0 to 100), goodput_per_s, attempts_per_op,
// retry_share (0 to 1), throttled_attempts, p50_ms, p90_ms, p99_ms,
// p999_ms, max_ms (operation latency from the intended start),
// backoff_ms_per_op, then failed_<outcome> for every failure outcome (the
// same columns in every file, 0 when none), then units_per_success when the
// endpoint reported its consumed capacity (empty for a strategy without).
// Numbers are plain decimals with a dot, at most microsecond precision for
// times.
func CSV(w io.Writer, f *results.File) error {
	reasons := failureReasons(f)
	server := hasServer(f)
	header := []string{"strategy", "offered", "succeeded", "success_pct", "goodput_per_s", "attempts_per_op",
		"retry_share", "throttled_attempts", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "backoff_ms_per_op"}
	for _, r := range reasons {
		header = append(header, "failed_"+r)
	}
	if server {
		header = append(header, "units_per_success")
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, s := range f.Strategies {
		m := s.Summary
		row := []string{
			s.Name,
			strconv.FormatInt(s.Offered, 10),
			strconv.FormatInt(m.Succeeded, 10),
			decimal(m.SuccessPct, 3),
			decimal(m.GoodputPerS, 3),
			decimal(m.AttemptsPerOp, 4),
			decimal(m.RetryShare, 4),
			strconv.FormatInt(m.ThrottledAttempts, 10),
			decimal(m.LatencyMs.P50, 3),
			decimal(m.LatencyMs.P90, 3),
			decimal(m.LatencyMs.P99, 3),
			decimal(m.LatencyMs.P999, 3),
			decimal(m.LatencyMs.Max, 3),
			decimal(m.BackoffMsPerOp, 3),
		}
		for _, r := range reasons {
			row = append(row, strconv.FormatInt(m.Failed[r], 10))
		}
		if server {
			cell := ""
			if s.Server != nil {
				cell = decimal(s.Server.UnitsPerSuccess, 4)
			}
			row = append(row, cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// decimal formats v with at most prec decimals, trailing zeros dropped, so
// counts stay integers and rounding noise never shows.
func decimal(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if prec > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// failureReasons lists every failure outcome the metrics package defines,
// in its order, then any other reason found in f (a file from a newer
// bench), sorted: every summary.csv has the same columns, whatever failed.
func failureReasons(f *results.File) []string {
	var known []string
	for o := metrics.OK + 1; o.String() != "unknown"; o++ {
		known = append(known, o.String())
	}
	var extra []string
	for _, s := range f.Strategies {
		for r := range s.Summary.Failed {
			if !slices.Contains(known, r) && !slices.Contains(extra, r) {
				extra = append(extra, r)
			}
		}
	}
	slices.Sort(extra)
	return append(known, extra...)
}

// hasServer reports whether any strategy carries the endpoint's own stats.
func hasServer(f *results.File) bool {
	for _, s := range f.Strategies {
		if s.Server != nil {
			return true
		}
	}
	return false
}

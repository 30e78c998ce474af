package metrics

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// FromSummary rebuilds an aggregator from a summary, its times moved by
// offset (how much later the summary's run started than the one it is
// merged into), so summaries written by several processes merge with
// Merge into what one process would have aggregated: counts exactly,
// latency histograms through HdrHistogram's own Merge. The mean backoff
// comes back within floating-point rounding. Missing lists the encoded
// histograms the summary lacks (files written before they existed):
// their percentiles then cover only the summaries that have them.
func FromSummary(s Summary, offset time.Duration) (a *Aggregator, missing []string, err error) {
	a = NewAggregator()
	a.ops = s.Ops
	a.outcomes[OK] = s.Succeeded
	for name, n := range s.Failed {
		i := slices.Index(outcomeNames[:], name)
		if i <= int(OK) {
			return nil, nil, fmt.Errorf("summary: unknown outcome %q", name)
		}
		a.outcomes[i] += n
	}
	var total int64
	for _, n := range a.outcomes {
		total += n
	}
	if total != s.Ops {
		return nil, nil, fmt.Errorf("summary: outcomes add up to %d operations, ops says %d", total, s.Ops)
	}
	a.started = s.Ops - a.outcomes[Dropped]
	a.attempts, a.throttledAttempts, a.late = s.Attempts, s.ThrottledAttempts, s.StartedLate
	a.backoff = time.Duration(math.Round(s.BackoffMsPerOp * float64(a.started) * float64(time.Millisecond)))
	if s.Ops > 0 {
		a.first = seconds(s.FirstS) + offset
		a.last = a.first + seconds(s.SpanS)
	}
	for _, h := range []struct {
		name string
		enc  []byte
		into *hdrhistogram.Histogram
	}{
		{"latency", s.Histogram, a.latency},
		{"from_send", s.FromSendHistogram, a.fromSend},
		{"attempt", s.AttemptHistogram, a.attempt},
		{"start_lag", s.StartLagHistogram, a.lag},
	} {
		if len(h.enc) == 0 {
			if s.Ops > 0 {
				missing = append(missing, h.name)
			}
			continue
		}
		dec, err := hdrhistogram.Decode(h.enc)
		if err != nil {
			return nil, nil, fmt.Errorf("summary: %s histogram: %w", h.name, err)
		}
		if dropped := h.into.Merge(dec); dropped != 0 {
			return nil, nil, fmt.Errorf("summary: %s histogram: %d values out of range", h.name, dropped)
		}
	}
	if a.latency.TotalCount() != a.started && len(s.Histogram) > 0 {
		return nil, nil, fmt.Errorf("summary: latency histogram holds %d operations, %d started", a.latency.TotalCount(), a.started)
	}
	for op, c := range s.ByOperation {
		*a.opCounts(op) = c
	}
	a.byClient = slices.Clone(s.ByClient)
	if len(a.byClient) == 0 && s.Ops > 0 {
		// One client: the summary leaves the breakdown out.
		a.byClient = []ClientCounts{{Ops: s.Ops, Succeeded: s.Succeeded, Attempts: s.Attempts}}
	}
	for _, k := range sortedKeys(s.ThrottleReasons) {
		a.reasons.add(k, s.ThrottleReasons[k])
	}
	for _, k := range sortedKeys(s.Cancellations) {
		a.cancels.add(k, s.Cancellations[k])
	}
	for status, n := range s.Statuses {
		a.countStatus(status, n)
	}
	for tries, n := range s.AttemptsHist {
		if tries < 0 || tries > 1<<16 {
			return nil, nil, errors.New("summary: attempts_hist: attempts out of range")
		}
		for len(a.byTries) <= tries {
			a.byTries = append(a.byTries, 0)
		}
		a.byTries[tries] += n
	}
	return a, missing, nil
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MergeSeries adds per-second series up on one clock: part i's second t
// lands on second t+offsets[i] (offsets >= 0). Counts add exactly (an
// operation is in one part only); a second's P50Ms and P99Ms, kept by no
// part as a histogram, become the largest of the parts' values: an upper
// bound, not the merged percentile.
func MergeSeries(parts [][]Second, offsets []int) []Second {
	var out []Second
	for i, secs := range parts {
		for _, s := range secs {
			t := s.T + offsets[i]
			if t < 0 {
				continue
			}
			for len(out) <= t {
				out = append(out, Second{T: len(out)})
			}
			o := &out[t]
			o.Offered += s.Offered
			o.Started += s.Started
			o.Attempts += s.Attempts
			o.Throttled += s.Throttled
			o.Succeeded += s.Succeeded
			o.Failed += s.Failed
			o.InFlight += s.InFlight
			o.P50Ms = max(o.P50Ms, s.P50Ms)
			o.P99Ms = max(o.P99Ms, s.P99Ms)
		}
	}
	return out
}

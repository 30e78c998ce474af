package metrics

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram range: latencies are recorded in microseconds from 1 µs to one
// hour with 3 significant digits (about 0.1 % resolution).
const (
	histMin     = 1
	histMax     = int64(time.Hour / time.Microsecond)
	histSigFigs = 3
)

// Aggregator folds records into counts and a latency histogram. Memory is
// bounded whatever the number of records. Not safe for concurrent use: own
// one per goroutine and Merge.
type Aggregator struct {
	ops, attempts, throttledAttempts int64
	outcomes                         [numOutcomes]int64
	late                             int64 // started more than LateThreshold after intended
	latency                          *hdrhistogram.Histogram
	first, last                      time.Duration
	sending                          time.Duration
}

// LateThreshold is how far behind schedule a start may be before the
// operation counts as started late.
const LateThreshold = time.Millisecond

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{latency: hdrhistogram.New(histMin, histMax, histSigFigs), first: -1}
}

// Add folds one record in.
func (a *Aggregator) Add(r Record) {
	a.ops++
	a.attempts += int64(r.Attempts)
	a.throttledAttempts += int64(r.ThrottledAttempts)
	a.outcomes[r.Outcome]++
	a.sending += r.Sending
	if r.Started-r.Intended > LateThreshold {
		a.late++
	}
	if a.first < 0 || r.Intended < a.first {
		a.first = r.Intended
	}
	if r.Ended > a.last {
		a.last = r.Ended
	}
	us := max(int64(r.Latency()/time.Microsecond), histMin)
	_ = a.latency.RecordValue(min(us, histMax)) // clamped, cannot fail
}

// Merge adds b's records into a.
func (a *Aggregator) Merge(b *Aggregator) {
	a.ops += b.ops
	a.attempts += b.attempts
	a.throttledAttempts += b.throttledAttempts
	for i := range a.outcomes {
		a.outcomes[i] += b.outcomes[i]
	}
	a.late += b.late
	a.sending += b.sending
	if b.first >= 0 && (a.first < 0 || b.first < a.first) {
		a.first = b.first
	}
	a.last = max(a.last, b.last)
	a.latency.Merge(b.latency)
}

// Summary is what an aggregator knows, in the units reports use.
type Summary struct {
	Ops               int64            `json:"ops"`
	Succeeded         int64            `json:"succeeded"`
	Failed            map[string]int64 `json:"failed"`
	Attempts          int64            `json:"attempts"`
	ThrottledAttempts int64            `json:"throttled_attempts"`
	StartedLate       int64            `json:"started_late"`
	// SuccessPct is 100 * Succeeded / Ops.
	SuccessPct float64 `json:"success_pct"`
	// GoodputPerS is successful operations per second of the run's span,
	// from the first intended start to the last outcome.
	GoodputPerS float64 `json:"goodput_per_s"`
	// AttemptsPerOp is the retry amplification: attempts sent per operation.
	AttemptsPerOp float64 `json:"attempts_per_op"`
	// SpanS is the run's span in seconds (see GoodputPerS).
	SpanS float64 `json:"span_s"`
	// LatencyMs holds percentiles of operation latency from intended start
	// to final outcome, in milliseconds: p50, p90, p99, p999, max.
	LatencyMs Percentiles `json:"latency_ms"`
	// Histogram is the latency histogram (microseconds), HdrHistogram's
	// compressed V2 encoding, base64 in JSON: decode and Merge across runs.
	Histogram []byte `json:"histogram"`
}

// Percentiles of a latency distribution, milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Summary computes the summary; it does not change the aggregator.
func (a *Aggregator) Summary() Summary {
	s := Summary{
		Ops:               a.ops,
		Succeeded:         a.outcomes[OK],
		Failed:            map[string]int64{},
		Attempts:          a.attempts,
		ThrottledAttempts: a.throttledAttempts,
		StartedLate:       a.late,
	}
	for o := OK + 1; o < numOutcomes; o++ {
		if n := a.outcomes[o]; n > 0 {
			s.Failed[o.String()] = n
		}
	}
	if a.ops > 0 {
		s.SuccessPct = 100 * float64(s.Succeeded) / float64(a.ops)
		s.AttemptsPerOp = float64(a.attempts) / float64(a.ops)
		span := a.last - a.first
		s.SpanS = span.Seconds()
		if span > 0 {
			s.GoodputPerS = float64(s.Succeeded) / span.Seconds()
		}
		ms := func(us int64) float64 { return float64(us) / 1000 }
		s.LatencyMs = Percentiles{
			P50:  ms(a.latency.ValueAtQuantile(50)),
			P90:  ms(a.latency.ValueAtQuantile(90)),
			P99:  ms(a.latency.ValueAtQuantile(99)),
			P999: ms(a.latency.ValueAtQuantile(99.9)),
			Max:  ms(a.latency.Max()),
		}
	}
	if enc, err := a.latency.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
		s.Histogram = enc
	}
	return s
}

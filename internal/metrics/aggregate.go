package metrics

import (
	"maps"
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

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histSigFigs) }

func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(int64(d/time.Microsecond), histMin)
	_ = h.RecordValue(min(us, histMax)) // clamped into range: cannot fail
}

// LateThreshold is how far behind schedule a start may be before the
// operation counts as started late.
const LateThreshold = time.Millisecond

// Aggregator folds records into counts and latency histograms. Memory is
// bounded whatever the number of records (per-client counts grow with the
// fleet, not with time). Not safe for concurrent use: own one per goroutine
// and Merge.
type Aggregator struct {
	ops, started, attempts, throttledAttempts int64
	outcomes                                  [numOutcomes]int64
	late                                      int64
	sending, backoff                          time.Duration
	first, last                               time.Duration

	latency  *hdrhistogram.Histogram // intended start -> outcome
	fromSend *hdrhistogram.Histogram // first send -> outcome
	attempt  *hdrhistogram.Histogram // one attempt, no backoff
	lag      *hdrhistogram.Histogram // intended start -> actual start

	byOp     map[string]*OpCounts
	byClient []ClientCounts
	// Add looks these up for every record or attempt, so they avoid maps:
	// a record's Op is almost always the previous record's (lastOp), HTTP
	// statuses index an array, a run sees a handful of throttle reasons,
	// and attempts per operation are bounded by the strategies' maximum.
	lastOp     string
	lastCounts *OpCounts // byOp[lastOp]; nil before the first record
	statuses   [maxStatus]int64
	oddStatus  map[int]int64 // statuses outside [0, maxStatus)
	reasons    counts[string]
	cancels    counts[string] // cancelled attempts by cancellation code
	byTries    []int64        // started operations by attempts sent
}

// maxStatus bounds the HTTP statuses counted in an array: 0 (no response)
// to 599.
const maxStatus = 600

// counts counts occurrences of a few distinct keys, in the order first
// seen: a linear scan of a handful of keys is cheaper than hashing, and
// keys that are the same constant compare by pointer.
type counts[K comparable] struct {
	keys []K
	n    []int64
}

func (c *counts[K]) add(k K, n int64) {
	for i := range c.keys {
		if c.keys[i] == k {
			c.n[i] += n
			return
		}
	}
	c.keys = append(c.keys, k)
	c.n = append(c.n, n)
}

// m returns the counts as a map.
func (c *counts[K]) m() map[K]int64 {
	m := make(map[K]int64, len(c.keys))
	for i, k := range c.keys {
		m[k] = c.n[i]
	}
	return m
}

// mOrNil is m, or nil when nothing was counted.
func (c *counts[K]) mOrNil() map[K]int64 {
	if len(c.keys) == 0 {
		return nil
	}
	return c.m()
}

// OpCounts are per-operation-type counts.
type OpCounts struct {
	Ops       int64 `json:"ops"`
	Succeeded int64 `json:"succeeded"`
	Attempts  int64 `json:"attempts"`
}

// ClientCounts are one fleet member's counts.
type ClientCounts struct {
	Ops       int64 `json:"ops"`
	Succeeded int64 `json:"succeeded"`
	Attempts  int64 `json:"attempts"`
}

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{
		latency: newHist(), fromSend: newHist(), attempt: newHist(), lag: newHist(),
		byOp: map[string]*OpCounts{}, oddStatus: map[int]int64{}, first: -1,
	}
}

// Add folds one record in.
func (a *Aggregator) Add(r Record) {
	a.ops++
	a.outcomes[r.Outcome]++
	a.attempts += int64(r.Attempts)
	a.throttledAttempts += int64(r.ThrottledAttempts)
	if a.first < 0 || r.Intended < a.first {
		a.first = r.Intended
	}
	a.last = max(a.last, r.Ended, r.Intended)
	op := a.lastCounts
	if op == nil || r.Op != a.lastOp {
		op = a.opCounts(r.Op)
		a.lastOp, a.lastCounts = r.Op, op
	}
	op.Ops++
	op.Attempts += int64(r.Attempts)
	for len(a.byClient) <= r.Client {
		a.byClient = append(a.byClient, ClientCounts{})
	}
	c := &a.byClient[r.Client]
	c.Ops++
	c.Attempts += int64(r.Attempts)
	if r.Outcome == OK {
		op.Succeeded++
		c.Succeeded++
	}
	if r.Outcome == Dropped {
		return // never started: no latency to speak of
	}
	a.started++
	for len(a.byTries) <= r.Attempts {
		a.byTries = append(a.byTries, 0)
	}
	a.byTries[r.Attempts]++
	a.sending += r.Sending
	a.backoff += r.Backoff()
	if r.Started-r.Intended > LateThreshold {
		a.late++
	}
	record(a.latency, r.Latency())
	record(a.fromSend, r.FromFirstSend())
	record(a.lag, r.Started-r.Intended)
	for _, at := range r.AttemptLog {
		record(a.attempt, at.Duration)
		a.countStatus(at.Status, 1)
		if at.Reason != "" {
			a.reasons.add(at.Reason, 1)
		}
		for _, c := range at.Cancelled {
			a.cancels.add(c, 1)
		}
	}
}

// opCounts returns byOp[op], adding it if needed.
func (a *Aggregator) opCounts(op string) *OpCounts {
	c := a.byOp[op]
	if c == nil {
		c = &OpCounts{}
		a.byOp[op] = c
	}
	return c
}

func (a *Aggregator) countStatus(status int, n int64) {
	if status >= 0 && status < maxStatus {
		a.statuses[status] += n
		return
	}
	a.oddStatus[status] += n
}

// statusCounts returns the attempts by HTTP status as a map.
func (a *Aggregator) statusCounts() map[int]int64 {
	m := make(map[int]int64, len(a.oddStatus)+4)
	maps.Copy(m, a.oddStatus)
	for s, n := range a.statuses {
		if n != 0 {
			m[s] = n
		}
	}
	return m
}

// Merge adds b's records into a.
func (a *Aggregator) Merge(b *Aggregator) {
	a.ops += b.ops
	a.started += b.started
	a.attempts += b.attempts
	a.throttledAttempts += b.throttledAttempts
	for i := range a.outcomes {
		a.outcomes[i] += b.outcomes[i]
	}
	a.late += b.late
	a.sending += b.sending
	a.backoff += b.backoff
	if b.first >= 0 && (a.first < 0 || b.first < a.first) {
		a.first = b.first
	}
	a.last = max(a.last, b.last)
	a.latency.Merge(b.latency)
	a.fromSend.Merge(b.fromSend)
	a.attempt.Merge(b.attempt)
	a.lag.Merge(b.lag)
	for k, v := range b.byOp {
		op := a.opCounts(k)
		op.Ops += v.Ops
		op.Succeeded += v.Succeeded
		op.Attempts += v.Attempts
	}
	for len(a.byClient) < len(b.byClient) {
		a.byClient = append(a.byClient, ClientCounts{})
	}
	for i, c := range b.byClient {
		a.byClient[i].Ops += c.Ops
		a.byClient[i].Succeeded += c.Succeeded
		a.byClient[i].Attempts += c.Attempts
	}
	for i, k := range b.reasons.keys {
		a.reasons.add(k, b.reasons.n[i])
	}
	for i, k := range b.cancels.keys {
		a.cancels.add(k, b.cancels.n[i])
	}
	for s, n := range b.statuses {
		if n != 0 {
			a.statuses[s] += n
		}
	}
	for s, n := range b.oddStatus {
		a.oddStatus[s] += n
	}
	for len(a.byTries) < len(b.byTries) {
		a.byTries = append(a.byTries, 0)
	}
	for k, n := range b.byTries {
		a.byTries[k] += n
	}
}

// Summary is what an aggregator knows, in the units reports use.
type Summary struct {
	// Ops counts operations offered by the schedule (dropped ones too).
	Ops       int64            `json:"ops"`
	Succeeded int64            `json:"succeeded"`
	Failed    map[string]int64 `json:"failed"`
	// Attempts counts attempts sent; ThrottledAttempts those answered
	// with a throttle (or, for batches, with unprocessed items).
	Attempts          int64 `json:"attempts"`
	ThrottledAttempts int64 `json:"throttled_attempts"`
	// StartedLate counts operations that started more than LateThreshold
	// after their intended start.
	StartedLate int64 `json:"started_late"`
	// SuccessPct is 100 * Succeeded / Ops.
	SuccessPct float64 `json:"success_pct"`
	// GoodputPerS is successful operations per second of the run's span,
	// from the first intended start to the last outcome.
	GoodputPerS float64 `json:"goodput_per_s"`
	// AttemptsPerOp is the retry amplification: attempts sent per
	// operation started.
	AttemptsPerOp float64 `json:"attempts_per_op"`
	// RetryShare is the share of attempts that were retries (0 to 1).
	RetryShare float64 `json:"retry_share"`
	// BackoffMsPerOp is the mean time an operation spent backing off or
	// waiting inside the client, milliseconds.
	BackoffMsPerOp float64 `json:"backoff_ms_per_op"`
	// SpanS is the run's span in seconds (see GoodputPerS).
	SpanS float64 `json:"span_s"`
	// LatencyMs: operation latency from intended start to final outcome
	// (free of coordinated omission). FromSendMs: from the first send.
	// AttemptMs: one attempt, no backoff. StartLagMs: intended to actual
	// start. All in milliseconds.
	LatencyMs  Percentiles `json:"latency_ms"`
	FromSendMs Percentiles `json:"from_send_ms"`
	AttemptMs  Percentiles `json:"attempt_ms"`
	StartLagMs Percentiles `json:"start_lag_ms"`
	// ByOperation and ByClient break the counts down; Fairness is Jain's
	// index of the clients' success counts (1 = perfectly fair, 1/n = one
	// client got everything).
	ByOperation map[string]OpCounts `json:"by_operation"`
	ByClient    []ClientCounts      `json:"by_client,omitempty"`
	Fairness    float64             `json:"fairness"`
	// ThrottleReasons counts attempts by ThrottlingReasons reason;
	// Statuses counts attempts by HTTP status (0: no response).
	ThrottleReasons map[string]int64 `json:"throttle_reasons"`
	Statuses        map[int]int64    `json:"statuses"`
	// Cancellations counts the attempts a TransactionCanceledException
	// answered, by cancellation reason code other than "None" (an attempt
	// whose items failed for two reasons counts under each). Absent when
	// no transaction was cancelled.
	Cancellations map[string]int64 `json:"cancellations,omitempty"`
	// AttemptsHist counts started operations by the number of attempts
	// they sent (1: no retry), the distribution behind AttemptsPerOp.
	// Bounded by the strategies' max attempts. Absent from files written
	// before it existed.
	AttemptsHist map[int]int64 `json:"attempts_hist,omitempty"`
	// Histogram is the operation latency histogram (microseconds, from
	// intended start) in HdrHistogram's compressed V2 encoding, base64 in
	// JSON: decode and Merge across runs.
	Histogram []byte `json:"histogram"`
	// FromSendHistogram, AttemptHistogram and StartLagHistogram are the
	// histograms behind FromSendMs, AttemptMs and StartLagMs, encoded the
	// same way, so every percentile survives a merge exactly. Absent from
	// files written before they existed.
	FromSendHistogram []byte `json:"from_send_histogram,omitempty"`
	AttemptHistogram  []byte `json:"attempt_histogram,omitempty"`
	StartLagHistogram []byte `json:"start_lag_histogram,omitempty"`
	// FirstS is the first intended start, seconds from the start of the
	// run (the span runs from it to FirstS+SpanS); it places the span on
	// a wall clock when runs are merged. Omitted when 0.
	FirstS float64 `json:"first_s,omitempty"`
}

// Percentiles of a latency distribution, milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return Percentiles{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
	}
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
		LatencyMs:         percentiles(a.latency),
		FromSendMs:        percentiles(a.fromSend),
		AttemptMs:         percentiles(a.attempt),
		StartLagMs:        percentiles(a.lag),
		ByOperation:       map[string]OpCounts{},
		ThrottleReasons:   a.reasons.m(),
		Cancellations:     a.cancels.mOrNil(),
		Statuses:          a.statusCounts(),
		Fairness:          Jain(a.byClient),
		AttemptsHist:      map[int]int64{},
	}
	for k, n := range a.byTries {
		if n != 0 {
			s.AttemptsHist[k] = n
		}
	}
	if len(a.byClient) > 1 {
		s.ByClient = a.byClient
	}
	for k, v := range a.byOp {
		s.ByOperation[k] = *v
	}
	for o := OK + 1; o < numOutcomes; o++ {
		if n := a.outcomes[o]; n > 0 {
			s.Failed[o.String()] = n
		}
	}
	if a.ops > 0 {
		s.SuccessPct = 100 * float64(s.Succeeded) / float64(a.ops)
	}
	if a.started > 0 {
		s.AttemptsPerOp = float64(a.attempts) / float64(a.started)
		s.BackoffMsPerOp = float64(a.backoff) / float64(time.Millisecond) / float64(a.started)
	}
	if a.attempts > 0 {
		s.RetryShare = float64(a.attempts-a.started) / float64(a.attempts)
	}
	if a.first >= 0 {
		span := a.last - a.first
		s.SpanS = span.Seconds()
		if span > 0 {
			s.GoodputPerS = float64(s.Succeeded) / span.Seconds()
		}
	}
	if a.first > 0 {
		s.FirstS = a.first.Seconds()
	}
	s.Histogram = encode(a.latency)
	s.FromSendHistogram = encode(a.fromSend)
	s.AttemptHistogram = encode(a.attempt)
	s.StartLagHistogram = encode(a.lag)
	return s
}

func encode(h *hdrhistogram.Histogram) []byte {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil
	}
	return enc
}

// Jain returns Jain's fairness index of the clients' success counts:
// (Σx)² / (n·Σx²); 1 when there are fewer than two clients or no successes.
func Jain(clients []ClientCounts) float64 {
	if len(clients) < 2 {
		return 1
	}
	var sum, sq float64
	for _, c := range clients {
		x := float64(c.Succeeded)
		sum += x
		sq += x * x
	}
	if sq == 0 {
		return 1
	}
	return sum * sum / (float64(len(clients)) * sq)
}

package fakeservice

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// DefaultStatsWindow is how many seconds of per-second history a Server
// keeps for /stats when Options.StatsWindow is zero.
const DefaultStatsWindow = 300

// front is the Server's request path around serveAPI: the /metrics and
// /stats endpoints, the fault schedule, SigV4 verification and the
// counters. Nothing in it takes a server-wide lock on the request path:
// counters are atomics, faults are pure functions of the time and the
// arrival number, brownouts lock only the affected table.
type front struct {
	s      *Server
	faults *Faults // nil: none
	epoch  time.Time
	brown  *brownouts  // nil: no capacity changes
	auth   *verifier   // nil: no SigV4 verification
	authz  *authorizer // nil: no policy enforced (policy.go)
	seq    atomic.Uint64
	obs    observer
	// retryAfter is the x-amz-retry-after value added to throttles, in
	// milliseconds; nil for none. Formatted once, not per request, and
	// shared by every answer (length and capacity 1: an Add copies it).
	retryAfter []string

	reg     *prometheus.Registry // what GET /metrics serves (collector)
	metrics http.Handler
}

func newFront(s *Server, opts Options) *front {
	f := &front{s: s, epoch: s.now()}
	if opts.Faults != nil {
		f.faults = opts.Faults
		if !opts.Faults.Epoch.IsZero() {
			f.epoch = opts.Faults.Epoch
		}
		f.brown = newBrownouts(opts.Faults, f.epoch)
		if opts.Faults.RetryAfter > 0 {
			ms := strconv.FormatInt(time.Duration(opts.Faults.RetryAfter).Milliseconds(), 10)
			f.retryAfter = []string{ms}[:1:1]
		}
	}
	if opts.Credentials != nil {
		f.auth = newVerifier(opts.Credentials, s.region)
	}
	if opts.Policy != nil {
		f.authz = newAuthorizer(opts.Policy, s.region, s.accountID, opts.Principal)
	}
	f.obs.init(opts.StatsWindow, f.epoch)
	f.reg = prometheus.NewRegistry()
	f.reg.MustRegister(collector{f}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f.metrics = promhttp.HandlerFor(f.reg, promhttp.HandlerOpts{})
	return f
}

// front answers one request; see ServeHTTP.
func (s *Server) front(w http.ResponseWriter, r *http.Request) {
	f := s.fr
	if r.Method == http.MethodGet {
		switch r.URL.Path {
		case "/metrics":
			f.serveMetrics(w, r)
			return
		case "/stats":
			f.serveStats(w, r)
			return
		}
	}
	if r.Method != http.MethodPost {
		s.serveAPI(w, r)
		return
	}
	now := s.now()
	f.obs.tick(s, now)
	target := headerValue(r.Header, headerTarget)
	op := opLabel(target)
	if f.faults != nil {
		a := f.faults.Decide(f.epoch, now, f.seq.Add(1), op)
		if a.Stalled {
			f.obs.faults[faultStall].Add(1)
		}
		if a.Delayed {
			f.obs.faults[faultLatency].Add(1)
		}
		if a.Delay > 0 {
			if !sleepCtx(r.Context(), a.Delay) {
				f.obs.count(op, "ClientGone")
				return
			}
			now = s.now()
		}
		switch {
		case a.Drop:
			f.obs.faults[faultDrop].Add(1)
			f.obs.count(op, "ConnectionDropped")
			dropConnection(w)
			return
		case a.Status != 0:
			ae, kind := wire.InternalServerError(), fault500
			if a.Status == http.StatusServiceUnavailable {
				ae, kind = wire.ServiceUnavailableError(), fault503
			}
			f.obs.faults[kind].Add(1)
			f.obs.count(op, errorName(ae.Type))
			writeError(w, ae)
			return
		}
		if f.brown != nil {
			f.brown.apply(s, now)
		}
	}
	if f.auth != nil {
		if ae := f.auth.verify(r, time.Now()); ae != nil {
			f.obs.count(op, errorName(ae.Type))
			writeError(w, ae)
			return
		}
	}
	if f.authz != nil {
		if name, ok := strings.CutPrefix(target, wire.TargetPrefix); ok {
			if ae := f.authz.authorize(r, name); ae != nil {
				f.obs.count(op, errorName(ae.Type))
				writeError(w, ae)
				return
			}
		}
	}
	rec := recorders.Get().(*recorder)
	*rec = recorder{w: w, retryAfter: f.retryAfter}
	s.serveAPI(rec, r)
	rec.finish()
	f.obs.count(op, rec.outcome)
	if rec.throttle {
		if rec.err != nil {
			f.obs.countReasons(rec.err.Type, rec.err.Reasons)
		} else {
			f.obs.throttled(rec.errBody)
		}
	}
	*rec = recorder{} // keep nothing of this request alive
	recorders.Put(rec)
}

// recorders recycles the front's recorders: one would otherwise be
// allocated per request. serveAPI is done with its writer when it returns.
var recorders = sync.Pool{New: func() any { return new(recorder) }}

// sleepCtx waits d or until ctx is done; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // the server closes the connection quietly
}

// opLabel returns the operation named by an X-Amz-Target header, or
// "unknown", so that metric labels stay a small fixed set.
func opLabel(target string) string {
	name, ok := strings.CutPrefix(target, wire.TargetPrefix)
	if !ok || !store.Serves(name) {
		return "unknown"
	}
	return name
}

// errorName returns the short name of an error type ("ns#Name" -> "Name").
func errorName(typ string) string {
	return typ[strings.LastIndexByte(typ, '#')+1:]
}

// recorder passes a response through, noting its outcome and adding
// x-amz-retry-after to throttles. It holds the status until the body's first
// write, which is when the error type is known.
type recorder struct {
	w          http.ResponseWriter
	status     int
	flushed    bool
	retryAfter []string // header value; nil for none (never modified)
	outcome    string   // "ok", an error name, or "http_<status>"
	throttle   bool
	errBody    []byte      // the body of a throttle, for its reasons
	err        *wire.Error // the error answered by writeError; nil for other answers
}

func (r *recorder) Header() http.Header { return r.w.Header() }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.flushed {
		r.inspect(b)
		r.flush()
	}
	return r.w.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

func (r *recorder) inspect(body []byte) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status < 300 {
		r.outcome = "ok"
		return
	}
	var name string
	if r.err != nil {
		name = errorName(r.err.Type) // what bodyErrorName finds in its body
	} else {
		name = bodyErrorName(body) // traffic.go
	}
	if name == "" {
		r.outcome = "http_" + strconv.Itoa(r.status)
		return
	}
	r.outcome = name
	if wire.IsThrottleName(r.outcome) {
		r.throttle = true
		r.errBody = body
		if r.retryAfter != nil {
			// Canonical key, shared value: Header().Set would allocate
			// both per throttle. net/http copies values, never changes them.
			r.w.Header()[headerRetryAfter] = r.retryAfter
		}
	}
}

func (r *recorder) flush() {
	r.flushed = true
	r.w.WriteHeader(r.status)
}

// finish sends a status the handler set without writing a body.
func (r *recorder) finish() {
	if !r.flushed {
		r.inspect(nil)
		r.flush()
	}
}

// Fault kinds counted in fakeservice_faults_total.
const (
	fault500 = iota
	fault503
	faultLatency
	faultStall
	faultDrop
	numFaultKinds
)

var faultKindNames = [numFaultKinds]string{"error_500", "error_503", "latency", "stall", "drop"}

// observer holds the Server's counters. Request counters are atomics found
// through sync.Maps whose keys settle after the first requests, so counting
// takes no lock. The per-second history is sampled from the tables'
// cumulative counters once a second, by whichever request first sees the
// new second (TryLock: a request never waits for it) or by a /stats reader.
type observer struct {
	ops       sync.Map // operation -> *opCounters
	throttles sync.Map // throttleKey -> *atomic.Int64
	faults    [numFaultKinds]atomic.Int64

	lastSec atomic.Int64 // second of the last sample

	mu      sync.Mutex // guards the fields below
	window  int
	sampled int64 // second the counts since the last sample belong to
	series  map[*store.Table]*tableSeries
}

type opCounters struct {
	ok       atomic.Int64
	outcomes sync.Map // outcome name -> *atomic.Int64
}

type throttleKey struct{ table, reason string }

func (o *observer) init(window int, start time.Time) {
	if window <= 0 {
		window = DefaultStatsWindow
	}
	o.window = window
	o.sampled = start.Unix()
	o.lastSec.Store(start.Unix())
	o.series = make(map[*store.Table]*tableSeries)
}

// count adds one request of op with outcome.
func (o *observer) count(op, outcome string) {
	v, ok := o.ops.Load(op)
	if !ok {
		v, _ = o.ops.LoadOrStore(op, new(opCounters))
	}
	c := v.(*opCounters)
	if outcome == "ok" {
		c.ok.Add(1)
		return
	}
	n, ok := c.outcomes.Load(outcome)
	if !ok {
		n, _ = c.outcomes.LoadOrStore(outcome, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
}

// throttled counts the throttling reasons of a throttle's error body by
// table and reason.
func (o *observer) throttled(body []byte) {
	var e struct {
		Type string `json:"__type"`
		// encoding/json matches names case-insensitively, so this takes
		// ThrottlingReasons and ThrottlingException's throttlingReasons.
		Reasons []wire.ThrottlingReason `json:"ThrottlingReasons"`
	}
	_ = json.Unmarshal(body, &e)
	o.countReasons(e.Type, e.Reasons)
}

// countReasons counts the throttling reasons of a throttle of type typ
// (namespace#Name) by table and reason; a throttle without reasons counts
// as its error name with no table.
func (o *observer) countReasons(typ string, reasons []wire.ThrottlingReason) {
	if len(reasons) == 0 {
		reasons = []wire.ThrottlingReason{{Reason: errorName(typ)}}
	}
	for _, r := range reasons {
		k := throttleKey{table: tableOfARN(r.Resource), reason: r.Reason}
		v, ok := o.throttles.Load(k)
		if !ok {
			v, _ = o.throttles.LoadOrStore(k, new(atomic.Int64))
		}
		v.(*atomic.Int64).Add(1)
	}
}

// tableOfARN returns NAME from arn:...:table/NAME[/index/I]; "" otherwise.
func tableOfARN(arn string) string {
	_, name, ok := strings.Cut(arn, ":table/")
	if !ok {
		return ""
	}
	name, _, _ = strings.Cut(name, "/")
	return name
}

// tick samples the per-second history when now is in a new second. It
// never blocks: if another request or a reader is sampling, it moves on.
func (o *observer) tick(s *Server, now time.Time) {
	if now.Unix() == o.lastSec.Load() || !o.mu.TryLock() {
		return
	}
	defer o.mu.Unlock()
	o.sampleLocked(s, now)
}

// tableSeries is one table's per-second history: a ring of seconds.
type tableSeries struct {
	prev store.TableStats // cumulative counters at the last sample
	ring []secondSample
	last secondSample // the latest capacity seen, for seconds without samples
}

type secondSample struct {
	sec                         int64 // 0: empty slot
	consumedRead, consumedWrite MilliUnits
	reads, writes               int64
	throttledR, throttledW      int64
	capacity                    tableCapacityInfo
}

// tableCapacityInfo is a table's capacity as reported: provisioned units,
// the brownout scale in effect and the units available in its buckets.
type tableCapacityInfo struct {
	billing                string
	readUnits, writeUnits  int64
	readScale, writeScale  float64
	availRead, availWrite  MilliUnits
	burstRead, burstWrite  MilliUnits
	onDemand, haveCapacity bool
}

// capacityInfo reads t's capacity at now under its lock.
func (f *front) capacityInfo(t *store.Table, now time.Time) tableCapacityInfo {
	t.Mu.Lock()
	defer t.Mu.Unlock()
	t.Rescale(now)
	c := tableCapacityInfo{billing: t.Billing, readUnits: t.ReadUnits, writeUnits: t.WriteUnits, readScale: 1, writeScale: 1}
	if t.Deleted || t.Capacity == nil {
		return c
	}
	c.haveCapacity = true
	c.onDemand = t.Capacity.OnDemand()
	if !c.onDemand {
		c.availRead = t.Capacity.Available(now, Read)
		c.availWrite = t.Capacity.Available(now, Write)
		c.burstRead = t.Capacity.BurstCredit(now, Read)
		c.burstWrite = t.Capacity.BurstCredit(now, Write)
	}
	if f.faults != nil {
		c.readScale = f.faults.CapacityScale(f.epoch, now, t.Name, Read)
		c.writeScale = f.faults.CapacityScale(f.epoch, now, t.Name, Write)
	}
	return c
}

// sampleLocked attributes every table's counts since the previous sample to
// the second of that sample: a request in any later second would have taken
// a sample then. The caller holds o.mu.
func (o *observer) sampleLocked(s *Server, now time.Time) {
	sec := now.Unix()
	if sec <= o.sampled {
		return
	}
	seen := make(map[*store.Table]bool)
	s.db.Each(func(t *store.Table) bool {
		seen[t] = true
		ts := o.series[t]
		if ts == nil {
			ts = &tableSeries{ring: make([]secondSample, o.window)}
			o.series[t] = ts
		}
		cur := t.Snapshot()
		at := max(o.sampled, t.Created.Unix())
		slot := &ts.ring[int(at%int64(o.window))]
		if slot.sec != at {
			*slot = secondSample{sec: at}
		}
		slot.consumedRead += cur.ConsumedReadUnits - ts.prev.ConsumedReadUnits
		slot.consumedWrite += cur.ConsumedWriteUnits - ts.prev.ConsumedWriteUnits
		slot.reads += cur.Reads - ts.prev.Reads
		slot.writes += cur.Writes - ts.prev.Writes
		slot.throttledR += cur.ThrottledReads - ts.prev.ThrottledReads
		slot.throttledW += cur.ThrottledWrites - ts.prev.ThrottledWrites
		slot.capacity = s.fr.capacityInfo(t, time.Unix(at, int64(time.Second/2)))
		ts.prev = cur
		ts.last = *slot
		return true
	})
	for t := range o.series {
		if !seen[t] {
			delete(o.series, t)
		}
	}
	o.sampled = sec
	o.lastSec.Store(sec)
}

// StatsReport is the server's view of its tables, as GET /stats answers it
// (JSON) and Server.Report returns it.
type StatsReport struct {
	// Time is when the report was made, on Options.Now.
	Time time.Time `json:"time"`
	// Seconds is how many whole seconds of history each series covers.
	Seconds int `json:"seconds"`
	// Tables maps table names to their reports.
	Tables map[string]TableReport `json:"tables"`
}

// TableReport is one table's totals since it was created and its recent
// per-second series. Units are whole capacity units.
type TableReport struct {
	BillingMode           string `json:"billing_mode"`
	ProvisionedReadUnits  int64  `json:"provisioned_read_units"`
	ProvisionedWriteUnits int64  `json:"provisioned_write_units"`
	// Totals are the table's counters since it was created.
	Totals SecondStats `json:"totals"`
	// Series has one entry per second, oldest first, from the later of the
	// window's start and the table's creation up to the current second,
	// which is partial.
	Series []SecondStats `json:"series"`
	// ScalingActions are the auto scaling changes (Options.AutoScaling)
	// that took effect on the table and its global indexes, oldest first.
	ScalingActions []ScalingActionReport `json:"scaling_actions,omitempty"`
}

// ScalingActionReport is one auto scaling change of provisioned capacity.
type ScalingActionReport struct {
	// Decided is the end of the minute whose datapoint set the alarm off;
	// Effective is when the new capacity took effect (Options.Now's clock).
	Decided   time.Time `json:"decided"`
	Effective time.Time `json:"effective"`
	// Resource is "table/T" or "table/T/index/I"; Dimension "read" or
	// "write".
	Resource  string `json:"resource"`
	Dimension string `json:"dimension"`
	// Old and New are the provisioned units before and after.
	Old int64 `json:"old"`
	New int64 `json:"new"`
	// Why names the alarm and what it saw.
	Why string `json:"why"`
}

// scalingReport returns t's auto scaling changes, under its lock.
func scalingReport(t *store.Table) []ScalingActionReport {
	t.Mu.Lock()
	defer t.Mu.Unlock()
	var out []ScalingActionReport
	for _, a := range t.ScalingActions() {
		out = append(out, ScalingActionReport{Decided: a.Decided, Effective: a.Effective, Resource: a.Resource,
			Dimension: a.Dimension, Old: a.Old, New: a.New, Why: a.Why})
	}
	return out
}

// SecondStats are a table's counts over one second (or, in Totals, its
// whole life). Provisioned units are those in effect: provisioned × the
// brownout scale (see CapacityChange); zero for on-demand tables.
type SecondStats struct {
	// Time is the second's start, in Unix seconds; 0 in Totals.
	Time                  int64   `json:"t,omitempty"`
	ConsumedReadUnits     float64 `json:"consumed_read_units"`
	ConsumedWriteUnits    float64 `json:"consumed_write_units"`
	ProvisionedReadUnits  float64 `json:"provisioned_read_units,omitempty"`
	ProvisionedWriteUnits float64 `json:"provisioned_write_units,omitempty"`
	Reads                 int64   `json:"reads"`
	Writes                int64   `json:"writes"`
	ThrottledReads        int64   `json:"throttled_reads"`
	ThrottledWrites       int64   `json:"throttled_writes"`
	// Partial marks the current, unfinished second.
	Partial bool `json:"partial,omitempty"`
}

// Report returns the server's view of its tables at Options.Now: totals
// and the last seconds (at most the StatsWindow; zero or less means all
// kept) of per-second history. It is safe to call while requests are
// served; it never blocks them.
func (s *Server) Report(seconds int) StatsReport {
	f := s.fr
	o := &f.obs
	now := s.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sampleLocked(s, now)
	if seconds <= 0 || seconds > o.window {
		seconds = o.window
	}
	rep := StatsReport{Time: now, Seconds: seconds, Tables: make(map[string]TableReport)}
	sec := now.Unix()
	s.db.Each(func(t *store.Table) bool {
		cur := t.Snapshot()
		info := f.capacityInfo(t, now)
		tr := TableReport{
			BillingMode:           info.billing,
			ProvisionedReadUnits:  info.readUnits,
			ProvisionedWriteUnits: info.writeUnits,
			Totals: SecondStats{
				ConsumedReadUnits:  cur.ConsumedReadUnits.Units(),
				ConsumedWriteUnits: cur.ConsumedWriteUnits.Units(),
				Reads:              cur.Reads, Writes: cur.Writes,
				ThrottledReads: cur.ThrottledReads, ThrottledWrites: cur.ThrottledWrites,
			},
		}
		ts := o.series[t]
		if ts == nil {
			ts = &tableSeries{}
		}
		last := ts.last.capacity
		if last.billing == "" {
			last = info
		}
		for at := max(sec-int64(seconds), t.Created.Unix()); at < sec; at++ {
			e := SecondStats{Time: at}
			if len(ts.ring) > 0 {
				if slot := ts.ring[int(at%int64(len(ts.ring)))]; slot.sec == at {
					e = slot.stats()
					last = slot.capacity
				}
			}
			e.ProvisionedReadUnits, e.ProvisionedWriteUnits = last.effective()
			tr.Series = append(tr.Series, e)
		}
		partial := secondSample{
			sec:           sec,
			consumedRead:  cur.ConsumedReadUnits - ts.prev.ConsumedReadUnits,
			consumedWrite: cur.ConsumedWriteUnits - ts.prev.ConsumedWriteUnits,
			reads:         cur.Reads - ts.prev.Reads,
			writes:        cur.Writes - ts.prev.Writes,
			throttledR:    cur.ThrottledReads - ts.prev.ThrottledReads,
			throttledW:    cur.ThrottledWrites - ts.prev.ThrottledWrites,
			capacity:      info,
		}
		e := partial.stats()
		e.Partial = true
		tr.Series = append(tr.Series, e)
		tr.ScalingActions = scalingReport(t)
		rep.Tables[t.Name] = tr
		return true
	})
	return rep
}

func (x secondSample) stats() SecondStats {
	e := SecondStats{
		Time:               x.sec,
		ConsumedReadUnits:  x.consumedRead.Units(),
		ConsumedWriteUnits: x.consumedWrite.Units(),
		Reads:              x.reads, Writes: x.writes,
		ThrottledReads: x.throttledR, ThrottledWrites: x.throttledW,
	}
	e.ProvisionedReadUnits, e.ProvisionedWriteUnits = x.capacity.effective()
	return e
}

// effective returns the provisioned units in effect, scaled by a brownout.
func (c tableCapacityInfo) effective() (read, write float64) {
	if c.onDemand || c.billing == store.BillingPayPerRequest {
		return 0, 0
	}
	return float64(c.readUnits) * c.readScale, float64(c.writeUnits) * c.writeScale
}

func (f *front) serveStats(w http.ResponseWriter, r *http.Request) {
	seconds := 0
	if v := r.URL.Query().Get("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			http.Error(w, "seconds: want a positive integer, got "+strconv.Quote(v), http.StatusBadRequest)
			return
		}
		seconds = n
	}
	b, err := json.Marshal(f.s.Report(seconds))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// serveMetrics answers GET /metrics with client_golang's handler, which
// negotiates the exposition format (text, OpenMetrics, protobuf) and
// compresses when asked.
func (f *front) serveMetrics(w http.ResponseWriter, r *http.Request) {
	f.metrics.ServeHTTP(w, r)
}

// Registry returns the registry behind GET /metrics: the fake's own
// metrics (fakeservice_*) and the Go runtime and process collectors. A
// program embedding the fake may gather it or serve it elsewhere.
func (s *Server) Registry() *prometheus.Registry { return s.fr.reg }

// WriteMetrics writes every metric, as GET /metrics answers them, in the
// Prometheus text exposition format (version 0.0.4), families sorted by
// name and series by labels. It never blocks requests.
func (s *Server) WriteMetrics(w io.Writer) error {
	fams, err := s.fr.reg.Gather()
	if err != nil {
		return fmt.Errorf("fakeservice: gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range fams {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("fakeservice: write metrics: %w", err)
		}
	}
	return nil
}

// Metric descriptions of GET /metrics. The names are those the fake's
// hand-written exposition used, so dashboards and alerts keep working.
var (
	descRequests = prometheus.NewDesc("fakeservice_requests_total",
		"DynamoDB API requests answered, by operation and outcome (ok, or the error's name).", []string{"operation", "outcome"}, nil)
	descConsumed = prometheus.NewDesc("fakeservice_consumed_capacity_units_total",
		"Capacity units consumed by admitted requests, by table and kind.", []string{"table", "kind"}, nil)
	descThrottled = prometheus.NewDesc("fakeservice_throttled_requests_total",
		"Requests refused for capacity, by table and kind.", []string{"table", "kind"}, nil)
	descEvents = prometheus.NewDesc("fakeservice_throttle_events_total",
		"Throttling reasons answered (ThrottlingReasons entries), by table and reason.", []string{"table", "reason"}, nil)
	descProvisioned = prometheus.NewDesc("fakeservice_provisioned_capacity_units",
		"Provisioned capacity units per second of provisioned tables, by table and kind.", []string{"table", "kind"}, nil)
	descScale = prometheus.NewDesc("fakeservice_capacity_scale",
		"Fraction of provisioned capacity in effect (below 1 during a brownout), by table and kind.", []string{"table", "kind"}, nil)
	descAvailable = prometheus.NewDesc("fakeservice_capacity_available_units",
		"Capacity units in the table's bucket now: this second's allowance plus burst credit; negative while an oversized request's debt is repaid.", []string{"table", "kind"}, nil)
	descBurst = prometheus.NewDesc("fakeservice_burst_credit_units",
		"Burst credit left: units the table's bucket holds beyond one second at the provisioned rate.", []string{"table", "kind"}, nil)
	descFaults = prometheus.NewDesc("fakeservice_faults_total",
		"Faults injected by the fault schedule, by kind.", []string{"kind"}, nil)
)

// collector reads the front's atomics and the tables' counters when
// scraped: the request path keeps counting with atomic additions and pays
// nothing for the exposition.
type collector struct{ f *front }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descConsumed, descThrottled, descEvents,
		descProvisioned, descScale, descAvailable, descBurst, descFaults} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	f := c.f
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	f.obs.ops.Range(func(k, v any) bool {
		op, oc := k.(string), v.(*opCounters)
		if n := oc.ok.Load(); n > 0 {
			counter(descRequests, float64(n), op, "ok")
		}
		oc.outcomes.Range(func(k, v any) bool {
			counter(descRequests, float64(v.(*atomic.Int64).Load()), op, k.(string))
			return true
		})
		return true
	})
	now := f.s.now()
	f.s.db.Each(func(t *store.Table) bool {
		name := t.Name
		st := t.Snapshot()
		info := f.capacityInfo(t, now)
		counter(descConsumed, st.ConsumedReadUnits.Units(), name, "read")
		counter(descConsumed, st.ConsumedWriteUnits.Units(), name, "write")
		counter(descThrottled, float64(st.ThrottledReads), name, "read")
		counter(descThrottled, float64(st.ThrottledWrites), name, "write")
		if info.haveCapacity && !info.onDemand {
			gauge(descProvisioned, float64(info.readUnits), name, "read")
			gauge(descProvisioned, float64(info.writeUnits), name, "write")
			gauge(descScale, info.readScale, name, "read")
			gauge(descScale, info.writeScale, name, "write")
			gauge(descAvailable, info.availRead.Units(), name, "read")
			gauge(descAvailable, info.availWrite.Units(), name, "write")
			gauge(descBurst, info.burstRead.Units(), name, "read")
			gauge(descBurst, info.burstWrite.Units(), name, "write")
		}
		return true
	})
	f.obs.throttles.Range(func(k, v any) bool {
		key := k.(throttleKey)
		counter(descEvents, float64(v.(*atomic.Int64).Load()), key.table, key.reason)
		return true
	})
	for i, n := range faultKindNames {
		counter(descFaults, float64(f.obs.faults[i].Load()), n)
	}
}

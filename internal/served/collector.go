package served

import (
	"cmp"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Defaults for Options' zero fields.
const (
	// DefaultIdle is how long an operation whose last attempt failed
	// with a retryable error stays open for another attempt: longer than
	// any SDK's backoff cap (20 s).
	DefaultIdle = 30 * time.Second
	// DefaultSyncWindow is how close two retries of different operations
	// must land to count as synchronised.
	DefaultSyncWindow = 5 * time.Millisecond
)

// maxNames bounds the User-Agents whose client name is cached.
const maxNames = 1024

// maxKept bounds the distinct User-Agents, access key ids and sources a
// group counts; later ones are counted under "(other)".
const maxKept = 32

// Options configures a Collector. The zero value is ready to use.
type Options struct {
	// Start is the run's zero: record times are offsets from it. Zero
	// means the first request's arrival.
	Start time.Time
	// Idle is how long an operation stays open after a retryable failure
	// (see DefaultIdle); zero means DefaultIdle.
	Idle time.Duration
	// SyncWindow: see DefaultSyncWindow; zero means that.
	SyncWindow time.Duration
	// Group names the client a request belongs to; nil means ClientName
	// of its User-Agent. Each group is reported like a strategy.
	Group func(fakeservice.RequestInfo) string
}

// Collector rebuilds operations from the requests a fake served
// (fakeservice.Options.OnRequest = c.Observe) and folds them, per client
// group, into the same aggregators as bench run's records. Memory is
// bounded by the operations in flight plus, per group, a few histograms
// and a second of recent retries. Safe for concurrent use.
type Collector struct {
	opts   Options
	names  sync.Map     // User-Agent -> ClientName, when Options.Group is nil
	nnames atomic.Int64 // entries in names

	mu     sync.Mutex // guards everything below
	start  time.Time
	groups map[string]*group
	order  []string
	open   map[string]*operation // by invocation id
	nextID uint64
	swept  time.Time // when open operations were last checked for idleness
}

// group is one client's aggregates.
type group struct {
	name    string
	agg     *metrics.Aggregator
	series  *metrics.Series
	fx      *forensics
	clients map[string]int // access key id -> Record.Client
}

// operation is one logical operation (one invocation id) in flight.
type operation struct {
	id      uint64
	g       *group
	client  int
	op      string
	first   time.Duration // first arrival
	last    attemptSeen
	n       int // attempts seen
	maxAdv  int // the largest advertised max
	throtl  int
	sending time.Duration
	log     []metrics.Attempt
	buf     [4]metrics.Attempt // log's first backing array
}

type attemptSeen struct {
	arrived, answered time.Duration
	status            int
	outcome           string
	throttled         bool
	attempt           int // from amz-sdk-request; 0 when absent
}

// New returns an empty Collector.
func New(o Options) *Collector {
	if o.Idle <= 0 {
		o.Idle = DefaultIdle
	}
	if o.SyncWindow <= 0 {
		o.SyncWindow = DefaultSyncWindow
	}
	return &Collector{opts: o, start: o.Start, groups: map[string]*group{}, open: map[string]*operation{}}
}

// Observe takes one answered request; it is a fakeservice.Options.OnRequest.
func (c *Collector) Observe(r fakeservice.RequestInfo) {
	var name string
	if c.opts.Group != nil {
		name = c.opts.Group(r)
	} else if v, ok := c.names.Load(r.UserAgent); ok {
		name = v.(string)
	} else {
		name = ClientName(r.UserAgent)
		if c.nnames.Add(1) <= maxNames {
			c.names.Store(r.UserAgent, name)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		c.start = r.Arrived
	}
	g := c.group(name)
	a := attemptSeen{
		arrived: r.Arrived.Sub(c.start), answered: r.Answered.Sub(c.start),
		status: r.Status, outcome: r.Outcome, throttled: r.Throttled, attempt: r.Attempt,
	}
	g.fx.request(r, a)
	if r.InvocationID == "" {
		g.fx.noHeaders++
		o := c.newOp(g, r, a)
		c.finish(o)
		return
	}
	// A failed attempt leaves the operation open even at its advertised
	// max: an attempt past it must still be counted as this operation's.
	switch o := c.open[r.InvocationID]; {
	case o == nil && !retryable(a):
		c.finish(c.newOp(g, r, a)) // the common case: done at once
	case o == nil:
		c.open[r.InvocationID] = c.newOp(g, r, a)
	default:
		prev := o.last.answered
		o.add(a, r.MaxAttempts)
		g.fx.retry(o, a, prev, c.opts.SyncWindow)
		if !retryable(a) {
			delete(c.open, r.InvocationID)
			c.finish(o)
		}
	}
	if r.Answered.Sub(c.swept) >= time.Second {
		c.sweep(r.Answered)
	}
}

func (c *Collector) group(name string) *group {
	g := c.groups[name]
	if g == nil {
		g = &group{name: name, agg: metrics.NewAggregator(), series: metrics.NewSeries(), fx: newForensics(name), clients: map[string]int{}}
		c.groups[name] = g
		c.order = append(c.order, name)
	}
	return g
}

func (c *Collector) newOp(g *group, r fakeservice.RequestInfo, a attemptSeen) *operation {
	c.nextID++
	client, ok := g.clients[r.AccessKeyID]
	if !ok {
		client = len(g.clients)
		g.clients[r.AccessKeyID] = client
	}
	o := &operation{id: c.nextID, g: g, client: client, op: r.Op, first: a.arrived}
	o.log = o.buf[:0]
	o.add(a, r.MaxAttempts)
	return o
}

func (o *operation) add(a attemptSeen, maxAdv int) {
	o.n++
	o.last = a
	o.maxAdv = max(o.maxAdv, maxAdv)
	if a.throttled {
		o.throtl++
	}
	o.sending += a.answered - a.arrived
	if len(o.log) < 64 { // a client that never stops retrying must not grow this forever
		o.log = append(o.log, metrics.Attempt{Start: a.arrived, Duration: a.answered - a.arrived, Status: a.status, Throttled: a.throttled})
	}
}

// retryable reports whether an SDK retries after this answer: throttles,
// server errors and answers that never came.
func retryable(a attemptSeen) bool {
	return (a.throttled && a.outcome != "ok") || a.status >= 500 || a.status == 0
}

// record is the operation as a metrics.Record: it started at its first
// arrival and ended at its last answer.
func (o *operation) record() metrics.Record {
	r := metrics.Record{
		Client: o.client, Op: o.op,
		Intended: o.first, Started: o.first, Ended: o.last.answered,
		Attempts: o.n, ThrottledAttempts: o.throtl, Sending: o.sending,
		AttemptLog: o.log,
	}
	switch {
	case o.last.outcome == "ok":
		r.Outcome = metrics.OK
	case o.last.outcome == fakeservice.OutcomeClientGone:
		r.Outcome = metrics.Timeout
	case o.last.throttled:
		r.Outcome = metrics.Throttled
	case retryable(o.last):
		r.Outcome = metrics.MaxAttempts
	default:
		r.Outcome = metrics.Error
	}
	return r
}

// finish folds a finished operation into its group.
func (c *Collector) finish(o *operation) {
	r := o.record()
	o.g.agg.Add(r)
	o.g.series.Add(r)
}

// sweep finishes the open operations idle for longer than Options.Idle.
func (c *Collector) sweep(now time.Time) {
	c.swept = now
	cutoff := now.Sub(c.start) - c.opts.Idle
	for id, o := range c.open {
		if o.last.answered < cutoff {
			delete(c.open, id)
			c.finish(o)
		}
	}
}

// Result is one client group's results.
type Result struct {
	Name      string
	Summary   metrics.Summary
	Series    []metrics.Second
	Forensics Forensics
	// Aggregator is the group's aggregate behind Summary, the caller's own
	// copy: merge several (trials, say) with Merge.
	Aggregator *metrics.Aggregator
}

// Results returns every group's results so far, groups in the order they
// first sent a request, with the operations still open counted as ended
// at their last answer (they stay open: more attempts may come).
func (c *Collector) Results() (start time.Time, out []Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pending := map[*group][]*operation{}
	for _, o := range c.open {
		pending[o.g] = append(pending[o.g], o)
	}
	for _, name := range c.order {
		g := c.groups[name]
		agg := metrics.NewAggregator()
		agg.Merge(g.agg)
		fx := g.fx.report()
		ops := pending[g]
		slices.SortFunc(ops, func(a, b *operation) int { return cmp.Compare(a.id, b.id) })
		series := g.series.Seconds()
		for _, o := range ops {
			agg.Add(o.record())
		}
		out = append(out, Result{Name: name, Summary: agg.Summary(), Series: series, Forensics: fx, Aggregator: agg})
	}
	return c.start, out
}

// Close finishes every open operation, as when the clients are done.
func (c *Collector) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.open))
	for id := range c.open {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(c.open[a].id, c.open[b].id) })
	for _, id := range ids {
		c.finish(c.open[id])
		delete(c.open, id)
	}
}

// sourceHost is the host of a host:port address.
func sourceHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

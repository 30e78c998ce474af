// Package dashboard is bench's live page: per strategy, per second,
// goodput, throttled and failed attempts, operations in flight, p50 and
// p99 latency and the table's capacity (consumed against provisioned),
// fault windows shaded, the run's progress and, once the run is written,
// a link to its report.html.
//
// A Dashboard is a runner.Observer: give it to runner.Options (with
// Tick called about four times a second, see Run) and serve Handler. The
// page (page.html, embedded in the binary with go:embed, no script or
// style from the network) polls GET /api/live once a second for the
// seconds it has not seen and draws its charts in hand-written SVG.
//
// Memory is bounded: each strategy keeps a ring of Options.Window seconds
// (600 by default) and one small latency histogram for the seconds still
// open, so 14 strategies for an hour cost what they cost for ten minutes.
// The per-second rules are those of metrics.Series (attempts count in the
// second they were sent, operations in the second they ended, latency
// from the intended start), on the wall clock instead of the run's, so
// side-by-side, sequential and repeated trials share one time axis.
//
// A simulation's page (Options.Simulated, bench sim -ui) files records by
// their own times, virtual seconds from Options.Start, and shows the
// simulated seconds as they complete, however fast virtual time runs: the
// page still polls once a second, for what completed since.
//
// A Dashboard is safe for concurrent use.
package dashboard

import (
	"bytes"
	"embed"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/report"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// DefaultWindow is how many seconds a Dashboard keeps when
// Options.Window is zero.
const DefaultWindow = 600

// slack is how many seconds a second stays open for latencies of records
// that arrive late; its percentiles are final after that.
const slack = 2

//go:embed page.html
var assets embed.FS

// Options configure a Dashboard.
type Options struct {
	// Title heads the page, e.g. "quickstart: 6 strategies against the
	// embedded fake".
	Title string
	// Expected is how long the run should take, for the progress bar;
	// zero means unknown.
	Expected time.Duration
	// Window is how many seconds of history are kept and drawn; zero
	// means DefaultWindow.
	Window int
	// Strategies lists the run's strategies in the order of its results:
	// the page lists them, and colours them as report.html does, in this
	// order; others follow in the order they are observed.
	Strategies []string
	// Serving makes the page one of a server (bench serve -ui): a line
	// per table, fed by Table, instead of per strategy; latency and in
	// flight, which a server does not see, are left out.
	Serving bool
	// Simulated makes the page one of a simulation (bench sim -ui):
	// records are filed by their own offsets from Start, in virtual time,
	// and the page's now is the simulated instant every strategy has
	// reached; Now and Tick are then not used for the time axis.
	Simulated bool
	// Start is virtual time zero for a Simulated page (sim.Epoch); other
	// pages start at Now().
	Start time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Dashboard aggregates a run per strategy and second and serves the page.
type Dashboard struct {
	opts  Options
	start time.Time

	mu       sync.Mutex // guards the fields below; strategy is replaced, never changed in place, so a copy may be read unlocked
	strategy []*strategySeries
	faults   []Fault
	done     bool
	end      time.Time // when Finish was called
	errText  string
	files    string // directory of the run's files once written
	report   string // report.html's name in files, "" for none

	// Simulated: strategies run at their own pace in virtual time; one
	// that gets more than half a window ahead of the slowest waits for it
	// (see pace), so the seconds they have all completed stay in every
	// ring.
	paceMu   sync.Mutex
	paceCond *sync.Cond // on paceMu: a strategy advanced or finished
}

// Fault is a window of the fault schedule, shaded on the charts.
type Fault struct {
	From  time.Time
	To    time.Time // zero: until the run ends
	Label string
}

// New returns a Dashboard whose clock starts now.
func New(o Options) *Dashboard {
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	start := o.Now()
	if o.Simulated {
		start = o.Start
	}
	d := &Dashboard{opts: o, start: start}
	d.paceCond = sync.NewCond(&d.paceMu)
	return d
}

// second is one strategy's counts over one wall-clock second.
type second struct {
	t                         int64 // Unix second; 0 marks an empty slot
	ok, failed                int64 // operations by the second they ended
	throttled, errs, attempts int64 // attempts by the second they were sent
	inFlight                  int64 // the most seen in the second
	p50, p99                  float64
	latencies                 bool // p50 and p99 are set
	capacity                  bool // the fields below are set
	consumedW, provisionedW   float64
	consumedR, provisionedR   float64
}

// strategySeries is one strategy's ring of seconds.
type strategySeries struct {
	name string
	live *runner.Live

	mu                   sync.Mutex
	last                 int64 // Table: the latest second reported
	ring                 []second
	open                 map[int64]*hdrhistogram.Histogram // seconds whose percentiles are not final
	spare                []*hdrhistogram.Histogram
	throttled, errs, ops int64     // totals
	vnow                 time.Time // Simulated: the latest record's end
	finished             bool      // Simulated: no more records (Finished); guarded by Dashboard.paceMu
}

// slot returns the ring's entry for Unix second t, emptied if it held an
// older second; nil when t is older than the window.
func (s *strategySeries) slot(t int64) *second {
	x := &s.ring[int(t%int64(len(s.ring)))]
	if x.t != t {
		if x.t > t {
			return nil
		}
		*x = second{t: t}
	}
	return x
}

// Observe implements runner.Observer. The returned function files each
// record under the wall-clock seconds its attempts and its end fell in:
// the trial's start (live.TrialStart) plus the record's Ended, or now when
// the start is not known (records arrive in batches, up to 10 ms late).
func (d *Dashboard) Observe(strategy string, live *runner.Live) func(metrics.Record) {
	s := &strategySeries{name: strategy, live: live, ring: make([]second, d.opts.Window), open: map[int64]*hdrhistogram.Histogram{}}
	d.mu.Lock()
	// A new slice each time: readers range over the old one unlocked.
	d.strategy = append(slices.Clone(d.strategy), s)
	slices.SortStableFunc(d.strategy, func(a, b *strategySeries) int { return d.rank(a.name) - d.rank(b.name) })
	d.mu.Unlock()
	if d.opts.Simulated {
		return func(r metrics.Record) {
			if s.addVirtual(r, d.start.Add(r.Ended)) {
				d.pace(s)
			}
		}
	}
	return func(r metrics.Record) {
		end := d.opts.Now()
		if start := live.TrialStart(); !start.IsZero() {
			end = start.Add(r.Ended)
		}
		s.add(r, end)
	}
}

// Finished tells a Simulated dashboard that strategy will send no more
// records (the simulator calls it when the strategy's simulation returns),
// so the others no longer wait for it.
func (d *Dashboard) Finished(strategy string) {
	d.paceMu.Lock()
	defer d.paceMu.Unlock()
	for _, s := range d.strategies() {
		if s.name == strategy {
			s.finished = true
		}
	}
	d.paceCond.Broadcast()
}

// pace makes s, which has just entered a new virtual second, wait while it
// is more than half a window ahead of the slowest strategy still running
// (of those that have sent a record: one that has not yet is not waited
// for).
// It only delays the simulation of s on the wall clock: virtual time, and
// so every result, is the same.
func (d *Dashboard) pace(s *strategySeries) {
	lead := int64(d.opts.Window / 2)
	d.paceMu.Lock()
	defer d.paceMu.Unlock()
	d.paceCond.Broadcast()
	for {
		d.mu.Lock()
		done, strategies := d.done, d.strategy
		d.mu.Unlock()
		sec := s.vsec()
		slowest := sec
		for _, o := range strategies {
			if v := o.vsec(); !o.finished && v != noSecond {
				slowest = min(slowest, v)
			}
		}
		if done || sec-slowest <= lead {
			return
		}
		d.paceCond.Wait()
	}
}

// noSecond is vsec before a strategy's first record.
const noSecond = math.MinInt64

// vsec is the virtual second of s's latest record, noSecond before its
// first.
func (s *strategySeries) vsec() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vnow.IsZero() {
		return noSecond
	}
	return s.vnow.Unix()
}

// addVirtual files r, which ended at the virtual instant end: records of
// a simulation come in the order they end, so a second is closed (its
// percentiles final) once records end slack seconds after it, and the
// strategy's in-flight count is sampled with each record. It reports
// whether r began a new second.
func (s *strategySeries) addVirtual(r metrics.Record, end time.Time) (newSecond bool) {
	s.add(r, end)
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := end.Unix()
	if newSecond = sec > s.vnow.Unix() || s.vnow.IsZero(); newSecond {
		s.closeBefore(sec - slack)
	}
	s.vnow = end
	if x := s.slot(sec); x != nil {
		x.inFlight = max(x.inFlight, s.live.InFlight.Load())
	}
	return newSecond
}

// add files r, which ended at now.
func (s *strategySeries) add(r metrics.Record, now time.Time) {
	at := func(offset time.Duration) int64 { return now.Add(offset - r.Ended).Unix() }
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Outcome == metrics.Dropped { // observed as it is dropped
		if x := s.slot(now.Unix()); x != nil {
			x.failed++
		}
		return
	}
	for _, a := range r.AttemptLog {
		x := s.slot(at(a.Start))
		if x == nil {
			continue
		}
		x.attempts++
		switch {
		case a.Throttled:
			x.throttled++
			s.throttled++
		case a.Status < 200 || a.Status >= 300:
			x.errs++
			s.errs++
		}
	}
	end := now.Unix()
	x := s.slot(end)
	if x == nil { // the clock went back past the window
		return
	}
	s.ops++
	if r.Outcome == metrics.OK {
		x.ok++
	} else {
		x.failed++
	}
	h := s.open[end]
	if h == nil {
		if n := len(s.spare); n > 0 {
			h, s.spare = s.spare[n-1], s.spare[:n-1]
		} else {
			h = hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 2)
		}
		s.open[end] = h
	}
	_ = h.RecordValue(min(max(int64(r.Latency()/time.Microsecond), 1), int64(time.Hour/time.Microsecond)))
}

// Tick samples operations in flight and closes the seconds older than a
// little slack. Call it a few times a second (Run does).
func (d *Dashboard) Tick(now time.Time) {
	if d.opts.Simulated {
		return // seconds close as virtual time passes them (addVirtual)
	}
	if d.opts.Serving {
		d.mu.Lock()
		d.strategy = slices.DeleteFunc(slices.Clone(d.strategy), func(s *strategySeries) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return s.last < now.Unix()-int64(d.opts.Window)
		})
		d.mu.Unlock()
		return
	}
	for _, s := range d.strategies() {
		s.tick(now.Unix())
	}
}

func (s *strategySeries) tick(sec int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x := s.slot(sec); x != nil {
		x.inFlight = max(x.inFlight, s.live.InFlight.Load())
	}
	s.closeBefore(sec - slack)
}

// closeBefore makes the percentiles of the open seconds before sec final;
// s.mu must be held.
func (s *strategySeries) closeBefore(sec int64) {
	for t, h := range s.open {
		if t >= sec {
			continue
		}
		if x := s.slot(t); x != nil {
			x.p50 = float64(h.ValueAtQuantile(50)) / 1000
			x.p99 = float64(h.ValueAtQuantile(99)) / 1000
			x.latencies = true
		}
		delete(s.open, t)
		h.Reset()
		s.spare = append(s.spare, h)
	}
}

// Run calls Tick four times a second until stop is closed.
func (d *Dashboard) Run(stop <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.Tick(d.opts.Now())
		}
	}
}

// Capacity records what the endpoint reports about a strategy's table
// for Unix second t: capacity units consumed and provisioned (in effect)
// per second, writes and reads. Seconds older than the window are
// ignored; an unknown strategy is ignored.
func (d *Dashboard) Capacity(strategy string, t int64, consumedW, provisionedW, consumedR, provisionedR float64) {
	for _, s := range d.strategies() {
		if s.name != strategy {
			continue
		}
		s.mu.Lock()
		if x := s.slot(t); x != nil {
			x.capacity = true
			x.consumedW, x.provisionedW, x.consumedR, x.provisionedR = consumedW, provisionedW, consumedR, provisionedR
		}
		s.mu.Unlock()
	}
}

// TableSecond is what a server reports about one of its tables for one
// second: requests admitted and throttled, capacity units consumed and
// provisioned in effect.
type TableSecond struct {
	Admitted, Throttled     int64
	ConsumedW, ProvisionedW float64
	ConsumedR, ProvisionedR float64
}

// Table records what a server reports about table name for Unix second t
// (a page with Options.Serving), and its totals since it was created.
// Reporting a second again replaces it. A table not reported for a whole
// window is dropped (see Tick).
func (d *Dashboard) Table(name string, t int64, x TableSecond, total TableSecond) {
	d.mu.Lock()
	var s *strategySeries
	for _, c := range d.strategy {
		if c.name == name {
			s = c
		}
	}
	if s == nil {
		s = &strategySeries{name: name, live: &runner.Live{}, ring: make([]second, d.opts.Window), open: map[int64]*hdrhistogram.Histogram{}}
		d.strategy = append(slices.Clone(d.strategy), s)
		slices.SortStableFunc(d.strategy, func(a, b *strategySeries) int { return strings.Compare(a.name, b.name) })
	}
	d.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = max(s.last, t)
	s.throttled = total.Throttled
	s.live.Done.Store(total.Admitted + total.Throttled)
	s.live.Offered.Store(total.Admitted + total.Throttled)
	s.live.Succeeded.Store(total.Admitted)
	if slot := s.slot(t); slot != nil {
		*slot = second{t: t, ok: x.Admitted, throttled: x.Throttled, capacity: true,
			consumedW: x.ConsumedW, provisionedW: x.ProvisionedW, consumedR: x.ConsumedR, provisionedR: x.ProvisionedR}
	}
}

// Strategies returns the names of the strategies observed so far.
func (d *Dashboard) Strategies() []string {
	var names []string
	for _, s := range d.strategies() {
		names = append(names, s.name)
	}
	return names
}

// AddFault shades a fault window; a window that starts within a second of
// one with the same label is taken for it (strategies side by side each
// start their own fake with the same schedule).
func (d *Dashboard) AddFault(f Fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range d.faults {
		if g.Label == f.Label && f.From.Sub(g.From).Abs() < time.Second {
			return
		}
	}
	if len(d.faults) < 1000 {
		d.faults = append(d.faults, f)
	}
}

// Finish marks the run as ended: err, when not nil, is shown; dir, when
// not empty, is the directory of the run's files, served under /files/
// and linked from the page when it holds report.html.
func (d *Dashboard) Finish(dir string, err error) {
	defer func() { // no strategy waits any more (pace)
		d.paceMu.Lock()
		d.paceCond.Broadcast()
		d.paceMu.Unlock()
	}()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.done = true
	d.end = d.opts.Now()
	if d.opts.Simulated {
		d.end = d.virtualNow(d.strategy, true)
	}
	if err != nil {
		d.errText = err.Error()
	}
	if dir != "" {
		d.files = dir
		if _, statErr := os.Stat(filepath.Join(dir, "report.html")); statErr == nil {
			d.report = "report.html"
		}
	}
}

// rank is a strategy's place in Options.Strategies, or after them all.
func (d *Dashboard) rank(name string) int {
	if i := slices.Index(d.opts.Strategies, name); i >= 0 {
		return i
	}
	return len(d.opts.Strategies)
}

func (d *Dashboard) strategies() []*strategySeries {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.strategy
}

// Handler serves the page at /, its data at /api/live and, once the run
// is written, the run's files under /files/.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page, _ := assets.ReadFile("page.html")
		// The page comes with the state of now, drawn before its first
		// poll. encoding/json escapes <, > and &, so the JSON cannot end
		// the script element.
		state, err := json.Marshal(d.Snapshot(d.opts.Now(), 0))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		page = bytes.Replace(page, []byte("/*STATE*/null"), state, 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		// Everything the page needs is in it or from this server.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /api/live", d.serveLive)
	mux.HandleFunc("GET /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		dir := d.files
		d.mu.Unlock()
		name := r.PathValue("name")
		if dir == "" || name != filepath.Base(name) || name == "." || name == ".." {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, name))
	})
	return mux
}

// State is what GET /api/live answers.
type State struct {
	Title string `json:"title"`
	// Serving marks a server's page: a line per table.
	Serving bool `json:"serving,omitempty"`
	// Simulated marks a simulation's page: times are virtual, Start is
	// virtual time zero.
	Simulated bool `json:"simulated,omitempty"`
	// Start and Now are Unix seconds (Now with a fraction).
	Start    int64   `json:"start"`
	Now      float64 `json:"now"`
	Expected float64 `json:"expected_s"` // seconds; 0 unknown
	Window   int     `json:"window_s"`
	Done     bool    `json:"done"`
	Error    string  `json:"error,omitempty"`
	// Report is report.html's path relative to the page, once written.
	Report     string          `json:"report,omitempty"`
	Faults     []FaultJSON     `json:"faults"`
	Strategies []StrategyState `json:"strategies"`
	// From and To bound the seconds in each strategy's columns: From is
	// the first, To the one after the last.
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// FaultJSON is a fault window in Unix seconds; To is 0 when it lasts
// until the run ends.
type FaultJSON struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Label string  `json:"label"`
}

// StrategyState is one strategy's totals and its seconds From..To-1, one
// column per measure; null stands for no value (no operation ended, so no
// latency; the endpoint reported no capacity).
type StrategyState struct {
	Name              string     `json:"name"`
	Color             string     `json:"color"`
	Dash              string     `json:"dash,omitempty"`
	Offered           int64      `json:"offered"`
	Done              int64      `json:"done"`
	Succeeded         int64      `json:"succeeded"`
	InFlight          int64      `json:"in_flight"`
	ThrottledAttempts int64      `json:"throttled_attempts"`
	FailedAttempts    int64      `json:"failed_attempts"`
	OK                []int64    `json:"ok"`
	Failed            []int64    `json:"failed"`
	Throttled         []int64    `json:"throttled"`
	Errors            []int64    `json:"errors"`
	InFlightSeries    []int64    `json:"in_flight_series"`
	P50               []*float64 `json:"p50_ms"`
	P99               []*float64 `json:"p99_ms"`
	ConsumedW         []*float64 `json:"consumed_w"`
	ProvisionedW      []*float64 `json:"provisioned_w"`
	ConsumedR         []*float64 `json:"consumed_r"`
	ProvisionedR      []*float64 `json:"provisioned_r"`
}

// Snapshot returns the state at now with the complete seconds after
// since (Unix seconds; 0 for the whole window). The current second,
// still filling, is left out; after Finish, time stops a second after
// the run's end.
//
// A Simulated page ignores now: its now is the virtual instant every
// strategy has reached (the latest one's, once finished).
func (d *Dashboard) Snapshot(now time.Time, since int64) State {
	d.mu.Lock()
	oldest := int64(math.MinInt64) // the first second every ring still holds
	if d.opts.Simulated {
		now = d.virtualNow(d.strategy, d.done)
		// Strategies run at their own pace: the one ahead has replaced
		// seconds the slowest has just completed.
		oldest = d.virtualNow(d.strategy, true).Unix() - int64(d.opts.Window) + 1
	}
	if d.done && (d.opts.Simulated || now.After(d.end)) {
		now = d.end.Add(time.Second) // the axis stops where the run did
	}
	st := State{
		Title: d.opts.Title, Serving: d.opts.Serving, Simulated: d.opts.Simulated, Start: d.start.Unix(), Now: float64(now.UnixNano()) / 1e9,
		Expected: d.opts.Expected.Seconds(), Window: d.opts.Window,
		Done: d.done, Error: d.errText, Faults: []FaultJSON{}, Strategies: []StrategyState{},
	}
	if d.report != "" {
		st.Report = "files/" + d.report
	}
	for _, f := range d.faults {
		j := FaultJSON{From: unix(f.From), Label: f.Label}
		if !f.To.IsZero() {
			j.To = unix(f.To)
		}
		st.Faults = append(st.Faults, j)
	}
	strats := d.strategy
	d.mu.Unlock()

	st.To = now.Unix()
	st.From = max(since+1, st.To-int64(d.opts.Window)+1, d.start.Unix(), oldest)
	if st.From > st.To {
		st.From = st.To
	}
	for i, s := range strats {
		color, dash := report.StrategyStyle(i)
		ss := StrategyState{Name: s.name, Color: color, Dash: dash,
			Offered: s.live.Offered.Load(), Done: s.live.Done.Load(), Succeeded: s.live.Succeeded.Load(), InFlight: s.live.InFlight.Load()}
		s.mu.Lock()
		ss.ThrottledAttempts, ss.FailedAttempts = s.throttled, s.errs
		for t := st.From; t < st.To; t++ {
			x := s.ring[int(t%int64(len(s.ring)))]
			if x.t != t {
				x = second{}
			}
			ss.OK = append(ss.OK, x.ok)
			ss.Failed = append(ss.Failed, x.failed)
			ss.Throttled = append(ss.Throttled, x.throttled)
			ss.Errors = append(ss.Errors, x.errs)
			ss.InFlightSeries = append(ss.InFlightSeries, x.inFlight)
			ss.P50 = append(ss.P50, opt(x.latencies, x.p50))
			ss.P99 = append(ss.P99, opt(x.latencies, x.p99))
			ss.ConsumedW = append(ss.ConsumedW, opt(x.capacity, x.consumedW))
			ss.ProvisionedW = append(ss.ProvisionedW, opt(x.capacity, x.provisionedW))
			ss.ConsumedR = append(ss.ConsumedR, opt(x.capacity, x.consumedR))
			ss.ProvisionedR = append(ss.ProvisionedR, opt(x.capacity, x.provisionedR))
		}
		s.mu.Unlock()
		st.Strategies = append(st.Strategies, ss)
	}
	return st
}

// virtualNow is the simulated instant that strategies have all reached
// (latest: that one of them has reached), or Start before any record.
func (d *Dashboard) virtualNow(strategies []*strategySeries, latest bool) time.Time {
	var now time.Time
	for _, s := range strategies {
		s.mu.Lock()
		v := s.vnow
		s.mu.Unlock()
		if v.IsZero() {
			continue
		}
		if now.IsZero() || (latest && v.After(now)) || (!latest && v.Before(now)) {
			now = v
		}
	}
	if now.Before(d.start) {
		now = d.start
	}
	return now
}

func opt(ok bool, v float64) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// serveLive answers GET /api/live?since=T: the state with the seconds
// after T. The page asks again for the last seconds it has, which late
// records and the endpoint's capacity report may still change.
func (d *Dashboard) serveLive(w http.ResponseWriter, r *http.Request) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "since: want Unix seconds (a non-negative integer), got "+strconv.Quote(v), http.StatusBadRequest)
			return
		}
		since = n
	}
	b, err := json.Marshal(d.Snapshot(d.opts.Now(), since))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/internal/dashboard"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// listenLoopback listens on addr for the flag named flagName, refusing any
// address but a loopback one: what bench serves about a run (metrics, the
// dashboard) names tables, strategies and endpoints, and is for this
// machine only. "localhost" means 127.0.0.1 (no name lookup).
func listenLoopback(flagName, addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, badInput{fmt.Errorf("%s %q: want HOST:PORT on loopback, e.g. 127.0.0.1:9100 (port 0 picks one): %w", flagName, addr, err)}
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		if host == "" {
			host = "every interface"
		}
		return nil, badInput{fmt.Errorf("%s %q: %s is not a loopback address; use 127.0.0.1 or [::1]", flagName, addr, host)}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return ln, nil
}

// serveLoopback serves h on ln until the returned stop is called, which
// closes the server and its connections.
func serveLoopback(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns ErrServerClosed once stop is called
	}()
	return func() {
		srv.Close()
		<-done
	}
}

// observers fans a run out to several observers.
type observers []runner.Observer

func (os observers) Observe(strategy string, live *runner.Live) func(metrics.Record) {
	fns := make([]func(metrics.Record), len(os))
	for i, o := range os {
		fns[i] = o.Observe(strategy, live)
	}
	return func(r metrics.Record) {
		for _, f := range fns {
			f(r)
		}
	}
}

// observer returns os as one runner.Observer, or nil when there is none.
func (os observers) observer() runner.Observer {
	switch len(os) {
	case 0:
		return nil
	case 1:
		return os[0]
	}
	return os
}

// announce prints where something is served.
func announce(stderr io.Writer, what string, ln net.Listener, path string) {
	fmt.Fprintf(stderr, "bench run: %s: http://%s%s\n", what, ln.Addr(), path)
}

// liveUI is bench's live dashboard (-ui): the page, the poller that asks
// the endpoints for their tables' capacity, and what it serves after the
// run.
type liveUI struct {
	dash  *dashboard.Dashboard
	ln    net.Listener
	stop  func()
	ticks chan struct{} // closed to stop Tick and the capacity poller
	wg    sync.WaitGroup

	mu        sync.Mutex // guards endpoints
	endpoints []string   // endpoints whose /stats report capacity
}

// startUI serves the dashboard on the loopback address addr (flag -ui).
func startUI(addr string, opts dashboard.Options, stderr io.Writer, cmd string) (*liveUI, error) {
	ln, err := listenLoopback("-ui", addr)
	if err != nil {
		return nil, err
	}
	u := &liveUI{dash: dashboard.New(opts), ln: ln, ticks: make(chan struct{})}
	u.stop = serveLoopback(ln, u.dash.Handler())
	u.wg.Add(2)
	go func() { defer u.wg.Done(); u.dash.Run(u.ticks) }()
	go func() { defer u.wg.Done(); u.pollCapacity() }()
	fmt.Fprintf(stderr, "bench %s: dashboard: http://%s/\n", cmd, ln.Addr())
	return u, nil
}

// close stops serving the dashboard.
func (u *liveUI) close() {
	close(u.ticks)
	u.wg.Wait()
	u.stop()
}

// watch makes the dashboard follow t: an endpoint that reports /stats
// (bench serve, the embedded fake) gives the capacity line; every
// embedded fake a trial starts (t.Isolate) is followed too, and its fault
// schedule, which counts from its start, shaded.
func (u *liveUI) watch(t *runner.Target, real bool, sched *faults.Schedule) {
	if !real {
		u.follow(t.Endpoint)
	}
	if start := t.Isolate; start != nil {
		t.Isolate = func() (runner.Target, func(), error) {
			at := time.Now()
			tt, stop, err := start()
			if err == nil {
				u.follow(tt.Endpoint)
				for _, f := range faultWindows(sched, at) {
					u.dash.AddFault(f)
				}
			}
			return tt, stop, err
		}
	}
}

func (u *liveUI) follow(endpoint string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.endpoints = append(u.endpoints, endpoint)
}

// pollCapacity asks every followed endpoint for the last seconds of its
// tables once a second and gives them to the dashboard. An endpoint that
// is gone (its trial's fake closed) or has no /stats (not bench's fake) is
// dropped; one that is merely slow to answer, on a busy machine, is not.
func (u *liveUI) pollCapacity() {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-u.ticks:
			return
		case <-tick.C:
		}
		u.mu.Lock()
		eps := slices.Clone(u.endpoints)
		u.mu.Unlock()
		names := u.dash.Strategies()
		reps := make([]*fakeservice.StatsReport, len(eps))
		gone := make([]bool, len(eps))
		var wg sync.WaitGroup
		for i, ep := range eps {
			wg.Go(func() {
				rep, err := fetchStats(client, ep)
				switch {
				case err == nil:
					reps[i] = &rep
				case errors.Is(err, errNoStats) || errors.Is(err, syscall.ECONNREFUSED):
					gone[i] = true
				}
			})
		}
		wg.Wait()
		u.mu.Lock()
		u.endpoints = slices.DeleteFunc(u.endpoints, func(e string) bool {
			i := slices.Index(eps, e)
			return i >= 0 && gone[i]
		})
		u.mu.Unlock()
		for _, rep := range reps {
			if rep == nil {
				continue
			}
			for table, tr := range rep.Tables {
				s := runner.StrategyOfTable(table, names)
				if s == "" {
					continue
				}
				for _, x := range tr.Series {
					if !x.Partial {
						u.dash.Capacity(s, x.Time, x.ConsumedWriteUnits, x.ProvisionedWriteUnits, x.ConsumedReadUnits, x.ProvisionedReadUnits)
					}
				}
			}
		}
	}
}

// errNoStats is an endpoint that answers, but has no /stats.
var errNoStats = errors.New("no GET /stats")

// fetchStats reads the last seconds of an endpoint's GET /stats.
func fetchStats(client *http.Client, endpoint string) (fakeservice.StatsReport, error) {
	var rep fakeservice.StatsReport
	resp, err := client.Get(strings.TrimSuffix(endpoint, "/") + "/stats?seconds=10")
	if err != nil {
		return rep, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return rep, fmt.Errorf("%s: %s: %w", endpoint, resp.Status, errNoStats)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&rep); err != nil {
		return rep, fmt.Errorf("%s: %w: %w", endpoint, errNoStats, err)
	}
	return rep, nil
}

// faultWindows returns the windows of sched for a fake started at start.
func faultWindows(sched *faults.Schedule, start time.Time) []dashboard.Fault {
	if sched == nil {
		return nil
	}
	var out []dashboard.Fault
	add := func(w faults.Window, label string) {
		f := dashboard.Fault{From: start.Add(time.Duration(w.At)), Label: label}
		if w.For > 0 {
			f.To = f.From.Add(time.Duration(w.For))
		}
		out = append(out, f)
	}
	for _, c := range sched.Capacity {
		add(c.Window, fmt.Sprintf("capacity %g %%", 100*c.Scale))
	}
	for _, e := range sched.Errors {
		add(e.Window, fmt.Sprintf("%d errors", e.Status))
	}
	for _, l := range sched.Latency {
		add(l.Window, "latency")
	}
	for _, s := range sched.Stalls {
		add(s.Window, "stalls")
	}
	for _, d := range sched.Drops {
		add(d.Window, "drops")
	}
	return out
}

// finish shows the run's end on the page, with its files (dir, when
// written) and err; when files were written, it keeps serving for linger
// or until ctx is done, so the report can be opened from the page.
func (u *liveUI) finish(ctx context.Context, dir string, err error, linger time.Duration, stderr io.Writer, cmd string) {
	u.dash.Finish(dir, err)
	if dir == "" || linger <= 0 || ctx.Err() != nil {
		return
	}
	fmt.Fprintf(stderr, "bench %s: dashboard at http://%s/ for %s more (-ui-linger); Ctrl-C to exit now\n", cmd, u.ln.Addr(), linger)
	t := time.NewTimer(linger)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// serveTables serves a server's dashboard (bench serve -ui) on ln: a line
// per table from the server's own per-second report, read once a second,
// and the fault schedule's windows from epoch (or the schedule's own). The
// returned stop ends it.
func serveTables(srv *fakeservice.Server, ln net.Listener, title string, sched *faults.Schedule, epoch time.Time) (stop func()) {
	dash := dashboard.New(dashboard.Options{Title: title, Serving: true})
	if sched != nil && !sched.Epoch.IsZero() {
		epoch = sched.Epoch
	}
	for _, f := range faultWindows(sched, epoch) {
		dash.AddFault(f)
	}
	stopServing := serveLoopback(ln, dash.Handler())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); dash.Run(done) }()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			feedTables(dash, srv.Report(10))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		stopServing()
	}
}

// feedTables gives the dashboard the complete seconds of a server's report.
func feedTables(dash *dashboard.Dashboard, rep fakeservice.StatsReport) {
	for name, tr := range rep.Tables {
		tot := tr.Totals
		total := dashboard.TableSecond{Admitted: tot.Reads + tot.Writes, Throttled: tot.ThrottledReads + tot.ThrottledWrites}
		for _, x := range tr.Series {
			if x.Partial {
				continue
			}
			dash.Table(name, x.Time, dashboard.TableSecond{
				Admitted: x.Reads + x.Writes, Throttled: x.ThrottledReads + x.ThrottledWrites,
				ConsumedW: x.ConsumedWriteUnits, ProvisionedW: x.ProvisionedWriteUnits,
				ConsumedR: x.ConsumedReadUnits, ProvisionedR: x.ProvisionedReadUnits,
			}, total)
		}
	}
}

package dashboard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var t0 = time.Unix(1_800_000_000, 0)

// put is a PutItem that ends at end (run offset) after the given attempts.
func put(intended, end time.Duration, outcome metrics.Outcome, attempts ...metrics.Attempt) metrics.Record {
	return metrics.Record{Op: "PutItem", Intended: intended, Started: intended, Ended: end, Outcome: outcome,
		Attempts: len(attempts), AttemptLog: attempts}
}

func TestSeconds(t *testing.T) {
	c := &clock{t0}
	d := New(Options{Now: c.now, Strategies: []string{"b", "a"}, Window: 10})
	liveA, liveB := &runner.Live{}, &runner.Live{}
	a := d.Observe("a", liveA)
	b := d.Observe("b", liveB)

	// Second 0: a's operation throttled at 0.1 s, retried at 1.2 s (so
	// the throttle counts in second 0), succeeds; it ends at 1.5 s.
	c.t = t0.Add(1500 * time.Millisecond)
	a(put(100*time.Millisecond, 1500*time.Millisecond, metrics.OK,
		metrics.Attempt{Start: 100 * time.Millisecond, Status: 400, Throttled: true},
		metrics.Attempt{Start: 1200 * time.Millisecond, Status: 200}))
	// b: a 500 then no answer, failed at 1.9 s; and a dropped arrival.
	c.t = t0.Add(1900 * time.Millisecond)
	b(put(1000*time.Millisecond, 1900*time.Millisecond, metrics.MaxAttempts,
		metrics.Attempt{Start: 1000 * time.Millisecond, Status: 500},
		metrics.Attempt{Start: 1100 * time.Millisecond, Status: 0}))
	b(metrics.Record{Op: "PutItem", Intended: 1900 * time.Millisecond, Outcome: metrics.Dropped})
	liveB.InFlight.Store(7)
	d.Tick(t0.Add(1950 * time.Millisecond))
	liveB.InFlight.Store(3)
	d.Tick(t0.Add(1990 * time.Millisecond))
	d.Capacity("a", t0.Unix()+1, 40, 50, 0, 10)
	d.Capacity("nobody", t0.Unix()+1, 1, 1, 1, 1)
	// Percentiles of second 1 are final once it is 3 s old.
	d.Tick(t0.Add(4 * time.Second))

	st := d.Snapshot(t0.Add(4500*time.Millisecond), 0)
	if st.From != t0.Unix() || st.To != t0.Unix()+4 {
		t.Fatalf("seconds %d..%d, want %d..%d", st.From, st.To, t0.Unix(), t0.Unix()+4)
	}
	if len(st.Strategies) != 2 || st.Strategies[0].Name != "b" || st.Strategies[1].Name != "a" {
		t.Fatalf("strategies %+v, want b then a (the scenario's order)", st.Strategies)
	}
	sb, sa := st.Strategies[0], st.Strategies[1]
	if sb.Color == sa.Color {
		t.Errorf("b and a share colour %s", sa.Color)
	}
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"a ok", sa.OK, []int64{0, 1, 0, 0}},
		{"a throttled", sa.Throttled, []int64{1, 0, 0, 0}},
		{"a errors", sa.Errors, []int64{0, 0, 0, 0}},
		{"b failed", sb.Failed, []int64{0, 2, 0, 0}},
		{"b errors", sb.Errors, []int64{0, 2, 0, 0}},
		{"b in flight", sb.InFlightSeries, []int64{0, 7, 0, 0}},
		{"a throttled total", sa.ThrottledAttempts, int64(1)},
		{"b failed attempts total", sb.FailedAttempts, int64(2)},
	} {
		if g, w := jsonOf(tt.got), jsonOf(tt.want); g != w {
			t.Errorf("%s: got %s, want %s", tt.name, g, w)
		}
	}
	// a's latency is 1.4 s from its intended start (HDR, 2 digits).
	if p := sa.P50[1]; p == nil || *p < 1390 || *p > 1410 {
		t.Errorf("a p50 in second 1: got %v, want 1400 ms", deref(p))
	}
	if sa.P50[0] != nil {
		t.Errorf("a p50 in second 0: got %v, want none (nothing ended)", *sa.P50[0])
	}
	if c := sa.ConsumedW[1]; c == nil || *c != 40 || *sa.ProvisionedW[1] != 50 || *sa.ProvisionedR[1] != 10 {
		t.Errorf("a capacity in second 1: consumed %v provisioned %v, want 40 of 50", deref(c), deref(sa.ProvisionedW[1]))
	}
	if sb.ConsumedW[1] != nil {
		t.Errorf("b capacity: got %v, want none reported", *sb.ConsumedW[1])
	}

	// Asking since a second returns only the later ones.
	if st := d.Snapshot(t0.Add(4500*time.Millisecond), t0.Unix()+2); st.From != t0.Unix()+3 || len(st.Strategies[1].OK) != 1 {
		t.Errorf("since +2: from %d with %d seconds, want %d and 1", st.From, len(st.Strategies[1].OK), t0.Unix()+3)
	}
	// The window bounds what is kept: 10 s later, second 1 is gone.
	c.t = t0.Add(20 * time.Second)
	a(put(19*time.Second, 20*time.Second, metrics.OK, metrics.Attempt{Start: 19 * time.Second, Status: 200}))
	st = d.Snapshot(t0.Add(20500*time.Millisecond), 0)
	if st.From != t0.Unix()+11 || len(st.Strategies[1].OK) != 9 {
		t.Errorf("after 20 s: from %d, %d seconds; want from %d, 9 seconds", st.From, len(st.Strategies[1].OK), t0.Unix()+11)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestHandler(t *testing.T) {
	c := &clock{t0}
	d := New(Options{Now: c.now, Title: "quickstart: 2 strategies", Expected: 10 * time.Second})
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()

	for _, tt := range []struct {
		path     string
		status   int
		contains string
	}{
		{"/", 200, "<svg"}, // the page draws its charts itself
		{"/api/live", 200, `"title":"quickstart: 2 strategies"`},
		{"/api/live?since=-1", 400, "since: want Unix seconds"},
		{"/api/live?since=x", 400, `got "x"`},
		{"/files/report.html", 404, ""}, // nothing written yet
		{"/nothing", 404, ""},
	} {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(t, srv.URL+tt.path)
			if code != tt.status || !strings.Contains(body, tt.contains) {
				t.Errorf("GET %s: %d %.200q; want %d and %q", tt.path, code, body, tt.status, tt.contains)
			}
		})
	}
	if _, body := get(t, srv.URL+"/"); strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("the page names an outside address: every asset must be in it")
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte("<html>report</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.t = t0.Add(12 * time.Second)
	d.Finish(dir, nil)
	c.t = t0.Add(60 * time.Second)
	var st State
	_, body := get(t, srv.URL+"/api/live")
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Done || st.Report != "files/report.html" || st.To != t0.Unix()+13 {
		t.Errorf("after Finish: done %v, report %q, to %d; want true, files/report.html, %d", st.Done, st.Report, st.To, t0.Unix()+13)
	}
	if code, body := get(t, srv.URL+"/files/report.html"); code != 200 || body != "<html>report</html>" {
		t.Errorf("GET /files/report.html: %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/files/..%2f..%2fetc%2fpasswd"); code == 200 {
		t.Errorf("GET /files/..%%2f..: %d, want refused", code)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// BenchmarkObserve is the dashboard's cost per record on a strategy's
// collector goroutine.
func BenchmarkObserve(b *testing.B) {
	c := &clock{t0}
	observe := New(Options{Now: c.now}).Observe("full-jitter", &runner.Live{})
	r := put(time.Second, time.Second+90*time.Millisecond, metrics.OK,
		metrics.Attempt{Start: time.Second, Status: 400, Throttled: true},
		metrics.Attempt{Start: time.Second + 29*time.Millisecond, Status: 400, Throttled: true},
		metrics.Attempt{Start: time.Second + 89*time.Millisecond, Status: 200})
	for b.Loop() {
		observe(r)
	}
}

func TestServingDropsIdleTables(t *testing.T) {
	c := &clock{t0}
	d := New(Options{Now: c.now, Serving: true, Window: 60})
	d.Table("orders", t0.Unix(), TableSecond{Admitted: 5, Throttled: 2, ConsumedW: 5, ProvisionedW: 5}, TableSecond{Admitted: 5, Throttled: 2})
	d.Table("carts", t0.Unix()+30, TableSecond{Admitted: 1}, TableSecond{Admitted: 1})
	d.Tick(t0.Add(61 * time.Second))
	if got := d.Strategies(); len(got) != 1 || got[0] != "carts" {
		t.Errorf("tables after 61 s: got %v, want [carts] (orders idle for a whole window)", got)
	}
	st := d.Snapshot(t0.Add(31*time.Second), 0)
	if !st.Serving || len(st.Strategies) != 1 || st.Strategies[0].Succeeded != 1 {
		t.Errorf("snapshot: serving %v, %+v", st.Serving, st.Strategies)
	}
}

// BenchmarkLive is the cost of GET /api/live's answer at its largest: 14
// strategies with a full window of seconds (what the page asks on its
// first load, after an hour as after ten minutes), and its size.
func BenchmarkLive(b *testing.B) {
	c := &clock{t0}
	d := New(Options{Now: c.now})
	var observe []func(metrics.Record)
	for i := range 14 {
		observe = append(observe, d.Observe("strategy-"+string(rune('a'+i)), &runner.Live{}))
	}
	for sec := range 3600 {
		c.t = t0.Add(time.Duration(sec) * time.Second)
		for i, o := range observe {
			o(put(0, time.Second, metrics.OK, metrics.Attempt{Start: 0, Status: 200}))
			d.Capacity("strategy-"+string(rune('a'+i)), c.t.Unix(), 90, 100, 0, 0)
		}
		d.Tick(c.t)
	}
	var size int
	for b.Loop() {
		body, err := json.Marshal(d.Snapshot(c.t, 0))
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
	}
	b.ReportMetric(float64(size), "json-bytes")
}

// TestSimulatedSeconds feeds a simulation's records, which carry virtual
// time and arrive far faster than wall time: the page files them by their
// own times, shows the seconds every strategy has completed whatever the
// wall clock says, and closes a second's percentiles once records end
// slack seconds after it.
func TestSimulatedSeconds(t *testing.T) {
	epoch := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	wall := &clock{t0} // must not matter
	d := New(Options{Simulated: true, Start: epoch, Now: wall.now, Window: 100, Strategies: []string{"a", "b"}})
	liveA, liveB := &runner.Live{}, &runner.Live{}
	a := d.Observe("a", liveA)
	b := d.Observe("b", liveB)
	if st := d.Snapshot(wall.now(), 0); st.To != epoch.Unix() || len(st.Strategies[0].OK) != 0 {
		t.Fatalf("before any record: to %d with %d seconds, want %d with none", st.To, len(st.Strategies[0].OK), epoch.Unix())
	}
	s := time.Second
	// a: one success ending in each of seconds 0..9, latency 20 ms, the
	// one in second 3 throttled once first; 4 in flight from second 5.
	for i := range 10 {
		at := time.Duration(i)*s + 500*time.Millisecond
		if i == 5 {
			liveA.InFlight.Store(4)
		}
		attempts := []metrics.Attempt{{Start: at - 20*time.Millisecond, Status: 200}}
		if i == 3 {
			attempts = []metrics.Attempt{{Start: at - 20*time.Millisecond, Status: 400, Throttled: true}, {Start: at - 10*time.Millisecond, Status: 200}}
		}
		a(put(at-20*time.Millisecond, at, metrics.OK, attempts...))
	}
	// b: two failures ending in second 1, then nothing until 4.2 s.
	b(put(1100*time.Millisecond, 1200*time.Millisecond, metrics.MaxAttempts, metrics.Attempt{Start: 1100 * time.Millisecond, Status: 500}))
	b(put(1300*time.Millisecond, 1400*time.Millisecond, metrics.MaxAttempts, metrics.Attempt{Start: 1300 * time.Millisecond, Status: 500}))
	b(put(4100*time.Millisecond, 4200*time.Millisecond, metrics.OK, metrics.Attempt{Start: 4100 * time.Millisecond, Status: 200}))
	wall.t = t0.Add(time.Hour)
	d.Tick(wall.t) // no effect on a simulation

	st := d.Snapshot(wall.t, 0)
	if !st.Simulated || st.Start != epoch.Unix() {
		t.Fatalf("simulated %v, start %d, want true, %d", st.Simulated, st.Start, epoch.Unix())
	}
	// b has reached 4.2 s, a 9.5 s: seconds 0..3 are complete for both.
	if st.From != epoch.Unix() || st.To != epoch.Unix()+4 {
		t.Fatalf("seconds %d..%d, want %d..%d (what the slower strategy completed)", st.From-epoch.Unix(), st.To-epoch.Unix(), 0, 4)
	}
	sa, sb := st.Strategies[0], st.Strategies[1]
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"a ok", sa.OK, []int64{1, 1, 1, 1}},
		{"a throttled", sa.Throttled, []int64{0, 0, 0, 1}},
		{"b failed", sb.Failed, []int64{0, 2, 0, 0}},
		{"b errors", sb.Errors, []int64{0, 2, 0, 0}},
		{"b ok", sb.OK, []int64{0, 0, 0, 0}},
		{"a offered", sa.Offered, int64(0)}, // the simulator counts, not the dashboard
	} {
		if g, w := jsonOf(tt.got), jsonOf(tt.want); g != w {
			t.Errorf("%s: got %s, want %s", tt.name, g, w)
		}
	}
	// a's seconds up to 9-2-1 = 6 are closed: 20 ms (HDR rounding within 1 %).
	for i, p := range sa.P50 {
		if p == nil || *p < 19.8 || *p > 20.2 {
			t.Errorf("a p50 of second %d: got %v, want 20 ms", i, jsonOf(p))
		}
	}
	// b's last record ended in second 4, so its seconds before 2 are
	// closed and second 2, 3 have no latency (nothing ended).
	if p := sb.P50; len(p) != 4 || p[0] != nil || p[1] == nil || *p[1] < 99 || *p[1] > 101 || p[2] != nil || p[3] != nil {
		t.Errorf("b p50: got %s, want [null,100,null,null]", jsonOf(p))
	}

	// a's in flight is sampled with its records, in virtual seconds.
	d.Finish("", nil)
	st = d.Snapshot(wall.t, epoch.Unix()+3)
	if st.From != epoch.Unix()+4 || st.To != epoch.Unix()+10 {
		t.Fatalf("after Finish: seconds %d..%d, want 4..10 (the latest strategy's end, the second after)", st.From-epoch.Unix(), st.To-epoch.Unix())
	}
	if g, w := jsonOf(st.Strategies[0].InFlightSeries), "[0,4,4,4,4,4]"; g != w {
		t.Errorf("a in flight of seconds 4..9: got %s, want %s", g, w)
	}
	if !st.Done {
		t.Errorf("done: got false after Finish")
	}
}

// TestSimulatedPace checks that a strategy more than half a window ahead
// of the slowest one still running waits for it (or for its end), so the
// seconds they have all completed are still in every ring.
func TestSimulatedPace(t *testing.T) {
	epoch := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	d := New(Options{Simulated: true, Start: epoch, Window: 4})
	a := d.Observe("a", &runner.Live{})
	b := d.Observe("b", &runner.Live{})
	rec := func(end time.Duration) metrics.Record { return put(end, end, metrics.OK) }
	b(rec(500 * time.Millisecond))
	a(rec(500 * time.Millisecond))
	a(rec(2500 * time.Millisecond)) // 2 s ahead: half the window, no wait
	returned := make(chan struct{})
	go func() {
		a(rec(5500 * time.Millisecond)) // 5 s ahead of b: waits
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatalf("a record 5 s ahead of b returned at once, want it held until b catches up (window 4 s)")
	case <-time.After(100 * time.Millisecond):
	}
	b(rec(3500 * time.Millisecond)) // now 2 s behind: a goes on
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatalf("a still held after b reached 3.5 s")
	}
	returned2 := make(chan struct{})
	go func() {
		a(rec(9500 * time.Millisecond))
		a(rec(20500 * time.Millisecond))
		close(returned2)
	}()
	d.Finished("b") // b ends: nobody to wait for
	select {
	case <-returned2:
	case <-time.After(10 * time.Second):
		t.Fatalf("a still held after b finished")
	}
	if st := d.Snapshot(time.Time{}, 0); st.To != epoch.Unix()+3 {
		t.Errorf("now: got second %d, want 3 (b's last record, at 3.5 s)", st.To-epoch.Unix())
	}
}

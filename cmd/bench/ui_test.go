package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/chromium"
	"github.com/throttlebench/throttlebench/internal/dashboard"
)

// brownout offers twice the table's write capacity, which drops to 30 %
// from 3 s to 7 s: throttles, retries, a capacity line and a fault window
// for the dashboard to draw. It lasts long enough for two loads of the
// page in a slow headless Chromium on a busy machine.
const brownout = `name: live-brownout
table: {read_capacity: 10, write_capacity: 20}
workload: {rate: 40/s, duration: 25s, keys: 100, item_size: 1KB}
faults:
  capacity:
    - {at: 3s, for: 4s, scale: 0.3}
strategies:
  - none
  - {name: exponential, base: 5ms}
`

// drawnCharts reads what the page says it drew: chart id -> lines.
var drawnCharts = regexp.MustCompile(`<body[^>]* data-drawn="([^"]*)"`)

func pageState(t *testing.T, dom []byte) (map[string]int, int) {
	t.Helper()
	m := drawnCharts.FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the page drew nothing (no data-drawn on <body>):\n%.2000s", dom)
	}
	drawn := map[string]int{}
	for _, kv := range strings.Fields(string(m[1])) {
		k, v, _ := strings.Cut(kv, "=")
		drawn[k], _ = strconv.Atoi(v)
	}
	secs := regexp.MustCompile(`data-seconds="(\d+)"`).FindSubmatch(dom)
	if secs == nil {
		t.Fatalf("no data-seconds on <body>")
	}
	n, _ := strconv.Atoi(string(secs[1]))
	return drawn, n
}

// TestDashboardInChromium runs a comparison with -ui, loads the dashboard
// in headless Chromium twice, a few seconds apart, and checks that every
// chart is drawn, with a line per strategy, and that the page moved on.
// Set THROTTLEBENCH_SCREENSHOTS=DIR to keep the two screenshots.
func TestDashboardInChromium(t *testing.T) {
	bin := chromium.Find(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	out := t.TempDir()
	go func() {
		done <- bench(ctx, []string{"run", "--quiet", "--ui", "127.0.0.1:0", "--ui-linger", "2m", "--out", out,
			writeScenario(t, brownout)}, &stdout, &stderr)
	}()
	url := waitFor(t, &stderr, done, `dashboard: (http://127\.0\.0\.1:\d+/)\n`)

	shots := os.Getenv("THROTTLEBENCH_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	var doms [2][]byte
	var pngs [2][]byte
	for i := range 2 {
		time.Sleep(3 * time.Second)
		rctx, rcancel := context.WithTimeout(ctx, 60*time.Second)
		png := filepath.Join(shots, "dashboard-"+strconv.Itoa(i+1)+".png")
		dom, err := chromium.Render(rctx, bin, t.TempDir(), url, 1280, 1400, 0, png)
		rcancel()
		if err != nil {
			t.Fatal(err)
		}
		doms[i] = dom
		if pngs[i], err = os.ReadFile(png); err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
	}
	first, secs1 := pageState(t, doms[0])
	last, secs2 := pageState(t, doms[1])
	want := map[string]int{"goodput": 2, "throttled": 2, "failed": 2, "inflight": 2, "p50": 2, "p99": 2,
		"capacity-write": 3} // a line per strategy, and the provisioned line
	for chart, n := range want {
		if last[chart] < n {
			t.Errorf("chart %s: %d lines drawn, want %d (first load: %v, second: %v)", chart, last[chart], n, first, last)
		}
	}
	if secs2 <= secs1 {
		t.Errorf("the page showed %d s, then %d s: it did not move on", secs1, secs2)
	}
	if bytes.Equal(pngs[0], pngs[1]) {
		t.Errorf("the two screenshots are identical")
	}
	if !bytes.Contains(doms[1], []byte(`class="fault"`)) {
		t.Errorf("the capacity drop from 3 s to 7 s is not shaded")
	}
	if !regexp.MustCompile(`data-points="([3-9]|\d\d+)"`).Match(doms[1]) {
		t.Errorf("no line has 3 points or more after 6 s")
	}
	if bytes.Contains(doms[0], []byte(`<div id="status"><span class="done">`)) {
		t.Logf("the run had ended before the first load of the page: the machine is slow")
	}

	// Once the run is written, the page links its report, served by bench.
	waitFor(t, &stderr, done, `(dashboard at http://127\.0\.0\.1:\d+/ for)`)
	var st dashboard.State
	getJSON(t, url+"api/live", &st)
	if !st.Done || st.Report != "files/report.html" {
		t.Errorf("after the run: done %v, report %q; want true and files/report.html", st.Done, st.Report)
	}
	resp, err := http.Get(url + st.Report)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("<svg")) {
		t.Errorf("GET %s: %s, %d bytes; want 200 and the report", st.Report, resp.Status, len(body))
	}
	if resp, err := http.Get(url + "files/..%2Fetc"); err == nil {
		if resp.StatusCode == http.StatusOK {
			t.Errorf("GET files/..%%2Fetc: %s, want an error", resp.Status)
		}
		resp.Body.Close()
	}
	cancel() // Ctrl-C ends the linger
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d, want %d; stderr:\n%s", code, exitOK, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("bench did not exit after Ctrl-C during -ui-linger")
	}
}

// waitFor waits until stderr matches pattern and returns its first group.
func waitFor(t *testing.T, stderr *syncBuffer, done chan int, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("bench exited %d; stderr:\n%s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in stderr:\n%s", pattern, stderr.String())
	return ""
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestServeDashboard serves the fake with -ui, runs a comparison against
// it, and checks the server's page: a line per table with the requests it
// admitted and throttled and its capacity, drawn in Chromium.
func TestServeDashboard(t *testing.T) {
	testCredentials(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveOut, serveErr syncBuffer
	served := make(chan int, 1)
	go func() {
		served <- bench(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-ui", "127.0.0.1:0"}, &serveOut, &serveErr)
	}()
	fake := waitFor(t, &serveOut, served, `listening on (http://127\.0\.0\.1:\d+)\n`)
	ui := waitFor(t, &serveOut, served, `dashboard: (http://127\.0\.0\.1:\d+/)\n`)

	code, _, stderr := runBench(t, "run", "--quiet", "--keep-table", "--endpoint", fake, "--out", t.TempDir(), writeScenario(t, overloaded))
	if code != exitOK {
		t.Fatalf("bench run: exit %d\n%s", code, stderr)
	}
	var st dashboard.State
	deadline := time.Now().Add(10 * time.Second)
	for {
		getJSON(t, ui+"api/live", &st)
		if len(st.Strategies) == 2 && st.Strategies[0].Succeeded > 0 && st.Strategies[1].Succeeded > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !st.Serving || len(st.Strategies) != 2 {
		t.Fatalf("serving %v with %d tables, want true and 2 (one per strategy)", st.Serving, len(st.Strategies))
	}
	for _, s := range st.Strategies {
		var admitted int64
		for _, n := range s.OK {
			admitted += n
		}
		prov := 0.0
		for _, p := range s.ProvisionedW {
			if p != nil {
				prov = *p
			}
		}
		if !strings.Contains(s.Name, "-overloaded-") || admitted == 0 || s.ThrottledAttempts == 0 || prov != 20 {
			t.Errorf("table %s: %d admitted in the window, %d throttled, %v write units provisioned; want > 0, > 0 and 20",
				s.Name, admitted, s.ThrottledAttempts, prov)
		}
	}

	bin := chromium.Find(t)
	shots := os.Getenv("THROTTLEBENCH_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	rctx, rcancel := context.WithTimeout(ctx, 60*time.Second)
	defer rcancel()
	dom, err := chromium.Render(rctx, bin, t.TempDir(), ui, 1280, 1000, 0, filepath.Join(shots, "serve-dashboard.png"))
	if err != nil {
		t.Fatal(err)
	}
	drawn, _ := pageState(t, dom)
	for chart, n := range map[string]int{"goodput": 2, "throttled": 2, "capacity-write": 4} {
		if drawn[chart] < n {
			t.Errorf("chart %s: %d lines, want %d (all: %v)", chart, drawn[chart], n, drawn)
		}
	}
	if _, ok := drawn["p99"]; ok {
		t.Errorf("the server's page draws latency, which a server does not see")
	}
}

func TestUIAddressMustBeLoopback(t *testing.T) {
	sc := writeScenario(t, tiny)
	for _, args := range [][]string{
		{"run", "--ui", "0.0.0.0:8080", sc},
		{"serve", "-addr", "127.0.0.1:0", "-ui", ":8081"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, _, stderr := runBench(t, args...)
			if code != exitBadInput || !strings.Contains(stderr, "-ui") || !strings.Contains(stderr, "is not a loopback address") {
				t.Errorf("exit %d, stderr %q; want %d naming -ui and the address", code, stderr, exitBadInput)
			}
		})
	}
}

// TestSimDashboard simulates 5 minutes with -ui: once the simulation is
// written, the page is a simulation's (virtual seconds from the epoch),
// holds every simulated second, whose goodput adds up to each strategy's
// successes, and links the report; Chromium draws it.
func TestSimDashboard(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "simtest.yaml")
	if err := os.WriteFile(path, []byte(simScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- bench(ctx, []string{"sim", "-ui", "127.0.0.1:0", "-ui-linger", "2m", "-duration", "5m", "-out", t.TempDir(), path}, &stdout, &stderr)
	}()
	url := waitFor(t, &stderr, done, `dashboard: (http://127\.0\.0\.1:\d+/)\n`)
	waitFor(t, &stderr, done, `(dashboard at http://127\.0\.0\.1:\d+/ for)`)
	var st dashboard.State
	getJSON(t, url+"api/live", &st)
	epoch := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	if !st.Simulated || !st.Done || st.Start != epoch || st.Report != "files/report.html" {
		t.Errorf("simulated %v, done %v, start %d, report %q; want true, true, %d (the epoch), files/report.html", st.Simulated, st.Done, st.Start, st.Report, epoch)
	}
	if st.From != epoch || st.To < epoch+300 || st.To > epoch+340 {
		t.Errorf("seconds %d..%d from the epoch, want 0..300 or a little more (operations in flight at the end)", st.From-epoch, st.To-epoch)
	}
	var names []string
	for _, s := range st.Strategies {
		names = append(names, s.Name)
		var ok int64
		for _, n := range s.OK {
			ok += n
		}
		if ok != s.Succeeded || s.Done != s.Offered || s.Offered < 4*300*100/5 {
			t.Errorf("%s: goodput adds up to %d, succeeded %d; done %d of %d offered; want equal counts, about %d offered", s.Name, ok, s.Succeeded, s.Done, s.Offered, 300*100)
		}
	}
	if got, want := strings.Join(names, ","), "sdk-default,none,full-jitter,token-bucket"; got != want {
		t.Errorf("strategies %s, want %s (sdk-adaptive is not simulable)", got, want)
	}

	t.Run("chromium", func(t *testing.T) {
		bin := chromium.Find(t)
		rctx, rcancel := context.WithTimeout(ctx, 60*time.Second)
		dom, err := chromium.Render(rctx, bin, t.TempDir(), url, 1280, 1400, 0, "")
		rcancel()
		if err != nil {
			t.Fatal(err)
		}
		drawn, secs := pageState(t, dom)
		if drawn["goodput"] < 4 || drawn["p99"] < 4 || secs < 300 {
			t.Errorf("the page drew %v over %d s; want 4 lines in goodput and p99 over 300 s", drawn, secs)
		}
		if !bytes.Contains(dom, []byte("simulation finished")) || !bytes.Contains(dom, []byte("simulated seconds")) {
			t.Errorf("the page does not say it shows a simulation:\n%.1500s", dom)
		}
	})
	cancel()
	select {
	case code := <-done:
		if code != exitSLOMissed {
			t.Errorf("exit %d, want %d (SLO missed); stderr:\n%s", code, exitSLOMissed, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("bench sim did not exit after Ctrl-C during -ui-linger")
	}
}

package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/slo"
)

func renderHTML(t *testing.T, f *results.File) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// figures maps each data-chart figure in page to its SVG markup.
func figures(page string) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`(?s)<figure data-chart="([^"]+)">(.*?)</figure>`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

var drawnPath = regexp.MustCompile(`<path class="series" d="M[0-9.]+ [0-9.]+(L[0-9.]+ [0-9.]+)+"`)

func TestHTMLDrawsEveryChart(t *testing.T) {
	page := renderHTML(t, fixture(t))
	figs := figures(page)
	tests := []struct {
		chart        string
		lines, rects int // at least
	}{
		{"latency", 6, 0},
		{"timeline-0", 3, 0},
		{"timeline-5", 3, 0},
		{"attempts", 0, 6},
		{"capacity-write", 0, 6},
	}
	for _, tt := range tests {
		t.Run(tt.chart, func(t *testing.T) {
			svg, ok := figs[tt.chart]
			if !ok {
				t.Fatalf("no figure %q; figures: %v", tt.chart, keys(figs))
			}
			if got := len(drawnPath.FindAllString(svg, -1)); got < tt.lines {
				t.Errorf("got %d drawn lines, want at least %d", got, tt.lines)
			}
			if got := strings.Count(svg, `<rect class="bar"`); got < tt.rects {
				t.Errorf("got %d bars, want at least %d", got, tt.rects)
			}
			if strings.Contains(svg, `class="empty"`) {
				t.Errorf("chart says it is empty")
			}
		})
	}
	if _, ok := figs["capacity-read"]; ok {
		t.Errorf("a write-only run shows a read capacity chart")
	}
	for _, want := range []string{"spike-fixture", "Who recovers first", "aws-sdk-go-v2", "v1.48.0", "go1.26.8", "bench-host",
		"max_attempts=6", "base=20ms, cap=2s", "1 attempt", "6 attempts", "1005 WCU of 906 (111%)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLIsSelfContained checks the page can fetch nothing: no external
// reference of any kind, and a policy forbidding any.
func TestHTMLIsSelfContained(t *testing.T) {
	page := renderHTML(t, fixture(t))
	for _, bad := range []string{"http:", "https:", "//cdn", "src=", "href=", "<script", "url(", "@import", "<link", "<iframe", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if !strings.Contains(page, `content="default-src 'none'; style-src 'unsafe-inline'"`) {
		t.Errorf("page lacks its Content-Security-Policy")
	}
}

func TestHTMLEscapesEverything(t *testing.T) {
	f := fixture(t)
	evil := `<script>alert("x")</script>`
	f.Scenario.Name = evil
	f.Scenario.Description = `<img src=x onerror=alert(1)> & "quotes"`
	f.Strategies[0].Name = evil
	f.Strategies[0].Params = map[string]any{"base": evil}
	f.Machine.Hostname = evil
	page := renderHTML(t, f)
	for _, bad := range []string{"<script", "<img", "onerror=alert(1)>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("escaped name missing")
	}
}

func TestHTMLDegradesWithMissingData(t *testing.T) {
	old := sampleFile() // no histograms, series, attempts distribution or server stats
	onDemand := fixture(t)
	onDemand.Scenario.Table = scenario.Table{BillingMode: scenario.PayPerRequest}
	tests := []struct {
		name string
		f    *results.File
		want []string
	}{
		{"empty file", &results.File{}, []string{"no latencies recorded", "reported no capacity statistics"}},
		{"older file", old, []string{
			"No latency histogram for: sdk-default, none", "no per-second series in this file",
			"the bars show the mean", "1.29 attempts/op", "reported no capacity statistics",
		}},
		{"on-demand table", onDemand, []string{"on demand: nothing is provisioned", "1005 WCU, 1.00/success"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := renderHTML(t, tt.f)
			for _, want := range tt.want {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
	}
}

func TestCapacityPerSecond(t *testing.T) {
	f := fixture(t)
	write := []float64{100, 100, 98, 100, 101}
	perSecond := func(s runner.StrategyResult) perSecondCapacity {
		if s.Name == "none" {
			return perSecondCapacity{}
		}
		return perSecondCapacity{Write: write}
	}
	charts, note := capacityCharts(f, perSecond)
	if len(charts) != len(f.Strategies) {
		t.Fatalf("got %d charts, want one per strategy (%d)", len(charts), len(f.Strategies))
	}
	if !strings.Contains(note, "per second") {
		t.Errorf("note %q", note)
	}
	if got := len(charts[0].Lines); got != 2 {
		t.Errorf("%s: got %d lines, want consumed and provisioned", charts[0].Title, got)
	}
	if charts[1].Empty == "" {
		t.Errorf("%s has no series but is not marked empty", charts[1].Title)
	}
}

// A brownout the endpoint reports must show in the dashed capacity line,
// not the scenario's flat provisioned figure.
func TestCapacityFollowsBrownout(t *testing.T) {
	xs, ys := steps([]float64{100, 100, 30, 30, 100})
	wantX := []float64{0, 2, 2, 4, 4, 5}
	wantY := []float64{100, 100, 30, 30, 100, 100}
	if fmt.Sprint(xs) != fmt.Sprint(wantX) || fmt.Sprint(ys) != fmt.Sprint(wantY) {
		t.Errorf("steps = %v, %v; want %v, %v", xs, ys, wantX, wantY)
	}
	if xs, _ := steps([]float64{0, 0}); xs != nil {
		t.Errorf("steps of an unreported capacity = %v, want none", xs)
	}

	f := fixture(t)
	brownout := func(runner.StrategyResult) perSecondCapacity {
		return perSecondCapacity{Write: []float64{100, 30, 100}, ProvisionedWrite: []float64{100, 30, 100}}
	}
	flat := func(runner.StrategyResult) perSecondCapacity {
		return perSecondCapacity{Write: []float64{100, 30, 100}}
	}
	b, _ := capacityCharts(f, brownout)
	fl, _ := capacityCharts(f, flat)
	if len(b[0].Lines) != 2 || len(fl[0].Lines) != 2 {
		t.Fatalf("got %d and %d lines, want consumed and provisioned", len(b[0].Lines), len(fl[0].Lines))
	}
	if b[0].Lines[1].D == fl[0].Lines[1].D {
		t.Errorf("the provisioned line ignores the capacity the endpoint reported: %s", b[0].Lines[1].D)
	}
}

func TestScales(t *testing.T) {
	ticks, top := linearTicks(850, 5)
	if top != 1000 || len(ticks) != 6 {
		t.Errorf("linearTicks(850, 5) = %v, %v; want 0..1000 by 200", ticks, top)
	}
	lt, lo, hi := logTicks(0.3, 8593)
	if lo != 0.1 || hi != 10000 || lt[0] != 0.1 || lt[len(lt)-1] != 10000 {
		t.Errorf("logTicks(0.3, 8593) = %v, %v, %v; want decades 0.1 to 10000", lt, lo, hi)
	}
	for _, tt := range []struct {
		x    float64
		want string
	}{{0, "0"}, {nines(50), "50"}, {1, "90"}, {2, "99"}, {3, "99.9"}, {4, "99.99"}} {
		if got := pctLabel(tt.x); got != tt.want {
			t.Errorf("pctLabel(%v) = %q, want %q", tt.x, got, tt.want)
		}
	}
	for _, tt := range []struct {
		v    float64
		want string
	}{{0, "0"}, {0.25, "0.25"}, {1.5, "1.5"}, {500, "500"}, {1500, "1.5k"}, {20000, "20k"}, {2.5e6, "2.5M"}} {
		if got := num(tt.v); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestAttemptsChartShares(t *testing.T) {
	f := &results.File{Strategies: []runner.StrategyResult{{Name: "x", Summary: metrics.Summary{
		Attempts: 7, AttemptsPerOp: 1.75, AttemptsHist: map[int]int64{1: 2, 2: 1, 3: 1},
	}}}}
	c, legend, _ := attemptsChart(f)
	if len(legend) != 3 {
		t.Errorf("legend %v, want 1 to 3 attempts", legend)
	}
	if len(c.Rects) != 3 {
		t.Fatalf("got %d segments, want 3", len(c.Rects))
	}
	if w0, w1 := c.Rects[0].W, c.Rects[1].W; w0 < 1.99*w1 || w0 > 2.01*w1 {
		t.Errorf("segment widths %v and %v, want 2:1 (50%% and 25%%)", w0, w1)
	}
	if !strings.Contains(c.Rects[0].Title, "2 operations (50.0%) took 1 attempt") {
		t.Errorf("tooltip %q", c.Rects[0].Title)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestHTMLShowsSLOs(t *testing.T) {
	f := fixture(t)
	f.SLOs = []slo.Check{
		{Strategy: "none", SLO: "p99 < 100ms", Value: 2353.151, Met: false},
		{Strategy: "none", SLO: "success >= 50%", Value: 60.658, Met: true},
	}
	page := renderHTML(t, f)
	for _, want := range []string{"Service-level objectives", "p99 &lt; 100ms", "2353", `class="text missed">missed`, `class="text met">met`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

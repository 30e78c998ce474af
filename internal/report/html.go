package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

//go:embed report.html.tmpl
var assets embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"n": func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
}).ParseFS(assets, "report.html.tmpl"))

// HTML writes report.html: one self-contained page (inline CSS and SVG, no
// script, no external resource; its Content-Security-Policy forbids any)
// with the run's metadata, the summary table and, per strategy, the latency
// percentile curve, goodput and throttles over time, the distribution of
// attempts per operation and the capacity the endpoint says it consumed
// against what was provisioned. Everything printed is escaped.
func HTML(w io.Writer, f *results.File) error {
	return htmlTemplate.Execute(w, newHTMLView(f))
}

// htmlView is what the template prints; charts are laid out already.
type htmlView struct {
	Title, Headline, Description string
	Interrupted                  bool
	Meta                         []keyValue
	Legend                       []legendItem
	Header                       []string
	Rows                         [][]string
	Latency                      chart
	LatencyNote                  string
	Timelines                    []chart
	TimelineLegend               []legendItem
	Attempts                     chart
	AttemptsLegend               []legendItem
	AttemptsNote                 string
	Capacity                     []chart
	CapacityNote                 string
	Params                       []keyValue
	SLOs                         []sloRow
	ScenarioJSON                 string
	// Generator is the banner: the generator's verdict, nil for files
	// written before it was measured.
	Generator *generatorView
}

type generatorView struct {
	Verdict string // ok, lagging or saturated
	Reasons []string
	Line    string
}

type keyValue struct{ Key, Value string }

type sloRow struct {
	Strategy, SLO, Value string
	Met                  bool
}

type legendItem struct{ Name, Color, Dash string }

func newHTMLView(f *results.File) htmlView {
	v := htmlView{Title: "throttlebench report", Headline: strings.ReplaceAll(headline(f), "**", ""), Interrupted: f.Interrupted}
	if sc := f.Scenario; sc != nil {
		v.Title = "throttlebench: " + sc.Name
		v.Description = sc.Description
	}
	v.Meta = meta(f)
	if g := f.Generator; g != nil {
		v.Generator = &generatorView{Verdict: g.Verdict, Reasons: g.Reasons, Line: g.Summary()}
	}
	for i, s := range f.Strategies {
		c, d := strategyStyle(i)
		v.Legend = append(v.Legend, legendItem{s.Name, c, d})
		v.Params = append(v.Params, keyValue{s.Name, params(s.Params)})
	}
	v.Header, v.Rows = summaryRows(f)
	for _, c := range f.SLOs {
		v.SLOs = append(v.SLOs, sloRow{c.Strategy, c.SLO, strconv.FormatFloat(c.Value, 'g', 4, 64), c.Met})
	}
	v.Latency, v.LatencyNote = latencyChart(f)
	v.Timelines = timelines(f)
	v.TimelineLegend = []legendItem{
		{Name: "offered", Color: colorOffered, Dash: "4 3"},
		{Name: "succeeded (goodput)", Color: colorGoodput},
		{Name: "throttled attempts", Color: colorThrottled},
	}
	v.Attempts, v.AttemptsLegend, v.AttemptsNote = attemptsChart(f)
	v.Capacity, v.CapacityNote = capacityCharts(f, serverSeries)
	if f.Scenario != nil {
		if b, err := json.MarshalIndent(f.Scenario, "", "  "); err == nil {
			v.ScenarioJSON = string(b)
		}
	}
	return v
}

func meta(f *results.File) []keyValue {
	var m []keyValue
	add := func(k, v string) {
		if v != "" {
			m = append(m, keyValue{k, v})
		}
	}
	if sc := f.Scenario; sc != nil {
		add("scenario", sc.Name)
		add("seed", strconv.FormatInt(sc.Seed, 10))
		add("table", tableText(sc.Table))
		add("workload", sc.Workload.Describe())
	}
	add("target", f.Target)
	if !f.Started.IsZero() {
		add("started", f.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if f.Interrupted {
		add("interrupted", "yes: partial results")
	}
	add("throttlebench", f.Tool.Throttlebench)
	if c := servedClients(f); c != "" {
		// Their own SDKs, measured from the server's side: bench's
		// aws-sdk-go-v2 sent none of it.
		add("traffic", c+" (their own SDKs, measured by the fake)")
	} else {
		add("aws-sdk-go-v2", f.Tool.AWSSDK)
		add("service/dynamodb", f.Tool.DynamoDB)
		add("smithy-go", f.Tool.SmithyGo)
	}
	add("Go", f.Tool.Go)
	if mc := f.Machine; mc.OS != "" {
		add("machine", fmt.Sprintf("%s/%s, %d CPUs, %s", mc.OS, mc.Arch, mc.CPUs, mc.Hostname))
	}
	add("schema", strconv.Itoa(f.SchemaVersion))
	return m
}

func tableText(t scenario.Table) string {
	if t.BillingMode == scenario.PayPerRequest {
		return "on demand"
	}
	return fmt.Sprintf("%s, %d RCU / %d WCU", t.BillingMode, t.ReadCapacity, t.WriteCapacity)
}

// params prints resolved strategy parameters as sorted key=value pairs.
func params(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, p[k])
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// latencyChart decodes each strategy's HDR histogram and draws its
// latency at percentiles 0 to 99.99.
func latencyChart(f *results.File) (chart, string) {
	var curves []latencyCurve
	var missing []string
	for i, s := range f.Strategies {
		color, _ := strategyStyle(i)
		cv := latencyCurve{Name: s.Name, Color: color}
		h, err := decodeHistogram(s.Summary.Histogram)
		if err != nil || h.TotalCount() == 0 {
			missing = append(missing, s.Name)
			continue
		}
		for x := 0.0; x <= pctNines+1e-9; x += pctStep {
			q := quantile(x)
			cv.Q = append(cv.Q, q)
			cv.Ms = append(cv.Ms, float64(max(h.ValueAtQuantile(q), h.Min()))/1000)
		}
		curves = append(curves, cv)
	}
	c := percentileChart(curves, 760, 380)
	c.Caption = "From each strategy's HDR histogram: operation latency from its intended start to its final outcome, across every attempt and backoff. The x axis spreads the tail: each step is one more nine."
	note := ""
	if len(missing) > 0 {
		note = "No latency histogram for: " + strings.Join(missing, ", ") + "."
	}
	return c, note
}

func decodeHistogram(b []byte) (*hdrhistogram.Histogram, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("no histogram")
	}
	return hdrhistogram.Decode(b)
}

// Colours of the per-second charts, the same in every strategy's chart.
const (
	colorOffered   = "#8c8c8c"
	colorGoodput   = "#0072B2"
	colorThrottled = "#D55E00"
)

// timelines draws one small chart per strategy of offered operations,
// goodput and throttled attempts per second, on shared axes.
func timelines(f *results.File) []chart {
	var xmax, ymax float64
	for _, s := range f.Strategies {
		for _, sec := range s.Series {
			xmax = math.Max(xmax, float64(sec.T+1))
			ymax = math.Max(ymax, float64(max(sec.Offered, sec.Succeeded, sec.Throttled)))
		}
	}
	var out []chart
	for i, s := range f.Strategies {
		var t, offered, good, thr []float64
		for _, sec := range s.Series {
			t = append(t, float64(sec.T)+0.5)
			offered = append(offered, float64(sec.Offered))
			good = append(good, float64(sec.Succeeded))
			thr = append(thr, float64(sec.Throttled))
		}
		c := lineChart(lineSpec{
			ID: "timeline-" + strconv.Itoa(i), Title: s.Name, XTitle: "second of the run", YTitle: "per second",
			W: 380, H: 220, XMax: xmax, YMax: ymax,
			Series: []series{
				{Name: "offered", Color: colorOffered, Dash: "4 3", X: t, Y: offered},
				{Name: "throttled attempts", Color: colorThrottled, X: t, Y: thr},
				{Name: "succeeded (goodput)", Color: colorGoodput, X: t, Y: good},
			},
		})
		if c.Empty != "" {
			c.Empty = "no per-second series in this file"
		}
		out = append(out, c)
	}
	return out
}

// attemptsChart draws, per strategy, the share of operations that took
// 1, 2, 3... attempts; for files without that distribution
// (metrics.Summary.AttemptsHist), the mean attempts per operation.
func attemptsChart(f *results.File) (chart, []legendItem, string) {
	most := 0
	complete := len(f.Strategies) > 0
	for _, s := range f.Strategies {
		if len(s.Summary.AttemptsHist) == 0 && s.Summary.Attempts > 0 {
			complete = false
		}
		for k := range s.Summary.AttemptsHist {
			most = max(most, k)
		}
	}
	var bars []hbar
	if !complete || most == 0 {
		for i, s := range f.Strategies {
			color, _ := strategyStyle(i)
			m := s.Summary
			bars = append(bars, hbar{Name: s.Name,
				Segments: []rect{{W: m.AttemptsPerOp, Color: color, Title: fmt.Sprintf("%s: %.2f attempts per operation", s.Name, m.AttemptsPerOp)}},
				Note:     fmt.Sprintf("%.2f attempts/op", m.AttemptsPerOp)})
		}
		c := hbarChart("attempts", "Attempts per operation", "attempts per operation (mean)", bars, 0, 760, nil)
		return c, nil, "This results file has no per-operation attempts distribution (attempts_hist, written since bench records it): the bars show the mean."
	}
	colors := shades(most)
	legend := make([]legendItem, most)
	for k := 1; k <= most; k++ {
		name := strconv.Itoa(k) + " attempts"
		if k == 1 {
			name = "1 attempt"
		}
		legend[k-1] = legendItem{Name: name, Color: colors[k-1]}
	}
	for _, s := range f.Strategies {
		m := s.Summary
		var total int64
		for _, n := range m.AttemptsHist {
			total += n
		}
		b := hbar{Name: s.Name, Note: fmt.Sprintf("%.2f attempts/op, %.0f%% retried", m.AttemptsPerOp, 100*retried(m.AttemptsHist, total))}
		keys := make([]int, 0, len(m.AttemptsHist))
		for k := range m.AttemptsHist {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n := m.AttemptsHist[k]
			share := 100 * float64(n) / float64(max(total, 1))
			color := "#bbbbbb" // 0 attempts: ended before the first send
			if k >= 1 {
				color = colors[k-1]
			}
			b.Segments = append(b.Segments, rect{W: share, Color: color,
				Title: fmt.Sprintf("%s: %d operations (%.1f%%) took %d attempt(s)", s.Name, n, share, k)})
		}
		bars = append(bars, b)
	}
	pct := func(v float64) string { return num(v) + "%" }
	c := hbarChart("attempts", "Attempts per operation", "share of operations", bars, 100, 760, pct)
	return c, legend, "Each bar splits the strategy's started operations by the attempts they sent; the darker the segment, the more retries."
}

func retried(hist map[int]int64, total int64) float64 {
	if total == 0 {
		return 0
	}
	var n int64
	for k, v := range hist {
		if k > 1 {
			n += v
		}
	}
	return float64(n) / float64(total)
}

// serverSeries returns the endpoint's per-second view of a strategy's
// first trial, when the results hold one (the embedded fake and bench
// serve report it); capacityCharts then draws consumed against provisioned
// capacity second by second instead of as totals.
func serverSeries(s runner.StrategyResult) perSecondCapacity {
	var c perSecondCapacity
	if s.Server == nil {
		return c
	}
	for _, sec := range s.Server.Series {
		c.Read = append(c.Read, sec.ConsumedReadUnits)
		c.Write = append(c.Write, sec.ConsumedWriteUnits)
		c.ProvisionedRead = append(c.ProvisionedRead, sec.ProvisionedReadUnits)
		c.ProvisionedWrite = append(c.ProvisionedWrite, sec.ProvisionedWriteUnits)
	}
	return c
}

// perSecondCapacity is a table's consumed units per second and, when the
// endpoint reports it, the capacity in effect each second: a brownout
// shows there as a dip, where the scenario's figure would stay flat.
type perSecondCapacity struct {
	Read, Write                       []float64
	ProvisionedRead, ProvisionedWrite []float64
}

// seriesFunc gives a strategy's per-second capacity.
type seriesFunc func(runner.StrategyResult) perSecondCapacity

// capacityCharts compares the capacity the endpoint says each strategy's
// table consumed with the capacity provisioned over the run's span.
// perSecond gives the endpoint's per-second series (serverSeries).
func capacityCharts(f *results.File, perSecond seriesFunc) ([]chart, string) {
	var tbl scenario.Table
	if f.Scenario != nil {
		tbl = f.Scenario.Table
	}
	provisioned := tbl.BillingMode != scenario.PayPerRequest
	var anySeries, anyServer, reads, writes bool
	for _, s := range f.Strategies {
		if c := perSecond(s); len(c.Read)+len(c.Write) > 0 {
			anySeries = true
		}
		if s.Server != nil {
			anyServer = true
			reads = reads || s.Server.ConsumedReadUnits > 0
			writes = writes || s.Server.ConsumedWriteUnits > 0
		}
	}
	if anySeries {
		return capacityTimelines(f, tbl, provisioned, perSecond), "Consumed capacity per second, as the endpoint reports it, against the capacity in effect each second (dashed: what the endpoint reports, which follows a brownout, or else the scenario's provisioned rate)."
	}
	if !anyServer {
		return nil, "The endpoint reported no capacity statistics for this run."
	}
	if !reads && !writes {
		reads, writes = true, true
	}
	var out []chart
	kinds := []struct {
		on       bool
		id, unit string
		capacity int64
		consumed func(*runner.TableStats) float64
	}{
		{reads, "capacity-read", "RCU", tbl.ReadCapacity, func(t *runner.TableStats) float64 { return t.ConsumedReadUnits }},
		{writes, "capacity-write", "WCU", tbl.WriteCapacity, func(t *runner.TableStats) float64 { return t.ConsumedWriteUnits }},
	}
	for _, k := range kinds {
		if !k.on {
			continue
		}
		var bars []hbar
		for i, s := range f.Strategies {
			color, _ := strategyStyle(i)
			b := hbar{Name: s.Name}
			if s.Server == nil {
				b.Note = "no stats"
				bars = append(bars, b)
				continue
			}
			used := k.consumed(s.Server)
			span := spanSeconds(s)
			b.Segments = []rect{{W: used, Color: color, Title: fmt.Sprintf("%s: %.1f %s consumed", s.Name, used, k.unit)}}
			b.Note = fmt.Sprintf("%.0f %s", used, k.unit)
			if provisioned && k.capacity > 0 && span > 0 {
				b.Marker = float64(k.capacity) * span
				b.Note += fmt.Sprintf(" of %.0f (%.0f%%)", b.Marker, 100*used/b.Marker)
			}
			if s.Server.UnitsPerSuccess > 0 {
				b.Note += fmt.Sprintf(", %.2f/success", s.Server.UnitsPerSuccess)
			}
			bars = append(bars, b)
		}
		title := "Consumed " + k.unit
		out = append(out, hbarChart(k.id, title, k.unit+" consumed over the run", bars, 0, 760, nil))
	}
	note := "Bars: capacity units the endpoint charged each strategy's table. "
	if provisioned {
		note += "Dark ticks: provisioned units per second × the run's span (first intended start to last outcome, summed over trials). A token bucket that starts full lets a table consume slightly more than that."
	} else {
		note += "The table is on demand: nothing is provisioned to compare with."
	}
	return out, note
}

// capacityTimelines draws per-second consumed capacity for each strategy
// against the capacity in effect: the endpoint's own per-second figure
// when it reports one, else the scenario's provisioned rate.
func capacityTimelines(f *results.File, tbl scenario.Table, provisioned bool, perSecond seriesFunc) []chart {
	var out []chart
	for i, s := range f.Strategies {
		c := perSecond(s)
		var sr []series
		add := func(name, color string, ys, inEffect []float64, capacity int64) {
			if len(ys) == 0 {
				return
			}
			xs := make([]float64, len(ys))
			for j := range xs {
				xs[j] = float64(j) + 0.5
			}
			sr = append(sr, series{Name: name + " consumed", Color: color, X: xs, Y: ys})
			if !provisioned {
				return
			}
			if px, py := steps(inEffect); len(px) > 0 {
				sr = append(sr, series{Name: name + " provisioned", Color: color, Dash: "4 3", X: px, Y: py})
			} else if capacity > 0 {
				sr = append(sr, series{Name: name + " provisioned", Color: color, Dash: "4 3",
					X: []float64{0, float64(len(ys))}, Y: []float64{float64(capacity), float64(capacity)}})
			}
		}
		add("RCU", colorGoodput, c.Read, c.ProvisionedRead, tbl.ReadCapacity)
		add("WCU", colorThrottled, c.Write, c.ProvisionedWrite, tbl.WriteCapacity)
		ch := lineChart(lineSpec{ID: "capacity-" + strconv.Itoa(i), Title: s.Name, XTitle: "second of the run", YTitle: "units per second", W: 380, H: 220, Series: sr})
		out = append(out, ch)
	}
	return out
}

// steps turns a per-second value into a staircase (each second's value
// held from its start to its end), merging runs of equal values. It
// returns nothing when every value is zero: the endpoint did not report
// the capacity in effect.
func steps(ys []float64) (xs, out []float64) {
	reported := false
	for _, y := range ys {
		reported = reported || y > 0
	}
	if !reported {
		return nil, nil
	}
	for j, y := range ys {
		if j > 0 && y == ys[j-1] {
			xs[len(xs)-1] = float64(j + 1)
			continue
		}
		xs = append(xs, float64(j), float64(j+1))
		out = append(out, y, y)
	}
	return xs, out
}

// spanSeconds is the time the strategy's tables were under load: the sum
// of its trials' spans, or the run's span for a single trial.
func spanSeconds(s runner.StrategyResult) float64 {
	if len(s.Trials) == 0 {
		return s.Summary.SpanS
	}
	var sum float64
	for _, t := range s.Trials {
		sum += t.SpanS
	}
	return sum
}

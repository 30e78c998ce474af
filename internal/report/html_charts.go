package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The HTML report draws its charts as inline SVG laid out here, in Go: the
// file needs no script, no font and no network, renders the same in any
// browser (or with scripts off), and every coordinate is testable. The
// template only prints the shapes below; all text goes through
// html/template's escaping.

// chart is one SVG figure: shapes in pixel coordinates of a W×H view box.
type chart struct {
	ID      string // data-chart attribute, for tests and styling
	Title   string
	W, H    float64
	Rules   []rule  // grid lines and axes
	Marks   []rule  // reference marks drawn over the data
	Lines   []line  // data series
	Rects   []rect  // bars
	Texts   []label // tick labels, axis titles, bar labels
	Caption string
	Empty   string // drawn instead of data when there is none
}

// Mid is the chart's horizontal centre.
func (c chart) Mid() float64 { return c.W / 2 }

type rule struct{ X1, Y1, X2, Y2 float64 }

type line struct {
	Name, Color, Dash string
	Width             float64
	D                 string // SVG path data, never empty
}

type rect struct {
	X, Y, W, H float64
	Color      string
	Title      string
}

type label struct {
	X, Y   float64
	Anchor string // start, middle or end
	Class  string // tick, axis, value, name
	Text   string
	Rotate bool // vertical axis title
}

// box is a plot area inside a chart.
type box struct{ X, Y, W, H float64 }

// scale maps data values to pixels along one axis.
type scale struct {
	lo, hi     float64 // data range
	p0, p1     float64 // pixel range
	log        bool
	tickLabels func(v float64) string
}

func (s scale) at(v float64) float64 {
	lo, hi := s.lo, s.hi
	if s.log {
		v, lo, hi = math.Log10(math.Max(v, s.lo)), math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return s.p0
	}
	return s.p0 + (v-lo)/(hi-lo)*(s.p1-s.p0)
}

// niceStep returns a 1-2-5 step giving about n intervals over span.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// linearTicks returns the ticks of a linear axis from 0 and the rounded-up
// maximum it implies.
func linearTicks(max float64, n int) ([]float64, float64) {
	if max <= 0 {
		max = 1
	}
	step := niceStep(max, n)
	top := math.Ceil(max/step-1e-9) * step
	var ticks []float64
	for v := 0.0; v <= top+step/2; v += step {
		ticks = append(ticks, v)
	}
	return ticks, top
}

// logTicks returns 1-2-5 ticks covering [lo, hi] and the decade-rounded
// range; fewer per decade when the range spans many decades.
func logTicks(lo, hi float64) ([]float64, float64, float64) {
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	mults := []float64{1, 2, 5}
	if math.Log10(hi/lo) > 3 {
		mults = []float64{1}
	}
	var ticks []float64
	for d := lo; d <= hi*1.0001; d *= 10 {
		for _, m := range mults {
			if v := d * m; v <= hi*1.0001 {
				ticks = append(ticks, v)
			}
		}
	}
	return ticks, lo, hi
}

// num prints a tick or value compactly: 0.5, 2, 1.5k, 20k.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return decimal(v/1e6, 1) + "M"
	case a >= 1e4:
		return decimal(v/1e3, 0) + "k"
	case a >= 1e3:
		return decimal(v/1e3, 1) + "k"
	case a >= 10 || a == 0:
		return decimal(v, 0)
	case a >= 1:
		return decimal(v, 1)
	case a >= 0.01:
		return decimal(v, 2)
	}
	return decimal(v, 3)
}

// pathData builds "M x y L x y ..." from points, one decimal each.
func pathData(xs, ys []float64) string {
	var b strings.Builder
	for i := range xs {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString("L")
		}
		b.WriteString(strconv.FormatFloat(xs[i], 'f', 1, 64))
		b.WriteString(" ")
		b.WriteString(strconv.FormatFloat(ys[i], 'f', 1, 64))
	}
	return b.String()
}

// axes adds grid lines, ticks and axis titles for x and y over plot p.
func (c *chart) axes(p box, x, y scale, xTicks, yTicks []float64, xTitle, yTitle string) {
	for _, v := range yTicks {
		py := y.at(v)
		c.Rules = append(c.Rules, rule{p.X, py, p.X + p.W, py})
		c.Texts = append(c.Texts, label{X: p.X - 6, Y: py + 4, Anchor: "end", Class: "tick", Text: y.tickLabels(v)})
	}
	for _, v := range xTicks {
		px := x.at(v)
		c.Rules = append(c.Rules, rule{px, p.Y + p.H, px, p.Y + p.H + 4})
		c.Texts = append(c.Texts, label{X: px, Y: p.Y + p.H + 16, Anchor: "middle", Class: "tick", Text: x.tickLabels(v)})
	}
	c.Rules = append(c.Rules, rule{p.X, p.Y + p.H, p.X + p.W, p.Y + p.H}, rule{p.X, p.Y, p.X, p.Y + p.H})
	if xTitle != "" {
		c.Texts = append(c.Texts, label{X: p.X + p.W/2, Y: p.Y + p.H + 32, Anchor: "middle", Class: "axis", Text: xTitle})
	}
	if yTitle != "" {
		c.Texts = append(c.Texts, label{X: 14, Y: p.Y + p.H/2, Anchor: "middle", Class: "axis", Text: yTitle, Rotate: true})
	}
}

// series is one named line of (x, y) points for lineChart.
type series struct {
	Name, Color, Dash string
	X, Y              []float64
}

// lineSpec describes a line chart with linear axes from 0.
type lineSpec struct {
	ID, Title, XTitle, YTitle string
	W, H                      float64
	XMax, YMax                float64 // 0: from the data
	Series                    []series
	XLabel                    func(float64) string // default num
}

// lineChart draws series on linear axes starting at 0.
func lineChart(s lineSpec) chart {
	c := chart{ID: s.ID, Title: s.Title, W: s.W, H: s.H}
	p := box{X: 52, Y: 10, W: s.W - 64, H: s.H - 52}
	xmax, ymax := s.XMax, s.YMax
	points := 0
	for _, sr := range s.Series {
		for i := range sr.X {
			xmax, ymax = math.Max(xmax, sr.X[i]), math.Max(ymax, sr.Y[i])
		}
		points += len(sr.X)
	}
	if points == 0 {
		c.Empty = "no data"
		return c
	}
	// x ends at the data (a run's last second), y at a round number.
	xt, _ := linearTicks(xmax, int(p.W/70))
	for len(xt) > 1 && xt[len(xt)-1] > xmax {
		xt = xt[:len(xt)-1]
	}
	xtop := xmax
	yt, ytop := linearTicks(ymax, int(p.H/40))
	xl := s.XLabel
	if xl == nil {
		xl = num
	}
	x := scale{lo: 0, hi: xtop, p0: p.X, p1: p.X + p.W, tickLabels: xl}
	y := scale{lo: 0, hi: ytop, p0: p.Y + p.H, p1: p.Y, tickLabels: num}
	c.axes(p, x, y, xt, yt, s.XTitle, s.YTitle)
	for _, sr := range s.Series {
		if len(sr.X) == 0 {
			continue
		}
		px, py := make([]float64, len(sr.X)), make([]float64, len(sr.X))
		for i := range sr.X {
			px[i], py[i] = x.at(sr.X[i]), y.at(sr.Y[i])
		}
		c.Lines = append(c.Lines, line{Name: sr.Name, Color: sr.Color, Dash: sr.Dash, Width: 1.5, D: pathData(px, py)})
	}
	return c
}

// Percentile axis of the latency curve: x = log10(1/(1-q)), so 0, 90,
// 99, 99.9 and 99.99 are evenly spaced and the tail gets the room.
const (
	pctNines = 4.0  // up to 99.99
	pctStep  = 0.02 // 201 points per curve
)

func nines(q float64) float64    { return -math.Log10(1 - q/100) }
func quantile(x float64) float64 { return 100 * (1 - math.Pow(10, -x)) }

// pctLabel names a percentile tick: 0, 50, 90, 99, 99.9, 99.99.
func pctLabel(x float64) string { return decimal(quantile(x), 2) }

// latencyCurve is one strategy's latency at each percentile, ms.
type latencyCurve struct {
	Name, Color string
	Q, Ms       []float64 // percentiles (0 to 100) and their latencies
}

// percentileChart draws latency (log scale, ms) against percentile.
func percentileChart(curves []latencyCurve, w, h float64) chart {
	c := chart{ID: "latency", Title: "Operation latency by percentile", W: w, H: h}
	p := box{X: 58, Y: 10, W: w - 74, H: h - 52}
	lo, hi := math.Inf(1), 0.0
	for _, cv := range curves {
		for _, v := range cv.Ms {
			lo, hi = math.Min(lo, math.Max(v, 0.001)), math.Max(hi, v)
		}
	}
	if hi == 0 {
		c.Empty = "no latencies recorded"
		return c
	}
	yt, ylo, yhi := logTicks(lo, hi)
	x := scale{lo: 0, hi: pctNines, p0: p.X, p1: p.X + p.W, tickLabels: pctLabel}
	y := scale{lo: ylo, hi: yhi, p0: p.Y + p.H, p1: p.Y, log: true, tickLabels: num}
	c.axes(p, x, y, []float64{0, nines(50), 1, 2, 3, 4}, yt, "percentile", "latency, ms (log)")
	for _, cv := range curves {
		if len(cv.Q) == 0 {
			continue
		}
		px, py := make([]float64, len(cv.Q)), make([]float64, len(cv.Q))
		for i := range cv.Q {
			px[i], py[i] = x.at(nines(cv.Q[i])), y.at(cv.Ms[i])
		}
		c.Lines = append(c.Lines, line{Name: cv.Name, Color: cv.Color, Width: 2, D: pathData(px, py)})
	}
	return c
}

// hbar is one row of a horizontal bar chart: segments laid end to end.
type hbar struct {
	Name     string
	Segments []rect // only W (as a data value), Color and Title are read
	Marker   float64
	Note     string // printed after the bar
}

// hbarChart draws one labelled row per bar, on a shared linear x axis from
// 0 to max (0: from the data); markers are drawn as short dark rules.
func hbarChart(id, title, xTitle string, bars []hbar, max float64, w float64, xLabel func(float64) string) chart {
	const rowH, top, nameW, noteW = 26.0, 8.0, 150.0, 200.0
	h := top + rowH*float64(len(bars)) + 40
	c := chart{ID: id, Title: title, W: w, H: h}
	p := box{X: nameW, Y: top, W: w - nameW - noteW, H: rowH * float64(len(bars))}
	for _, b := range bars {
		var sum float64
		for _, s := range b.Segments {
			sum += s.W
		}
		max = math.Max(max, math.Max(sum, b.Marker))
	}
	if len(bars) == 0 || max == 0 {
		c.Empty = "no data"
		return c
	}
	if xLabel == nil {
		xLabel = num
	}
	ticks, topV := linearTicks(max, int(p.W/70))
	x := scale{lo: 0, hi: topV, p0: p.X, p1: p.X + p.W, tickLabels: xLabel}
	for _, v := range ticks {
		px := x.at(v)
		c.Rules = append(c.Rules, rule{px, p.Y, px, p.Y + p.H + 4})
		c.Texts = append(c.Texts, label{X: px, Y: p.Y + p.H + 16, Anchor: "middle", Class: "tick", Text: xLabel(v)})
	}
	c.Texts = append(c.Texts, label{X: p.X + p.W/2, Y: p.Y + p.H + 32, Anchor: "middle", Class: "axis", Text: xTitle})
	for i, b := range bars {
		y := p.Y + float64(i)*rowH
		c.Texts = append(c.Texts, label{X: p.X - 8, Y: y + rowH/2 + 4, Anchor: "end", Class: "name", Text: b.Name})
		at := 0.0
		for _, s := range b.Segments {
			x0, x1 := x.at(at), x.at(at+s.W)
			at += s.W
			if s.W <= 0 {
				continue
			}
			c.Rects = append(c.Rects, rect{X: x0, Y: y + 4, W: math.Max(x1-x0, 0.5), H: rowH - 8, Color: s.Color, Title: s.Title})
		}
		if b.Marker > 0 {
			mx := x.at(b.Marker)
			c.Marks = append(c.Marks, rule{mx, y + 1, mx, y + rowH - 1})
		}
		end := math.Max(x.at(at), x.at(b.Marker))
		if b.Note != "" {
			c.Texts = append(c.Texts, label{X: end + 6, Y: y + rowH/2 + 4, Anchor: "start", Class: "value", Text: b.Note})
		}
	}
	return c
}

// palette holds distinguishable colours (Okabe–Ito, yellow left out for
// contrast on white); strategies beyond it reuse colours with dashes.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"}

// StrategyStyle returns the colour and SVG dash pattern ("" for solid) of
// the i-th strategy (0-based) in report.html, for other views of a run
// (the live dashboard) to match it.
func StrategyStyle(i int) (color, dash string) { return strategyStyle(i) }

func strategyStyle(i int) (color, dash string) {
	color = palette[i%len(palette)]
	if i >= len(palette) {
		dash = "6 3"
	}
	return color, dash
}

// shades returns n blues from light to dark, for ordered categories.
func shades(n int) []string {
	out := make([]string, n)
	for i := range out {
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		// from #c6dbef to #08306b
		r := 0xc6 + t*(0x08-0xc6)
		g := 0xdb + t*(0x30-0xdb)
		b := 0xef + t*(0x6b-0xef)
		out[i] = fmt.Sprintf("#%02x%02x%02x", int(r), int(g), int(b))
	}
	return out
}

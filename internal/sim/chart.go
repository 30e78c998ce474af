package sim

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Chart is a self-contained SVG of line-chart panels stacked vertically,
// for the backoff experiment and bench sweep. Values must be finite.
type Chart struct {
	Title  string
	Panels []Panel
}

// Panel is one line chart.
type Panel struct {
	Title, XLabel, YLabel string
	Lines                 []Line
	// Marks are vertical dashed lines, e.g. where a strategy falls over;
	// Line names a line whose colour the mark takes.
	Marks []Mark
}

// Line is one series of points, drawn in X order as given.
type Line struct {
	Name string
	X, Y []float64
}

// Mark is a vertical marker at X.
type Mark struct {
	Line  string
	X     float64
	Label string
}

// palette is colour-blind safe (Okabe-Ito), as the HTML report's.
var palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"}

// Chart geometry, in SVG user units.
const (
	chartW      = 760.0
	panelH      = 300.0
	marginLeft  = 70.0
	marginRight = 170.0
	marginTop   = 36.0
	marginBot   = 46.0
)

// WriteSVG writes c as an SVG document.
func (c Chart) WriteSVG(w io.Writer) error {
	var b strings.Builder
	h := 30 + panelH*float64(len(c.Panels))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", chartW, h, chartW, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%g" y="20" font-size="15" font-weight="bold" text-anchor="middle">%s</text>`+"\n", chartW/2, html.EscapeString(c.Title))
	for i, p := range c.Panels {
		p.write(&b, 30+panelH*float64(i))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func (p Panel) write(b *strings.Builder, top float64) {
	x0, x1 := marginLeft, chartW-marginRight
	y0, y1 := top+panelH-marginBot, top+marginTop
	xmin, xmax, ymax := math.Inf(1), math.Inf(-1), 0.0
	for _, l := range p.Lines {
		for i := range l.X {
			xmin, xmax = math.Min(xmin, l.X[i]), math.Max(xmax, l.X[i])
			ymax = math.Max(ymax, l.Y[i])
		}
	}
	for _, m := range p.Marks {
		xmin, xmax = math.Min(xmin, m.X), math.Max(xmax, m.X)
	}
	if math.IsInf(xmin, 0) {
		xmin, xmax = 0, 1
	}
	if xmin == xmax {
		xmin, xmax = xmin-1, xmax+1
	}
	xmin = math.Min(xmin, 0)
	ystep := niceStep(ymax, 5)
	ytop := math.Max(ystep, math.Ceil(ymax/ystep)*ystep)
	xstep := niceStep(xmax-xmin, 8)
	sx := func(v float64) float64 { return x0 + (v-xmin)/(xmax-xmin)*(x1-x0) }
	sy := func(v float64) float64 { return y0 - v/ytop*(y0-y1) }
	fmt.Fprintf(b, `<text x="%g" y="%g" font-size="13" font-weight="bold">%s</text>`+"\n", x0, top+20, html.EscapeString(p.Title))
	for v := 0.0; v <= ytop+ystep/2; v += ystep {
		fmt.Fprintf(b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/><text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n",
			x0, sy(v), x1, sy(v), x0-6, sy(v)+4, tick(v))
	}
	for v := math.Ceil(xmin/xstep) * xstep; v <= xmax+xstep/1e6; v += xstep {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#999"/><text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n",
			sx(v), y0, sx(v), y0+4, sx(v), y0+17, tick(v))
	}
	fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/><line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#333"/>`+"\n", x0, y0, x1, y0, x0, y0, x0, y1)
	fmt.Fprintf(b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, y0+36, html.EscapeString(p.XLabel))
	fmt.Fprintf(b, `<text transform="translate(%g %g) rotate(-90)" text-anchor="middle">%s</text>`+"\n", x0-52, (y0+y1)/2, html.EscapeString(p.YLabel))
	colour := map[string]string{}
	for i, l := range p.Lines {
		c := palette[i%len(palette)]
		colour[l.Name] = c
		var d strings.Builder
		for j := range l.X {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%.1f %.1f", cmd, sx(l.X[j]), sy(l.Y[j]))
		}
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", d.String(), c)
		for j := range l.X {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", sx(l.X[j]), sy(l.Y[j]), c)
		}
		ly := y1 + 16*float64(i)
		fmt.Fprintf(b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="%s" stroke-width="3"/><text x="%g" y="%g">%s</text>`+"\n",
			x1+12, ly, x1+32, ly, c, x1+38, ly+4, html.EscapeString(l.Name))
	}
	for _, m := range p.Marks {
		c := colour[m.Line]
		if c == "" {
			c = "#333"
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="%s" stroke-dasharray="5 4"/>`+"\n", sx(m.X), y0, sx(m.X), y1, c)
		if m.Label != "" {
			fmt.Fprintf(b, `<text x="%.1f" y="%g" fill="%s" font-size="10" transform="rotate(-90 %.1f %g)">%s</text>`+"\n",
				sx(m.X)-3, y1+4, c, sx(m.X)-3, y1+4, html.EscapeString(m.Label))
		}
	}
}

// niceStep returns a step of 1, 2 or 5 times a power of ten that cuts span
// into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func tick(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%.4g", v)
}

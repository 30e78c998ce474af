package sweep

import (
	"fmt"
	"io"
	"strings"

	"github.com/throttlebench/throttlebench/internal/sim"
)

// WriteTable writes one line per answer: the strategy, the answer (or
// what the search could say instead) and its bracket.
func WriteTable(w io.Writer, answers []Answer) error {
	if len(answers) == 0 {
		return nil
	}
	head := "max sustainable rate (ops/s)"
	switch a := answers[0]; {
	case a.AutoScaling == ScaleTarget:
		head = fmt.Sprintf("highest %s target utilization (%%)", a.Dimension)
	case a.AutoScaling == ScaleMin:
		head = fmt.Sprintf("least %s minimum capacity (units)", a.Dimension)
	case a.Capacity:
		head = fmt.Sprintf("capacity needed at %g ops/s (units)", a.TargetRate)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-36s %-24s %5s  %s\n", "strategy", head, "bracket (met / missed)", "runs", "status")
	for _, a := range answers {
		value := "-"
		if a.Value > 0 && a.Status != NoneMeets {
			value = num(a.Value)
			if a.Status == AllMeet {
				value = ">= " + value // beyond the range's top
				if a.Capacity || a.AutoScaling == ScaleMin {
					value = "<= " + num(a.Value) // below the range's bottom
				}
			}
		}
		bracket := fmt.Sprintf("%s / %s", orDash(a.Met), orDash(a.Missed))
		fmt.Fprintf(&b, "%-22s %-36s %-24s %5d  %s\n", a.Strategy, value, bracket, a.Runs, a.Status)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(v float64) string {
	if v == 0 {
		return "-"
	}
	return num(v)
}

func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// Chart plots goodput and p99 against the searched value for every
// strategy, marking each answer (the knee, where the strategy falls over).
func Chart(title string, answers []Answer) sim.Chart {
	xl := "offered rate (ops/s)"
	if len(answers) > 0 {
		switch a := answers[0]; {
		case a.AutoScaling == ScaleTarget:
			xl = "auto scaling target utilization (%)"
		case a.AutoScaling == ScaleMin:
			xl = "auto scaling minimum capacity (units)"
		case a.Capacity:
			xl = "provisioned capacity (units)"
		}
	}
	good := sim.Panel{Title: "Goodput", XLabel: xl, YLabel: "successful ops/s"}
	p99 := sim.Panel{Title: "p99 latency (from intended start)", XLabel: xl, YLabel: "ms"}
	for _, a := range answers {
		g, p := sim.Line{Name: a.Strategy}, sim.Line{Name: a.Strategy}
		for _, pt := range a.Points {
			g.X, g.Y = append(g.X, pt.X), append(g.Y, pt.Goodput)
			p.X, p.Y = append(p.X, pt.X), append(p.Y, pt.P99)
		}
		good.Lines, p99.Lines = append(good.Lines, g), append(p99.Lines, p)
		if a.Value > 0 && a.Status != NoneMeets {
			m := sim.Mark{Line: a.Strategy, X: a.Value, Label: a.Strategy + " " + num(a.Value)}
			good.Marks, p99.Marks = append(good.Marks, m), append(p99.Marks, m)
		}
	}
	return sim.Chart{Title: title, Panels: []sim.Panel{good, p99}}
}

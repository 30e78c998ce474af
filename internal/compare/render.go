package compare

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/throttlebench/throttlebench/internal/stats"
)

// Write renders the comparison: a table of per-strategy deltas, then
// notes, the method, and each broken (FAIL) or not significant (~) rule.
func (r *Result) Write(w io.Writer) error {
	header := []string{"strategy", "metric", "baseline", "current", "delta", "test"}
	align := tw.Alignment{tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	for _, s := range r.Strategies {
		first := true
		for _, row := range s.Rows {
			if !row.Metric.Shown && !r.ruleNames(row.Metric) {
				continue
			}
			name := ""
			if first {
				name, first = s.Name, false
			}
			if err := t.Append([]string{
				name, row.Metric.Label,
				formatCenter(row.Metric, row.Base, s.Tested),
				formatCenter(row.Metric, row.Cur, s.Tested),
				r.delta(row), testCell(s, row),
			}); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	var lines []string
	for _, s := range r.Strategies {
		if len(s.ParamChanges) > 0 {
			lines = append(lines, fmt.Sprintf("%s: parameters differ: %s", s.Name, strings.Join(s.ParamChanges, ", ")))
		}
	}
	if len(r.OnlyBase) > 0 {
		lines = append(lines, "only in baseline (not compared): "+quoted(r.OnlyBase))
	}
	if len(r.OnlyCurrent) > 0 {
		lines = append(lines, "only in current (not compared): "+quoted(r.OnlyCurrent))
	}
	lines = append(lines, r.Notes...)
	lines = append(lines, r.method()...)
	for _, line := range lines {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	if len(r.Rules) == 0 {
		return nil
	}
	for _, v := range r.Broken {
		fmt.Fprintf(w, "FAIL %s\n", v)
	}
	for _, v := range r.Marked {
		fmt.Fprintf(w, "~    %s\n", v)
	}
	_, err := fmt.Fprintln(w, r.Verdict())
	return err
}

// Verdict is the comparison's conclusion in one line.
func (r *Result) Verdict() string {
	rules := make([]string, len(r.Rules))
	for i, rule := range r.Rules {
		rules[i] = rule.Text
	}
	checks := len(r.Rules) * len(r.Strategies)
	if len(r.Broken) == 0 {
		marked := ""
		if len(r.Marked) > 0 {
			marked = fmt.Sprintf(", %d of them only because a change is not significant", len(r.Marked))
		}
		return fmt.Sprintf("ok: %d of %d rule checks hold (%s on %d strategies%s)", checks, checks, strings.Join(rules, " "), len(r.Strategies), marked)
	}
	var broken []string
	for _, v := range r.Broken {
		broken = append(broken, v.Strategy+" "+v.Rule.Text)
	}
	return fmt.Sprintf("regression: %d of %d rule checks broken: %s", len(r.Broken), checks, strings.Join(broken, ", "))
}

// String describes a verdict: strategy, metric, baseline → current,
// change, rule and test.
func (v Verdict) String() string {
	m := v.Row.Metric
	s := fmt.Sprintf("%s %s: %s → %s (%s)", v.Strategy, m.Name,
		formatValue(m, v.Row.Base.Center)+unitSuffix(m), formatValue(m, v.Row.Cur.Center)+unitSuffix(m),
		v.Rule.FormatChange(v.Change))
	if v.NotSignif {
		return fmt.Sprintf("%s would break %s but is not significant (%s): not failing", s, v.Rule.Text, testString(v.Row.Test))
	}
	s += " breaks " + v.Rule.Text
	if v.Row.Test != nil {
		s += " (" + testString(v.Row.Test) + ")"
	}
	return s
}

func (r *Result) ruleNames(m *Metric) bool {
	for _, rule := range r.Rules {
		if rule.Metric == m {
			return true
		}
	}
	return false
}

// delta is the change of the centers: percentage points for proportions,
// percent otherwise; "~" when the U-test finds no significant difference.
func (r *Result) delta(row Row) string {
	if !row.Significant(r.Alpha) {
		return "~"
	}
	b, c := row.Base.Center, row.Cur.Center
	if row.Metric.Proportion {
		return fmt.Sprintf("%+.2fpp", c-b)
	}
	return pct(relChange(b, c))
}

func testCell(s Strategy, row Row) string {
	if row.Test != nil {
		return testString(row.Test)
	}
	return sizes(s.BaseTrials, s.CurTrials)
}

func testString(t *stats.UTest) string {
	return fmt.Sprintf("p=%.3f %s", t.P, sizes(t.N1, t.N2))
}

func sizes(n1, n2 int) string {
	if n1 == n2 {
		return fmt.Sprintf("n=%d", n1)
	}
	return fmt.Sprintf("n=%d+%d", n1, n2)
}

// method explains how the numbers were compared, and what limits them.
func (r *Result) method() []string {
	var tested, single, mixed []string
	minTrials, unreachable := math.MaxInt, ""
	for _, s := range r.Strategies {
		switch {
		case s.Tested:
			tested = append(tested, s.Name)
			minTrials = min(minTrials, s.BaseTrials, s.CurTrials)
			if stats.UTestMinP(s.BaseTrials, s.CurTrials) > r.Alpha && unreachable == "" {
				unreachable = sizes(s.BaseTrials, s.CurTrials)
			}
		case s.BaseTrials == 1 && s.CurTrials == 1:
			single = append(single, s.Name)
		default:
			mixed = append(mixed, fmt.Sprintf("%s (%s)", s.Name, sizes(s.BaseTrials, s.CurTrials)))
		}
	}
	var out []string
	if len(tested) > 0 {
		which := ""
		if len(tested) < len(r.Strategies) {
			which = " for " + strings.Join(tested, ", ")
		}
		out = append(out, fmt.Sprintf("medians of the trials ± %.0f%% confidence interval%s; ~: not significant (Mann-Whitney U-test, two-sided, alpha %g)",
			100*r.Confidence, which, r.Alpha))
		if need := stats.MedianCISamples(r.Confidence); minTrials < need {
			out = append(out, fmt.Sprintf("±∞: need >= %d trials per side for a %.0f%% confidence interval", need, 100*r.Confidence))
		}
		if unreachable != "" {
			out = append(out, fmt.Sprintf("warning: with %s trials no difference can be significant at alpha %g (need >= %d per side): no rule can fail",
				unreachable, r.Alpha, stats.UTestSamples(r.Alpha)))
		}
	}
	if len(single) > 0 {
		which := ""
		if len(single) < len(r.Strategies) {
			which = " for " + strings.Join(single, ", ")
		}
		out = append(out, fmt.Sprintf("one trial per side%s: single values compared, no significance test (run both with --trials 6 or more for medians, intervals and U-tests)", which))
	}
	if len(mixed) > 0 {
		out = append(out, fmt.Sprintf("trials on one side only for %s: merged summaries compared, no significance test", strings.Join(mixed, ", ")))
	}
	return out
}

func formatCenter(m *Metric, s stats.Summary, tested bool) string {
	v := formatValue(m, s.Center)
	if !tested {
		return v
	}
	return v + " ±" + s.RangePct()
}

func formatValue(m *Metric, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case m.Proportion:
		return strconv.FormatFloat(v, 'f', 2, 64) + "%"
	case m.Latency:
		switch {
		case v >= 100:
			return strconv.FormatFloat(v, 'f', 0, 64)
		case v >= 10:
			return strconv.FormatFloat(v, 'f', 1, 64)
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	case m.Name == "attempts_per_op":
		return strconv.FormatFloat(v, 'f', 3, 64)
	case m.Name == "goodput":
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func unitSuffix(m *Metric) string {
	if m.Latency {
		return " ms"
	}
	return ""
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

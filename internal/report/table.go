// Package report renders results. Reporters only render: every number they
// print is already in the results file.
package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/throttlebench/throttlebench/internal/results"
)

// Table writes one row per strategy: operations offered, success, goodput,
// attempts per operation, throttled attempts, operation latency
// percentiles (from the intended start, across every attempt and backoff),
// failures by outcome and, when a transaction was cancelled, cancelled
// attempts by cancellation reason.
func Table(w io.Writer, f *results.File) error {
	header := []string{"strategy", "offered", "succeeded", "goodput/s", "attempts/op", "throttled attempts", "p50 ms", "p99 ms", "max ms", "failures"}
	cancels := hasCancellations(f)
	if cancels {
		header = append(header, "cancellations")
	}
	align := make(tw.Alignment, len(header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0] = tw.AlignLeft
	align[9] = tw.AlignLeft
	align[len(align)-1] = tw.AlignLeft
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
	)
	t.Header(header)
	for _, s := range f.Strategies {
		m := s.Summary
		cells := []string{
			s.Name,
			strconv.FormatInt(s.Offered, 10),
			fmt.Sprintf("%.1f%%", m.SuccessPct),
			fmt.Sprintf("%.1f", m.GoodputPerS),
			fmt.Sprintf("%.2f", m.AttemptsPerOp),
			strconv.FormatInt(m.ThrottledAttempts, 10),
			ms(m.LatencyMs.P50),
			ms(m.LatencyMs.P99),
			ms(m.LatencyMs.Max),
			failures(m.Failed),
		}
		if cancels {
			cells = append(cells, failures(m.Cancellations))
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return generatorLine(w, f)
}

// generatorLine writes the generator's verdict under a table, when the
// file has one: ok with its figures, or saturated with the reasons.
func generatorLine(w io.Writer, f *results.File) error {
	if f.Generator == nil {
		return nil
	}
	_, err := fmt.Fprintln(w, f.Generator.Summary())
	return err
}

// ms formats milliseconds with precision that suits their size.
func ms(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// hasCancellations reports whether a strategy of f saw a transaction
// cancelled: the reports then show cancellations by reason.
func hasCancellations(f *results.File) bool {
	for _, s := range f.Strategies {
		if len(s.Summary.Cancellations) > 0 {
			return true
		}
	}
	return false
}

// failures lists failure counts by outcome (or cancellations by reason),
// largest first.
func failures(f map[string]int64) string {
	type kv struct {
		k string
		v int64
	}
	var all []kv
	for k, v := range f {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	parts := make([]string, len(all))
	for i, e := range all {
		name := e.k
		if short, ok := shortOutcome[name]; ok {
			name = short
		}
		parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(name, "_", " "), e.v)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// shortOutcome abbreviates long outcome names for the table.
var shortOutcome = map[string]string{"retry_quota_exhausted": "quota"}

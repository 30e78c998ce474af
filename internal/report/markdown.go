package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/throttlebench/throttlebench/internal/results"
)

// Markdown writes summary.md: a one-line header naming the scenario, the
// SDK and Go versions and the run's date, then a GitHub-flavoured Markdown
// table with one row per strategy, ready to paste into a pull request.
func Markdown(w io.Writer, f *results.File) error {
	var b strings.Builder
	b.WriteString(headline(f))
	b.WriteString("\n\n")
	header, rows := summaryRows(f)
	row(&b, header)
	align := make([]string, len(header))
	for i, h := range header {
		align[i] = "---:"
		if h == "strategy" || h == "failures" || h == "cancellations" {
			align[i] = "---"
		}
	}
	row(&b, align)
	for _, r := range rows {
		row(&b, r)
	}
	if g := f.Generator; g != nil {
		line := mdEscape(g.Summary())
		if !g.OK() {
			line = "**" + line + "**"
		}
		b.WriteString("\n" + line + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryRows are the cells of the summary Markdown and HTML show: one
// row per strategy, numbers rounded for reading.
func summaryRows(f *results.File) (header []string, rows [][]string) {
	server := hasServer(f)
	header = []string{"strategy", "offered", "succeeded", "goodput/s", "attempts/op", "retry share",
		"throttled attempts", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "backoff ms/op", "failures"}
	if server {
		header = append(header, "units/success")
	}
	cancels := hasCancellations(f)
	if cancels {
		header = append(header, "cancellations")
	}
	for _, s := range f.Strategies {
		m := s.Summary
		cells := []string{
			s.Name,
			strconv.FormatInt(s.Offered, 10),
			fmt.Sprintf("%.1f%%", m.SuccessPct),
			fmt.Sprintf("%.1f", m.GoodputPerS),
			fmt.Sprintf("%.2f", m.AttemptsPerOp),
			fmt.Sprintf("%.0f%%", 100*m.RetryShare),
			strconv.FormatInt(m.ThrottledAttempts, 10),
			ms(m.LatencyMs.P50),
			ms(m.LatencyMs.P90),
			ms(m.LatencyMs.P99),
			ms(m.LatencyMs.P999),
			ms(m.LatencyMs.Max),
			ms(m.BackoffMsPerOp),
			failures(m.Failed),
		}
		if server {
			cell := "-"
			if s.Server != nil {
				cell = fmt.Sprintf("%.2f", s.Server.UnitsPerSuccess)
			}
			cells = append(cells, cell)
		}
		if cancels {
			cells = append(cells, failures(m.Cancellations))
		}
		rows = append(rows, cells)
	}
	return header, rows
}

// headline is the one line that says what was run, with what, and when.
func headline(f *results.File) string {
	name := "(unnamed scenario)"
	if f.Scenario != nil && f.Scenario.Name != "" {
		name = f.Scenario.Name
	}
	parts := []string{"**" + mdEscape(name) + "**"}
	if c := servedClients(f); c != "" {
		// The clients brought their own SDKs; bench's is not theirs.
		parts = append(parts, mdEscape(c))
	} else if v := f.Tool.AWSSDK; v != "" {
		sdk := "aws-sdk-go-v2 " + v
		if f.Tool.DynamoDB != "" {
			sdk += " (dynamodb " + f.Tool.DynamoDB + ")"
		}
		parts = append(parts, mdEscape(sdk))
	}
	if f.Tool.Go != "" {
		parts = append(parts, mdEscape(f.Tool.Go))
	}
	if !f.Started.IsZero() {
		parts = append(parts, f.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if f.Interrupted {
		parts = append(parts, "interrupted: partial results")
	}
	return strings.Join(parts, " · ")
}

// servedClients says, for served traffic (bench serve -results, bench run
// --exec), whose traffic it was: "served traffic of 2 clients: a, b"; ""
// for a run of bench's own strategies.
func servedClients(f *results.File) string {
	if len(f.Served) == 0 {
		return ""
	}
	names := make([]string, len(f.Served))
	for i, c := range f.Served {
		names[i] = c.Client
	}
	n := "1 client"
	if len(names) != 1 {
		n = strconv.Itoa(len(names)) + " clients"
	}
	return "served traffic of " + n + ": " + strings.Join(names, ", ")
}

func row(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + mdEscape(c) + " |")
	}
	b.WriteString("\n")
}

// mdEscape keeps a cell one cell: pipes escaped, newlines flattened, and
// characters Markdown would format taken literally.
var mdEscape = strings.NewReplacer(
	"|", `\|`, "\n", " ", "\r", " ", `\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;",
).Replace

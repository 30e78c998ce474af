package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/runner"
)

// TestGeneratorVerdictShown checks that every human-facing format shows
// the generator's verdict: a line under the table and in summary.md, a
// banner in report.html; saturated runs with their reasons.
func TestGeneratorVerdictShown(t *testing.T) {
	saturated := &runner.Generator{Verdict: runner.VerdictSaturated, Cores: 2, CPUPct: 97,
		Reasons: []string{"start lag p99 14 ms > 1.0 ms at 97 % CPU of 2 cores (none; max 30 ms, 80 of 1000 starts late)"}}
	ok := &runner.Generator{Verdict: runner.VerdictOK, Cores: 2, CPUPct: 23, Thresholds: runner.Thresholds{}.WithDefaults(),
		Strategies: []runner.StrategyHealth{{Name: "none", LagP99Ms: 0.21}}}
	cases := []struct {
		name string
		g    *runner.Generator
		want []string // in the table, summary.md and report.html
		html string   // in report.html only
		not  string   // in none
	}{
		{"saturated", saturated, []string{"SATURATED", "start lag p99 14 ms &gt; 1.0 ms"}, `data-generator="saturated"`, "generator: ok"},
		{"ok", ok, []string{"generator: ok (start lag p99 0.21 ms &lt;= 1.0 ms, CPU 23 % of 2 cores)"}, `data-generator="ok"`, "SATURATED"},
		{"absent", nil, nil, "", "generator"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sampleFile()
			f.Generator = c.g
			outs := map[string]string{}
			for name, render := range map[string]func(*bytes.Buffer) error{
				"table":       func(b *bytes.Buffer) error { return Table(b, f) },
				"summary.md":  func(b *bytes.Buffer) error { return Markdown(b, f) },
				"report.html": func(b *bytes.Buffer) error { return HTML(b, f) },
			} {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				outs[name] = b.String()
			}
			plain := strings.NewReplacer("&gt;", ">", "&lt;", "<")
			for name, out := range outs {
				for _, w := range c.want {
					if name == "table" {
						w = plain.Replace(w)
					}
					if !strings.Contains(out, w) {
						t.Errorf("%s: got no %q in:\n%s", name, w, out)
					}
				}
				if name != "report.html" && strings.Contains(out, c.not) || name == "report.html" && strings.Contains(out, "data-generator") && c.g == nil {
					t.Errorf("%s: got %q, want none", name, c.not)
				}
			}
			if c.html != "" && !strings.Contains(outs["report.html"], c.html) {
				t.Errorf("report.html: got no %s banner", c.html)
			}
		})
	}
}

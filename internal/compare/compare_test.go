package compare

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in        string
		metric    string
		above     bool
		threshold float64
		unit      Unit
	}{
		{"p99>+10%", "p99", true, 10, Relative},
		{"p99>10%", "p99", true, 10, Relative},
		{" p99 > +10 % ", "p99", true, 10, Relative},
		{"success<-0.5pp", "success", false, -0.5, Points},
		{"success<0.5pp", "success", false, -0.5, Points}, // an unsigned change follows the operator
		{"goodput<-5%", "goodput", false, -5, Relative},
		{"attempts_per_op>+5%", "attempts_per_op", true, 5, Relative},
		{"attempts_per_op>+0.1", "attempts_per_op", true, 0.1, Absolute},
		{"p50>+20ms", "p50", true, 20, Absolute},
		{"max>+1.5s", "max", true, 1500, Absolute},
		{"p999>+500us", "p999", true, 0.5, Absolute},
		{"p90>+20", "p90", true, 20, Absolute},
		{"throttled_attempts>+100", "throttled_attempts", true, 100, Absolute},
		{"retry_share>+2pp", "retry_share", true, 2, Points},
		{"success<-0pp", "success", false, 0, Points},
		{"p99>+1e1%", "p99", true, 10, Relative},
	}
	for _, tt := range tests {
		r, err := ParseRule(tt.in)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", tt.in, err)
			continue
		}
		if r.Metric.Name != tt.metric || r.Above != tt.above || math.Abs(r.Threshold-tt.threshold) > 1e-12 || r.Unit != tt.unit {
			t.Errorf("ParseRule(%q) = %s %v %v %v, want %s %v %v %v", tt.in, r.Metric.Name, r.Above, r.Threshold, r.Unit, tt.metric, tt.above, tt.threshold, tt.unit)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":              "want METRIC>CHANGE",
		">+10%":         "want METRIC>CHANGE",
		"p99":           "want METRIC>CHANGE",
		"p99>=+10%":     "use > or <, not >=",
		"p99>>10%":      "want one operator",
		"latency>+10%":  `unknown metric "latency"`,
		"p99>+10":       "",
		"p99>+ten%":     `unknown unit "ten%"`,
		"p99>%":         `change "" is not a number`,
		"p99>+1pp":      "pp (percentage points) applies to success and retry_share only",
		"goodput>+5ms":  "ms applies to latencies",
		"p99<+10%":      "a < rule takes a - change",
		"success>-1pp":  "a > rule takes a + change",
		"p99>+10%%":     `unknown unit "%%"`,
		"p99>+1.2.3%":   `change "+1.2.3" is not a number`,
		"success<-Inf%": `unknown unit "Inf%"`,
	} {
		_, err := ParseRule(in)
		switch {
		case want == "" && err != nil:
			t.Errorf("ParseRule(%q): %v, want no error", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("ParseRule(%q): got %v, want an error containing %q", in, err, want)
		}
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"p99>+10%", "success<-0.5pp", "p50>+20ms", "goodput<5%", "x>", "<1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		if r.Metric == nil || math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
			t.Fatalf("ParseRule(%q) = %+v without error", s, r)
		}
		if r.Above && r.Threshold < 0 || !r.Above && r.Threshold > 0 {
			t.Fatalf("ParseRule(%q): threshold %v against the operator", s, r.Threshold)
		}
		again, err := ParseRule(r.Text)
		if err != nil || again.Threshold != r.Threshold || again.Metric != r.Metric {
			t.Fatalf("ParseRule(%q) does not round-trip through %q: %+v, %v", s, r.Text, again, err)
		}
	})
}

func TestRuleChange(t *testing.T) {
	rule := func(s string) Rule {
		r, err := ParseRule(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		rule      string
		base, cur float64
		change    float64
		broken    bool
	}{
		{"p99>+10%", 100, 110, 10, false}, // at the threshold: not beyond it
		{"p99>+10%", 100, 111, 11, true},
		{"p99>+10%", 100, 50, -50, false},
		{"success<-0.5pp", 99.5, 99.0, -0.5, false},
		{"success<-0.5pp", 99.5, 98.9, -0.6, true},
		{"goodput<-5%", 200, 180, -10, true},
		{"p50>+20ms", 5, 30, 25, true},
		{"throttled_attempts>+10%", 0, 7, math.Inf(1), true},
		{"throttled_attempts>+10%", 0, 0, 0, false},
	}
	for _, tt := range tests {
		r := rule(tt.rule)
		got := r.Change(tt.base, tt.cur)
		if math.Abs(got-tt.change) > 1e-9 && got != tt.change {
			t.Errorf("%s: Change(%v, %v) = %v, want %v", tt.rule, tt.base, tt.cur, got, tt.change)
		}
		if b := r.Broken(got); b != tt.broken {
			t.Errorf("%s: Broken(%v) = %v, want %v", tt.rule, got, b, tt.broken)
		}
	}
}

// file makes a run file with one strategy whose p99 trials are given.
func file(name string, p99 ...float64) *results.File {
	s := runner.StrategyResult{Name: name, Summary: metrics.Summary{Ops: 100, SuccessPct: 100, LatencyMs: metrics.Percentiles{P99: p99[0]}}}
	if len(p99) > 1 {
		for _, v := range p99 {
			s.Trials = append(s.Trials, metrics.Summary{Ops: 100, SuccessPct: 100, LatencyMs: metrics.Percentiles{P99: v}})
		}
	}
	return &results.File{SchemaVersion: results.SchemaVersion, Strategies: []runner.StrategyResult{s}}
}

func TestCompareVerdicts(t *testing.T) {
	p99, err := ParseRule("p99>+10%")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		base, cur      *results.File
		broken, marked int
		note           string
	}{
		{"single values fail without a test", file("a", 100), file("a", 120), 1, 0, "one trial per side"},
		{"single values within the threshold", file("a", 100), file("a", 105), 0, 0, "one trial per side"},
		{"separated trials fail", file("a", 100, 101, 99, 102, 98, 100), file("a", 130, 131, 129, 132, 128, 130), 1, 0, "medians of the trials"},
		{"overlapping trials are marked", file("a", 100, 150, 90, 160, 110, 140), file("a", 145, 95, 170, 150, 160, 105), 0, 1, "medians of the trials"},
		{"three trials can never fail", file("a", 100, 101, 99), file("a", 200, 201, 199), 0, 1, "no difference can be significant at alpha 0.05 (need >= 4 per side)"},
		{"five trials have no interval", file("a", 1, 2, 3, 4, 5), file("a", 1, 2, 3, 4, 5), 0, 0, "±∞: need >= 6 trials per side"},
		{"constant trials differ significantly", file("a", 100, 100, 100, 100, 100, 100), file("a", 120, 120, 120, 120, 120, 120), 1, 0, "medians"},
		{"trials on one side", file("a", 100, 101, 99, 102, 98, 100), file("a", 130), 1, 0, "trials on one side only for a (n=6+1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compare(tt.base, tt.cur, Options{Rules: []Rule{p99}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Broken) != tt.broken || len(res.Marked) != tt.marked {
				t.Errorf("got %d broken, %d marked; want %d, %d", len(res.Broken), len(res.Marked), tt.broken, tt.marked)
			}
			var buf bytes.Buffer
			if err := res.Write(&buf); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tt.note) {
				t.Errorf("output lacks %q:\n%s", tt.note, buf.String())
			}
		})
	}
}

func TestCompareNothingInCommon(t *testing.T) {
	_, err := Compare(file("a", 1), file("b", 1), Options{})
	if !errors.Is(err, ErrNothingInCommon) {
		t.Errorf("got %v, want ErrNothingInCommon", err)
	}
	if _, err := Compare(file("a", 1), file("a", 1), Options{Alpha: 2}); err == nil {
		t.Error("alpha 2: got no error")
	}
}

func ExampleParseRule() {
	for _, s := range []string{"p99>+10%", "success<-0.5pp", "p50>+20ms", "goodput<5%"} {
		r, err := ParseRule(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s: breaks when the %s change is beyond %s\n", r, r.Metric.Name, r.FormatChange(r.Threshold))
	}
	// Output:
	// p99>+10%: breaks when the p99 change is beyond +10.00%
	// success<-0.5pp: breaks when the success change is beyond -0.50pp
	// p50>+20ms: breaks when the p50 change is beyond +20 ms
	// goodput<5%: breaks when the goodput change is beyond -5.00%
}

func TestFileNotes(t *testing.T) {
	a, b := file("a", 1), file("a", 1)
	a.Target, b.Target = "embedded fake http://127.0.0.1:42859", "embedded fake http://127.0.0.1:42661"
	if notes := fileNotes(a, b); len(notes) != 0 {
		t.Errorf("loopback ports only: got notes %q, want none", notes)
	}
	b.Target = "endpoint http://10.0.0.5:8000"
	if notes := fileNotes(a, b); len(notes) != 1 || !strings.Contains(notes[0], "target differs") {
		t.Errorf("other target: got notes %q, want one on the target", notes)
	}
}

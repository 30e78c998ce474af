package compare

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Metric is one compared quantity of a strategy's results.
type Metric struct {
	// Name is how rules name it ("p99").
	Name string
	// Label is how the table names it ("p99 ms").
	Label string
	// Proportion metrics are percentages (0 to 100): their deltas are
	// in percentage points and rules may use "pp".
	Proportion bool
	// Latency metrics are in milliseconds: rules may use ms, s or us.
	Latency bool
	// Shown in the table even when no rule names it.
	Shown bool
	// Value reads the metric from a summary.
	Value func(metrics.Summary) float64
}

// Metrics are every metric compare knows, in table order.
var Metrics = []*Metric{
	{Name: "success", Label: "success", Proportion: true, Shown: true, Value: func(s metrics.Summary) float64 { return s.SuccessPct }},
	{Name: "goodput", Label: "goodput/s", Shown: true, Value: func(s metrics.Summary) float64 { return s.GoodputPerS }},
	{Name: "attempts_per_op", Label: "attempts/op", Shown: true, Value: func(s metrics.Summary) float64 { return s.AttemptsPerOp }},
	{Name: "p50", Label: "p50 ms", Latency: true, Shown: true, Value: func(s metrics.Summary) float64 { return s.LatencyMs.P50 }},
	{Name: "p90", Label: "p90 ms", Latency: true, Value: func(s metrics.Summary) float64 { return s.LatencyMs.P90 }},
	{Name: "p99", Label: "p99 ms", Latency: true, Shown: true, Value: func(s metrics.Summary) float64 { return s.LatencyMs.P99 }},
	{Name: "p999", Label: "p999 ms", Latency: true, Shown: true, Value: func(s metrics.Summary) float64 { return s.LatencyMs.P999 }},
	{Name: "max", Label: "max ms", Latency: true, Shown: true, Value: func(s metrics.Summary) float64 { return s.LatencyMs.Max }},
	{Name: "throttled_attempts", Label: "throttled attempts", Shown: true, Value: func(s metrics.Summary) float64 { return float64(s.ThrottledAttempts) }},
	{Name: "retry_share", Label: "retry share", Proportion: true, Value: func(s metrics.Summary) float64 { return 100 * s.RetryShare }},
}

// MetricNames lists the metric names rules accept.
func MetricNames() []string {
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = m.Name
	}
	return names
}

func lookupMetric(name string) *Metric {
	for _, m := range Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Unit is how a rule measures a change.
type Unit int

const (
	// Relative changes are percentages of the baseline ("+10%").
	Relative Unit = iota
	// Points are differences of percentages ("-0.5pp"); proportion
	// metrics only.
	Points
	// Absolute changes are differences in the metric's own unit:
	// milliseconds for latencies (written with ms, s or us), operations
	// per second, attempts per operation, attempts.
	Absolute
)

// Rule fails a comparison when a metric changes beyond a threshold in one
// direction: "p99>+10%" breaks when p99 grows by more than 10 %,
// "success<-0.5pp" when success drops by more than half a percentage
// point. The zero value is not a valid rule: use ParseRule.
type Rule struct {
	Text   string // as written
	Metric *Metric
	// Above is true for '>' (breaks when the change exceeds Threshold)
	// and false for '<' (breaks when the change is below it).
	Above bool
	// Threshold is the signed change, in Unit (milliseconds for
	// absolute latency changes).
	Threshold float64
	Unit      Unit
}

// ParseRule parses METRIC OP CHANGE, for example "p99>+10%",
// "success<-0.5pp", "p50>+20ms", "attempts_per_op>+0.1" or
// "throttled_attempts>+5%". OP is > or <. CHANGE is a number with an
// optional sign and unit: % (relative to the baseline), pp (percentage
// points, for success and retry_share), ms, s or us (latencies), or none
// (the metric's own unit). An unsigned change takes the direction of OP
// ("goodput<5%" is "goodput<-5%"); a sign against OP is an error. Spaces
// are ignored.
func ParseRule(text string) (Rule, error) {
	s := strings.Join(strings.Fields(text), "")
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return Rule{}, fmt.Errorf("rule %q: want METRIC>CHANGE or METRIC<CHANGE, e.g. p99>+10%%", text)
	}
	r := Rule{Text: s, Above: s[i] == '>'}
	if r.Metric = lookupMetric(s[:i]); r.Metric == nil {
		return Rule{}, fmt.Errorf("rule %q: unknown metric %q (metrics: %s)", text, s[:i], strings.Join(MetricNames(), ", "))
	}
	change := s[i+1:]
	if strings.HasPrefix(change, "=") {
		return Rule{}, fmt.Errorf("rule %q: use > or <, not %s=", text, s[i:i+1])
	}
	if strings.ContainsAny(change, "<>") {
		return Rule{}, fmt.Errorf("rule %q: want one operator, > or <", text)
	}
	num, unit := splitUnit(change)
	factor := 1.0
	switch unit {
	case "%":
		r.Unit = Relative
	case "pp":
		if !r.Metric.Proportion {
			return Rule{}, fmt.Errorf("rule %q: pp (percentage points) applies to success and retry_share only; use %% for %s", text, r.Metric.Name)
		}
		r.Unit = Points
	case "ms", "s", "us", "µs":
		if !r.Metric.Latency {
			return Rule{}, fmt.Errorf("rule %q: %s applies to latencies (p50, p90, p99, p999, max) only", text, unit)
		}
		r.Unit = Absolute
		factor = map[string]float64{"ms": 1, "s": 1000, "us": 0.001, "µs": 0.001}[unit]
	case "":
		r.Unit = Absolute
	default:
		return Rule{}, fmt.Errorf("rule %q: unknown unit %q (units: %%, pp, ms, s, us, or none)", text, unit)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || num == "" {
		return Rule{}, fmt.Errorf("rule %q: change %q is not a number", text, num)
	}
	signed := num[0] == '+' || num[0] == '-'
	switch {
	case signed && v != 0 && (v > 0) != r.Above:
		op, want := "<", "-"
		if r.Above {
			op, want = ">", "+"
		}
		return Rule{}, fmt.Errorf("rule %q: a %s rule takes a %s change (it breaks when the metric moves past it)", text, op, want)
	case !signed && !r.Above:
		v = -v
	}
	r.Threshold = v * factor
	return r, nil
}

// numberPrefix matches the number that starts a change.
var numberPrefix = regexp.MustCompile(`^[+-]?[0-9.]*(?:[eE][+-]?[0-9]+)?`)

// splitUnit splits "+10%" into "+10" and "%".
func splitUnit(s string) (num, unit string) {
	i := len(numberPrefix.FindString(s))
	return s[:i], s[i:]
}

// Change is the change from base to cur in the rule's unit: a percentage
// of base (±Inf when base is 0 and cur is not), a difference of
// percentages, or a difference.
func (r Rule) Change(base, cur float64) float64 {
	if r.Unit == Relative {
		return relChange(base, cur)
	}
	return cur - base
}

// Broken reports whether a change (see Change) breaks the rule: is
// beyond the threshold, by more than rounding error (110 ms against
// 100 ms is a change of 10.000000000000009 %, and does not break
// "p99>+10%").
func (r Rule) Broken(change float64) bool {
	eps := 1e-9 * math.Max(1, math.Abs(r.Threshold))
	if r.Above {
		return change > r.Threshold+eps
	}
	return change < r.Threshold-eps
}

// FormatChange formats a change in the rule's unit.
func (r Rule) FormatChange(change float64) string {
	switch {
	case r.Unit == Relative:
		return pct(change)
	case r.Unit == Points:
		return fmt.Sprintf("%+.2fpp", change)
	case r.Metric.Latency:
		return fmt.Sprintf("%+.3g ms", change)
	}
	return fmt.Sprintf("%+.4g", change)
}

func (r Rule) String() string { return r.Text }

// relChange is the change from base to cur as a percentage of base.
func relChange(base, cur float64) float64 {
	switch {
	case base == cur:
		return 0
	case base == 0:
		return math.Inf(int(math.Copysign(1, cur)))
	}
	return (cur/base - 1) * 100
}

func pct(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+∞%"
	case math.IsInf(v, -1):
		return "-∞%"
	}
	return fmt.Sprintf("%+.2f%%", v)
}

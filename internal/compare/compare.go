// Package compare diffs two run.json files strategy by strategy and
// judges regression rules, the way benchstat compares benchmarks: with
// repeated trials on both sides, each metric's center is the median of
// the trials, shown with a distribution-free confidence interval, and a
// difference counts only when a Mann-Whitney U-test finds it significant;
// with a single run per side the values are compared as they are.
package compare

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/stats"
)

// DefaultAlpha is the significance level of the U-test, benchstat's.
const DefaultAlpha = 0.05

// Options configure a comparison. The zero value compares with
// DefaultAlpha, DefaultConfidence and no rules.
type Options struct {
	// Alpha is the U-test's significance level (0 to 1); 0 means
	// DefaultAlpha.
	Alpha float64
	// Confidence is the level of the medians' intervals (0 to 1); 0
	// means stats.DefaultConfidence.
	Confidence float64
	// Rules are judged for every strategy in both files.
	Rules []Rule
	// AllowSaturated compares files whose generator was saturated (see
	// runner.Generator), noting it under the table; by default Compare
	// refuses them with a *SaturatedError.
	AllowSaturated bool
}

// SaturatedError is Compare's refusal of a file whose load generator was
// saturated: its differences may be this machine's, not the target's.
type SaturatedError struct {
	// Side is "baseline" or "current"; Reasons are the generator's.
	Side    string
	Reasons []string
}

func (e *SaturatedError) Error() string {
	return fmt.Sprintf("%s: the load generator was saturated (%s): its numbers may measure this machine, not the target, so no regression or improvement can be called; rerun at a rate this machine keeps (bench calibrate), or pass --allow-saturated",
		e.Side, strings.Join(e.Reasons, "; "))
}

// checkGenerators refuses saturated sides unless allowed; allowed, it
// returns a note for each.
func checkGenerators(base, cur *results.File, allow bool) ([]string, error) {
	var notes []string
	for _, side := range []struct {
		name string
		f    *results.File
	}{{"baseline", base}, {"current", cur}} {
		if g := side.f.Generator; g != nil && g.Verdict == runner.VerdictLagging {
			notes = append(notes, fmt.Sprintf("warning: %s's operations started late though its CPU had room (%s): latencies include that lag", side.name, strings.Join(g.Reasons, "; ")))
			continue
		}
		if !side.f.Generator.Saturated() {
			continue
		}
		if !allow {
			return nil, &SaturatedError{Side: side.name, Reasons: side.f.Generator.Reasons}
		}
		notes = append(notes, fmt.Sprintf("warning: %s's load generator was saturated (%s): differences may be this machine's", side.name, strings.Join(side.f.Generator.Reasons, "; ")))
	}
	return notes, nil
}

// Result is a whole comparison.
type Result struct {
	Alpha, Confidence float64
	Rules             []Rule
	Strategies        []Strategy
	// OnlyBase and OnlyCurrent name strategies found in one file only.
	OnlyBase, OnlyCurrent []string
	// Notes are about the files as a whole (scenario, versions).
	Notes []string
	// Broken lists every broken rule; Marked the rules whose threshold
	// was passed by a difference that is not significant (they do not
	// fail).
	Broken, Marked []Verdict
}

// Strategy is one strategy's comparison.
type Strategy struct {
	Name string
	// BaseTrials and CurTrials count each side's trials (1 without).
	BaseTrials, CurTrials int
	// Tested is true when both sides have at least two trials: centers
	// are medians and differences are U-tested.
	Tested bool
	Rows   []Row
	// ParamChanges lists parameters that differ ("base: 25ms → 50ms").
	ParamChanges []string
}

// Row is one metric of one strategy.
type Row struct {
	Metric *Metric
	// Base and Cur are the centers: medians of the trials when Tested,
	// else the summary values.
	Base, Cur stats.Summary
	// Test is the U-test of the trial values; nil when not Tested.
	Test *stats.UTest
}

// Significant reports whether the difference counts: always without a
// test, else when the U-test rejects equality at level alpha.
func (r Row) Significant(alpha float64) bool { return r.Test == nil || r.Test.Significant(alpha) }

// Verdict is a rule judged on one strategy.
type Verdict struct {
	Strategy  string
	Rule      Rule
	Row       Row
	Change    float64 // in the rule's unit
	Broken    bool
	NotSignif bool // the threshold is passed, but the difference is not significant
}

// ErrNothingInCommon is returned when the files share no strategy.
var ErrNothingInCommon = errors.New("no strategy in common")

// Compare diffs cur against base.
func Compare(base, cur *results.File, o Options) (*Result, error) {
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.Confidence == 0 {
		o.Confidence = stats.DefaultConfidence
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return nil, fmt.Errorf("alpha must be between 0 and 1, got %v", o.Alpha)
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		return nil, fmt.Errorf("confidence must be between 0 and 1, got %v", o.Confidence)
	}
	res := &Result{Alpha: o.Alpha, Confidence: o.Confidence, Rules: o.Rules}
	satNotes, err := checkGenerators(base, cur, o.AllowSaturated)
	if err != nil {
		return nil, err
	}
	res.Notes = append(fileNotes(base, cur), satNotes...)

	baseBy, baseKeys := byKey(base.Strategies)
	curBy, curKeys := byKey(cur.Strategies)
	for _, k := range baseKeys {
		c, ok := curBy[k]
		if !ok {
			res.OnlyBase = append(res.OnlyBase, k)
			continue
		}
		res.Strategies = append(res.Strategies, compareStrategy(k, baseBy[k], c, o))
	}
	for _, k := range curKeys {
		if _, ok := baseBy[k]; !ok {
			res.OnlyCurrent = append(res.OnlyCurrent, k)
		}
	}
	if len(res.Strategies) == 0 {
		return nil, fmt.Errorf("%w: baseline has %s; current has %s", ErrNothingInCommon, quotedOrNone(baseKeys), quotedOrNone(curKeys))
	}
	for _, s := range res.Strategies {
		for _, rule := range o.Rules {
			row := s.row(rule.Metric)
			if math.IsNaN(row.Base.Center) || math.IsNaN(row.Cur.Center) {
				continue
			}
			v := Verdict{Strategy: s.Name, Rule: rule, Row: row, Change: rule.Change(row.Base.Center, row.Cur.Center)}
			if !rule.Broken(v.Change) {
				continue
			}
			if row.Significant(o.Alpha) {
				v.Broken = true
				res.Broken = append(res.Broken, v)
			} else {
				v.NotSignif = true
				res.Marked = append(res.Marked, v)
			}
		}
	}
	return res, nil
}

// row returns the strategy's row for m.
func (s *Strategy) row(m *Metric) Row {
	for _, r := range s.Rows {
		if r.Metric == m {
			return r
		}
	}
	panic("compare: no row for metric " + m.Name)
}

func compareStrategy(name string, base, cur runner.StrategyResult, o Options) Strategy {
	s := Strategy{
		Name:       name,
		BaseTrials: max(1, len(base.Trials)),
		CurTrials:  max(1, len(cur.Trials)),
	}
	s.Tested = len(base.Trials) >= 2 && len(cur.Trials) >= 2
	s.ParamChanges = paramChanges(base.Params, cur.Params)
	for _, m := range Metrics {
		var row Row
		row.Metric = m
		if !s.Tested {
			row.Base = single(m.Value(base.Summary))
			row.Cur = single(m.Value(cur.Summary))
			s.Rows = append(s.Rows, row)
			continue
		}
		bx, cx := values(m, base.Trials), values(m, cur.Trials)
		row.Base = stats.MedianCI(bx, o.Confidence)
		row.Cur = stats.MedianCI(cx, o.Confidence)
		// An error means every trial on both sides has the same value:
		// no difference to find, and the test says P = 1.
		t, _ := stats.MannWhitneyU(bx, cx)
		row.Test = &t
		s.Rows = append(s.Rows, row)
	}
	return s
}

func single(v float64) stats.Summary {
	return stats.Summary{N: 1, Center: v, Lo: math.Inf(-1), Hi: math.Inf(1)}
}

func values(m *Metric, trials []metrics.Summary) []float64 {
	xs := make([]float64, len(trials))
	for i, t := range trials {
		xs[i] = m.Value(t)
	}
	return xs
}

// byKey indexes strategies by name; a name repeated in one file (the
// same strategy with other parameters) gets "#2", "#3"... in order.
func byKey(ss []runner.StrategyResult) (map[string]runner.StrategyResult, []string) {
	by := map[string]runner.StrategyResult{}
	seen := map[string]int{}
	var keys []string
	for _, s := range ss {
		seen[s.Name]++
		k := s.Name
		if n := seen[s.Name]; n > 1 {
			k = fmt.Sprintf("%s#%d", s.Name, n)
		}
		by[k] = s
		keys = append(keys, k)
	}
	return by, keys
}

func paramChanges(base, cur map[string]any) []string {
	keys := map[string]bool{}
	for k := range base {
		keys[k] = true
	}
	for k := range cur {
		keys[k] = true
	}
	var out []string
	for _, k := range sortedKeys(keys) {
		b, c := paramString(base, k), paramString(cur, k)
		if b != c {
			out = append(out, fmt.Sprintf("%s: %s → %s", k, b, c))
		}
	}
	return out
}

func paramString(m map[string]any, k string) string {
	v, ok := m[k]
	if !ok {
		return "(none)"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fileNotes says how the two files differ beyond their results.
func fileNotes(base, cur *results.File) []string {
	var notes []string
	diff := func(what, b, c string) {
		if b != c {
			notes = append(notes, fmt.Sprintf("%s differs: baseline %s, current %s", what, orNone(b), orNone(c)))
		}
	}
	scName := func(f *results.File) string {
		if f.Scenario == nil {
			return ""
		}
		return f.Scenario.Name
	}
	diff("scenario", scName(base), scName(cur))
	diff("aws-sdk-go-v2", base.Tool.AWSSDK, cur.Tool.AWSSDK)
	diff("dynamodb client", base.Tool.DynamoDB, cur.Tool.DynamoDB)
	diff("go", base.Tool.Go, cur.Tool.Go)
	diff("target", loopbackPort.ReplaceAllString(base.Target, "$1"), loopbackPort.ReplaceAllString(cur.Target, "$1"))
	if base.Machine.CPUs != cur.Machine.CPUs || base.Machine.Arch != cur.Machine.Arch {
		notes = append(notes, fmt.Sprintf("machine differs: baseline %d CPUs %s, current %d CPUs %s",
			base.Machine.CPUs, base.Machine.Arch, cur.Machine.CPUs, cur.Machine.Arch))
	}
	if base.Interrupted {
		notes = append(notes, "the baseline run was interrupted: its results are partial")
	}
	if cur.Interrupted {
		notes = append(notes, "the current run was interrupted: its results are partial")
	}
	return notes
}

// loopbackPort matches a loopback URL's port, which differs between any
// two runs against an embedded fake.
var loopbackPort = regexp.MustCompile(`(https?://(?:127\.0\.0\.1|localhost|\[::1\])):[0-9]+`)

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func quotedOrNone(names []string) string {
	if len(names) == 0 {
		return "no strategies"
	}
	return quoted(names)
}

package faults

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// Duration is a time.Duration written as people write it in a faults file:
// "250ms", "10s", "5m".
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return &durationError{value: string(b)}
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// durationError is a malformed duration; Parse finds its line.
type durationError struct{ value string }

func (e *durationError) Error() string {
	return fmt.Sprintf("invalid duration %q (want e.g. 250ms, 10s, 5m)", e.value)
}

// Window is when a fault applies, as offsets from the schedule's epoch (see
// Schedule.Epoch). The zero Window is "always".
type Window struct {
	// At is when the fault starts; zero means at the epoch.
	At Duration `yaml:"at" json:"at,omitempty"`
	// For is how long it lasts; zero means until the server stops.
	For Duration `yaml:"for" json:"for,omitempty"`
}

// contains reports whether offset (time since the epoch) is inside w.
func (w Window) contains(offset time.Duration) bool {
	return offset >= time.Duration(w.At) && (w.For == 0 || offset < time.Duration(w.At)+time.Duration(w.For))
}

// end returns the offset at which w ends; math.MaxInt64 when it never does.
func (w Window) end() time.Duration {
	if w.For == 0 {
		return math.MaxInt64
	}
	return time.Duration(w.At) + time.Duration(w.For)
}

// Schedule is a schedule of faults the Server injects: capacity changes
// (brownouts), error responses, added latency, stalls, dropped connections
// and x-amz-retry-after hints on throttles. The zero value injects nothing.
//
// Every decision is a pure function of the time, the seed and the request's
// arrival number at the server (1, 2, ...), so a schedule replays exactly for
// a given seed and arrival order; no decision depends on a shared random
// source or a lock. Schedule are read by the server, never written: do not
// change a Schedule value after passing it to New.
//
// Request faults apply in this order: stalls and latency delay the request
// (their durations add), then a dropped connection or an injected error
// answers it without running the operation; otherwise the operation runs.
type Schedule struct {
	// Seed selects the random draws; the same seed and arrival order give
	// the same faults.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Epoch is the instant Window offsets count from; the zero value means
	// the server's start (the time New was called, on Options.Now).
	Epoch time.Time `yaml:"epoch" json:"epoch,omitzero"`
	// Capacity lowers tables' provisioned capacity for a window.
	Capacity []CapacityChange `yaml:"capacity" json:"capacity,omitempty"`
	// Errors answers requests with 500 InternalServerError or 503
	// ServiceUnavailable.
	Errors []ErrorFault `yaml:"errors" json:"errors,omitempty"`
	// Latency delays requests before they are served.
	Latency []LatencyFault `yaml:"latency" json:"latency,omitempty"`
	// Stalls hold requests without an answer for a while, then serve them.
	Stalls []StallFault `yaml:"stalls" json:"stalls,omitempty"`
	// Drops close the connection instead of answering.
	Drops []DropFault `yaml:"drops" json:"drops,omitempty"`
	// RetryAfter, when positive, is sent as the x-amz-retry-after header
	// (whole milliseconds) on every throttling error
	// (ProvisionedThroughputExceededException, ThrottlingException,
	// RequestLimitExceeded). The SDK's retryer honours it.
	RetryAfter Duration `yaml:"retry_after" json:"retry_after,omitempty"`
}

// CapacityChange scales a table's provisioned capacity during a window: a
// brownout. Capacity returns to normal when the window ends.
//
// The server applies a change as an invisible consumer that takes the
// withheld fraction, (1 - Scale) × provisioned units per second, from the
// table's buckets ahead of every client, so clients get at most Scale of
// the provisioned rate plus whatever burst credit is left. On-demand tables
// are not affected. Where changes overlap, the smallest Scale applies.
type CapacityChange struct {
	Window `yaml:",inline"`
	// Table names the table; empty means every table.
	Table string `yaml:"table" json:"table,omitempty"`
	// Kind is "read", "write" or empty for both.
	Kind string `yaml:"kind" json:"kind,omitempty"`
	// Scale is the fraction of provisioned capacity left, in [0, 1]: 0.25
	// leaves a quarter, 0 leaves none.
	Scale float64 `yaml:"scale" json:"scale"`
}

// ErrorFault answers a share of requests with an error instead of serving
// them; the operation does not run.
type ErrorFault struct {
	Window `yaml:",inline"`
	// Status is 500 (InternalServerError) or 503 (ServiceUnavailable).
	Status int `yaml:"status" json:"status"`
	// Rate is the probability a matching request is affected, in [0, 1];
	// zero means every matching request.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`
	// Operations limits the fault to these operation names (PutItem, ...);
	// empty means all.
	Operations []string `yaml:"operations" json:"operations,omitempty"`
}

// Latency distributions.
const (
	DistFixed       = "fixed"       // Delay
	DistUniform     = "uniform"     // U[Min, Max)
	DistNormal      = "normal"      // Normal(Mean, StdDev), below zero is zero
	DistExponential = "exponential" // Exponential with mean Mean
)

// LatencyFault adds a delay, drawn from a distribution, before a request is
// served.
type LatencyFault struct {
	Window `yaml:",inline"`
	// Rate is the probability a matching request is affected, in [0, 1];
	// zero means every matching request.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`
	// Operations limits the fault to these operations; empty means all.
	Operations []string `yaml:"operations" json:"operations,omitempty"`
	// Distribution is DistFixed (the default), DistUniform, DistNormal or
	// DistExponential.
	Distribution string `yaml:"distribution" json:"distribution,omitempty"`
	// Delay is the fixed delay.
	Delay Duration `yaml:"delay" json:"delay,omitempty"`
	// Min and Max bound the uniform distribution. For normal and
	// exponential, a positive Max caps the delay.
	Min Duration `yaml:"min" json:"min,omitempty"`
	Max Duration `yaml:"max" json:"max,omitempty"`
	// Mean is the mean of the normal and exponential distributions.
	Mean Duration `yaml:"mean" json:"mean,omitempty"`
	// StdDev is the normal distribution's standard deviation.
	StdDev Duration `yaml:"stddev" json:"stddev,omitempty"`
}

// Sample returns the delay for two independent uniform draws u1, u2 in
// [0, 1). It is pure, so tests check distributions without a server.
func (l LatencyFault) Sample(u1, u2 float64) time.Duration {
	var d float64
	switch l.Distribution {
	case DistUniform:
		d = float64(l.Min) + u1*float64(l.Max-l.Min)
	case DistNormal:
		// Box-Muller; 1-u1 is in (0, 1], so the logarithm is finite.
		z := math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		d = float64(l.Mean) + z*float64(l.StdDev)
	case DistExponential:
		d = -float64(l.Mean) * math.Log(1-u1)
	default:
		d = float64(l.Delay)
	}
	if l.Distribution != DistUniform && l.Distribution != DistFixed && l.Distribution != "" && l.Max > 0 {
		d = min(d, float64(l.Max))
	}
	if d <= 0 || math.IsNaN(d) {
		return 0
	}
	return time.Duration(min(d, float64(math.MaxInt64/2)))
}

// StallFault holds a request without an answer for Duration (or until the
// client gives up), then serves it: use it to exceed client timeouts.
type StallFault struct {
	Window `yaml:",inline"`
	// Rate is the probability a matching request is affected, in [0, 1];
	// zero means every matching request.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`
	// Operations limits the fault to these operations; empty means all.
	Operations []string `yaml:"operations" json:"operations,omitempty"`
	// Duration is how long the request is held.
	Duration Duration `yaml:"duration" json:"duration"`
}

// DropFault closes the connection of a share of requests without an answer
// (the handler hijacks the connection and closes it); the operation does
// not run.
type DropFault struct {
	Window `yaml:",inline"`
	// Rate is the probability a matching request is affected, in [0, 1];
	// zero means every matching request.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`
	// Operations limits the fault to these operations; empty means all.
	Operations []string `yaml:"operations" json:"operations,omitempty"`
}

// Error is a problem in a faults file or value, located at a field
// ("latency[1].distribution") and, for files, a line.
type Error struct {
	File  string // empty for a Go value
	Line  int    // 0 when unknown
	Field string
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads a faults file (YAML, or JSON, which is YAML) and
// validates it. Errors are *Error values naming the file, line and
// field.
func Load(path string) (*Schedule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for bytes already read; name is used in errors.
func Parse(name string, data []byte) (*Schedule, error) {
	var f Schedule
	file, err := decode(data, &f)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) {
			line := 0
			if tk := ye.GetToken(); tk != nil {
				line = tk.Position.Line
			}
			return nil, &Error{File: name, Line: line, Msg: ye.GetMessage()}
		}
		fe := &Error{File: name, Msg: err.Error()}
		var de *durationError
		if errors.As(err, &de) {
			fe.Msg = de.Error()
			if file, perr := parser.ParseBytes(data, 0); perr == nil {
				fe.Line, fe.Field = scalarLine(file, de.value)
			}
		}
		return nil, fe
	}
	if err := f.Validate(); err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			fe.File = name
			fe.Line = yamlLine(file, fe.Field)
		}
		return nil, err
	}
	return &f, nil
}

// decode parses data strictly. go-yaml panics on some malformed input;
// that is reported as an error instead.
func decode(data []byte, f *Schedule) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("malformed YAML (the parser failed: %v)", r)
		}
	}()
	if err := yaml.UnmarshalWithOptions(data, f, yaml.DisallowUnknownField()); err != nil {
		return nil, err
	}
	return parser.ParseBytes(data, 0)
}

// yamlLine finds the line of the node at a dotted field path; missing leaves
// fall back to their parent's line; 0 if none is found.
func yamlLine(file *ast.File, field string) (line int) {
	defer func() {
		if recover() != nil {
			line = 0
		}
	}()
	for file != nil && field != "" {
		if p, err := yaml.PathString("$." + field); err == nil {
			if n, err := p.FilterFile(file); err == nil && n != nil {
				return n.GetToken().Position.Line
			}
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return 0
}

// scalarLine returns the line and path of the first scalar whose value is v.
func scalarLine(file *ast.File, v string) (line int, field string) {
	for _, doc := range file.Docs {
		ast.Walk(visitor(func(n ast.Node) bool {
			if line > 0 {
				return false
			}
			if _, ok := n.(ast.ScalarNode); ok && n.GetToken() != nil && strings.TrimSpace(n.GetToken().Value) == v {
				line, field = n.GetToken().Position.Line, strings.TrimPrefix(n.GetPath(), "$.")
				return false
			}
			return true
		}), doc)
	}
	return line, field
}

type visitor func(ast.Node) bool

func (f visitor) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Validate checks every field and returns the first problem as a
// *Error.
func (f *Schedule) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	window := func(field string, w Window) error {
		if w.At < 0 {
			return bad(field+".at", "must be >= 0, got %s", time.Duration(w.At))
		}
		if w.For < 0 {
			return bad(field+".for", "must be >= 0 (0 = until the server stops), got %s", time.Duration(w.For))
		}
		return nil
	}
	rate := func(field string, r float64) error {
		if !(r >= 0 && r <= 1) {
			return bad(field+".rate", "must be in [0, 1] (0 = every request), got %v", r)
		}
		return nil
	}
	ops := func(field string, names []string) error {
		for i, n := range names {
			if !slices.Contains(Operations, n) {
				return bad(fmt.Sprintf("%s.operations[%d]", field, i), "unknown operation %q", n)
			}
		}
		return nil
	}
	for i, c := range f.Capacity {
		p := fmt.Sprintf("capacity[%d]", i)
		if err := window(p, c.Window); err != nil {
			return err
		}
		if c.Kind != "" && c.Kind != "read" && c.Kind != "write" {
			return bad(p+".kind", `must be "read", "write" or empty (both), got %q`, c.Kind)
		}
		if !(c.Scale >= 0 && c.Scale <= 1) {
			return bad(p+".scale", "must be in [0, 1], got %v", c.Scale)
		}
	}
	for i, e := range f.Errors {
		p := fmt.Sprintf("errors[%d]", i)
		if err := errors.Join(window(p, e.Window), rate(p, e.Rate), ops(p, e.Operations)); err != nil {
			return firstErr(err)
		}
		if e.Status != http.StatusInternalServerError && e.Status != http.StatusServiceUnavailable {
			return bad(p+".status", "must be 500 or 503, got %d", e.Status)
		}
	}
	for i, l := range f.Latency {
		p := fmt.Sprintf("latency[%d]", i)
		if err := errors.Join(window(p, l.Window), rate(p, l.Rate), ops(p, l.Operations)); err != nil {
			return firstErr(err)
		}
		for _, d := range []struct {
			name string
			v    Duration
		}{{"delay", l.Delay}, {"min", l.Min}, {"max", l.Max}, {"mean", l.Mean}, {"stddev", l.StdDev}} {
			if d.v < 0 {
				return bad(p+"."+d.name, "must be >= 0, got %s", time.Duration(d.v))
			}
		}
		switch l.Distribution {
		case "", DistFixed:
			if l.Delay == 0 {
				return bad(p+".delay", "must be > 0 for a fixed delay")
			}
		case DistUniform:
			if l.Max <= l.Min {
				return bad(p+".max", "must be > min (%s), got %s", time.Duration(l.Min), time.Duration(l.Max))
			}
		case DistNormal:
			if l.Mean == 0 && l.StdDev == 0 {
				return bad(p+".mean", "mean or stddev must be > 0")
			}
		case DistExponential:
			if l.Mean == 0 {
				return bad(p+".mean", "must be > 0")
			}
		default:
			return bad(p+".distribution", "must be fixed, uniform, normal or exponential, got %q", l.Distribution)
		}
	}
	for i, s := range f.Stalls {
		p := fmt.Sprintf("stalls[%d]", i)
		if err := errors.Join(window(p, s.Window), rate(p, s.Rate), ops(p, s.Operations)); err != nil {
			return firstErr(err)
		}
		if s.Duration <= 0 {
			return bad(p+".duration", "must be > 0, got %s", time.Duration(s.Duration))
		}
	}
	for i, d := range f.Drops {
		p := fmt.Sprintf("drops[%d]", i)
		if err := errors.Join(window(p, d.Window), rate(p, d.Rate), ops(p, d.Operations)); err != nil {
			return firstErr(err)
		}
	}
	if f.RetryAfter < 0 {
		return bad("retry_after", "must be >= 0, got %s", time.Duration(f.RetryAfter))
	}
	return nil
}

// firstErr unwraps errors.Join's result to its first error.
func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()[0]
	}
	return err
}

// CapacityScale returns the fraction of kind's provisioned capacity in
// effect for table at now: the smallest Scale among the capacity changes
// active then, 1 when none is. epoch is the instant offsets count from (the
// Server passes Schedule.Epoch or its start). It is the narrow hook a
// throttling model consults; it is pure and safe for concurrent use.
func (f *Schedule) CapacityScale(epoch, now time.Time, table string, kind throttle.Kind) float64 {
	scale := 1.0
	off := now.Sub(epoch)
	for _, c := range f.Capacity {
		if c.matches(table, kind) && c.contains(off) {
			scale = min(scale, c.Scale)
		}
	}
	return scale
}

func (c CapacityChange) matches(table string, kind throttle.Kind) bool {
	return (c.Table == "" || c.Table == table) && (c.Kind == "" || c.Kind == kind.String())
}

// Operations are the operation names a rule may list: the operations the
// fake serves (package fakeservice checks that the two agree).
var Operations = []string{
	"CreateTable", "DescribeTable", "DeleteTable", "ListTables", "UpdateTable",
	"PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query", "Scan",
	"BatchWriteItem", "BatchGetItem", "TransactWriteItems", "TransactGetItems",
}

// Action is what the schedule does to one request: wait Delay, then drop
// the connection (Drop), answer with an error (Status 500 or 503), or serve
// it (neither).
type Action struct {
	// Delay is the stalls' and latency faults' time, added.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// Status is 0 (serve the request), 500 (InternalServerError) or 503
	// (ServiceUnavailable).
	Status int
	// Stalled and Delayed say which kinds contributed to Delay, for metrics.
	Stalled, Delayed bool
}

// Random streams: each rule draws from its own stream so adding a rule of
// one kind never changes the draws of another.
const (
	streamError uint64 = iota + 1
	streamLatency
	streamStall
	streamDrop
)

// Decide returns what the schedule does to the request that arrived seq-th
// (from 1) at now, for operation op (PutItem, ...); offsets count from
// epoch. It is pure: the server and the simulator call it with the same
// arguments and get the same Action.
func (f *Schedule) Decide(epoch, now time.Time, seq uint64, op string) Action {
	var a Action
	off := now.Sub(epoch)
	fires := func(stream uint64, i int, w Window, rate float64, ops []string) bool {
		if !w.contains(off) || (len(ops) > 0 && !slices.Contains(ops, op)) {
			return false
		}
		return rate == 0 || rate >= 1 || f.uniform(seq, stream, i, 0) < rate
	}
	for i, s := range f.Stalls {
		if fires(streamStall, i, s.Window, s.Rate, s.Operations) {
			a.Delay += time.Duration(s.Duration)
			a.Stalled = true
		}
	}
	for i, l := range f.Latency {
		if fires(streamLatency, i, l.Window, l.Rate, l.Operations) {
			a.Delay += l.Sample(f.uniform(seq, streamLatency, i, 1), f.uniform(seq, streamLatency, i, 2))
			a.Delayed = true
		}
	}
	for i, d := range f.Drops {
		if fires(streamDrop, i, d.Window, d.Rate, d.Operations) {
			a.Drop = true
			return a
		}
	}
	for i, e := range f.Errors {
		if fires(streamError, i, e.Window, e.Rate, e.Operations) {
			a.Status = http.StatusInternalServerError
			if e.Status == http.StatusServiceUnavailable {
				a.Status = http.StatusServiceUnavailable
			}
			return a
		}
	}
	return a
}

// uniform returns a draw in [0, 1) that depends only on the seed, the
// request's arrival number, the rule and the draw's index.
func (f *Schedule) uniform(seq, stream uint64, rule, draw int) float64 {
	x := splitmix(f.Seed ^ splitmix(seq^splitmix(stream<<40|uint64(rule)<<8|uint64(draw))))
	return float64(x>>11) / (1 << 53)
}

// splitmix is SplitMix64's output function: a fast, well-mixed hash.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

package scenario

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/internal/slo"
)

// DefaultSeed is the seed of a scenario that names none.
const DefaultSeed = 1

// Billing modes of the target table.
const (
	Provisioned   = "provisioned"
	PayPerRequest = "on_demand"
)

// Scenario is one experiment: a table, a workload offered to it, and the
// retry strategies to compare under that same workload.
type Scenario struct {
	// Name identifies the scenario in results paths; default: the file name
	// without extension.
	Name string `yaml:"name" json:"name"`
	// Description says what question the scenario answers.
	Description string `yaml:"description" json:"description,omitempty"`
	// Seed makes key choice and strategy jitter repeatable; default 1.
	Seed       int64          `yaml:"seed" json:"seed"`
	Table      Table          `yaml:"table" json:"table"`
	Workload   Workload       `yaml:"workload" json:"workload"`
	Strategies []StrategySpec `yaml:"strategies" json:"strategies"`
	// Clients are applications measured from the server's side by bench
	// run --exec, compared like strategies; a scenario of clients only
	// needs no strategies and no workload.
	Clients []ClientSpec `yaml:"clients" json:"clients,omitempty"`
	// Fake configures the embedded fake's throttling model, Faults its
	// fault schedule (capacity drops, injected errors, latency, stalls,
	// drops; offsets count from the start of each strategy's load). Both
	// are ignored with -endpoint or -aws.
	Fake   *Fake            `yaml:"fake" json:"fake,omitempty"`
	Faults *faults.Schedule `yaml:"faults" json:"faults,omitempty"`
	// SLOs are objectives each strategy's results are checked against,
	// e.g. "p99 < 100ms", "success >= 99.9%" or "full-jitter: p99 < 50ms";
	// bench run exits with status 3 when one is missed.
	SLOs []string `yaml:"slos" json:"slos,omitempty"`

	file    string    // path it was read from
	forExec bool      // loaded by LoadExec: workload and strategies optional
	ast     *ast.File // for locating fields in errors
}

// Errorf returns an *Error located at field (a dotted path such as
// "strategies[1].name") in the file the scenario came from. Callers that
// check a scenario further (strategy names, say) report through it.
func (sc *Scenario) Errorf(field, format string, args ...any) error {
	e := &Error{File: sc.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if sc.ast != nil {
		e.Line = lineOf(sc.ast, field)
	}
	return e
}

// Table describes the table each strategy runs against (a fresh one each).
type Table struct {
	// BillingMode is "provisioned" (default) or "on_demand".
	BillingMode string `yaml:"billing_mode" json:"billing_mode"`
	// ReadCapacity and WriteCapacity are provisioned units per second;
	// required in provisioned mode.
	ReadCapacity  int64 `yaml:"read_capacity" json:"read_capacity"`
	WriteCapacity int64 `yaml:"write_capacity" json:"write_capacity"`
	// GlobalIndexes are the table's global secondary indexes; every item
	// the workload writes carries each one's key attribute.
	GlobalIndexes []GlobalIndex `yaml:"global_secondary_indexes" json:"global_secondary_indexes,omitempty"`
	// AutoScaling scales the table's provisioned capacity (target
	// tracking); only for a provisioned table.
	AutoScaling *AutoScaling `yaml:"autoscaling" json:"autoscaling,omitempty"`
}

// StrategySpec names a retry strategy and overrides its parameters. In a
// file it is either a bare name ("full-jitter") or a mapping with a name.
type StrategySpec struct {
	Name string `yaml:"name" json:"name"`
	// MaxAttempts counts the first attempt; 0 keeps the strategy's default.
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts,omitempty"`
	// Base and Cap shape the backoff; 0 keeps the strategy's default.
	Base Duration `yaml:"base" json:"base,omitempty"`
	Cap  Duration `yaml:"cap" json:"cap,omitempty"`

	// The fields below are those of strategy.Params, each for the
	// strategies that take it; 0 keeps the strategy's default, and a field
	// a strategy does not take is an error (`bench strategies` lists them).

	// Quota, RetryCost, ThrottleRetryCost and TimeoutRetryCost are retry
	// quota tokens (sdk-adaptive, sdk-legacy).
	Quota             int `yaml:"quota" json:"quota,omitempty"`
	RetryCost         int `yaml:"retry_cost" json:"retry_cost,omitempty"`
	ThrottleRetryCost int `yaml:"throttle_retry_cost" json:"throttle_retry_cost,omitempty"`
	TimeoutRetryCost  int `yaml:"timeout_retry_cost" json:"timeout_retry_cost,omitempty"`
	// Rate and Burst size token-bucket's limiter, per client.
	Rate  Rate `yaml:"rate" json:"rate,omitempty"`
	Burst int  `yaml:"burst" json:"burst,omitempty"`
	// Budget is retry-budget's share of requests that may be retried (0.1
	// is 10 %), MinPerSecond its floor in retries per second (negative: none).
	Budget       float64 `yaml:"budget" json:"budget,omitempty"`
	MinPerSecond float64 `yaml:"min_per_second" json:"min_per_second,omitempty"`
	// Window is the sliding window of retry-budget, adaptive-throttle and
	// circuit-breaker.
	Window Duration `yaml:"window" json:"window,omitempty"`
	// K is adaptive-throttle's multiplier of accepts.
	K float64 `yaml:"k" json:"k,omitempty"`
	// Threshold, FailureRatio and CoolDown shape circuit-breaker.
	Threshold    int      `yaml:"threshold" json:"threshold,omitempty"`
	FailureRatio float64  `yaml:"failure_ratio" json:"failure_ratio,omitempty"`
	CoolDown     Duration `yaml:"cool_down" json:"cool_down,omitempty"`
}

// UnmarshalYAML accepts a bare strategy name or a mapping.
func (s *StrategySpec) UnmarshalYAML(unmarshal func(any) error) error {
	var name string
	if err := unmarshal(&name); err == nil {
		*s = StrategySpec{Name: strings.TrimSpace(name)}
		return nil
	}
	type plain StrategySpec
	return unmarshal((*plain)(s))
}

// Error is a problem in a scenario file, located by file, line and field.
type Error struct {
	File  string
	Line  int    // 0 when unknown
	Field string // dotted path, e.g. "workload.rate"
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads, decodes, defaults and validates the scenario file at path.
// Unknown fields, wrong types and impossible values are *Error values
// naming the file, line and field.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse is Load for bytes already read; name is used in error messages and
// as the default scenario name.
func Parse(name string, data []byte) (*Scenario, error) { return parse(name, data, false) }

func parse(name string, data []byte, forExec bool) (*Scenario, error) {
	var sc Scenario
	sc.forExec = forExec
	file, err := decode(data, &sc)
	if err != nil {
		return nil, decodeError(name, data, err)
	}
	if sc.Name == "" {
		base := name[strings.LastIndex(name, "/")+1:]
		sc.Name = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	}
	sc.file, sc.ast = name, file
	sc.applyDefaults()
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

// decode parses data into sc, strictly. go-yaml v1.19.2 panics on some
// malformed input (found by FuzzParse, e.g. a sequence item that is a bare
// tag); such a file is reported as malformed instead of crashing bench.
func decode(data []byte, sc *Scenario) (file *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			file, err = nil, fmt.Errorf("malformed YAML (the parser failed: %v)", r)
		}
	}()
	if err := yaml.UnmarshalWithOptions(data, sc, yaml.DisallowUnknownField()); err != nil {
		return nil, err
	}
	return parser.ParseBytes(data, 0)
}

func (sc *Scenario) applyDefaults() {
	if sc.Seed == 0 {
		sc.Seed = DefaultSeed
	}
	if sc.Table.BillingMode == "" {
		sc.Table.BillingMode = Provisioned
	}
	sc.Table.applyIndexDefaults()
	sc.Workload.applyDefaults()
}

func (sc *Scenario) validate() error {
	bad := sc.Errorf
	switch sc.Table.BillingMode {
	case Provisioned:
		if sc.Table.ReadCapacity <= 0 {
			return bad("table.read_capacity", "must be > 0 for a provisioned table, got %d", sc.Table.ReadCapacity)
		}
		if sc.Table.WriteCapacity <= 0 {
			return bad("table.write_capacity", "must be > 0 for a provisioned table, got %d", sc.Table.WriteCapacity)
		}
	case PayPerRequest:
	default:
		return bad("table.billing_mode", "must be %q or %q, got %q", Provisioned, PayPerRequest, sc.Table.BillingMode)
	}
	if err := sc.Table.validateIndexes(sc.Errorf); err != nil {
		return err
	}
	if err := sc.Table.AutoScaling.validate("table", sc.Table.BillingMode, sc.Errorf); err != nil {
		return err
	}
	for i, g := range sc.Table.GlobalIndexes {
		if err := g.AutoScaling.validate(fmt.Sprintf("table.global_secondary_indexes[%d]", i), sc.Table.BillingMode, sc.Errorf); err != nil {
			return err
		}
	}
	if len(sc.Table.GlobalIndexes) > 0 && sc.Workload.Preload {
		return bad("workload.preload", "not supported with table.global_secondary_indexes (preload raises the table's capacity, not the indexes')")
	}
	if sc.Table.AutoScaling != nil && sc.Workload.Preload {
		return bad("workload.preload", "not supported with table.autoscaling (the preload's writes would count as consumption and scale the table before the load starts)")
	}
	if !(sc.forExec || len(sc.Clients) > 0) || !sc.Workload.noWorkload() {
		if err := sc.Workload.validate(sc.Errorf); err != nil {
			return err
		}
	}
	if err := sc.Fake.validate(sc.Errorf); err != nil {
		return err
	}
	if err := sc.validateFaults(); err != nil {
		return err
	}
	if len(sc.Strategies) == 0 && len(sc.Clients) == 0 && !sc.forExec {
		return bad("strategies", "list at least one strategy (or clients, for bench run --exec)")
	}
	if err := sc.validateClients(); err != nil {
		return err
	}
	for i, text := range sc.SLOs {
		s, err := slo.Parse(text)
		if err != nil {
			return bad(fmt.Sprintf("slos[%d]", i), "%v", err)
		}
		if s.Strategy != "" && !sc.lists(s.Strategy) {
			return bad(fmt.Sprintf("slos[%d]", i), "slo %q names strategy %q, which the scenario does not run", text, s.Strategy)
		}
	}
	seen := map[string]bool{}
	for i, s := range sc.Strategies {
		field := fmt.Sprintf("strategies[%d]", i)
		if s.Name == "" {
			return bad(field+".name", "missing strategy name")
		}
		if seen[s.Name] {
			return bad(field+".name", "strategy %q listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.MaxAttempts < 0 {
			return bad(field+".max_attempts", "must be >= 1, got %d", s.MaxAttempts)
		}
		if s.Base < 0 || s.Cap < 0 {
			return bad(field, "base and cap must be >= 0")
		}
	}
	return nil
}

// lists reports whether the scenario runs the named strategy.
func (sc *Scenario) lists(name string) bool {
	for _, s := range sc.Strategies {
		if s.Name == name {
			return true
		}
	}
	for _, c := range sc.Clients {
		if c.Name == name {
			return true
		}
	}
	return false
}

// ParsedSLOs returns the scenario's SLOs, parsed (Load has checked them).
func (sc *Scenario) ParsedSLOs() []slo.SLO {
	out := make([]slo.SLO, 0, len(sc.SLOs))
	for _, text := range sc.SLOs {
		if s, err := slo.Parse(text); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// lineOf finds the line of the YAML node at a dotted field path such as
// "workload.rate" or "strategies[2].name"; 0 if absent. Missing leaves
// fall back to their parent's line.
func lineOf(file *ast.File, field string) int {
	for field != "" {
		p, err := yaml.PathString("$." + field)
		if err == nil {
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

// decodeError turns a go-yaml error into an *Error with the line it names.
func decodeError(name string, data []byte, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		line := 0
		if tk := ye.GetToken(); tk != nil {
			line = tk.Position.Line
		}
		return &Error{File: name, Line: line, Msg: ye.GetMessage()}
	}
	var ve *valueError
	if errors.As(err, &ve) {
		if file, perr := parser.ParseBytes(data, 0); perr == nil {
			if n := findScalar(file, ve.value); n != nil {
				return &Error{File: name, Line: n.GetToken().Position.Line,
					Field: strings.TrimPrefix(n.GetPath(), "$."), Msg: ve.Error()}
			}
		}
	}
	return &Error{File: name, Msg: err.Error()}
}

// findScalar returns the first scalar node in file whose value is v.
func findScalar(file *ast.File, v string) ast.Node {
	var found ast.Node
	for _, doc := range file.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			if _, ok := n.(ast.ScalarNode); ok && n.GetToken() != nil && strings.TrimSpace(n.GetToken().Value) == v {
				found = n
				return false
			}
			return true
		}), doc)
	}
	return found
}

type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

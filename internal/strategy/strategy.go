package strategy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Defaults for the zero fields of Params. They are the DynamoDB client's
// own values, so a strategy with zero Params differs from sdk-default only in
// its formula, its throttle base and its lack of a retry quota.
const (
	DefaultMaxAttempts = SDKMaxAttempts // 4
	DefaultBase        = SDKBaseDelay   // 25ms
	DefaultCap         = SDKMaxBackoff  // 20s
)

// Params are a strategy's settings. A zero field takes the strategy's
// documented default (see Describe and `bench strategies`); a field the
// strategy does not use must stay zero, or New fails naming it. Our
// strategies use Base for every retryable error, throttles included (the
// SDK uses 1s for throttles). The YAML names of the fields (StrategySpec in
// package scenario) are given in brackets.
type Params struct {
	// MaxAttempts is the total attempts per operation, the first included
	// [max_attempts]. 0 means DefaultMaxAttempts (4, like the DynamoDB
	// client); 3 for sdk-legacy.
	MaxAttempts int
	// Base is the first retry's delay scale [base]. 0 means DefaultBase
	// (25ms); 1s for sdk-legacy, whose formula counts in seconds.
	Base time.Duration
	// Cap bounds every delay [cap]. 0 means DefaultCap (20s, the SDK's MaxBackoff).
	Cap time.Duration

	// Quota is the retry quota of one client in tokens (sdk-adaptive,
	// sdk-legacy) [quota]. 0 means 500, the SDK's.
	Quota int
	// RetryCost is the quota cost of a retry [retry_cost]. 0 means the
	// strategy's: 14 for sdk-adaptive, 5 for sdk-legacy.
	RetryCost int
	// ThrottleRetryCost is the quota cost of a retry after a throttle
	// [throttle_retry_cost]. 0 means 5.
	ThrottleRetryCost int
	// TimeoutRetryCost is the quota cost of a retry after a timeout
	// (sdk-legacy) [timeout_retry_cost]. 0 means 10.
	TimeoutRetryCost int

	// Rate is the token-bucket refill rate in attempts per second per
	// client [rate]. 0 means DefaultRate (100/s).
	Rate float64
	// Burst is the token-bucket size [burst]. 0 means max(1, ceil(Rate/10)),
	// a tenth of a second of tokens.
	Burst int

	// Budget is the share of recent requests retry-budget may retry
	// [budget]; 0.1 is 10 %. 0 means DefaultBudget (0.1).
	Budget float64
	// Window is the length of the sliding window over which retry-budget,
	// adaptive-throttle and circuit-breaker count [window]. 0 means 10s,
	// 2m for adaptive-throttle.
	Window time.Duration
	// MinPerSecond is retry-budget's floor, in retries per second allowed
	// whatever the traffic [min_per_second]. 0 means DefaultMinPerSecond
	// (1/s); a negative value means no floor.
	MinPerSecond float64
	// K is adaptive-throttle's multiplier of accepts [k]. 0 means DefaultK (2).
	K float64
	// Threshold is the consecutive failed attempts that open the circuit
	// breaker [threshold]. 0 means DefaultThreshold (5).
	Threshold int
	// FailureRatio also opens the circuit breaker when at least Threshold
	// attempts ended in the Window and this share of them failed
	// [failure_ratio]. 0 means off.
	FailureRatio float64
	// CoolDown is how long the breaker stays open before it lets one probe
	// through [cool_down]. 0 means DefaultCoolDown (1s).
	CoolDown time.Duration
}

// withDefaults returns p with zero MaxAttempts, Base and Cap replaced by the defaults.
func (p Params) withDefaults() Params {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.Base == 0 {
		p.Base = DefaultBase
	}
	if p.Cap == 0 {
		p.Cap = DefaultCap
	}
	return p
}

// validate checks resolved Params.
func (p Params) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("max_attempts: must be >= 1, got %d", p.MaxAttempts)
	case p.Base <= 0:
		return fmt.Errorf("base: must be > 0, got %v", p.Base)
	case p.Cap < p.Base:
		return fmt.Errorf("cap: must be >= base (%v), got %v", p.Base, p.Cap)
	}
	return nil
}

// paramFields names each Params field as YAML does and says whether it is set.
var paramFields = []struct {
	name string
	set  func(Params) bool
}{
	{"max_attempts", func(p Params) bool { return p.MaxAttempts != 0 }},
	{"base", func(p Params) bool { return p.Base != 0 }},
	{"cap", func(p Params) bool { return p.Cap != 0 }},
	{"quota", func(p Params) bool { return p.Quota != 0 }},
	{"retry_cost", func(p Params) bool { return p.RetryCost != 0 }},
	{"throttle_retry_cost", func(p Params) bool { return p.ThrottleRetryCost != 0 }},
	{"timeout_retry_cost", func(p Params) bool { return p.TimeoutRetryCost != 0 }},
	{"rate", func(p Params) bool { return p.Rate != 0 }},
	{"burst", func(p Params) bool { return p.Burst != 0 }},
	{"budget", func(p Params) bool { return p.Budget != 0 }},
	{"window", func(p Params) bool { return p.Window != 0 }},
	{"min_per_second", func(p Params) bool { return p.MinPerSecond != 0 }},
	{"k", func(p Params) bool { return p.K != 0 }},
	{"threshold", func(p Params) bool { return p.Threshold != 0 }},
	{"failure_ratio", func(p Params) bool { return p.FailureRatio != 0 }},
	{"cool_down", func(p Params) bool { return p.CoolDown != 0 }},
}

// only returns an error naming the first set field of p that is not in
// accepted (YAML names).
func (p Params) only(accepted ...string) error {
	for _, f := range paramFields {
		if f.set(p) && !slices.Contains(accepted, f.name) {
			return &ParamError{Field: f.name, Msg: fmt.Sprintf("not a parameter of this strategy (it takes %s)", strings.Join(accepted, ", "))}
		}
	}
	return nil
}

// ParamError is a parameter New rejects. Field is its YAML name, so that
// callers can point at the line of a scenario file.
type ParamError struct {
	Strategy string
	Field    string // e.g. "max_attempts"
	Msg      string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("strategy %s: %s: %s", e.Strategy, e.Field, e.Msg)
}

// paramError returns err as a *ParamError of strategy name: a *ParamError
// gets the name; another error, of the form "field: message" as validate
// returns them, is split at the first colon.
func paramError(name string, err error) error {
	var pe *ParamError
	if errors.As(err, &pe) {
		pe.Strategy = name
		return pe
	}
	field, msg, ok := strings.Cut(err.Error(), ": ")
	if !ok {
		return fmt.Errorf("strategy %s: %w", name, err)
	}
	return &ParamError{Strategy: name, Field: field, Msg: msg}
}

// Strategy is a named retry behaviour that builds one retryer per simulated
// client. Implementations are immutable and safe for concurrent use.
type Strategy interface {
	Name() string
	// Describe returns the formula in one line, for `bench strategies` and for results.
	Describe() string
	// Resolved returns the parameters as resolved (defaults applied), for
	// results files: JSON-friendly values, durations as strings like "25ms".
	Resolved() map[string]any
	// NewRetryer returns a fresh retryer for ONE simulated client (own random
	// source seeded from seed, own state/quota). nil means: install nothing,
	// keep the retryer the DynamoDB client resolves by itself. A result that
	// implements OperationScoped wants ForOperation called per operation.
	NewRetryer(seed int64) aws.RetryerV2
}

// ClientConfigurer is a Strategy that also configures the DynamoDB client
// of each fleet member (harness.RegisterClient). The runner calls
// ConfigureClient after its own settings (endpoint, retryer, the attempt
// counter), so it may replace them, the retryer included. The simulator
// builds no client and refuses such a strategy.
type ClientConfigurer interface {
	Strategy
	ConfigureClient(*dynamodb.Options)
}

// registry lists the strategies in the order Names reports them.
var registry = []struct {
	name string
	new  func(Params) (Strategy, error)
}{
	{"sdk-default", newSDKDefault},
	{"sdk-standard-noquota", newSDKStandardNoQuota},
	{"sdk-adaptive", newSDKAdaptive},
	{"sdk-legacy", newSDKLegacy},
	{"none", newNone},
	{"constant", backoffStrategy("constant", func(p Params) Backoff { return Constant{p.Base} }, "max_attempts", "base")},
	{"exponential", backoffStrategy("exponential", func(p Params) Backoff { return Exponential{p.Base, p.Cap} })},
	{"full-jitter", backoffStrategy("full-jitter", func(p Params) Backoff { return FullJitter{p.Base, p.Cap} })},
	{"equal-jitter", backoffStrategy("equal-jitter", func(p Params) Backoff { return EqualJitter{p.Base, p.Cap} })},
	{"decorrelated-jitter", backoffStrategy("decorrelated-jitter", func(p Params) Backoff { return DecorrelatedJitter{p.Base, p.Cap} })},
	{"token-bucket", newTokenBucket},
	{"retry-budget", newRetryBudget},
	{"adaptive-throttle", newAdaptiveThrottle},
	{"circuit-breaker", newCircuitBreaker},
}

// Names returns the strategy names New accepts, in a stable order.
func Names() []string {
	names := make([]string, len(registry))
	for i, e := range registry {
		names[i] = e.name
	}
	return names
}

// New returns the strategy called name with p resolved against its
// defaults. Errors name the strategy and the field at fault; an unknown name
// lists the valid ones.
func New(name string, p Params) (Strategy, error) {
	for _, e := range registry {
		if e.name == name {
			return e.new(p)
		}
	}
	return nil, fmt.Errorf("unknown strategy %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// backoffStrategy returns the constructor of a strategy that retries with a
// Backoff and no quota.
func backoffStrategy(name string, mk func(Params) Backoff, params ...string) func(Params) (Strategy, error) {
	if params == nil {
		params = []string{"max_attempts", "base", "cap"}
	}
	return func(p Params) (Strategy, error) {
		if err := p.only(params...); err != nil {
			return nil, paramError(name, err)
		}
		p = p.withDefaults()
		if err := p.validate(); err != nil {
			return nil, paramError(name, err)
		}
		return &withBackoff{name: name, p: p, backoff: mk(p), cap: slices.Contains(params, "cap")}, nil
	}
}

// withBackoff is a strategy built on Retryer.
type withBackoff struct {
	name    string
	p       Params // resolved
	backoff Backoff
	cap     bool // whether the backoff has a cap
}

func (s *withBackoff) Name() string { return s.name }

func (s *withBackoff) Describe() string {
	return fmt.Sprintf("%s; %d attempts; retries what the SDK retries; no retry quota", s.backoff, s.p.MaxAttempts)
}

func (s *withBackoff) Resolved() map[string]any {
	m := map[string]any{
		"max_attempts": s.p.MaxAttempts,
		"base":         s.p.Base.String(),
		"retry_quota":  "none",
	}
	if s.cap {
		m["cap"] = s.p.Cap.String()
	}
	return m
}

func (s *withBackoff) NewRetryer(seed int64) aws.RetryerV2 {
	if _, ok := s.backoff.(DecorrelatedJitter); ok {
		return NewScopedRetryer(s.backoff, s.p.MaxAttempts, seed)
	}
	return NewRetryer(s.backoff, s.p.MaxAttempts, seed)
}

// none is the strategy "none": one attempt, no retry.
type none struct{}

func newNone(p Params) (Strategy, error) {
	rest := p
	rest.MaxAttempts = 0
	if p.MaxAttempts > 1 || p.MaxAttempts < 0 || rest != (Params{}) {
		return nil, fmt.Errorf("strategy none: takes no parameters but max_attempts 1, got %+v", p)
	}
	return none{}, nil
}

func (none) Name() string     { return "none" }
func (none) Describe() string { return "no retry: 1 attempt; the first error is final" }

func (none) Resolved() map[string]any {
	return map[string]any{"max_attempts": 1, "retry_quota": "none"}
}

// NewRetryer returns a Retryer allowing one attempt. It is a Retryer rather
// than aws.NopRetryer so that it classifies errors like the others (the
// middleware reports a retryable final error as *retry.MaxAttemptsError).
func (none) NewRetryer(seed int64) aws.RetryerV2 {
	return NewRetryer(Exponential{DefaultBase, DefaultCap}, 1, seed)
}

// built is a strategy described by values: the new ones are written as a
// constructor that resolves Params and returns one of these.
type built struct {
	name     string
	describe string
	resolved map[string]any
	build    func(seed int64, clock Clock) aws.RetryerV2
}

func (s *built) Name() string             { return s.name }
func (s *built) Describe() string         { return s.describe }
func (s *built) Resolved() map[string]any { return maps.Clone(s.resolved) }

func (s *built) NewRetryer(seed int64) aws.RetryerV2 { return s.build(seed, Clock{}) }

// timed is a built strategy whose retryers read a Clock.
type timed struct{ *built }

func (s timed) NewRetryerWithClock(seed int64, clock Clock) aws.RetryerV2 {
	return s.build(seed, clock)
}

var _ Timed = timed{}

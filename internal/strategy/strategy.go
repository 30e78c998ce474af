package strategy

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Defaults for the zero fields of Params. They are the DynamoDB client's
// own values, so a strategy with zero Params differs from sdk-default only in
// its formula, its throttle base and its lack of a retry quota.
const (
	DefaultMaxAttempts = SDKMaxAttempts // 4
	DefaultBase        = SDKBaseDelay   // 25ms
	DefaultCap         = SDKMaxBackoff  // 20s
)

// Params are a strategy's settings; zero fields take the strategy's
// documented default. Our strategies use Base for every retryable error,
// throttles included (the SDK uses 1s for throttles).
type Params struct {
	// MaxAttempts is the total attempts per operation, the first included.
	// 0 means DefaultMaxAttempts (4, like the DynamoDB client).
	MaxAttempts int
	// Base is the first retry's delay scale. 0 means DefaultBase (25ms).
	Base time.Duration
	// Cap bounds every delay. 0 means DefaultCap (20s, the SDK's MaxBackoff).
	Cap time.Duration
}

// withDefaults returns p with zero fields replaced by the defaults.
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

// registry lists the strategies in the order Names reports them.
var registry = []struct {
	name string
	new  func(Params) (Strategy, error)
}{
	{"sdk-default", newSDKDefault},
	{"none", newNone},
	{"exponential", backoffStrategy("exponential", func(p Params) Backoff { return Exponential{p.Base, p.Cap} })},
	{"full-jitter", backoffStrategy("full-jitter", func(p Params) Backoff { return FullJitter{p.Base, p.Cap} })},
	{"equal-jitter", backoffStrategy("equal-jitter", func(p Params) Backoff { return EqualJitter{p.Base, p.Cap} })},
	{"decorrelated-jitter", backoffStrategy("decorrelated-jitter", func(p Params) Backoff { return DecorrelatedJitter{p.Base, p.Cap} })},
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
func backoffStrategy(name string, mk func(Params) Backoff) func(Params) (Strategy, error) {
	return func(p Params) (Strategy, error) {
		p = p.withDefaults()
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("strategy %s: %w", name, err)
		}
		return &withBackoff{name: name, p: p, backoff: mk(p)}, nil
	}
}

// withBackoff is a strategy built on Retryer.
type withBackoff struct {
	name    string
	p       Params // resolved
	backoff Backoff
}

func (s *withBackoff) Name() string { return s.name }

func (s *withBackoff) Describe() string {
	return fmt.Sprintf("%s; %d attempts; retries what the SDK retries; no retry quota", s.backoff, s.p.MaxAttempts)
}

func (s *withBackoff) Resolved() map[string]any {
	return map[string]any{
		"max_attempts": s.p.MaxAttempts,
		"base":         s.p.Base.String(),
		"cap":          s.p.Cap.String(),
		"retry_quota":  "none",
	}
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
	if p.MaxAttempts > 1 || p.MaxAttempts < 0 || p.Base != 0 || p.Cap != 0 {
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

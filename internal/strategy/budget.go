package strategy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Defaults of retry-budget.
const (
	DefaultBudget       = 0.1              // retries per request: 10 %
	DefaultBudgetWindow = 10 * time.Second // as Finagle's RetryBudget ttl
	// DefaultMinPerSecond is the floor in retries per second per client.
	// Finagle's is 10/s; ours is lower because every client of a fleet has
	// its own, and at 10/s a fleet of 10 would retry 100/s whatever the
	// traffic.
	DefaultMinPerSecond = 1.0
)

// newRetryBudget is "retry-budget".
func newRetryBudget(p Params) (Strategy, error) {
	const name = "retry-budget"
	if err := p.only("max_attempts", "base", "cap", "budget", "window", "min_per_second"); err != nil {
		return nil, paramError(name, err)
	}
	p = p.withDefaults()
	if p.Budget == 0 {
		p.Budget = DefaultBudget
	}
	if p.Window == 0 {
		p.Window = DefaultBudgetWindow
	}
	switch {
	case p.MinPerSecond == 0:
		p.MinPerSecond = DefaultMinPerSecond
	case p.MinPerSecond < 0:
		p.MinPerSecond = 0 // documented: negative means no floor
	}
	err := p.validate()
	switch {
	case err != nil:
	case !(p.Budget > 0):
		err = fmt.Errorf("budget: must be > 0, got %g", p.Budget)
	case p.Window < 0:
		err = fmt.Errorf("window: must be > 0, got %v", p.Window)
	}
	if err != nil {
		return nil, paramError(name, err)
	}
	backoff := FullJitter{p.Base, p.Cap}
	floor := p.MinPerSecond * p.Window.Seconds()
	return timed{&built{
		name: name,
		describe: fmt.Sprintf("%s; %d attempts; a retry is granted if, over the last %v, retries+1 <= %g*requests + %g/s*%v (requests: first attempts), else the operation fails with RetryBudgetExhaustedError",
			backoff, p.MaxAttempts, p.Window, p.Budget, p.MinPerSecond, p.Window),
		resolved: map[string]any{
			"max_attempts":   p.MaxAttempts,
			"base":           p.Base.String(),
			"cap":            p.Cap.String(),
			"budget":         p.Budget,
			"window":         p.Window.String(),
			"min_per_second": p.MinPerSecond,
		},
		build: func(seed int64, clock Clock) aws.RetryerV2 {
			return &BudgetRetryer{
				Retryer: NewRetryer(backoff, p.MaxAttempts, seed),
				clock:   clock,
				budget:  p.Budget,
				floor:   floor,
				length:  p.Window,
				w:       newWindow(p.Window, clock.now()),
			}
		},
	}}, nil
}

// BudgetRetryer is the retryer of retry-budget, after Finagle's RetryBudget
// and gRPC's retry throttling: a Retryer (full jitter, no quota) whose
// retries are limited to a share of the client's recent requests. Over a
// sliding window it counts attempts (GetAttemptToken) and retries granted
// (GetRetryToken); requests are their difference, the first attempts. A
// retry is granted while
//
//	retries + 1 <= Budget*requests + MinPerSecond*Window
//
// and refused otherwise with *RetryBudgetExhaustedError, which ends the
// operation at once, without a backoff sleep. The budget recovers as the
// window slides past the retries. A retry counts when granted and its
// attempt only after the backoff sleep, so while retries sleep the
// requests are undercounted by their number: the budget errs on the strict
// side, by at most Budget times itself.
//
// It is safe for concurrent use; the counts are per retryer, hence per client.
type BudgetRetryer struct {
	*Retryer
	clock  Clock
	budget float64
	floor  float64 // retries allowed per window whatever the traffic
	length time.Duration

	mu sync.Mutex
	w  *window // guarded by mu; [0] attempts, [1] retries granted
}

// Attempt counts an attempt made at now.
func (b *BudgetRetryer) Attempt(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.w.add(now, 0, 1)
}

// Retry grants a retry at now and counts it, or refuses it with a
// *RetryBudgetExhaustedError.
func (b *BudgetRetryer) Retry(now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	attempts, retries := b.w.sums(now)
	requests := max(attempts-retries, 0)
	allowed := b.budget*float64(requests) + b.floor
	if float64(retries+1) > allowed {
		return &RetryBudgetExhaustedError{Retries: retries, Requests: requests, Allowed: allowed, Window: b.length}
	}
	b.w.add(now, 1, 1)
	return nil
}

// GetAttemptToken counts the attempt; it never waits or fails.
func (b *BudgetRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	b.Attempt(b.clock.now())
	return nopRelease, nil
}

// GetRetryToken grants or refuses the retry; see BudgetRetryer.
func (b *BudgetRetryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	if err := b.Retry(b.clock.now()); err != nil {
		return nil, err
	}
	return nopRelease, nil
}

var _ aws.RetryerV2 = (*BudgetRetryer)(nil)

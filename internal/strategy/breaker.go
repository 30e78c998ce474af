package strategy

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Defaults of circuit-breaker.
const (
	DefaultThreshold     = 5
	DefaultCoolDown      = time.Second // DynamoDB capacity refills every second
	DefaultBreakerWindow = 10 * time.Second
)

// BreakerState is the state of a circuit breaker.
type BreakerState int

// Breaker states.
const (
	BreakerClosed   BreakerState = iota // attempts go through
	BreakerOpen                         // attempts and retries fail fast until the cool-down ends
	BreakerHalfOpen                     // one probe is through; the others fail fast
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("BreakerState(%d)", int(s))
}

// newCircuitBreaker is "circuit-breaker".
func newCircuitBreaker(p Params) (Strategy, error) {
	const name = "circuit-breaker"
	if err := p.only("max_attempts", "base", "cap", "threshold", "failure_ratio", "window", "cool_down"); err != nil {
		return nil, paramError(name, err)
	}
	p = p.withDefaults()
	if p.Threshold == 0 {
		p.Threshold = DefaultThreshold
	}
	if p.CoolDown == 0 {
		p.CoolDown = DefaultCoolDown
	}
	if p.Window == 0 {
		p.Window = DefaultBreakerWindow
	}
	err := p.validate()
	switch {
	case err != nil:
	case p.Threshold < 1:
		err = fmt.Errorf("threshold: must be >= 1, got %d", p.Threshold)
	case p.FailureRatio < 0 || p.FailureRatio > 1:
		err = fmt.Errorf("failure_ratio: must be in (0, 1], got %g", p.FailureRatio)
	case p.Window < 0:
		err = fmt.Errorf("window: must be > 0, got %v", p.Window)
	case p.CoolDown < 0:
		err = fmt.Errorf("cool_down: must be > 0, got %v", p.CoolDown)
	}
	if err != nil {
		return nil, paramError(name, err)
	}
	backoff := FullJitter{p.Base, p.Cap}
	trip := fmt.Sprintf("%d consecutive failed attempts", p.Threshold)
	ratio := any("off")
	if p.FailureRatio > 0 {
		trip += fmt.Sprintf(", or >= %g of >= %d attempts in the last %v, failed", p.FailureRatio, p.Threshold, p.Window)
		ratio = p.FailureRatio
	}
	return timed{&built{
		name: name,
		describe: fmt.Sprintf("circuit breaker: opens after %s (failed: throttles, 5xx, timeouts, connection errors); while open, attempts and retries fail fast with CircuitOpenError; after %v one probe goes through (half-open): success closes, failure reopens; %s; %d attempts; no retry quota",
			trip, p.CoolDown, backoff, p.MaxAttempts),
		resolved: map[string]any{
			"max_attempts":  p.MaxAttempts,
			"base":          p.Base.String(),
			"cap":           p.Cap.String(),
			"threshold":     p.Threshold,
			"failure_ratio": ratio,
			"window":        p.Window.String(),
			"cool_down":     p.CoolDown.String(),
		},
		build: func(seed int64, clock Clock) aws.RetryerV2 {
			return &BreakerRetryer{
				Retryer:   NewRetryer(backoff, p.MaxAttempts, seed),
				clock:     clock,
				threshold: p.Threshold,
				ratio:     p.FailureRatio,
				coolDown:  p.CoolDown,
				w:         newWindow(p.Window, clock.now()),
			}
		},
	}}, nil
}

// BreakerRetryer is the retryer of circuit-breaker: a Retryer (full jitter,
// no quota) behind a circuit breaker of the client.
//
// Closed, every attempt goes through, and an attempt that fails (an error
// the SDK would retry: throttles, 5xx, timeouts, connection errors) counts
// toward opening: Threshold failures in a row, or, with FailureRatio set, at
// least Threshold attempts ended in the window of which that share failed.
// Open, GetAttemptToken and GetRetryToken fail fast with *CircuitOpenError
// for CoolDown. The first attempt after it is a probe (half-open); the
// others still fail fast. The probe's success closes the breaker with fresh
// counts; its failure opens it for another CoolDown. A probe that never
// reports (its attempt was abandoned) is replaced after CoolDown. Attempts
// that were sent while closed and end while open or half-open count for
// nothing.
//
// It is safe for concurrent use; the state is per retryer, hence per client.
type BreakerRetryer struct {
	*Retryer
	clock     Clock
	threshold int
	ratio     float64
	coolDown  time.Duration

	mu          sync.Mutex   // guards the fields below
	state       BreakerState // BreakerHalfOpen only while a probe is out
	consecutive int          // failures in a row, while closed
	since       time.Time    // when it opened, or when the probe went out
	w           *window      // [0] attempts ended, [1] failed, while closed
}

// State returns the breaker's state at now: an open breaker whose cool-down
// is over reports half-open, since its next attempt is a probe.
func (b *BreakerRetryer) State(now time.Time) BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && !now.Before(b.since.Add(b.coolDown)) {
		return BreakerHalfOpen
	}
	return b.state
}

// Allow decides an attempt at now: nil, with probe set when the attempt is
// the half-open probe, or a *CircuitOpenError.
func (b *BreakerRetryer) Allow(now time.Time) (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refuse(now); err != nil {
		return false, err
	}
	if b.state == BreakerClosed {
		return false, nil
	}
	b.state, b.since = BreakerHalfOpen, now
	return true, nil
}

// refuse returns the *CircuitOpenError for an attempt at now, or nil if it
// may go. Called with mu held.
func (b *BreakerRetryer) refuse(now time.Time) error {
	if b.state == BreakerClosed {
		return nil
	}
	if until := b.since.Add(b.coolDown); now.Before(until) {
		return &CircuitOpenError{State: b.state, RetryIn: until.Sub(now)}
	}
	return nil // the cool-down is over, or the probe is lost: probe
}

// Done records at now how an attempt ended; probe is what Allow said.
func (b *BreakerRetryer) Done(now time.Time, probe, failed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerHalfOpen:
		if !probe {
			return
		}
		if failed {
			b.state, b.since = BreakerOpen, now
			return
		}
		b.state, b.consecutive = BreakerClosed, 0
		b.w.reset()
	case BreakerClosed:
		b.w.add(now, 0, 1)
		if failed {
			b.consecutive++
			b.w.add(now, 1, 1)
		} else {
			b.consecutive = 0
		}
		ended, fails := b.w.sums(now)
		if b.consecutive >= b.threshold ||
			b.ratio > 0 && ended >= int64(b.threshold) && float64(fails) >= b.ratio*float64(ended) {
			b.state, b.since, b.consecutive = BreakerOpen, now, 0
		}
	}
}

// GetAttemptToken lets the attempt through or fails it fast; its release
// records the outcome.
func (b *BreakerRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	probe, err := b.Allow(b.clock.now())
	if err != nil {
		return nil, err
	}
	return func(err error) error {
		b.Done(b.clock.now(), probe, err != nil && b.IsErrorRetryable(err))
		return nil
	}, nil
}

// GetRetryToken fails fast while the breaker would refuse the retry's
// attempt right now, sparing the operation a backoff sleep before it.
func (b *BreakerRetryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.refuse(b.clock.now()); err != nil {
		return nil, err
	}
	return nopRelease, nil
}

var _ aws.RetryerV2 = (*BreakerRetryer)(nil)

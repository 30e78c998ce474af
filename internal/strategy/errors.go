package strategy

import (
	"fmt"
	"time"
)

// The errors below end an operation without the SDK sending (or resending)
// a request. The SDK's retry middleware wraps them (GetAttemptToken's as
// "failed to get retry Send token, %w"; GetRetryToken's joined with the
// attempt's own error), so detect them with errors.As:
//
//	var open *strategy.CircuitOpenError
//	if errors.As(err, &open) { ... }
//
// Check them before classifying err as a throttle: a refused retry carries
// the throttle that asked for it too.

// RetryBudgetExhaustedError is retry-budget refusing a retry: the retries of
// the last Window already reached Allowed.
type RetryBudgetExhaustedError struct {
	Retries  int64         // retries granted in the window
	Requests int64         // first attempts in the window
	Allowed  float64       // Budget*Requests + the floor
	Window   time.Duration // the window's length
}

func (e *RetryBudgetExhaustedError) Error() string {
	return fmt.Sprintf("retry budget exhausted: %d retries for %d requests in the last %v, %.4g allowed",
		e.Retries, e.Requests, e.Window, e.Allowed)
}

// RejectedLocallyError is adaptive-throttle rejecting an attempt before
// sending it, as Google's SRE book ("Handling Overload") has clients do.
type RejectedLocallyError struct {
	Probability float64       // the reject probability at the time
	Requests    int64         // requests in the window, this one included
	Accepts     int64         // of which the backend accepted
	Window      time.Duration // the window's length
}

func (e *RejectedLocallyError) Error() string {
	return fmt.Sprintf("rejected locally by adaptive throttling: reject probability %.3f (%d requests, %d accepts in the last %v)",
		e.Probability, e.Requests, e.Accepts, e.Window)
}

// CircuitOpenError is circuit-breaker failing an attempt or a retry fast.
type CircuitOpenError struct {
	State BreakerState // BreakerOpen, or BreakerHalfOpen while a probe is out
	// RetryIn is how long until the breaker lets a probe through.
	RetryIn time.Duration
}

func (e *CircuitOpenError) Error() string {
	if e.State == BreakerHalfOpen {
		return fmt.Sprintf("circuit breaker half-open: a probe is in flight, failing fast (next probe in at most %v)", e.RetryIn)
	}
	return fmt.Sprintf("circuit breaker open: failing fast for another %v", e.RetryIn)
}

package metrics

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/strategy"
)

// Outcome is how an operation ended, after all its attempts.
type Outcome uint8

// Outcomes, in the order reports list them.
const (
	OK              Outcome = iota // succeeded
	Throttled                      // last attempt throttled and the strategy gave up (max attempts, or no retry)
	QuotaExhausted                 // the client's retry quota refused a retry
	MaxAttempts                    // attempts ran out on a retryable error that is not a throttle
	Timeout                        // the operation's deadline passed, backoff included
	Canceled                       // the run was interrupted while the operation was in flight
	Error                          // any other error (not retryable)
	Dropped                        // never started: the client's in-flight cap was reached at its arrival
	BudgetExhausted                // the client's retry budget refused a retry (retry-budget)
	RejectedLocally                // the client refused to send (adaptive-throttle)
	CircuitOpen                    // the client's circuit breaker was open (circuit-breaker)
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "throttled", "retry_quota_exhausted", "max_attempts", "timeout", "canceled", "error", "dropped",
	"retry_budget_exhausted", "rejected_locally", "circuit_open"}

func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "unknown"
}

// Record is one operation, from its intended start to its final outcome.
// Times are offsets from the start of the run, so records are plain data
// that do not depend on the wall clock.
type Record struct {
	// Client is the fleet member (0-based) that ran the operation.
	Client int
	// Op is the operation's name, e.g. "PutItem".
	Op string
	// Intended is when the schedule said the operation should start.
	Intended time.Duration
	// Started is when the SDK call was made: later than Intended when the
	// in-flight cap or the scheduler itself made it wait.
	Started time.Duration
	// Ended is when the final outcome was known.
	Ended time.Duration
	// Attempts counts every attempt sent, the first included.
	Attempts int
	// ThrottledAttempts counts attempts answered with a throttling error.
	ThrottledAttempts int
	// Sending is the time spent in attempts (the rest of Ended-Started is
	// backoff and retry-quota waits).
	Sending time.Duration
	Outcome Outcome
	// AttemptLog lists each attempt: when it was sent and how it ended.
	AttemptLog []Attempt
}

// Attempt is one try of an operation, timed by a middleware after the
// SDK's Retry step: its duration excludes backoff.
type Attempt struct {
	// Start is an offset from the start of the run.
	Start    time.Duration
	Duration time.Duration
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Throttled is set for throttling errors and for batch calls that
	// came back with unprocessed items; Reason is the first
	// ThrottlingReasons entry's reason, when the service gave one.
	Throttled bool
	Reason    string
	// Cancelled lists the codes of a TransactionCanceledException's
	// CancellationReasons other than "None" ("ThrottlingError",
	// "ConditionalCheckFailed", "TransactionConflict", ...), each once, in
	// the order of the transaction's items; nil for any other answer.
	Cancelled []string
}

// FromFirstSend is the operation's latency from its first send, the figure
// tools that ignore coordinated omission report.
func (r Record) FromFirstSend() time.Duration { return r.Ended - r.Started }

// Backoff is the time the operation spent neither sending nor waiting to
// start: retry sleeps and client-side waits.
func (r Record) Backoff() time.Duration { return max(r.Ended-r.Started-r.Sending, 0) }

// Latency is the operation's latency from its intended start: the figure
// free of coordinated omission.
func (r Record) Latency() time.Duration { return r.Ended - r.Intended }

// CancellationCodes returns the codes of err's CancellationReasons other
// than "None", each once, in item order, when err is a
// TransactionCanceledException; nil otherwise. It is Attempt.Cancelled.
func CancellationCodes(err error) []string {
	var tce *types.TransactionCanceledException
	if err == nil || !errors.As(err, &tce) {
		return nil
	}
	var out []string
	for _, r := range tce.CancellationReasons {
		if c := aws.ToString(r.Code); c != "" && c != "None" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// IsThrottle reports whether err is a throttling error as the SDK's retry
// package classes it.
func IsThrottle(err error) bool {
	return err != nil && throttles.IsErrorThrottle(err) == aws.TrueTernary
}

// Classify maps an operation's final error to its Outcome. ctxErr is the
// operation context's error, which tells a timeout from an interrupt even
// when the SDK wrapped the cause.
func Classify(err, ctxErr error) Outcome {
	switch {
	case err == nil:
		return OK
	case errors.As(err, &ratelimit.QuotaExceededError{}):
		return QuotaExhausted
	// The client-side refusals come before IsThrottle: the SDK joins them
	// with the throttle that made the client want to retry.
	case errors.As(err, new(*strategy.RetryBudgetExhaustedError)):
		return BudgetExhausted
	case errors.As(err, new(*strategy.RejectedLocallyError)):
		return RejectedLocally
	case errors.As(err, new(*strategy.CircuitOpenError)):
		return CircuitOpen
	case errors.Is(ctxErr, context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case ctxErr != nil || errors.Is(err, context.Canceled):
		return Canceled
	case IsThrottle(err):
		return Throttled
	}
	var maxErr *retry.MaxAttemptsError
	if errors.As(err, &maxErr) {
		return MaxAttempts
	}
	return Error
}

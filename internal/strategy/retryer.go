package strategy

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// OperationScoped is implemented by retryers that keep per-operation state
// (decorrelated jitter's previous sleep). The runner calls ForOperation once
// per operation and installs the result for that call only:
//
//	client.PutItem(ctx, in, func(o *dynamodb.Options) { o.Retryer = r.ForOperation() })
//
// so the random source stays per client while the backoff state is per
// operation. Leave o.RetryMaxAttempts at 0 (or equal to the client's): the
// DynamoDB client wraps a per-operation retryer in retry.AddWithMaxAttempts
// only when the operation's RetryMaxAttempts differs from the client's.
type OperationScoped interface {
	ForOperation() aws.RetryerV2
}

// sdkRetryables decides what our strategies retry: exactly the standard
// retryer's default checks (throttles, HTTP 500/502/503/504, RequestTimeout,
// connection errors, unmodeled 429s, errors that say RetryableError() true,
// such as the middleware's clock-skew wrapper; not canceled requests, not
// ConditionalCheckFailedException). Copied so later edits to the SDK's
// package variable cannot change it.
var sdkRetryables = append(retry.IsErrorRetryables(nil), retry.DefaultRetryables...)

// pcgStream is the fixed second PCG word; the seed picks the first.
const pcgStream = 0x7468726f74746c65 // "throttle"

// Retryer is the aws.RetryerV2 behind every strategy except sdk-default. It
// retries what the SDK's standard retryer retries, up to a fixed number of
// attempts, sleeps as its Backoff says and has no retry quota: tokens are
// free and never run out, so only the backoff formula differs between
// strategies.
//
// RetryDelay draws u from the retryer's own math/rand/v2 PCG source, seeded at
// construction, and passes prev = 0 to the Backoff (a decorrelated-jitter
// Backoff then uses Base as prev; see ScopedRetryer for the chained form).
//
// A Retryer is safe for concurrent use: it is shared by the concurrent
// operations of one simulated client, and a mutex guards the random source.
// The sequence of delays is deterministic for a seed, but with concurrent
// operations the order in which they draw from it is not.
type Retryer struct {
	backoff     Backoff
	maxAttempts int
	rand        *lockedRand
}

// NewRetryer returns a Retryer for one simulated client. maxAttempts counts
// the first attempt; 1 disables retries and 0 means unlimited (the SDK's
// convention).
func NewRetryer(b Backoff, maxAttempts int, seed int64) *Retryer {
	return &Retryer{backoff: b, maxAttempts: maxAttempts, rand: newLockedRand(seed)}
}

// IsErrorRetryable reports whether the SDK's standard retryer would retry err.
func (r *Retryer) IsErrorRetryable(err error) bool {
	return sdkRetryables.IsErrorRetryable(err).Bool()
}

// MaxAttempts returns the attempts allowed per operation, the first included.
func (r *Retryer) MaxAttempts() int { return r.maxAttempts }

// RetryDelay returns the sleep after the failed attempt attempt (1-based). It
// never fails.
func (r *Retryer) RetryDelay(attempt int, _ error) (time.Duration, error) {
	return r.backoff.Delay(attempt, 0, r.rand.Float64()), nil
}

// GetRetryToken grants every retry: there is no retry quota.
func (r *Retryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	return nopRelease, nil
}

// GetInitialToken returns a release that does nothing: there is no quota to refill.
func (r *Retryer) GetInitialToken() func(error) error { return nopRelease }

// GetAttemptToken grants every attempt at once: there is no client-side rate limit.
func (r *Retryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return nopRelease, nil
}

// ScopedRetryer is a Retryer whose Backoff chains the previous sleep of an
// operation (decorrelated jitter). Used directly, as one retryer for the
// whole client, it cannot tell operations apart and falls back to
// prev = Base for every retry. ForOperation returns the chained form.
type ScopedRetryer struct {
	*Retryer
}

// NewScopedRetryer returns a ScopedRetryer for one simulated client; see NewRetryer.
func NewScopedRetryer(b Backoff, maxAttempts int, seed int64) *ScopedRetryer {
	return &ScopedRetryer{NewRetryer(b, maxAttempts, seed)}
}

// ForOperation returns a retryer for one operation: it shares this
// retryer's random source, attempts and classification, and remembers the
// operation's previous sleep. The chain restarts whenever RetryDelay is
// called for attempt 1, so reusing the result for a later operation is
// harmless, though not intended.
func (s *ScopedRetryer) ForOperation() aws.RetryerV2 {
	return &operationRetryer{Retryer: s.Retryer}
}

// operationRetryer carries one operation's previous sleep. The SDK calls it
// from one goroutine at a time; the mutex only makes misuse safe.
type operationRetryer struct {
	*Retryer

	mu   sync.Mutex
	prev time.Duration // 0 before the operation's first retry
}

func (o *operationRetryer) RetryDelay(attempt int, _ error) (time.Duration, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if attempt <= 1 {
		o.prev = 0
	}
	d := o.backoff.Delay(attempt, o.prev, o.rand.Float64())
	o.prev = d
	return d, nil
}

func nopRelease(error) error { return nil }

// lockedRand is a math/rand/v2 source shared by the concurrent operations of
// one client.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand // guarded by mu
}

func newLockedRand(seed int64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(uint64(seed), pcgStream))}
}

// Float64 returns a uniform number in [0, 1).
func (l *lockedRand) Float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

var (
	_ aws.RetryerV2   = (*Retryer)(nil)
	_ aws.RetryerV2   = (*ScopedRetryer)(nil)
	_ OperationScoped = (*ScopedRetryer)(nil)
	_ aws.RetryerV2   = (*operationRetryer)(nil)
)

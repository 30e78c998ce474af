package strategy

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/time/rate"
)

// DefaultRate is token-bucket's refill rate, in attempts per second per
// client, when Params.Rate is 0.
const DefaultRate = 100.0

// newTokenBucket is "token-bucket".
func newTokenBucket(p Params) (Strategy, error) {
	const name = "token-bucket"
	if err := p.only("max_attempts", "base", "cap", "rate", "burst"); err != nil {
		return nil, paramError(name, err)
	}
	p = p.withDefaults()
	if p.Rate == 0 {
		p.Rate = DefaultRate
	}
	if p.Burst == 0 && p.Rate > 0 && !math.IsInf(p.Rate, 0) {
		p.Burst = max(1, int(math.Ceil(p.Rate/10)))
	}
	err := p.validate()
	switch {
	case err != nil:
	case !(p.Rate > 0) || math.IsInf(p.Rate, 0):
		err = fmt.Errorf("rate: must be > 0 and finite, got %g", p.Rate)
	case p.Burst < 1:
		err = fmt.Errorf("burst: must be >= 1, got %d", p.Burst)
	}
	if err != nil {
		return nil, paramError(name, err)
	}
	backoff := FullJitter{p.Base, p.Cap}
	return timed{&built{
		name: name,
		describe: fmt.Sprintf("client-side rate limit: every attempt first waits for a token from a bucket of %d refilled at %g/s per client (golang.org/x/time/rate); then %s between attempts; %d attempts; no retry quota",
			p.Burst, p.Rate, backoff, p.MaxAttempts),
		resolved: map[string]any{
			"max_attempts": p.MaxAttempts,
			"base":         p.Base.String(),
			"cap":          p.Cap.String(),
			"rate":         p.Rate,
			"burst":        p.Burst,
			"retry_quota":  "none",
		},
		build: func(seed int64, clock Clock) aws.RetryerV2 {
			return &TokenBucketRetryer{
				Retryer: NewRetryer(backoff, p.MaxAttempts, seed),
				clock:   clock,
				limiter: rate.NewLimiter(rate.Limit(p.Rate), p.Burst),
			}
		},
	}}, nil
}

// TokenBucketRetryer is the retryer of token-bucket: a Retryer (full jitter,
// no quota) whose GetAttemptToken first waits for a token from a
// golang.org/x/time/rate limiter, so every attempt of the client, first or
// retry, is paced. The wait happens inside the SDK call: it counts in the
// operation's latency, not in any attempt's. A wait cut short by the
// operation's context gives its token back and fails the attempt with the
// context's error (wrapped), so the operation ends as a timeout.
//
// It is safe for concurrent use; the limiter is per retryer, hence per client.
type TokenBucketRetryer struct {
	*Retryer
	clock   Clock
	limiter *rate.Limiter
}

// Reserve takes a token at now and returns how long after now it may be
// used: 0 while the bucket has tokens. A virtual-time engine calls it
// instead of GetAttemptToken.
func (t *TokenBucketRetryer) Reserve(now time.Time) time.Duration {
	return t.limiter.ReserveN(now, 1).DelayFrom(now)
}

// GetAttemptToken waits for a token; see TokenBucketRetryer.
func (t *TokenBucketRetryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	now := t.clock.now()
	r := t.limiter.ReserveN(now, 1) // OK: burst >= 1
	if d := r.DelayFrom(now); d > 0 {
		if err := t.clock.sleep(ctx, d); err != nil {
			r.CancelAt(t.clock.now())
			return nil, fmt.Errorf("token bucket: waiting %v for a token: %w", d, err)
		}
	}
	return nopRelease, nil
}

var _ aws.RetryerV2 = (*TokenBucketRetryer)(nil)

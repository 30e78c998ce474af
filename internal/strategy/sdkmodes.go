package strategy

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// The SDK's own retryers, built by us with settings the client would not
// pick by itself. Their backoff is the SDK's code and draws from
// crypto/rand, so unlike ours it does not repeat for a seed (sdk-legacy
// excepted: its backoff is LegacyJitter with our seeded source).

// Defaults of sdk-legacy: the standard retryer before v1.48.0
// (aws/retry/standard.go, CHANGELOG "Retry Behavior 2.1").
const (
	LegacyMaxAttempts      = retry.DefaultMaxAttempts // 3
	LegacyBase             = time.Second              // the legacy formula counts in seconds
	LegacyRetryCost        = 5                        // retry.DefaultRetryCost, deprecated since
	LegacyTimeoutRetryCost = 10                       // retry.DefaultRetryTimeoutCost, deprecated since
	LegacyThrottleCost     = 5                        // throttles were not special: they cost LegacyRetryCost
)

// sdkParams resolves the Params of the SDK-built strategies: attempts, base
// and cap as the DynamoDB client has them, quota and costs as the SDK's.
func sdkParams(name string, p Params, accepted ...string) (Params, error) {
	if err := p.only(accepted...); err != nil {
		return p, paramError(name, err)
	}
	p = p.withDefaults()
	if p.Quota == 0 {
		p.Quota = int(SDKRetryQuota)
	}
	if p.RetryCost == 0 {
		p.RetryCost = int(SDKRetryCost)
	}
	if p.ThrottleRetryCost == 0 {
		p.ThrottleRetryCost = int(SDKThrottleRetryCost)
	}
	err := p.validate()
	switch {
	case err != nil:
	case p.Quota < 0:
		err = fmt.Errorf("quota: must be > 0, got %d", p.Quota)
	case p.RetryCost < 0:
		err = fmt.Errorf("retry_cost: must be > 0, got %d", p.RetryCost)
	case p.ThrottleRetryCost < 0:
		err = fmt.Errorf("throttle_retry_cost: must be > 0, got %d", p.ThrottleRetryCost)
	case p.TimeoutRetryCost < 0:
		err = fmt.Errorf("timeout_retry_cost: must be > 0, got %d", p.TimeoutRetryCost)
	}
	if err != nil {
		return p, paramError(name, err)
	}
	return p, nil
}

// sdkStandardOptions sets what resolveRetryer in service/dynamodb sets
// (attempts, BaseDelay), plus MaxBackoff.
func sdkStandardOptions(p Params) func(*retry.StandardOptions) {
	return func(o *retry.StandardOptions) {
		o.MaxAttempts = p.MaxAttempts
		o.BaseDelay = p.Base
		o.MaxBackoff = p.Cap
	}
}

// sdkFormula is the standard retryer's backoff for p.
func sdkFormula(p Params) string {
	return fmt.Sprintf("U[0, min(%v, x*2^(attempt-1))), x = %v for throttles else %v; %d attempts",
		p.Cap, SDKThrottleBaseDelay, p.Base, p.MaxAttempts)
}

// newSDKStandardNoQuota is "sdk-standard-noquota": retry.NewStandard with the
// DynamoDB client's settings and RateLimiter ratelimit.None.
func newSDKStandardNoQuota(p Params) (Strategy, error) {
	const name = "sdk-standard-noquota"
	p, err := sdkParams(name, p, "max_attempts", "base", "cap")
	if err != nil {
		return nil, err
	}
	return &built{
		name:     name,
		describe: fmt.Sprintf("retry.NewStandard with the DynamoDB client's settings but no retry quota (ratelimit.None): %s", sdkFormula(p)),
		resolved: map[string]any{
			"retry_mode":    string(aws.RetryModeStandard),
			"max_attempts":  p.MaxAttempts,
			"base":          p.Base.String(),
			"throttle_base": SDKThrottleBaseDelay.String(),
			"cap":           p.Cap.String(),
			"retry_quota":   "none",
		},
		build: func(int64, Clock) aws.RetryerV2 {
			return retry.NewStandard(sdkStandardOptions(p), func(o *retry.StandardOptions) {
				o.RateLimiter = ratelimit.None
			})
		},
	}, nil
}

// newSDKAdaptive is "sdk-adaptive": retry.NewAdaptiveMode over the DynamoDB
// client's standard settings, as the client builds it for RetryMode
// adaptive (service/dynamodb api_client.go resolveRetryer).
func newSDKAdaptive(p Params) (Strategy, error) {
	const name = "sdk-adaptive"
	p, err := sdkParams(name, p, "max_attempts", "base", "cap", "quota", "retry_cost", "throttle_retry_cost")
	if err != nil {
		return nil, err
	}
	return &built{
		name: name,
		describe: fmt.Sprintf("retry.NewAdaptiveMode with the DynamoDB client's settings: %s; retry quota %d tokens (retry %d, throttle retry %d); "+
			"before each attempt a CUBIC send-rate limiter, off until the first throttle, then rate*0.7 per throttle, floor 0.5/s",
			sdkFormula(p), p.Quota, p.RetryCost, p.ThrottleRetryCost),
		resolved: map[string]any{
			"retry_mode":          string(aws.RetryModeAdaptive),
			"max_attempts":        p.MaxAttempts,
			"base":                p.Base.String(),
			"throttle_base":       SDKThrottleBaseDelay.String(),
			"cap":                 p.Cap.String(),
			"quota":               p.Quota,
			"retry_cost":          p.RetryCost,
			"throttle_retry_cost": p.ThrottleRetryCost,
			"no_retry_increment":  SDKNoRetryIncrement,
		},
		build: func(int64, Clock) aws.RetryerV2 {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, sdkStandardOptions(p), func(o *retry.StandardOptions) {
					o.RateLimiter = ratelimit.NewTokenRateLimit(uint(p.Quota))
					o.RetryCost = uint(p.RetryCost)
					o.ThrottlingRetryCost = uint(p.ThrottleRetryCost)
				})
			})
		},
	}, nil
}

// newSDKLegacy is "sdk-legacy": the standard retryer as it behaved before
// v1.48.0, rebuilt from retry.NewStandard options and a decorator.
func newSDKLegacy(p Params) (Strategy, error) {
	const name = "sdk-legacy"
	if p.MaxAttempts == 0 {
		p.MaxAttempts = LegacyMaxAttempts
	}
	if p.Base == 0 {
		p.Base = LegacyBase
	}
	if p.RetryCost == 0 {
		p.RetryCost = LegacyRetryCost
	}
	if p.ThrottleRetryCost == 0 {
		p.ThrottleRetryCost = LegacyThrottleCost
	}
	if p.TimeoutRetryCost == 0 {
		p.TimeoutRetryCost = LegacyTimeoutRetryCost
	}
	p, err := sdkParams(name, p, "max_attempts", "base", "cap", "quota", "retry_cost", "throttle_retry_cost", "timeout_retry_cost")
	if err != nil {
		return nil, err
	}
	b := LegacyJitter{p.Base, p.Cap}
	return &built{
		name: name,
		describe: fmt.Sprintf("retry.Standard as before v1.48.0: %s; %d attempts; retry quota %d tokens (retry %d, timeout retry %d, throttle retry %d; every successful attempt adds %d)",
			b, p.MaxAttempts, p.Quota, p.RetryCost, p.TimeoutRetryCost, p.ThrottleRetryCost, SDKNoRetryIncrement),
		resolved: map[string]any{
			"retry_mode":          "standard (before v1.48.0)",
			"max_attempts":        p.MaxAttempts,
			"base":                p.Base.String(),
			"cap":                 p.Cap.String(),
			"quota":               p.Quota,
			"retry_cost":          p.RetryCost,
			"timeout_retry_cost":  p.TimeoutRetryCost,
			"throttle_retry_cost": p.ThrottleRetryCost,
			"no_retry_increment":  SDKNoRetryIncrement,
		},
		build: func(seed int64, _ Clock) aws.RetryerV2 { return newLegacyRetryer(p, b, seed) },
	}, nil
}

// legacyRetryer is retry.Standard configured as before v1.48.0, with the
// two behaviours its options can no longer express put back by overriding
// one method each:
//   - GetRetryToken: a retry after a timeout (an error with Timeout() true,
//     retry.DefaultTimeouts) costs TimeoutRetryCost; StandardOptions ignores
//     RetryTimeoutCost since v1.48.0. Throttles cost RetryCost, as they did
//     (ThrottlingRetryCost is set equal by default).
//   - GetAttemptToken: every successful attempt adds NoRetryIncrement to the
//     quota, retries included (v1.48.0 adds it after a first attempt only;
//     a successful retry refunds its cost in both).
//
// What it cannot undo is in the shared middleware: x-amz-retry-after is
// honoured and unmodeled HTTP 429s are retried as throttles, both new in
// v1.48.0.
type legacyRetryer struct {
	*retry.Standard
	quota       *ratelimit.TokenRateLimit
	timeouts    retry.IsErrorTimeouts
	timeoutCost uint
}

func newLegacyRetryer(p Params, b LegacyJitter, seed int64) *legacyRetryer {
	quota := ratelimit.NewTokenRateLimit(uint(p.Quota))
	rnd := newLockedRand(seed)
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.MaxAttempts
		o.MaxBackoff = p.Cap
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			return b.Delay(attempt, 0, rnd.Float64()), nil
		})
		o.RateLimiter = quota
		o.RetryCost = uint(p.RetryCost)
		o.ThrottlingRetryCost = uint(p.ThrottleRetryCost)
		o.NoRetryIncrement = SDKNoRetryIncrement
	})
	return &legacyRetryer{
		Standard:    std,
		quota:       quota,
		timeouts:    retry.IsErrorTimeouts(retry.DefaultTimeouts),
		timeoutCost: uint(p.TimeoutRetryCost),
	}
}

// GetRetryToken takes the retry's cost from the quota: TimeoutRetryCost
// after a timeout, otherwise what retry.Standard takes.
func (l *legacyRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	if !l.timeouts.IsErrorTimeout(opErr).Bool() {
		return l.Standard.GetRetryToken(ctx, opErr)
	}
	refund, err := l.quota.GetToken(ctx, l.timeoutCost)
	if err != nil {
		return nil, fmt.Errorf("failed to get rate limit token, %w", err)
	}
	return func(err error) error {
		if err != nil {
			return nil
		}
		return refund()
	}, nil
}

// GetAttemptToken returns a release that adds NoRetryIncrement to the quota
// when the attempt succeeds, whichever attempt it is.
func (l *legacyRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return func(err error) error {
		if err != nil {
			return nil
		}
		return l.quota.AddTokens(SDKNoRetryIncrement)
	}, nil
}

var _ aws.RetryerV2 = (*legacyRetryer)(nil)

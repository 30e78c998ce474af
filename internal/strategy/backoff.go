package strategy

import (
	"fmt"
	"math"
	"time"
)

// Backoff computes the sleep before a retry. Implementations are pure values:
// the random number is an argument, so a delay schedule can be checked exactly
// in tests and replayed in virtual time. They are safe for concurrent use.
type Backoff interface {
	// Delay returns the sleep before the retry that follows the failed attempt
	// attempt (1-based, as aws.RetryerV2.RetryDelay receives it). prev is the
	// previous sleep of the same operation, or 0 before its first retry. u is a
	// uniform random number in [0, 1); values outside are clamped into it.
	Delay(attempt int, prev time.Duration, u float64) time.Duration

	// String returns the formula with the parameters filled in, on one line.
	String() string
}

// Exponential is exponential backoff without jitter:
// min(Cap, Base*2^(attempt-1)). It ignores prev and u.
// Base must be > 0 and Cap >= Base.
type Exponential struct {
	Base, Cap time.Duration
}

// Delay implements Backoff.
func (b Exponential) Delay(attempt int, _ time.Duration, _ float64) time.Duration {
	return ceiling(b.Base, b.Cap, attempt)
}

func (b Exponential) String() string {
	return fmt.Sprintf("min(%v, %v*2^(attempt-1))", b.Cap, b.Base)
}

// FullJitter is "full jitter" from the AWS Architecture Blog post
// "Exponential Backoff And Jitter": U[0, min(Cap, Base*2^(attempt-1))).
// It ignores prev. Base must be > 0 and Cap >= Base.
type FullJitter struct {
	Base, Cap time.Duration
}

// Delay implements Backoff.
func (b FullJitter) Delay(attempt int, _ time.Duration, u float64) time.Duration {
	return uniform(0, ceiling(b.Base, b.Cap, attempt), u)
}

func (b FullJitter) String() string {
	return fmt.Sprintf("U[0, min(%v, %v*2^(attempt-1)))", b.Cap, b.Base)
}

// EqualJitter is "equal jitter" from the same post: half the exponential
// delay plus a uniform random half, v/2 + U[0, v/2) with
// v = min(Cap, Base*2^(attempt-1)). The result lies in [v/2, v) (for an odd
// number of nanoseconds the random half is the larger one, so the upper
// bound stays v). It ignores prev. Base must be > 0 and Cap >= Base.
type EqualJitter struct {
	Base, Cap time.Duration
}

// Delay implements Backoff.
func (b EqualJitter) Delay(attempt int, _ time.Duration, u float64) time.Duration {
	v := ceiling(b.Base, b.Cap, attempt)
	half := v / 2
	return half + uniform(0, v-half, u)
}

func (b EqualJitter) String() string {
	return fmt.Sprintf("v/2 + U[0, v/2), v = min(%v, %v*2^(attempt-1))", b.Cap, b.Base)
}

// DecorrelatedJitter is "decorrelated jitter" from the same post:
// min(Cap, U[Base, 3*prev)), where prev is the previous sleep of the same
// operation and Base before its first retry. A prev below Base (including 0)
// counts as Base. It ignores attempt. Base must be > 0 and Cap >= Base.
//
// The chain is per operation: a retryer shared by concurrent operations cannot
// know which operation a RetryDelay call belongs to, which is why the retryer
// for this backoff implements OperationScoped.
type DecorrelatedJitter struct {
	Base, Cap time.Duration
}

// Delay implements Backoff.
func (b DecorrelatedJitter) Delay(_ int, prev time.Duration, u float64) time.Duration {
	prev = max(prev, b.Base)
	hi := time.Duration(math.MaxInt64)
	if prev <= math.MaxInt64/3 {
		hi = 3 * prev
	}
	return min(b.Cap, uniform(b.Base, hi, u))
}

func (b DecorrelatedJitter) String() string {
	return fmt.Sprintf("min(%v, U[%v, 3*prev)), prev = %v before the first retry, then the operation's previous sleep", b.Cap, b.Base, b.Base)
}

// Constant waits Base after every failed attempt. It ignores attempt, prev
// and u. Base must be > 0.
type Constant struct {
	Base time.Duration
}

// Delay implements Backoff.
func (b Constant) Delay(int, time.Duration, float64) time.Duration { return b.Base }

func (b Constant) String() string { return fmt.Sprintf("%v after every failed attempt", b.Base) }

// LegacyJitter is the standard retryer's backoff before aws-sdk-go-v2
// v1.48.0, which retry.NewExponentialJitterBackoff still computes when built
// by itself (aws/retry/jitter_backoff.go backoffDelayLegacy):
// U[0, Base*2^attempt) while attempt <= floor(log2(Cap/Base)), else Cap,
// without jitter. The SDK's Base is 1s. Note the exponent is attempt, not
// attempt-1: the first retry already waits up to 2*Base. It ignores prev.
// Base must be > 0 and Cap >= Base.
type LegacyJitter struct {
	Base, Cap time.Duration
}

// Delay implements Backoff.
func (b LegacyJitter) Delay(attempt int, _ time.Duration, u float64) time.Duration {
	if attempt > b.jittered() {
		return b.Cap
	}
	// attempt <= log2(Cap/Base), so Base<<attempt <= Cap: no overflow.
	return uniform(0, b.Base<<max(attempt, 0), u)
}

// jittered is the last attempt whose delay is jittered, computed as the SDK does.
func (b LegacyJitter) jittered() int {
	return int(math.Log2(float64(b.Cap) / float64(b.Base)))
}

func (b LegacyJitter) String() string {
	return fmt.Sprintf("U[0, %v*2^attempt) for attempt <= %d (floor(log2(%v/%v))), else %v without jitter",
		b.Base, b.jittered(), b.Cap, b.Base, b.Cap)
}

// ceiling returns min(limit, base*2^(attempt-1)) without overflowing; an
// attempt below 1 counts as 1.
func ceiling(base, limit time.Duration, attempt int) time.Duration {
	n := max(attempt-1, 0)
	if base >= limit || n >= 63 || base > limit>>n {
		return limit
	}
	return base << n
}

// uniform maps u in [0, 1) onto [lo, hi). It never returns hi, even when
// rounding u*(hi-lo) would, so half-open bounds hold exactly; hi <= lo
// yields lo.
func uniform(lo, hi time.Duration, u float64) time.Duration {
	if hi <= lo || !(u > 0) { // !(u > 0) also catches NaN
		return lo
	}
	span := hi - lo
	if u >= 1 {
		return hi - 1
	}
	d := time.Duration(u * float64(span))
	if d >= span || d < 0 {
		d = span - 1
	}
	return lo + d
}

package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Defaults of adaptive-throttle, the values of Google's SRE book.
const (
	DefaultK              = 2.0
	DefaultThrottleWindow = 2 * time.Minute
)

// newAdaptiveThrottle is "adaptive-throttle".
func newAdaptiveThrottle(p Params) (Strategy, error) {
	const name = "adaptive-throttle"
	if err := p.only("max_attempts", "base", "cap", "k", "window"); err != nil {
		return nil, paramError(name, err)
	}
	p = p.withDefaults()
	if p.K == 0 {
		p.K = DefaultK
	}
	if p.Window == 0 {
		p.Window = DefaultThrottleWindow
	}
	err := p.validate()
	switch {
	case err != nil:
	case !(p.K > 0) || math.IsInf(p.K, 0):
		err = fmt.Errorf("k: must be > 0 and finite, got %g", p.K)
	case p.Window < 0:
		err = fmt.Errorf("window: must be > 0, got %v", p.Window)
	}
	if err != nil {
		return nil, paramError(name, err)
	}
	backoff := FullJitter{p.Base, p.Cap}
	return timed{&built{
		name: name,
		describe: fmt.Sprintf("client-side throttling (Google SRE book, \"Handling Overload\"): each attempt is rejected locally, with RejectedLocallyError, with probability max(0, (requests - %g*accepts)/(requests + 1)) over the last %v (accepts: attempts not throttled or failed); then %s; %d attempts; no retry quota",
			p.K, p.Window, backoff, p.MaxAttempts),
		resolved: map[string]any{
			"max_attempts": p.MaxAttempts,
			"base":         p.Base.String(),
			"cap":          p.Cap.String(),
			"k":            p.K,
			"window":       p.Window.String(),
		},
		build: func(seed int64, clock Clock) aws.RetryerV2 {
			return &ThrottleRetryer{
				Retryer: NewRetryer(backoff, p.MaxAttempts, seed),
				clock:   clock,
				k:       p.K,
				length:  p.Window,
				w:       newWindow(p.Window, clock.now()),
			}
		},
	}}, nil
}

// ThrottleRetryer is the retryer of adaptive-throttle: a Retryer (full
// jitter, no quota) that rejects attempts locally, before sending them, as
// in the "Client-Side Throttling" section of Google's SRE book. Over a
// sliding window it counts requests (every attempt, the rejected ones
// included) and accepts (attempts the backend served: a success or an
// error the SDK would not retry; throttles, 5xx, timeouts and connection
// errors are not accepts, nor are canceled attempts). GetAttemptToken
// rejects with probability
//
//	max(0, (requests - K*accepts) / (requests + 1))
//
// returning *RejectedLocallyError, which ends the operation, whether the
// attempt was its first or a retry.
//
// It draws from the retryer's seeded source and is safe for concurrent
// use; the counts are per retryer, hence per client.
type ThrottleRetryer struct {
	*Retryer
	clock  Clock
	k      float64
	length time.Duration

	mu sync.Mutex
	w  *window // guarded by mu; [0] requests, [1] accepts
}

// RejectProbability returns the probability that an attempt at now is
// rejected, from the counts before it.
func (a *ThrottleRetryer) RejectProbability(now time.Time) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	requests, accepts := a.w.sums(now)
	return a.probability(requests, accepts)
}

func (a *ThrottleRetryer) probability(requests, accepts int64) float64 {
	return max(0, (float64(requests)-a.k*float64(accepts))/float64(requests+1))
}

// Admit counts a request at now and rejects it when u, uniform in [0, 1),
// is below the reject probability.
func (a *ThrottleRetryer) Admit(now time.Time, u float64) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	requests, accepts := a.w.sums(now)
	p := a.probability(requests, accepts)
	a.w.add(now, 0, 1)
	if u < p {
		return &RejectedLocallyError{Probability: p, Requests: requests + 1, Accepts: accepts, Window: a.length}
	}
	return nil
}

// Done counts an accept at now if accepted.
func (a *ThrottleRetryer) Done(now time.Time, accepted bool) {
	if !accepted {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.w.add(now, 1, 1)
}

// GetAttemptToken admits or rejects the attempt; its release counts the
// accept.
func (a *ThrottleRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	if err := a.Admit(a.clock.now(), a.rand.Float64()); err != nil {
		return nil, err
	}
	return func(err error) error {
		a.Done(a.clock.now(), a.served(err))
		return nil
	}, nil
}

// served reports whether an attempt that ended with err was served by the
// backend: no error, or one the SDK would not retry, other than a cancellation.
func (r *Retryer) served(err error) bool {
	if err == nil {
		return true
	}
	var canceled *aws.RequestCanceledError
	if errors.As(err, &canceled) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return !r.IsErrorRetryable(err)
}

var _ aws.RetryerV2 = (*ThrottleRetryer)(nil)

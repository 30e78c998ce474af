package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// t0 is the fixed instant the step tables start at.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeClock is a Clock standing still at now; Sleep records the waits and
// advances now, or fails with err when set.
type fakeClock struct {
	now   time.Time
	slept []time.Duration
	err   error
}

func (c *fakeClock) clock() Clock {
	return Clock{
		Now: func() time.Time { return c.now },
		Sleep: func(_ context.Context, d time.Duration) error {
			if c.err != nil {
				return c.err
			}
			c.slept = append(c.slept, d)
			c.now = c.now.Add(d)
			return nil
		},
	}
}

// timedRetryer builds strategy name's retryer on a clock standing at t0.
func timedRetryer[R aws.RetryerV2](t *testing.T, name string, p Params) (R, *fakeClock) {
	t.Helper()
	c := &fakeClock{now: t0}
	s, ok := mustNew(t, name, p).(Timed)
	if !ok {
		t.Fatalf("%s is not Timed", name)
	}
	r, ok := s.NewRetryerWithClock(1, c.clock()).(R)
	if !ok {
		t.Fatalf("%s retryer has the wrong type", name)
	}
	return r, c
}

func TestWindow(t *testing.T) {
	w := newWindow(10*time.Second, t0) // slices of 1s
	steps := []struct {
		at         time.Duration
		addA, addB int64
		wantA      int64
		wantB      int64
	}{
		{0, 1, 0, 1, 0},
		{999 * ms, 2, 1, 3, 1},
		{time.Second, 1, 1, 4, 2},
		{9999 * ms, 0, 0, 4, 2},        // still in the window
		{10 * time.Second, 0, 0, 1, 1}, // slice 0 left
		{11 * time.Second, 0, 0, 0, 0}, // slice 1 left
		{30 * time.Second, 5, 0, 5, 0}, // reuses the ring
		{-time.Second, 0, 0, 0, 0},     // before the epoch: nothing there
		{39999 * ms, 0, 0, 5, 0},       // slice 30 still in
		{40 * time.Second, 0, 0, 0, 0}, // gone
		{40 * time.Second, 0, 3, 0, 3}, // counter b alone
		{1000 * time.Hour, 0, 0, 0, 0}, // far later
		{1000 * time.Hour, 1, 0, 1, 0}, // and again
		{1000*time.Hour + 5*time.Second, 0, 0, 1, 0},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if s.addA != 0 {
			w.add(now, 0, s.addA)
		}
		if s.addB != 0 {
			w.add(now, 1, s.addB)
		}
		if a, b := w.sums(now); a != s.wantA || b != s.wantB {
			t.Errorf("step %d at +%v: sums = %d, %d; want %d, %d", i, s.at, a, b, s.wantA, s.wantB)
		}
	}
	w.reset()
	if a, b := w.sums(t0.Add(1000 * time.Hour)); a != 0 || b != 0 {
		t.Errorf("after reset: sums = %d, %d; want 0, 0", a, b)
	}
}

func TestTokenBucketReserve(t *testing.T) {
	r, _ := timedRetryer[*TokenBucketRetryer](t, "token-bucket", Params{Rate: 10, Burst: 2})
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0}, // the bucket starts full: 2 tokens
		{0, 0},
		{0, 100 * ms}, // then one per 100ms, queued
		{0, 200 * ms},
		{250 * ms, 50 * ms}, // -2 + 2.5 tokens = 0.5: half a token to wait for
		{time.Second, 0},    // refilled, capped at the burst
		{time.Second, 0},
		{time.Second, 100 * ms},
		{1100 * ms, 100 * ms}, // the token of +1.1s went to the previous reservation
	}
	for i, s := range steps {
		if got := r.Reserve(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d: Reserve(+%v) = %v, want %v", i, s.at, got, s.want)
		}
	}
}

func TestTokenBucketGetAttemptToken(t *testing.T) {
	r, c := timedRetryer[*TokenBucketRetryer](t, "token-bucket", Params{Rate: 10, Burst: 1})
	ctx := context.Background()
	for range 3 {
		if _, err := r.GetAttemptToken(ctx); err != nil {
			t.Fatalf("GetAttemptToken: %v", err)
		}
	}
	// The first token is in the bucket; each later one is 100ms away, and
	// the fake clock advances by each sleep.
	if got, want := fmt.Sprint(c.slept), "[100ms 100ms]"; got != want {
		t.Errorf("slept %s, want %s", got, want)
	}

	// A wait the context cuts short fails the attempt with the context's
	// error and gives the token back.
	c.err = context.DeadlineExceeded
	_, err := r.GetAttemptToken(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GetAttemptToken with an expiring context: error %v, want context.DeadlineExceeded", err)
	}
	if got := r.Reserve(c.now); got != 100*ms {
		t.Errorf("after the canceled wait: Reserve = %v, want 100ms (the token was given back)", got)
	}
}

func TestRetryBudget(t *testing.T) {
	type step struct {
		at       time.Duration
		attempts int // first attempts counted
		retries  int // then retries asked for, each granted one followed by its attempt
		granted  int // of which granted
	}
	tests := []struct {
		name  string
		p     Params
		steps []step
	}{
		{"10% without floor", Params{MinPerSecond: -1}, []step{
			{0, 0, 1, 0},                 // no requests yet: nothing to retry
			{0, 20, 3, 2},                // 20 requests: 2 retries
			{5 * time.Second, 10, 2, 1},  // 30 requests: 3 retries
			{10 * time.Second, 0, 1, 0},  // t=0 left the window: 10 requests, 1 retry
			{10 * time.Second, 10, 1, 1}, // 20 requests: 2
			{16 * time.Second, 0, 1, 0},  // t=5s left too: 10 requests, 1 retry
			{16 * time.Second, 10, 2, 1}, // 20 requests: 2
		}},
		{"floor of 1/s over 10s", Params{}, []step{
			{0, 0, 12, 10}, // the floor alone: 10 retries per window
			{0, 20, 3, 2},  // 20 requests: 12 allowed
			{9 * time.Second, 0, 1, 0},
			{10 * time.Second, 0, 10, 10}, // all of t=0 left the window
		}},
		{"budget 0.5, window 1s", Params{Budget: 0.5, Window: time.Second, MinPerSecond: -1}, []step{
			{0, 4, 3, 2},
			{999 * ms, 2, 2, 1},        // 6 requests: 3
			{time.Second, 0, 1, 0},     // 100ms slices: t=0 left, 999ms stays: 2 requests, 1 retry
			{1100 * ms, 0, 1, 0},       // still
			{1999*ms + 1, 2, 1, 1},     // 999ms left: 2 requests, 1 allowed
			{2 * time.Second, 0, 0, 0}, // nothing asked
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := timedRetryer[*BudgetRetryer](t, "retry-budget", tt.p)
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				for range s.attempts {
					r.Attempt(now)
				}
				granted := 0
				for range s.retries {
					err := r.Retry(now)
					if err == nil {
						granted++
						r.Attempt(now) // the retry's own attempt
						continue
					}
					var be *RetryBudgetExhaustedError
					if !errors.As(err, &be) || !strings.HasPrefix(err.Error(), "retry budget exhausted: ") {
						t.Fatalf("step %d: Retry error %v, want a *RetryBudgetExhaustedError", i, err)
					}
				}
				if granted != s.granted {
					t.Errorf("step %d at +%v: granted %d of %d retries, want %d", i, s.at, granted, s.retries, s.granted)
				}
			}
		})
	}
}

func TestRetryBudgetError(t *testing.T) {
	r, _ := timedRetryer[*BudgetRetryer](t, "retry-budget", Params{MinPerSecond: -1})
	for range 10 {
		r.Attempt(t0)
	}
	if err := r.Retry(t0); err != nil {
		t.Fatal(err)
	}
	err := r.Retry(t0)
	want := &RetryBudgetExhaustedError{Retries: 1, Requests: 9, Allowed: 0.9, Window: 10 * time.Second}
	var got *RetryBudgetExhaustedError
	if !errors.As(err, &got) || *got != *want {
		t.Fatalf("Retry error = %#v, want %#v", err, want)
	}
	if got, want := err.Error(), "retry budget exhausted: 1 retries for 9 requests in the last 10s, 0.9 allowed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestAdaptiveThrottleProbability(t *testing.T) {
	r, _ := timedRetryer[*ThrottleRetryer](t, "adaptive-throttle", Params{}) // K=2, 2m in 12s slices
	steps := []struct {
		at                time.Duration
		requests, accepts int // counted (admitted with u=1: never rejected)
		want              float64
	}{
		{0, 0, 0, 0},
		{0, 10, 10, 0},                        // (10 - 20)/11 < 0
		{time.Second, 30, 0, 20.0 / 41},       // (40 - 20)/41
		{13 * time.Second, 60, 5, 70.0 / 101}, // (100 - 30)/101
		{2 * time.Minute, 0, 0, 50.0 / 61},    // the first slice left: (60 - 2*5)/61
		{133 * time.Second, 0, 0, 0},          // all gone
		{133 * time.Second, 1, 0, 0.5},        // (1 - 0)/2
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		for range s.requests {
			if err := r.Admit(now, 1); err != nil {
				t.Fatalf("Admit(u=1): %v", err)
			}
		}
		for range s.accepts {
			r.Done(now, true)
		}
		r.Done(now, false) // a throttle is not an accept
		if got := r.RejectProbability(now); math.Abs(got-s.want) > 1e-12 {
			t.Errorf("step %d at +%v: RejectProbability = %.6f, want %.6f", i, s.at, got, s.want)
		}
	}

	// Admit rejects when u < p, and the rejected request counts.
	now := t0.Add(133 * time.Second) // 1 request, 0 accepts: p = 0.5
	if err := r.Admit(now, 0.5); err != nil {
		t.Errorf("Admit(u=0.5) at p=0.5: %v, want admitted", err)
	}
	// 2 requests: p = 2/3
	err := r.Admit(now, 0.6)
	var rej *RejectedLocallyError
	if !errors.As(err, &rej) {
		t.Fatalf("Admit(u=0.6) at p=2/3: error %v, want a *RejectedLocallyError", err)
	}
	want := RejectedLocallyError{Probability: 2.0 / 3, Requests: 3, Accepts: 0, Window: 2 * time.Minute}
	if *rej != want {
		t.Errorf("rejection = %+v, want %+v", *rej, want)
	}
	if got := r.RejectProbability(now); math.Abs(got-0.75) > 1e-12 {
		t.Errorf("after the rejection: RejectProbability = %v, want 0.75 (3/4: it counted)", got)
	}
}

func TestAdaptiveThrottleAccepts(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"success", nil, true},
		{"conditional check failed", &types.ConditionalCheckFailedException{}, true},
		{"throttle", throttle, false},
		{"HTTP 500", httpStatusError(500), false},
		{"canceled", &aws.RequestCanceledError{Err: context.Canceled}, false},
		{"deadline", fmt.Errorf("send: %w", context.DeadlineExceeded), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := timedRetryer[*ThrottleRetryer](t, "adaptive-throttle", Params{K: 1})
			release, err := r.GetAttemptToken(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			release(tt.err)
			// 1 request: p = 0 with the accept, 1/2 without.
			want := 0.5
			if tt.want {
				want = 0
			}
			if got := r.RejectProbability(t0); got != want {
				t.Errorf("RejectProbability = %v, want %v", got, want)
			}
		})
	}
}

func TestCircuitBreaker(t *testing.T) {
	type step struct {
		at    time.Duration
		op    string // "allow", "ok", "fail" (Done of a non-probe), "probe ok", "probe fail", "retry" (GetRetryToken)
		want  string // for allow/retry: "go", "probe" or the error's State; for Done: the state after
		retry time.Duration
	}
	tests := []struct {
		name  string
		p     Params
		steps []step
	}{
		{"consecutive failures, cool-down, probe", Params{Threshold: 3, CoolDown: time.Second}, []step{
			{0, "allow", "go", 0},
			{0, "fail", "closed", 0},
			{0, "fail", "closed", 0},
			{0, "ok", "closed", 0}, // a success resets the run
			{0, "fail", "closed", 0},
			{0, "fail", "closed", 0},
			{100 * ms, "fail", "open", 0},
			{600 * ms, "allow", "open", 500 * ms},
			{600 * ms, "retry", "open", 500 * ms},
			{700 * ms, "fail", "open", 0}, // ignored while open
			{1100 * ms, "retry", "go", 0}, // the cool-down is over: the retry may be the probe
			{1100 * ms, "allow", "probe", 0},
			{1100 * ms, "allow", "half-open", time.Second}, // one probe at a time
			{1200 * ms, "fail", "half-open", 0},            // a non-probe's outcome is ignored
			{1300 * ms, "probe fail", "open", 0},           // reopens
			{2200 * ms, "allow", "open", 100 * ms},
			{2300 * ms, "allow", "probe", 0},
			{2400 * ms, "probe ok", "closed", 0},
			{2400 * ms, "allow", "go", 0},
			{2400 * ms, "fail", "closed", 0}, // counts start afresh
			{2400 * ms, "fail", "closed", 0},
			{2400 * ms, "fail", "open", 0},
		}},
		{"lost probe is replaced", Params{Threshold: 1, CoolDown: time.Second}, []step{
			{0, "fail", "open", 0},
			{time.Second, "allow", "probe", 0},
			{1999 * ms, "allow", "half-open", ms},
			{2 * time.Second, "allow", "probe", 0},
			{2 * time.Second, "probe ok", "closed", 0},
		}},
		{"failure ratio", Params{Threshold: 4, FailureRatio: 0.5, Window: 10 * time.Second}, []step{
			{0, "ok", "closed", 0},
			{0, "fail", "closed", 0},
			{0, "ok", "closed", 0},
			{0, "fail", "open", 0}, // 2 of 4 failed
		}},
		{"failure ratio needs threshold attempts in the window", Params{Threshold: 4, FailureRatio: 0.5, Window: 10 * time.Second}, []step{
			{0, "ok", "closed", 0},
			{0, "fail", "closed", 0},
			{9 * time.Second, "ok", "closed", 0},
			{10 * time.Second, "fail", "closed", 0}, // t=0 left the window: 2 ended, 1 failed
			{10 * time.Second, "ok", "closed", 0},
			{10 * time.Second, "fail", "open", 0}, // 4 ended, 2 failed
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c := timedRetryer[*BreakerRetryer](t, "circuit-breaker", tt.p)
			for i, s := range tt.steps {
				now := t0.Add(s.at)
				c.now = now
				var got string
				var retryIn time.Duration
				switch s.op {
				case "allow", "retry":
					var probe bool
					var err error
					if s.op == "allow" {
						probe, err = r.Allow(now)
					} else {
						_, err = r.GetRetryToken(context.Background(), nil)
					}
					var open *CircuitOpenError
					switch {
					case errors.As(err, &open):
						got, retryIn = open.State.String(), open.RetryIn
					case err != nil:
						t.Fatalf("step %d: error %v, want nil or a *CircuitOpenError", i, err)
					case probe:
						got = "probe"
					default:
						got = "go"
					}
				default:
					probe := strings.HasPrefix(s.op, "probe ")
					r.Done(now, probe, strings.HasSuffix(s.op, "fail"))
					got = r.State(now).String()
				}
				if got != s.want || retryIn != s.retry {
					t.Errorf("step %d at +%v %s: got %s (retry in %v), want %s (retry in %v)", i, s.at, s.op, got, retryIn, s.want, s.retry)
				}
			}
		})
	}
}

// TestCircuitBreakerRelease checks what GetAttemptToken's release counts as
// a failure: errors the SDK would retry.
func TestCircuitBreakerRelease(t *testing.T) {
	r, _ := timedRetryer[*BreakerRetryer](t, "circuit-breaker", Params{Threshold: 2})
	for _, err := range []error{&types.ProvisionedThroughputExceededException{}, &types.ConditionalCheckFailedException{}, httpStatusError(503), httpStatusError(500)} {
		release, aerr := r.GetAttemptToken(context.Background())
		if aerr != nil {
			t.Fatal(aerr)
		}
		release(err)
	}
	if got := r.State(t0); got != BreakerOpen {
		t.Errorf("after throttle, conditional-check failure, 503, 500: state %v, want open", got)
	}
}

// TestFleetIsolation checks that two retryers of one strategy share no
// state: the first one's exhausted quota, budget, bucket or breaker leaves
// the second untouched.
func TestFleetIsolation(t *testing.T) {
	ctx := context.Background()
	throttle := &types.ProvisionedThroughputExceededException{}
	tests := []struct {
		strategy string
		p        Params
		exhaust  func(t *testing.T, r aws.RetryerV2)
		fresh    func(r aws.RetryerV2) error // nil when r is untouched
	}{
		{"sdk-adaptive", Params{}, func(t *testing.T, r aws.RetryerV2) { retriesGranted(t, r, throttle, 1000) },
			func(r aws.RetryerV2) error { _, err := r.GetRetryToken(ctx, throttle); return err }},
		{"sdk-legacy", Params{}, func(t *testing.T, r aws.RetryerV2) { retriesGranted(t, r, throttle, 1000) },
			func(r aws.RetryerV2) error { _, err := r.GetRetryToken(ctx, throttle); return err }},
		{"token-bucket", Params{Rate: 1, Burst: 1}, func(t *testing.T, r aws.RetryerV2) { r.(*TokenBucketRetryer).Reserve(t0) },
			func(r aws.RetryerV2) error {
				if d := r.(*TokenBucketRetryer).Reserve(t0); d != 0 {
					return fmt.Errorf("Reserve = %v", d)
				}
				return nil
			}},
		{"retry-budget", Params{}, func(t *testing.T, r aws.RetryerV2) { retriesGranted(t, r, throttle, 1000) },
			func(r aws.RetryerV2) error { _, err := r.GetRetryToken(ctx, throttle); return err }},
		{"adaptive-throttle", Params{}, func(t *testing.T, r aws.RetryerV2) {
			for range 100 {
				r.(*ThrottleRetryer).Admit(t0, 1)
			}
		}, func(r aws.RetryerV2) error {
			if p := r.(*ThrottleRetryer).RejectProbability(t0); p != 0 {
				return fmt.Errorf("RejectProbability = %v", p)
			}
			return nil
		}},
		{"circuit-breaker", Params{}, func(t *testing.T, r aws.RetryerV2) {
			for range DefaultThreshold {
				r.(*BreakerRetryer).Done(t0, false, true)
			}
		}, func(r aws.RetryerV2) error { _, err := r.(*BreakerRetryer).Allow(t0); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			s := mustNew(t, tt.strategy, tt.p)
			var a, b aws.RetryerV2
			if ts, ok := s.(Timed); ok {
				clock := (&fakeClock{now: t0}).clock()
				a, b = ts.NewRetryerWithClock(1, clock), ts.NewRetryerWithClock(1, clock)
			} else {
				a, b = s.NewRetryer(1), s.NewRetryer(1)
			}
			tt.exhaust(t, a)
			if tt.fresh(a) == nil {
				t.Fatalf("the first retryer is not exhausted")
			}
			if err := tt.fresh(b); err != nil {
				t.Errorf("the second retryer is affected by the first: %v", err)
			}
		})
	}
}

package strategy

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// timeoutError is an error the legacy retryer classes as a timeout.
type timeoutError struct{}

func (timeoutError) Error() string { return "i/o timeout" }
func (timeoutError) Timeout() bool { return true }

func TestConstantDelay(t *testing.T) {
	b := Constant{Base: 40 * ms}
	for _, attempt := range []int{0, 1, 2, 10, 1000} {
		for _, u := range []float64{0, 0.5, uMax} {
			if got := b.Delay(attempt, time.Second, u); got != 40*ms {
				t.Errorf("Delay(%d, u=%g) = %v, want 40ms", attempt, u, got)
			}
		}
	}
}

func TestLegacyJitterDelay(t *testing.T) {
	sdk := LegacyJitter{Base: time.Second, Cap: 20 * time.Second}
	tests := []struct {
		name    string
		b       LegacyJitter
		attempt int
		u       float64
		want    time.Duration
	}{
		{"attempt 1 u=0.5 is 1s (2^1 s * 0.5)", sdk, 1, 0.5, time.Second},
		{"attempt 2 u=0.5", sdk, 2, 0.5, 2 * time.Second},
		{"attempt 4 u=0.5", sdk, 4, 0.5, 8 * time.Second},
		{"attempt 4 u->1 stays below 16s", sdk, 4, uMax, 16*time.Second - 1},
		{"attempt 5 is the cap, no jitter", sdk, 5, 0, 20 * time.Second},
		{"attempt 100 no overflow", sdk, 100, 0.3, 20 * time.Second},
		{"u=0", sdk, 3, 0, 0},
		{"scaled base", LegacyJitter{Base: ms, Cap: 20 * ms}, 2, 0.5, 2 * ms},
		{"scaled past floor(log2(20))", LegacyJitter{Base: ms, Cap: 20 * ms}, 5, 0.5, 20 * ms},
		{"cap == base: always cap", LegacyJitter{Base: ms, Cap: ms}, 1, 0.5, ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Delay(tt.attempt, 0, tt.u); got != tt.want {
				t.Errorf("Delay(%d, u=%g) = %v, want %v", tt.attempt, tt.u, got, tt.want)
			}
		})
	}
}

// TestLegacyJitterMatchesSDK checks LegacyJitter{1s, 20s} against the SDK's
// own legacy backoff, retry.NewExponentialJitterBackoff(20s): same bounds,
// the cap without jitter past attempt 4.
func TestLegacyJitterMatchesSDK(t *testing.T) {
	sdk := retry.NewExponentialJitterBackoff(20 * time.Second)
	ours := LegacyJitter{Base: time.Second, Cap: 20 * time.Second}
	for attempt := 1; attempt <= 6; attempt++ {
		hi := ours.Delay(attempt, 0, uMax) + 1 // exclusive bound
		if attempt > 4 {
			hi = 20*time.Second + 1
		}
		for range 200 {
			d, err := sdk.BackoffDelay(attempt, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d < 0 || d >= hi {
				t.Fatalf("SDK legacy BackoffDelay(%d) = %v, outside our [0, %v)", attempt, d, hi)
			}
			if attempt > 4 && d != 20*time.Second {
				t.Fatalf("SDK legacy BackoffDelay(%d) = %v, want the cap 20s", attempt, d)
			}
		}
	}
}

func TestSDKModesMaxAttempts(t *testing.T) {
	tests := []struct {
		strategy string
		p        Params
		want     int
	}{
		{"sdk-standard-noquota", Params{}, 4},
		{"sdk-standard-noquota", Params{MaxAttempts: 6}, 6},
		{"sdk-adaptive", Params{}, 4},
		{"sdk-adaptive", Params{MaxAttempts: 2}, 2},
		{"sdk-legacy", Params{}, 3},
		{"sdk-legacy", Params{MaxAttempts: 5}, 5},
		{"constant", Params{}, 4},
		{"token-bucket", Params{}, 4},
		{"retry-budget", Params{MaxAttempts: 3}, 3},
		{"adaptive-throttle", Params{}, 4},
		{"circuit-breaker", Params{MaxAttempts: 7}, 7},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.strategy, tt.p.MaxAttempts), func(t *testing.T) {
			if got := mustNew(t, tt.strategy, tt.p).NewRetryer(1).MaxAttempts(); got != tt.want {
				t.Errorf("MaxAttempts() = %d, want %d", got, tt.want)
			}
		})
	}
}

// retriesGranted calls GetRetryToken with err until it is refused (at most
// limit times) and returns the number granted and the refusal.
func retriesGranted(t *testing.T, r aws.RetryerV2, err error, limit int) (int, error) {
	t.Helper()
	for n := 0; n < limit; n++ {
		if _, rerr := r.GetRetryToken(context.Background(), err); rerr != nil {
			return n, rerr
		}
	}
	return limit, nil
}

// TestSDKModesQuota spends each SDK-built retryer's quota.
func TestSDKModesQuota(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{}
	tests := []struct {
		name     string
		strategy string
		p        Params
		err      error
		want     int // retries granted; 1000 means never refused
	}{
		{"noquota throttles", "sdk-standard-noquota", Params{}, throttle, 1000},
		{"noquota server errors", "sdk-standard-noquota", Params{}, httpStatusError(500), 1000},
		{"adaptive throttles cost 5", "sdk-adaptive", Params{}, throttle, 100},
		{"adaptive server errors cost 14", "sdk-adaptive", Params{}, httpStatusError(500), 35},
		{"adaptive quota 50", "sdk-adaptive", Params{Quota: 50, RetryCost: 10}, httpStatusError(500), 5},
		{"legacy server errors cost 5", "sdk-legacy", Params{}, httpStatusError(500), 100},
		{"legacy throttles cost 5", "sdk-legacy", Params{}, throttle, 100},
		{"legacy timeouts cost 10", "sdk-legacy", Params{}, timeoutError{}, 50},
		{"legacy timeout cost 25", "sdk-legacy", Params{TimeoutRetryCost: 25}, timeoutError{}, 20},
		{"legacy throttle cost 1", "sdk-legacy", Params{ThrottleRetryCost: 1, Quota: 7}, throttle, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, tt.strategy, tt.p).NewRetryer(1)
			got, err := retriesGranted(t, r, tt.err, 1000)
			if got != tt.want {
				t.Errorf("retries granted = %d, want %d", got, tt.want)
			}
			if tt.want < 1000 && !errors.As(err, &ratelimit.QuotaExceededError{}) {
				t.Errorf("refusal = %v, want a ratelimit.QuotaExceededError", err)
			}
		})
	}
}

// TestSDKLegacyRefills checks the two legacy refills: a successful retry
// refunds its cost, and every successful attempt (not only the first) adds 1.
func TestSDKLegacyRefills(t *testing.T) {
	ctx := context.Background()
	r := mustNew(t, "sdk-legacy", Params{}).NewRetryer(1).(*legacyRetryer)
	timeoutRelease, err := r.GetRetryToken(ctx, timeoutError{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.quota.Remaining(); got != 490 {
		t.Fatalf("after a timeout retry: remaining = %d, want 490", got)
	}
	if err := timeoutRelease(errors.New("failed again")); err != nil {
		t.Fatal(err)
	}
	if got := r.quota.Remaining(); got != 490 {
		t.Fatalf("after the retry failed: remaining = %d, want 490 (no refund)", got)
	}
	release, err := r.GetRetryToken(ctx, httpStatusError(500))
	if err != nil {
		t.Fatal(err)
	}
	attempt, err := r.GetAttemptToken(ctx) // the retry's attempt
	if err != nil {
		t.Fatal(err)
	}
	// The middleware releases the retry token, then the attempt token.
	if err := release(nil); err != nil {
		t.Fatal(err)
	}
	if err := attempt(nil); err != nil {
		t.Fatal(err)
	}
	if got := r.quota.Remaining(); got != 491 {
		t.Errorf("after a successful retry: remaining = %d, want 491 (490 - 5 + 5 refund + 1 increment)", got)
	}
	attempt, _ = r.GetAttemptToken(ctx)
	if err := attempt(&types.ProvisionedThroughputExceededException{}); err != nil {
		t.Fatal(err)
	}
	if got := r.quota.Remaining(); got != 491 {
		t.Errorf("after a failed attempt: remaining = %d, want 491", got)
	}
}

// TestSDKLegacyDelays checks the legacy retryer's delays: repeatable for a
// seed, within the formula.
func TestSDKLegacyDelays(t *testing.T) {
	s := mustNew(t, "sdk-legacy", Params{MaxAttempts: 8})
	a, b := s.NewRetryer(7), s.NewRetryer(7)
	for i := range 100 {
		attempt := 1 + i%7
		da, _ := a.RetryDelay(attempt, nil)
		db, _ := b.RetryDelay(attempt, nil)
		if da != db {
			t.Fatalf("delay %d: %v and %v from the same seed", i, da, db)
		}
		hi := time.Duration(1<<attempt) * time.Second
		if attempt > 4 {
			if da != 20*time.Second {
				t.Fatalf("RetryDelay(%d) = %v, want 20s", attempt, da)
			}
		} else if da < 0 || da >= hi {
			t.Fatalf("RetryDelay(%d) = %v, want in [0, %v)", attempt, da, hi)
		}
	}
}

// TestSDKAdaptiveIsAdaptiveMode checks sdk-adaptive is the SDK's AdaptiveMode,
// configured as a DynamoDB client in adaptive mode configures it.
func TestSDKAdaptiveIsAdaptiveMode(t *testing.T) {
	r := mustNew(t, "sdk-adaptive", Params{}).NewRetryer(1)
	if _, ok := r.(*retry.AdaptiveMode); !ok {
		t.Fatalf("sdk-adaptive NewRetryer = %T, want *retry.AdaptiveMode", r)
	}
	client := newClientMode(aws.RetryModeAdaptive).Options().Retryer
	if got, want := r.MaxAttempts(), client.MaxAttempts(); got != want {
		t.Errorf("MaxAttempts() = %d, the client's adaptive retryer has %d", got, want)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		hi := SDKBaseDelay << (attempt - 1)
		for range 200 {
			d, _ := r.RetryDelay(attempt, httpStatusError(500))
			if d < 0 || d >= hi {
				t.Fatalf("RetryDelay(%d, 500) = %v, want in [0, %v)", attempt, d, hi)
			}
		}
	}
}

// newClientMode returns a client that resolves its own retryer in mode.
func newClientMode(mode aws.RetryMode) *dynamodb.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, RetryMode: mode}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String("http://127.0.0.1:1") })
}

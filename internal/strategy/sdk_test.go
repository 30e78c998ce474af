package strategy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// newClient returns a DynamoDB client built the way the runner builds one:
// anonymous credentials, the endpoint at url, and r as its retryer unless r
// is nil (sdk-default), in which case the client resolves its own.
func newClient(url string, r aws.RetryerV2) *dynamodb.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		if r != nil {
			o.Retryer = r
		}
	})
}

// sdkRetryer returns the retryer a default DynamoDB client resolves for
// itself, a fresh one (with a full quota) per call.
func sdkRetryer() aws.RetryerV2 {
	return newClient("http://127.0.0.1:1", nil).Options().Retryer.(aws.RetryerV2)
}

// The SDK* constants restate values the SDK keeps unexported or as literals.
// These tests read them back from a real client, so an SDK upgrade that
// changes them fails here rather than leaving results files wrong.

func TestSDKMaxAttempts(t *testing.T) {
	if got := sdkRetryer().MaxAttempts(); got != SDKMaxAttempts {
		t.Errorf("default DynamoDB client MaxAttempts() = %d, want SDKMaxAttempts = %d", got, SDKMaxAttempts)
	}
}

// TestSDKBackoff checks the client's delays against U[0, min(MaxBackoff, x*2^(attempt-1)))
// with x = SDKBaseDelay, or SDKThrottleBaseDelay for throttles. The SDK draws
// from crypto/rand, so it checks bounds over many draws and that the largest
// draw comes near the upper bound (the chance of a false failure is below 1e-40).
func TestSDKBackoff(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{}
	tests := []struct {
		name    string
		attempt int
		err     error
		want    time.Duration // upper bound, exclusive
	}{
		{"server error attempt 1", 1, httpStatusError(500), SDKBaseDelay},
		{"server error attempt 3", 3, httpStatusError(500), 4 * SDKBaseDelay},
		{"throttle attempt 1", 1, throttle, SDKThrottleBaseDelay},
		{"throttle attempt 2", 2, throttle, 2 * SDKThrottleBaseDelay},
		{"throttle capped", 12, throttle, SDKMaxBackoff},
	}
	r := sdkRetryer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var highest time.Duration
			for range 1000 {
				d, err := r.RetryDelay(tt.attempt, tt.err)
				if err != nil {
					t.Fatalf("RetryDelay: %v", err)
				}
				if d < 0 || d >= tt.want {
					t.Fatalf("RetryDelay(%d) = %v, want in [0, %v)", tt.attempt, d, tt.want)
				}
				highest = max(highest, d)
			}
			if highest < tt.want*9/10 {
				t.Errorf("highest of 1000 delays %v, want >= %v", highest, tt.want*9/10)
			}
		})
	}
}

// TestSDKQuota spends a fresh client's retry quota: SDKRetryQuota tokens at
// SDKRetryCost per retry, or SDKThrottleRetryCost after a throttle, and
// SDKNoRetryIncrement back per first-attempt success.
func TestSDKQuota(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
		want int // retries granted before the quota refuses
	}{
		{"server errors", httpStatusError(500), int(SDKRetryQuota / SDKRetryCost)},                                // 35
		{"throttles", &types.ProvisionedThroughputExceededException{}, int(SDKRetryQuota / SDKThrottleRetryCost)}, // 100
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdkRetryer()
			got := 0
			for ; got <= int(SDKRetryQuota); got++ {
				if _, err := r.GetRetryToken(ctx, tt.err); err != nil {
					if !errors.As(err, &ratelimit.QuotaExceededError{}) {
						t.Fatalf("GetRetryToken error = %v, want a ratelimit.QuotaExceededError", err)
					}
					break
				}
			}
			if got != tt.want {
				t.Errorf("retries granted = %d, want %d", got, tt.want)
			}
		})
	}

	t.Run("first-attempt success refills", func(t *testing.T) {
		throttle := &types.ProvisionedThroughputExceededException{}
		r := sdkRetryer()
		for range SDKRetryQuota / SDKThrottleRetryCost { // empty the quota exactly
			if _, err := r.GetRetryToken(ctx, throttle); err != nil {
				t.Fatalf("GetRetryToken: %v", err)
			}
		}
		for range SDKThrottleRetryCost / SDKNoRetryIncrement {
			release, err := r.GetAttemptToken(ctx)
			if err != nil {
				t.Fatalf("GetAttemptToken: %v", err)
			}
			if err := release(nil); err != nil {
				t.Fatalf("attempt release: %v", err)
			}
		}
		if _, err := r.GetRetryToken(ctx, throttle); err != nil {
			t.Errorf("after %d successes: GetRetryToken error %v, want one retry granted", SDKThrottleRetryCost/SDKNoRetryIncrement, err)
		}
		if _, err := r.GetRetryToken(ctx, throttle); err == nil {
			t.Errorf("second GetRetryToken after the refill: got nil error, want quota exceeded")
		}
	})
}

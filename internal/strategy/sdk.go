package strategy

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// What the DynamoDB client (service/dynamodb v1.74.0 on aws-sdk-go-v2
// v1.48.0) resolves when no retryer is set. The SDK exports only some of
// these; the others are literals or unexported constants in its source, named
// here with where they live. sdk_test.go checks them against a real client so
// an SDK upgrade that changes them fails the tests.
const (
	// SDKMaxAttempts is the DynamoDB client's attempts per operation, the
	// first included (api_client.go resolveRetryer: so.MaxAttempts = 4).
	SDKMaxAttempts = 4

	// SDKBaseDelay is the DynamoDB client's backoff base for non-throttle
	// errors (api_client.go resolveRetryer: so.BaseDelay = 25ms).
	SDKBaseDelay = 25 * time.Millisecond

	// SDKThrottleBaseDelay is the backoff base the standard retryer uses for
	// throttle errors whatever BaseDelay says (aws/retry/jitter_backoff.go
	// backoffDelay2026).
	SDKThrottleBaseDelay = time.Second

	// SDKMaxBackoff caps the standard retryer's backoff before jitter.
	SDKMaxBackoff = retry.DefaultMaxBackoff

	// SDKRetryQuota is the retry quota of one standard retryer, in tokens.
	SDKRetryQuota = retry.DefaultRetryRateTokens

	// SDKRetryCost is the quota cost of a retry after a non-throttle error
	// (aws/retry/standard.go defaultRetryCost, unexported; the exported
	// retry.DefaultRetryCost is the deprecated legacy 5).
	SDKRetryCost uint = 14

	// SDKThrottleRetryCost is the quota cost of a retry after a throttle.
	SDKThrottleRetryCost = retry.DefaultThrottlingRetryCost

	// SDKNoRetryIncrement is what an operation that succeeds at its first
	// attempt adds back to the quota.
	SDKNoRetryIncrement = retry.DefaultNoRetryIncrement
)

// sdkDefault is the strategy "sdk-default": the DynamoDB client's own
// retryer, installed by the client itself. It is not a reimplementation, so
// whatever the SDK version in go.mod does is what gets measured.
type sdkDefault struct{}

func newSDKDefault(p Params) (Strategy, error) {
	if p != (Params{}) {
		return nil, fmt.Errorf("strategy sdk-default: takes no parameters (it is the client's own retryer), got %+v", p)
	}
	return sdkDefault{}, nil
}

func (sdkDefault) Name() string { return "sdk-default" }

func (sdkDefault) Describe() string {
	return fmt.Sprintf("the DynamoDB client's own retry.Standard: U[0, min(%v, x*2^(attempt-1))), x = %v for throttles else %v; %d attempts; retry quota %d tokens (retry %d, throttle retry %d)",
		SDKMaxBackoff, SDKThrottleBaseDelay, SDKBaseDelay, SDKMaxAttempts, SDKRetryQuota, SDKRetryCost, SDKThrottleRetryCost)
}

func (sdkDefault) Resolved() map[string]any {
	return map[string]any{
		"retry_mode":          string(aws.RetryModeStandard),
		"max_attempts":        SDKMaxAttempts,
		"base":                SDKBaseDelay.String(),
		"throttle_base":       SDKThrottleBaseDelay.String(),
		"max_backoff":         SDKMaxBackoff.String(),
		"retry_quota_tokens":  SDKRetryQuota,
		"retry_cost":          SDKRetryCost,
		"throttle_retry_cost": SDKThrottleRetryCost,
		"no_retry_increment":  SDKNoRetryIncrement,
	}
}

// NewRetryer returns nil: the client keeps the retryer it resolves itself
// (one per client, so one quota per simulated client).
func (sdkDefault) NewRetryer(int64) aws.RetryerV2 { return nil }

package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithy "github.com/aws/smithy-go"
	smithymiddle "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// This file is the simulator's side of the SDK: the contexts the retry
// middleware hands a retryer, the retryer each strategy installs, and errors
// shaped as the DynamoDB client shapes them, so that the retryers and
// metrics.Classify see in simulation what they see in a real run.

// maxAttemptContexts is how many attempt contexts are built; later attempts
// reuse the last (the SDK's retryers only ask whether the attempt is the
// first).
const maxAttemptContexts = 16

var (
	attemptCtxOnce sync.Once
	attemptCtxs    []context.Context
)

// attemptContext returns a context carrying the retry metadata the SDK's
// Attempt middleware sets for attempt n (1-based). retry.Standard's
// GetAttemptToken reads it (only the first attempt of an operation refills
// the retry quota), and the metadata's key is unexported, so the contexts
// are made by the SDK's own middleware: it runs once against a handler that
// fails every attempt, and the handler keeps the context of each.
func attemptContext(n int) context.Context {
	attemptCtxOnce.Do(func() {
		m := retry.NewAttemptMiddleware(captureRetryer{}, func(in any) any { return in })
		next := smithymiddle.FinalizeHandlerFunc(func(ctx context.Context, _ smithymiddle.FinalizeInput) (smithymiddle.FinalizeOutput, smithymiddle.Metadata, error) {
			attemptCtxs = append(attemptCtxs, ctx)
			return smithymiddle.FinalizeOutput{}, smithymiddle.Metadata{}, errCapture
		})
		_, _, _ = m.HandleFinalize(context.Background(), smithymiddle.FinalizeInput{}, next)
		if len(attemptCtxs) != maxAttemptContexts {
			panic(fmt.Sprintf("sim: the SDK's retry middleware made %d attempts, want %d", len(attemptCtxs), maxAttemptContexts))
		}
	})
	return attemptCtxs[min(max(n, 1), maxAttemptContexts)-1]
}

var errCapture = errors.New("sim: capturing attempt contexts")

// captureRetryer retries errCapture at once, maxAttemptContexts times.
type captureRetryer struct{}

func (captureRetryer) IsErrorRetryable(err error) bool { return errors.Is(err, errCapture) }
func (captureRetryer) MaxAttempts() int                { return maxAttemptContexts }
func (captureRetryer) RetryDelay(int, error) (time.Duration, error) {
	return 0, nil
}
func (captureRetryer) GetRetryToken(context.Context, error) (func(error) error, error) {
	return nopRelease, nil
}
func (captureRetryer) GetInitialToken() func(error) error { return nopRelease }
func (captureRetryer) GetAttemptToken(context.Context) (func(error) error, error) {
	return nopRelease, nil
}

func nopRelease(error) error { return nil }

// ErrNotSimulable is returned (wrapped, naming the strategy) for strategies
// the simulator cannot run in virtual time.
var ErrNotSimulable = errors.New("not simulable")

// newRetryer returns the retryer strategy st installs on client i, reading
// clock for time. It is the strategy's own object, with two exceptions:
//   - sdk-default installs nothing and lets the DynamoDB client resolve its
//     retryer: here that retryer is built as the client builds it
//     (retry.NewStandard with 4 attempts and a 25ms base, service/dynamodb
//     api_client.go resolveRetryer).
//   - the SDK's standard backoff draws from crypto/rand, which nothing
//     outside the SDK can seed; unless cryptoJitter is set, the retry.Standard
//     retryers (sdk-default, sdk-standard-noquota) get the same formula
//     (retry/jitter_backoff.go backoffDelay2026) drawing from a source seeded
//     by seed. Classification, attempts and the retry quota stay the SDK's.
//
// sdk-adaptive is not simulable: its rate limiter reads the SDK's internal
// clock (aws-sdk-go-v2/internal/sdk.NowTime) and sleeps on the wall clock
// inside GetAttemptToken, and neither can be reached from outside the SDK.
func newRetryer(st strategy.Strategy, seed int64, clock strategy.Clock, cryptoJitter bool) (aws.RetryerV2, error) {
	var r aws.RetryerV2
	switch st.Name() {
	case "sdk-adaptive":
		return nil, fmt.Errorf("strategy sdk-adaptive: %w: retry.AdaptiveMode's rate limiter reads the SDK's internal clock (internal/sdk.NowTime) and sleeps on the wall clock; measure it with bench run", ErrNotSimulable)
	case "sdk-default":
		r = retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = strategy.SDKMaxAttempts
			o.BaseDelay = strategy.SDKBaseDelay
		})
	default:
		if t, ok := st.(strategy.Timed); ok {
			r = t.NewRetryerWithClock(seed, clock)
		} else {
			r = st.NewRetryer(seed)
		}
	}
	if r == nil {
		return nil, fmt.Errorf("strategy %s: %w: it installs no retryer and is not sdk-default", st.Name(), ErrNotSimulable)
	}
	if std, ok := r.(*retry.Standard); ok && !cryptoJitter {
		base, maxBackoff := strategy.SDKBaseDelay, strategy.SDKMaxBackoff
		params := st.Resolved()
		if v, ok := params["base"].(string); ok && st.Name() != "sdk-default" {
			if d, err := time.ParseDuration(v); err == nil {
				base = d
			}
		}
		if v, ok := params["cap"].(string); ok {
			if d, err := time.ParseDuration(v); err == nil {
				maxBackoff = d
			}
		}
		r = &seededStandard{Standard: std, base: base, maxBackoff: maxBackoff,
			rand: rand.New(rand.NewPCG(uint64(seed), 0x73696d6a69747472)), throttle: map[error]bool{}}
	}
	return r, nil
}

// seededStandard is a retry.Standard whose RetryDelay computes the SDK's
// backoff formula with a seeded source: U[0, min(x*2^(attempt-1),
// maxBackoff)), x = 1s for throttles else base.
type seededStandard struct {
	*retry.Standard
	base, maxBackoff time.Duration
	rand             *rand.Rand
	throttle         map[error]bool
}

var sdkThrottles = retry.IsErrorThrottles(retry.DefaultThrottles)

// RetryDelay is retry/jitter_backoff.go backoffDelay2026 with a seeded draw.
func (s *seededStandard) RetryDelay(attempt int, err error) (time.Duration, error) {
	i := max(attempt-1, 0)
	x := s.base
	throttle, ok := s.throttle[err]
	if !ok { // the SDK's check walks err's chain; errors are reused values
		throttle = sdkThrottles.IsErrorThrottle(err) == aws.TrueTernary
		s.throttle[err] = throttle
	}
	if throttle {
		x = time.Second
	}
	b := s.rand.Float64()
	delaySeconds := float64(x) / float64(time.Second) * math.Pow(2, float64(i))
	if m := float64(s.maxBackoff) / float64(time.Second); delaySeconds > m {
		delaySeconds = m
	}
	return time.Duration(b * delaySeconds * float64(time.Second)), nil
}

// retryAfter is the SDK's adjustForRetryAfterHeader (retry/middleware.go):
// an x-amz-retry-after header (milliseconds) moves the backoff into
// [backoff, backoff+5s].
func retryAfter(backoff time.Duration, err error) time.Duration {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		return backoff
	}
	v := re.Response.Header.Get("X-Amz-Retry-After")
	if v == "" {
		return backoff
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 {
		return backoff
	}
	return min(max(time.Duration(ms)*time.Millisecond, backoff), backoff+5*time.Second)
}

// responseError wraps a service error as the DynamoDB client's deserializers
// do, with the HTTP status and headers of the response.
func responseError(status int, header http.Header, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: header}},
		Err:      err,
	}}
}

// DynamoDB's messages for throttles (fakeservice/protocol.go).
const (
	msgProvisioned = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	msgOnDemand    = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly."
	msgMaxOnDemand = "Throughput exceeds the maximum OnDemandThroughput configured on table or index"
	msgAccount     = "Throughput exceeds the current throughput limit for your account. To request a limit increase, contact AWS Support at https://aws.amazon.com/support."
)

// throttleError returns the error the client sees for a throttled Decision
// on the table arn: the modeled exception with its ThrottlingReasons,
// wrapped as a 400 response, with x-amz-retry-after when retryAfter > 0.
func throttleError(d throttle.Decision, arn string, retryAfter time.Duration) error {
	reason, resource := string(d.Reason), arn
	reasons := []types.ThrottlingReason{{Reason: &reason, Resource: &resource}}
	account := d.Reason.AccountLimit()
	var err error
	switch d.Exception {
	case throttle.ExceptionThrottling:
		msg := msgOnDemand
		switch {
		case d.Reason.MaxOnDemand():
			msg = msgMaxOnDemand
		case account:
			msg = msgAccount
		}
		err = &types.ThrottlingException{Message: &msg, ThrottlingReasons: reasons}
	case throttle.ExceptionRequestLimitExceeded:
		msg := msgAccount
		err = &types.RequestLimitExceeded{Message: &msg, ThrottlingReasons: reasons}
	default:
		msg := msgProvisioned
		if d.Reason.Index() {
			msg = wire.IndexThrottleMessage
		}
		err = &types.ProvisionedThroughputExceededException{Message: &msg, ThrottlingReasons: reasons}
	}
	h := http.Header{}
	if retryAfter > 0 {
		h.Set("X-Amz-Retry-After", strconv.FormatInt(retryAfter.Milliseconds(), 10))
	}
	return responseError(http.StatusBadRequest, h, err)
}

// Errors of the fault schedule, shaped as the client sees them.
var (
	errInternal = responseError(http.StatusInternalServerError, http.Header{},
		&types.InternalServerError{Message: aws.String("Internal server error")})
	errUnavailable = responseError(http.StatusServiceUnavailable, http.Header{},
		&smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "Service Unavailable"})
	// errDropped is a connection closed without an answer: the SDK sees a
	// failed send, which it retries.
	errDropped = &smithyhttp.RequestSendError{Err: errors.New("read tcp: connection reset by peer")}
	// errConflict is a conditional write that lost its race.
	errConflict = responseError(http.StatusBadRequest, http.Header{},
		&types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")})
)

// Package strategy provides the client retry strategies the benchmark
// compares against a throttling DynamoDB.
//
// Every strategy is an aws.RetryerV2 installed on the DynamoDB client, so the
// SDK's own retry loop (the "Retry" finalize middleware) is the only retry
// loop and every strategy is measured through identical code: the same
// classification, the same max-attempts check, the same
// x-amz-retry-after adjustment, the same Amz-Sdk-Request header.
//
// # Strategies
//
// New builds a strategy by name; Names lists them. attempt is the 1-based
// attempt that failed, u a uniform random number in [0, 1).
//
//	sdk-default          the DynamoDB client's own retry.Standard, untouched:
//	                     U[0, min(20s, x*2^(attempt-1))), x = 1s for throttles
//	                     else 25ms; 4 attempts; retry quota of 500 tokens per
//	                     client (a retry costs 14, after a throttle 5)
//	sdk-standard-noquota retry.NewStandard with the client's settings (4
//	                     attempts, 25ms base, 1s for throttles) and
//	                     RateLimiter ratelimit.None: no retry quota
//	sdk-adaptive         retry.NewAdaptiveMode over the same settings: the
//	                     standard retryer plus the SDK's CUBIC send-rate
//	                     limiter, one per client
//	sdk-legacy           the standard retryer before v1.48.0: 3 attempts,
//	                     U[0, 1s*2^attempt) up to attempt 4 then 20s; quota
//	                     500, retry 5, timeout retry 10, throttle retry 5,
//	                     every successful attempt adds 1
//	none                 1 attempt
//	constant             Base after every failed attempt
//	exponential          min(Cap, Base*2^(attempt-1)), no jitter
//	full-jitter          U[0, min(Cap, Base*2^(attempt-1)))
//	equal-jitter         v/2 + U[0, v/2), v = min(Cap, Base*2^(attempt-1))
//	decorrelated-jitter  min(Cap, U[Base, 3*prev)), prev = Base before the
//	                     first retry, then the operation's previous sleep
//	token-bucket         full jitter; every attempt first waits for a token
//	                     of a golang.org/x/time/rate limiter (Rate, Burst)
//	retry-budget         full jitter; a retry only while retries+1 <=
//	                     Budget*requests + MinPerSecond*Window over the last
//	                     Window, else RetryBudgetExhaustedError
//	adaptive-throttle    full jitter; attempts rejected locally with
//	                     probability max(0, (requests-K*accepts)/(requests+1))
//	                     over the last Window: RejectedLocallyError
//	circuit-breaker      full jitter; Threshold failed attempts in a row (or
//	                     FailureRatio of the Window) open it: CircuitOpenError
//	                     until CoolDown, then one probe
//
// The jitter formulas are those of the AWS Architecture Blog post
// "Exponential Backoff And Jitter". Params default to the DynamoDB client's
// values (4 attempts, 25ms base, 20s cap); see Params.
//
// sdk-default is not a reimplementation: its NewRetryer returns nil and the
// runner installs nothing, so the client resolves its retryer itself and
// whatever the SDK in go.mod does is measured. Its Resolved values are the
// SDK's (constants SDKMaxAttempts and the like, checked against a real
// client by the tests). They hold only if the client is built without
// RetryMaxAttempts, RetryMode or a Retryer in aws.Config or the client
// options: config.LoadDefaultConfig copies AWS_MAX_ATTEMPTS and
// AWS_RETRY_MODE from the environment into aws.Config.
//
// # Our strategies
//
// All strategies but the sdk-* ones use Retryer, which
//   - retries exactly what the SDK's standard retryer retries
//     (retry.DefaultRetryables: throttles, HTTP 500/502/503/504,
//     RequestTimeout, connection errors; not ConditionalCheckFailedException,
//     not canceled requests);
//   - applies Base to throttles as to every other error (the SDK switches to
//     1s for throttles);
//   - has no retry quota and no client-side rate limit: GetRetryToken and
//     GetAttemptToken always succeed and their releases do nothing (the
//     four time-dependent strategies override exactly these two methods);
//   - takes its random numbers from its own math/rand/v2 PCG source seeded
//     by NewRetryer's seed and guarded by a mutex, since the retryer is
//     shared by the concurrent operations of one client.
//
// Build one retryer per simulated client and install it with
//
//	dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Retryer = r })
//
// leaving o.RetryMaxAttempts at 0: a non-zero value makes the client wrap the
// retryer in retry.AddWithMaxAttempts, which overrides MaxAttempts and hides
// OperationScoped.
//
// # Per-operation state
//
// Decorrelated jitter chains the previous sleep of the same operation, which
// a retryer shared by concurrent operations cannot see. Its retryer is a
// ScopedRetryer, which implements OperationScoped: call ForOperation once per
// operation and install the result for that call only,
//
//	if s, ok := r.(strategy.OperationScoped); ok {
//		opt = func(o *dynamodb.Options) { o.Retryer = s.ForOperation() }
//	}
//	client.PutItem(ctx, in, opt)
//
// The per-operation retryer shares the client's random source; only prev is
// per operation. Used without ForOperation, a ScopedRetryer falls back to
// prev = Base on every retry, i.e. U[Base, 3*Base) capped.
//
// # Time
//
// token-bucket, retry-budget, adaptive-throttle and circuit-breaker depend on
// time. Their retryers read it from a Clock (the wall clock unless built
// through Timed.NewRetryerWithClock) and keep their decisions in methods
// that take the time as an argument (Reserve, Attempt/Retry,
// Admit/Done/RejectProbability, Allow/Done/State), so tests replay step
// tables at fixed instants and a virtual-time engine can drive them. Their
// sliding windows are 10 slices of Window/10. Their refusals are the
// exported error types RetryBudgetExhaustedError, RejectedLocallyError and
// CircuitOpenError (see errors.go); the SDK wraps them, so use errors.As,
// and check them before treating the error as a throttle.
//
// # Testing and virtual time
//
// The formulas are pure Backoff values (Exponential, FullJitter,
// EqualJitter, DecorrelatedJitter) whose Delay takes the random number as an
// argument, so tests check exact values and a virtual-time engine can replay
// them without the SDK. Two retryers built with the same seed return the
// same delay sequence for the same sequence of RetryDelay calls.
package strategy

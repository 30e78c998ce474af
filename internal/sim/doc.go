// Package sim runs scenarios in virtual time: a discrete-event engine
// replaces the wall clock and a network model replaces the sockets, while
// everything that decides an outcome is the code a real run uses.
//
//   - Retries: each strategy's own aws.RetryerV2 objects, one per client
//     with the runner's seeds, driven through a replay of the SDK's retry
//     middleware (aws/retry/middleware.go HandleFinalize/handleAttempt):
//     GetAttemptToken, send, release of the previous retry token and of
//     the attempt token, IsErrorRetryable, the max-attempts check
//     (*retry.MaxAttemptsError), GetRetryToken (errors.Join with the quota
//     error), RetryDelay, the x-amz-retry-after adjustment, the sleep. The
//     contexts handed to the retryers carry the SDK's retry metadata, made
//     by the SDK's own middleware (see attemptContext).
//   - Throttling: fakeservice's Model and TableCapacity, called directly
//     with the virtual time; item sizes and costs as the fake computes
//     them; the scenario's fault schedule (brownouts through Withhold,
//     errors, latency, stalls, drops, retry-after) with the fake's draws.
//   - Errors: shaped as the DynamoDB client returns them (typed exceptions
//     in awshttp.ResponseError), so classification and metrics.Classify
//     see what they see in a real run.
//   - Metrics and files: metrics.Aggregator and Series, runner.Result, and
//     through it run.json and the reports.
//
// A run is a pure function of its Options: the engine is single-threaded
// per strategy, ties between events break in scheduling order, every
// random draw comes from a source seeded by the scenario, and virtual time
// starts at Epoch. See newRetryer for the two places where the SDK's own
// objects cannot be used as they are (sdk-default's client-resolved
// retryer, the crypto/rand backoff), and for sdk-adaptive, which cannot be
// simulated.
//
// Events are values in a timing wheel in front of 4-ary heaps (see queue)
// and operation slots are reused, so the engine allocates nothing per
// attempt in steady state;
// BenchmarkSim reports simulated operations per CPU-second.
//
// The package also holds the backoff experiment of the AWS Architecture
// Blog post "Exponential Backoff And Jitter" (experiment.go) and a small
// SVG line-chart writer (chart.go) shared with package sweep.
package sim

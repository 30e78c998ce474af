package strategy_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/throttlebench/throttlebench/internal/strategy"
)

func ExampleNew() {
	s, err := strategy.New("full-jitter", strategy.Params{Base: 10 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	resolved, _ := json.Marshal(s.Resolved())
	fmt.Println(s.Name())
	fmt.Println(s.Describe())
	fmt.Println(string(resolved))

	_, err = strategy.New("fibonacci", strategy.Params{})
	fmt.Println(err)
	// Output:
	// full-jitter
	// U[0, min(20s, 10ms*2^(attempt-1))); 4 attempts; retries what the SDK retries; no retry quota
	// {"base":"10ms","cap":"20s","max_attempts":4,"retry_quota":"none"}
	// unknown strategy "fibonacci" (valid: sdk-default, sdk-standard-noquota, sdk-adaptive, sdk-legacy, none, constant, exponential, full-jitter, equal-jitter, decorrelated-jitter, token-bucket, retry-budget, adaptive-throttle, circuit-breaker)
}

// The formulas take the random number as an argument, so a schedule can be
// printed (or replayed in virtual time) without randomness.
func ExampleEqualJitter() {
	b := strategy.EqualJitter{Base: 100 * time.Millisecond, Cap: time.Second}
	for attempt := 1; attempt <= 5; attempt++ {
		fmt.Println(attempt, b.Delay(attempt, 0, 0), b.Delay(attempt, 0, 0.5))
	}
	// Output:
	// 1 50ms 75ms
	// 2 100ms 150ms
	// 3 200ms 300ms
	// 4 400ms 600ms
	// 5 500ms 750ms
}

// A decorrelated-jitter schedule chains each sleep into the next.
func ExampleDecorrelatedJitter() {
	b := strategy.DecorrelatedJitter{Base: 100 * time.Millisecond, Cap: time.Second}
	var prev time.Duration
	for attempt, u := range []float64{0.5, 0.5, 0.5, 0.5} {
		prev = b.Delay(attempt+1, prev, u)
		fmt.Println(prev)
	}
	// Output:
	// 200ms
	// 350ms
	// 575ms
	// 912.5ms
}

// One retryer per simulated client; an OperationScoped retryer also gets a
// per-operation retryer for each call.
func ExampleOperationScoped() {
	s, _ := strategy.New("decorrelated-jitter", strategy.Params{})
	const seed = 1
	r := s.NewRetryer(seed)
	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1"}, func(o *dynamodb.Options) {
		if r != nil { // nil: sdk-default, keep the client's own retryer
			o.Retryer = r
		}
	})

	var opts []func(*dynamodb.Options)
	if scoped, ok := r.(strategy.OperationScoped); ok {
		opts = append(opts, func(o *dynamodb.Options) { o.Retryer = scoped.ForOperation() })
	}
	_ = opts // client.PutItem(ctx, in, opts...)
	fmt.Println(client.Options().Retryer.MaxAttempts())
	// Output:
	// 4
}

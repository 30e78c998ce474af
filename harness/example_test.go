package harness_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/throttlebench/throttlebench/harness"
)

// Register your own retryer and compare it with the SDK's default on the
// quickstart scenario, in virtual time (same numbers on every machine).
func Example() {
	err := harness.Register("five-attempts", func(seed int64) aws.RetryerV2 {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.RateLimiter = ratelimit.None
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := harness.Simulate(context.Background(), "../scenarios/quickstart.yaml", harness.Options{
		Strategies: []string{"five-attempts", "sdk-default"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Printf("%s: %d operations, at most %d attempts each\n", r.Name, r.Summary.Ops, maxKey(r.Summary.AttemptsHist))
	}
	// Output:
	// five-attempts: 2000 operations, at most 5 attempts each
	// sdk-default: 2000 operations, at most 4 attempts each
}

func maxKey(m map[int]int64) int {
	most := 0
	for k := range m {
		most = max(most, k)
	}
	return most
}

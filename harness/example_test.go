package harness_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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

// Configure the DynamoDB client yourself (here the SDK's standard retryer
// with two attempts and no retry quota) and measure it against the
// embedded fake DynamoDB. The simulator builds no client, so Simulate
// refuses such a strategy.
func ExampleRegisterClient() {
	err := harness.RegisterClient("two-attempts-client", func(o *dynamodb.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 2
			so.RateLimiter = ratelimit.None
		})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := harness.Options{Strategies: []string{"two-attempts-client"}, Duration: 2 * time.Second}
	res, err := harness.Run(context.Background(), "../scenarios/quickstart.yaml", opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	r := res[0]
	fmt.Printf("%s: %d operations, none with more than 2 attempts: %v\n", r.Name, r.Summary.Ops, maxKey(r.Summary.AttemptsHist) <= 2)
	_, err = harness.Simulate(context.Background(), "../scenarios/quickstart.yaml", opts)
	fmt.Println(err)
	// Output:
	// two-attempts-client: 400 operations, none with more than 2 attempts: true
	// strategy two-attempts-client: not simulable: it configures the DynamoDB client, which the simulator does not build; measure it with bench run (harness.Run)
}

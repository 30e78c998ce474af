package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// A user retryer runs through aws-sdk-go-v2 against the embedded fake:
// the SDK calls it (the factory once per client), and its summary comes
// back like a built-in strategy's.
func TestRunUserRetryer(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var built, delays atomic.Int64
	err := Register("test-counting", func(seed int64) aws.RetryerV2 {
		built.Add(1)
		return counting{retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 6
			o.RateLimiter = ratelimit.None
		}), &delays}
	})
	if err != nil {
		t.Fatal(err)
	}
	// Five times what the table admits, so that even a client slowed
	// down by -race is throttled.
	path := filepath.Join(t.TempDir(), "overload.yaml")
	sc := "name: overload\ntable: {read_capacity: 10, write_capacity: 10}\nfake: {burst: 0s}\nworkload: {rate: 50/s, duration: 3s}\nstrategies: [none]\n"
	if err := os.WriteFile(path, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), path, Options{Strategies: []string{"test-counting", "none"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Name != "test-counting" || res[1].Name != "none" {
		t.Fatalf("got %+v, want test-counting then none", res)
	}
	mine, none := res[0].Summary, res[1].Summary
	if mine.Ops != 150 || none.Ops != 150 {
		t.Errorf("got %d and %d operations, want 150 each (50/s for 3 s)", mine.Ops, none.Ops)
	}
	if built.Load() < 1 || delays.Load() == 0 {
		t.Errorf("got %d retryers built, %d delays asked, want the SDK to have used ours", built.Load(), delays.Load())
	}
	if mine.AttemptsPerOp <= 1 || none.AttemptsPerOp != 1 {
		t.Errorf("got attempts/op %.2f (ours) and %.2f (none), want > 1 and 1", mine.AttemptsPerOp, none.AttemptsPerOp)
	}
	if mine.SuccessPct <= none.SuccessPct {
		t.Errorf("got success %.1f%% with retries, %.1f%% without, want more with", mine.SuccessPct, none.SuccessPct)
	}
}

// counting counts the delays the SDK asks for.
type counting struct {
	aws.RetryerV2
	n *atomic.Int64
}

func (c counting) RetryDelay(attempt int, err error) (time.Duration, error) {
	c.n.Add(1)
	return c.RetryerV2.RetryDelay(attempt, err)
}

func TestRegisterAndNames(t *testing.T) {
	f := func(int64) aws.RetryerV2 { return retry.NewStandard() }
	cases := []struct {
		name string
		f    RetryerFactory
		want string
	}{
		{"", f, "want a name and a factory"},
		{"sdk-default", f, "a built-in strategy has that name"},
		{"test-twice", f, ""},
		{"test-twice", f, "already registered"},
	}
	for _, c := range cases {
		err := Register(c.name, c.f)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("Register(%q): got %v, want %q", c.name, err, c.want)
		}
	}
	_, err := Simulate(context.Background(), "../scenarios/quickstart.yaml", Options{Strategies: []string{"no-such"}})
	if err == nil || !strings.Contains(err.Error(), "no-such") {
		t.Errorf("unknown strategy: got %v, want an error naming it", err)
	}
}

// RegisterClient's function configures every client Run builds, and
// Simulate refuses the strategy.
func TestRegisterClient(t *testing.T) {
	var calls atomic.Int64
	if err := RegisterClient("test-configured", func(o *dynamodb.Options) { calls.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if err := RegisterClient("test-configured-nil", nil); err == nil {
		t.Errorf("RegisterClient with no function: got no error")
	}
	opts := Options{Strategies: []string{"test-configured"}, Duration: time.Second}
	res, err := Run(context.Background(), "../scenarios/quickstart.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n < 1 || len(res) != 1 || res[0].Summary.Ops != 200 {
		t.Errorf("configure called %d times, results %+v; want at least once (one client), 200 operations", n, res)
	}
	if _, err := Simulate(context.Background(), "../scenarios/quickstart.yaml", opts); err == nil || !strings.Contains(err.Error(), "not simulable") {
		t.Errorf("Simulate: got %v, want not simulable", err)
	}
}

package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ourNames are the strategies built on Retryer.
var ourNames = []string{"none", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter"}

func mustNew(t testing.TB, name string, p Params) Strategy {
	t.Helper()
	s, err := New(name, p)
	if err != nil {
		t.Fatalf("New(%q, %+v): %v", name, p, err)
	}
	return s
}

func httpStatusError(code int) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code, Header: http.Header{}}},
		Err:      fmt.Errorf("http %d", code),
	}
}

func TestIsErrorRetryable(t *testing.T) {
	standard := retry.NewStandard()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"ProvisionedThroughputExceeded", &types.ProvisionedThroughputExceededException{Message: aws.String("throttled")}, true},
		{"wrapped ProvisionedThroughputExceeded", fmt.Errorf("put: %w", &types.ProvisionedThroughputExceededException{}), true},
		{"RequestLimitExceeded", &types.RequestLimitExceeded{}, true},
		{"ThrottlingException", &types.ThrottlingException{}, true},
		{"HTTP 500", httpStatusError(500), true},
		{"HTTP 503", httpStatusError(503), true},
		{"connection reset", errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer"), true},
		{"ConditionalCheckFailed", &types.ConditionalCheckFailedException{}, false},
		{"TransactionConflict", &types.TransactionConflictException{}, false},
		{"HTTP 400 unmodeled", httpStatusError(400), false},
		{"context.Canceled", context.Canceled, false},
		{"RequestCanceledError", &aws.RequestCanceledError{Err: context.Canceled}, false},
		{"nil", nil, false},
	}
	for _, name := range ourNames {
		r := mustNew(t, name, Params{}).NewRetryer(1)
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				if got := r.IsErrorRetryable(tt.err); got != tt.want {
					t.Errorf("IsErrorRetryable(%v) = %v, want %v", tt.err, got, tt.want)
				}
				if got, sdk := r.IsErrorRetryable(tt.err), standard.IsErrorRetryable(tt.err); got != sdk {
					t.Errorf("IsErrorRetryable(%v) = %v, but retry.Standard says %v", tt.err, got, sdk)
				}
			})
		}
	}
}

func TestMaxAttempts(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		want int
	}{
		{"none", Params{}, 1},
		{"none", Params{MaxAttempts: 1}, 1},
		{"exponential", Params{}, 4},
		{"full-jitter", Params{}, 4},
		{"equal-jitter", Params{}, 4},
		{"decorrelated-jitter", Params{}, 4},
		{"full-jitter", Params{MaxAttempts: 1}, 1},
		{"equal-jitter", Params{MaxAttempts: 10}, 10},
		{"decorrelated-jitter", Params{MaxAttempts: 7}, 7},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.name, tt.p.MaxAttempts), func(t *testing.T) {
			r := mustNew(t, tt.name, tt.p).NewRetryer(1)
			if got := r.MaxAttempts(); got != tt.want {
				t.Errorf("MaxAttempts() = %d, want %d", got, tt.want)
			}
			if s, ok := r.(OperationScoped); ok {
				if got := s.ForOperation().MaxAttempts(); got != tt.want {
					t.Errorf("ForOperation().MaxAttempts() = %d, want %d", got, tt.want)
				}
			}
		})
	}
}

// TestNoQuota checks that retries and attempts are never refused, far past
// where the SDK's 500-token quota would run out.
func TestNoQuota(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{}
	for _, name := range ourNames {
		t.Run(name, func(t *testing.T) {
			r := mustNew(t, name, Params{}).NewRetryer(1)
			for i := range 1000 {
				release, err := r.GetRetryToken(context.Background(), throttle)
				if err != nil {
					t.Fatalf("GetRetryToken #%d: got error %v, want nil", i, err)
				}
				if err := release(nil); err != nil {
					t.Fatalf("retry release #%d: got %v, want nil", i, err)
				}
				release, err = r.GetAttemptToken(context.Background())
				if err != nil {
					t.Fatalf("GetAttemptToken #%d: got error %v, want nil", i, err)
				}
				if err := release(throttle); err != nil {
					t.Fatalf("attempt release #%d: got %v, want nil", i, err)
				}
			}
		})
	}
}

// delays returns the next n RetryDelay results of r for attempts 1, 2, ...
// (restarting after maxAttempts-1 retries, as consecutive operations would).
func delays(t testing.TB, r aws.RetryerV2, n int) []time.Duration {
	t.Helper()
	retries := max(r.MaxAttempts()-1, 1)
	out := make([]time.Duration, n)
	for i := range out {
		d, err := r.RetryDelay(1+i%retries, nil)
		if err != nil {
			t.Fatalf("RetryDelay: %v", err)
		}
		out[i] = d
	}
	return out
}

func TestDeterminism(t *testing.T) {
	p := Params{MaxAttempts: 8, Base: 10 * ms, Cap: 5 * time.Second}
	for _, name := range ourNames[1:] {
		t.Run(name, func(t *testing.T) {
			s := mustNew(t, name, p)
			a, b := s.NewRetryer(42), s.NewRetryer(42)
			if sa, ok := a.(OperationScoped); ok {
				a, b = sa.ForOperation(), b.(OperationScoped).ForOperation()
			}
			da, db := delays(t, a, 200), delays(t, b, 200)
			for i := range da {
				if da[i] != db[i] {
					t.Fatalf("seed 42, delay #%d: got %v and %v, want equal", i, da[i], db[i])
				}
			}
			if name == "exponential" {
				return // no randomness to differ
			}
			dc := delays(t, s.NewRetryer(43), 200)
			same := 0
			for i := range da {
				if da[i] == dc[i] {
					same++
				}
			}
			if same == len(da) {
				t.Errorf("seeds 42 and 43 gave the same %d delays, want different", len(da))
			}
		})
	}
}

// TestRetryerUsesBackoff checks that RetryDelay is the Backoff applied to the
// retryer's seeded source: the u drawn are those of rand.NewPCG(seed, pcgStream).
func TestRetryerUsesBackoff(t *testing.T) {
	const seed = 7
	p := Params{Base: 10 * ms, Cap: time.Second}
	backoffs := map[string]Backoff{
		"exponential":         Exponential{p.Base, p.Cap},
		"full-jitter":         FullJitter{p.Base, p.Cap},
		"equal-jitter":        EqualJitter{p.Base, p.Cap},
		"decorrelated-jitter": DecorrelatedJitter{p.Base, p.Cap},
	}
	for name, b := range backoffs {
		t.Run(name, func(t *testing.T) {
			r := mustNew(t, name, p).NewRetryer(seed) // used without ForOperation: prev = 0
			u := rand.New(rand.NewPCG(seed, pcgStream))
			for attempt := 1; attempt <= 3; attempt++ {
				want := b.Delay(attempt, 0, u.Float64())
				got, err := r.RetryDelay(attempt, nil)
				if err != nil || got != want {
					t.Errorf("RetryDelay(%d) = %v, %v; want %v, nil", attempt, got, err, want)
				}
			}
		})
	}
}

// TestForOperation interleaves two operations of one client: they draw from
// the client's one source in call order, but each chains its own prev.
func TestForOperation(t *testing.T) {
	const seed = 99
	b := DecorrelatedJitter{Base: 10 * ms, Cap: 2 * time.Second}
	client := mustNew(t, "decorrelated-jitter", Params{Base: b.Base, Cap: b.Cap}).NewRetryer(seed)
	scoped, ok := client.(OperationScoped)
	if !ok {
		t.Fatalf("decorrelated-jitter retryer %T does not implement OperationScoped", client)
	}
	if _, ok := mustNew(t, "full-jitter", Params{}).NewRetryer(seed).(OperationScoped); ok {
		t.Errorf("full-jitter retryer implements OperationScoped, want not (it keeps no per-operation state)")
	}

	opA, opB := scoped.ForOperation(), scoped.ForOperation()
	u := rand.New(rand.NewPCG(seed, pcgStream))
	var prevA, prevB time.Duration
	steps := []struct {
		op      string
		attempt int
	}{{"A", 1}, {"A", 2}, {"B", 1}, {"A", 3}, {"B", 2}, {"B", 3}, {"A", 1}}
	for i, s := range steps {
		r, prev := opA, &prevA
		if s.op == "B" {
			r, prev = opB, &prevB
		}
		if s.attempt == 1 {
			*prev = 0 // a new operation (or reuse) restarts the chain
		}
		want := b.Delay(s.attempt, *prev, u.Float64())
		got, _ := r.RetryDelay(s.attempt, nil)
		if got != want {
			t.Fatalf("step %d (op %s attempt %d, prev %v): got %v, want %v", i, s.op, s.attempt, *prev, got, want)
		}
		*prev = got
	}

	// Without ForOperation every retry falls back to prev = Base.
	for attempt := 1; attempt <= 50; attempt++ {
		d, _ := client.RetryDelay(1+attempt%3, nil)
		if d < b.Base || d >= 3*b.Base {
			t.Fatalf("client-level RetryDelay: got %v, want in [%v, %v)", d, b.Base, 3*b.Base)
		}
	}
}

// TestConcurrentUse exercises a shared retryer from many goroutines, for -race.
func TestConcurrentUse(t *testing.T) {
	for _, name := range ourNames[1:] {
		t.Run(name, func(t *testing.T) {
			r := mustNew(t, name, Params{Base: ms, Cap: time.Second}).NewRetryer(3)
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					op := r
					if s, ok := r.(OperationScoped); ok {
						op = s.ForOperation()
					}
					for attempt := 1; attempt <= 100; attempt++ {
						d, err := op.RetryDelay(1+attempt%4, nil)
						if err != nil || d < 0 || d > time.Second {
							t.Errorf("RetryDelay: got %v, %v; want in [0, 1s], nil", d, err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestLockedRandRange(t *testing.T) {
	r := newLockedRand(math.MinInt64)
	for range 1000 {
		if u := r.Float64(); u < 0 || u >= 1 {
			t.Fatalf("Float64() = %v, want in [0, 1)", u)
		}
	}
}

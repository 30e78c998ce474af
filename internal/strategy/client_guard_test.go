package strategy

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const serverErrorBody = `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}`

// TestClientSDKModes runs the SDK-built strategies through a real client
// against HTTP 500s, whose backoff base is 25ms (throttles would take 1s).
func TestClientSDKModes(t *testing.T) {
	tests := []struct {
		strategy string
		p        Params
		want     int
	}{
		{"sdk-standard-noquota", Params{}, 4},
		{"sdk-adaptive", Params{}, 4},
		{"sdk-legacy", Params{Base: ms}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			fake := newFakeDynamoDBStatus(t, http.StatusInternalServerError, serverErrorBody)
			c := newClient(fake.URL, mustNew(t, tt.strategy, tt.p).NewRetryer(1))
			err := putItem(context.Background(), c)
			var ise *types.InternalServerError
			var mae *retry.MaxAttemptsError
			if !errors.As(err, &ise) || !errors.As(err, &mae) || mae.Attempt != tt.want {
				t.Fatalf("PutItem error = %v, want an InternalServerError after %d attempts", err, tt.want)
			}
			wantAttempts(t, fake.requests(), tt.want, tt.want)
		})
	}
}

// TestClientSDKAdaptiveThrottleOnce checks sdk-adaptive through a client
// against one throttle then success: the retry waits for the SDK's backoff
// (throttle base 1s) and for its send-rate limiter, enabled by the
// throttle, then succeeds. About 1 to 3 s, so in parallel.
func TestClientSDKAdaptiveThrottleOnce(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body := http.StatusOK, `{}`
		if n.Add(1) == 1 {
			status, body = http.StatusBadRequest, throttleBody
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c := newClient(srv.URL, mustNew(t, "sdk-adaptive", Params{}).NewRetryer(1))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := putItem(ctx, c); err != nil {
		t.Fatalf("PutItem: %v, want success at the second attempt", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

// TestClientRetryBudget spends retry-budget's floor (10 retries per 10s)
// through a client: three operations make their 4 attempts, the fourth is
// refused its second retry (11 > 0.1*4 + 10) and fails at once.
func TestClientRetryBudget(t *testing.T) {
	fake := newFakeDynamoDB(t, throttleBody)
	c := newClient(fake.URL, mustNew(t, "retry-budget", Params{Base: ms}).NewRetryer(1))
	for op, want := range []int{4, 4, 4, 2} {
		err := putItem(context.Background(), c)
		if got := len(fake.requests()); got != want {
			t.Errorf("operation %d: requests = %d, want %d", op, got, want)
		}
		var be *RetryBudgetExhaustedError
		if exhausted := errors.As(err, &be); exhausted != (op == 3) {
			t.Errorf("operation %d: error %v; want a *RetryBudgetExhaustedError only for operation 3", op, err)
		}
		var pte *types.ProvisionedThroughputExceededException
		if !errors.As(err, &pte) {
			t.Errorf("operation %d: error %v, want it to carry the throttle", op, err)
		}
	}
}

// TestClientAdaptiveThrottle runs one-attempt operations against a server
// that always throttles: after the first, requests are rejected locally
// more and more often, and the server sees only the others.
func TestClientAdaptiveThrottle(t *testing.T) {
	const ops = 30
	fake := newFakeDynamoDB(t, throttleBody)
	c := newClient(fake.URL, mustNew(t, "adaptive-throttle", Params{MaxAttempts: 1}).NewRetryer(1))
	rejected := 0
	for op := range ops {
		err := putItem(context.Background(), c)
		var rej *RejectedLocallyError
		switch {
		case errors.As(err, &rej):
			rejected++
			if op == 0 {
				t.Errorf("operation 0 rejected locally: %v", err)
			}
		case !errors.As(err, new(*types.ProvisionedThroughputExceededException)):
			t.Fatalf("operation %d: error %v, want a throttle or a *RejectedLocallyError", op, err)
		}
	}
	sent := len(fake.requests())
	if sent+rejected != ops {
		t.Errorf("sent %d + rejected %d, want %d operations", sent, rejected, ops)
	}
	// p reaches (n-1)/n after n throttles: most of the 30 are rejected.
	if rejected < ops/2 {
		t.Errorf("rejected %d of %d, want most", rejected, ops)
	}
}

// TestClientCircuitBreaker opens the breaker within one operation: its
// third throttle opens it, so its retry fails fast; the next operation
// sends nothing.
func TestClientCircuitBreaker(t *testing.T) {
	fake := newFakeDynamoDB(t, throttleBody)
	c := newClient(fake.URL, mustNew(t, "circuit-breaker", Params{Base: ms, Threshold: 3, CoolDown: time.Minute}).NewRetryer(1))
	for op, want := range []int{3, 0} {
		err := putItem(context.Background(), c)
		var open *CircuitOpenError
		if !errors.As(err, &open) || open.State != BreakerOpen {
			t.Errorf("operation %d: error %v, want a *CircuitOpenError, open", op, err)
		}
		if got := len(fake.requests()); got != want {
			t.Errorf("operation %d: requests = %d, want %d", op, got, want)
		}
	}
}

// TestNewRetryerEveryStrategy checks each strategy but sdk-default gives a
// fresh retryer per call.
func TestNewRetryerEveryStrategy(t *testing.T) {
	for _, name := range Names()[1:] {
		t.Run(name, func(t *testing.T) {
			s := mustNew(t, name, Params{})
			a, b := s.NewRetryer(1), s.NewRetryer(1)
			if a == nil || a == b {
				t.Errorf("NewRetryer = %p, %p; want two distinct retryers", a, b)
			}
			if ts, ok := s.(Timed); ok {
				if r := ts.NewRetryerWithClock(1, Clock{}); r == nil || r == a {
					t.Errorf("NewRetryerWithClock = %p, want a fresh retryer", r)
				}
			}
			if got := fmt.Sprint(s.Name()); got != name {
				t.Errorf("Name() = %q, want %q", got, name)
			}
		})
	}
}

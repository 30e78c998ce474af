package strategy

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	throttleBody  = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"throttled"}`
	conditionBody = `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`
)

// fakeDynamoDB answers every request with HTTP 400 and a fixed error body,
// and records the Amz-Sdk-Request header ("attempt=N; max=M") of each.
type fakeDynamoDB struct {
	URL string

	mu      sync.Mutex
	headers []string // guarded by mu
}

func newFakeDynamoDB(t *testing.T, body string) *fakeDynamoDB {
	t.Helper()
	return newFakeDynamoDBStatus(t, http.StatusBadRequest, body)
}

// newFakeDynamoDBStatus is newFakeDynamoDB answering with HTTP status.
func newFakeDynamoDBStatus(t *testing.T, status int, body string) *fakeDynamoDB {
	t.Helper()
	f := &fakeDynamoDB{}
	crc := strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.headers = append(f.headers, r.Header.Get("Amz-Sdk-Request"))
		n++
		id := n
		f.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amzn-Requestid", fmt.Sprintf("req-%d", id))
		h.Set("X-Amz-Crc32", crc)
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// requests returns the Amz-Sdk-Request headers seen so far and forgets them.
func (f *fakeDynamoDB) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.headers
	f.headers = nil
	return h
}

func putItem(ctx context.Context, c *dynamodb.Client, optFns ...func(*dynamodb.Options)) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("bench"),
		Item:      map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}},
	}, optFns...)
	return err
}

// wantThrottled checks that err is the SDK giving up on a throttle after
// attempts attempts.
func wantThrottled(t *testing.T, err error, attempts int) {
	t.Helper()
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("PutItem error = %v, want a ProvisionedThroughputExceededException", err)
	}
	var mae *retry.MaxAttemptsError
	if !errors.As(err, &mae) {
		t.Fatalf("PutItem error = %v, want a *retry.MaxAttemptsError", err)
	}
	if mae.Attempt != attempts {
		t.Errorf("MaxAttemptsError.Attempt = %d, want %d", mae.Attempt, attempts)
	}
}

// wantAttempts checks the Amz-Sdk-Request headers of one operation.
func wantAttempts(t *testing.T, headers []string, attempts, max int) {
	t.Helper()
	if len(headers) != attempts {
		t.Fatalf("requests = %d %q, want %d", len(headers), headers, attempts)
	}
	for i, h := range headers {
		if want := fmt.Sprintf("attempt=%d; max=%d", i+1, max); h != want {
			t.Errorf("request %d Amz-Sdk-Request = %q, want %q", i+1, h, want)
		}
	}
}

// TestClientSDKDefault runs sdk-default through a real client: nothing is
// installed and the client makes its own 4 attempts. Its throttle backoff is
// U[0, 1s)*2^i, up to 7s in all (3.5s on average), so it runs in parallel.
func TestClientSDKDefault(t *testing.T) {
	t.Parallel()
	fake := newFakeDynamoDB(t, throttleBody)
	r := mustNew(t, "sdk-default", Params{}).NewRetryer(1)
	c := newClient(fake.URL, r)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	err := putItem(ctx, c)
	wantThrottled(t, err, SDKMaxAttempts)
	wantAttempts(t, fake.requests(), SDKMaxAttempts, SDKMaxAttempts)
}

// TestClientStrategies runs each of our strategies through a real client
// against a server that always throttles.
func TestClientStrategies(t *testing.T) {
	tests := []struct {
		strategy string
		p        Params
		want     int // attempts per PutItem
	}{
		{"none", Params{}, 1},
		{"constant", Params{Base: ms}, 4},
		{"sdk-legacy", Params{Base: ms}, 3},
		{"token-bucket", Params{Base: ms, Rate: 1000, Burst: 1}, 4},
		{"exponential", Params{Base: ms}, 4},
		{"full-jitter", Params{Base: ms}, 4},
		{"equal-jitter", Params{Base: ms}, 4},
		{"decorrelated-jitter", Params{Base: ms}, 4},
		{"exponential", Params{MaxAttempts: 6, Base: ms, Cap: 4 * ms}, 6},
		{"full-jitter", Params{MaxAttempts: 2, Base: ms}, 2},
		{"equal-jitter", Params{MaxAttempts: 1, Base: ms}, 1},
		{"decorrelated-jitter", Params{MaxAttempts: 7, Base: ms, Cap: 5 * ms}, 7},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.strategy, tt.want), func(t *testing.T) {
			fake := newFakeDynamoDB(t, throttleBody)
			r := mustNew(t, tt.strategy, tt.p).NewRetryer(1)
			c := newClient(fake.URL, r)
			for call := range 3 { // the retryer is reused across calls: no quota runs out
				var opts []func(*dynamodb.Options)
				if s, ok := r.(OperationScoped); ok {
					opts = append(opts, func(o *dynamodb.Options) { o.Retryer = s.ForOperation() })
				}
				err := putItem(context.Background(), c, opts...)
				wantThrottled(t, err, tt.want)
				if t.Failed() {
					t.Fatalf("call %d failed", call)
				}
				wantAttempts(t, fake.requests(), tt.want, tt.want)
			}
		})
	}
}

// TestClientNotRetried checks that a ConditionalCheckFailedException ends
// the operation after one attempt under every strategy.
func TestClientNotRetried(t *testing.T) {
	for _, name := range ourNames {
		t.Run(name, func(t *testing.T) {
			fake := newFakeDynamoDB(t, conditionBody)
			p := Params{Base: ms}
			if name == "none" {
				p = Params{}
			}
			c := newClient(fake.URL, mustNew(t, name, p).NewRetryer(1))
			err := putItem(context.Background(), c)
			var ccf *types.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Fatalf("PutItem error = %v, want a ConditionalCheckFailedException", err)
			}
			if got := len(fake.requests()); got != 1 {
				t.Errorf("requests = %d, want 1", got)
			}
		})
	}
}

// TestClientForOperation runs concurrent operations of one client, each with
// its own ForOperation retryer, the way the runner does. The per-operation
// retryer, not the client's, decides: the client's allows 2 attempts.
func TestClientForOperation(t *testing.T) {
	const calls, attempts = 8, 5
	fake := newFakeDynamoDB(t, throttleBody)
	clientLevel := mustNew(t, "decorrelated-jitter", Params{MaxAttempts: 2, Base: ms}).NewRetryer(1)
	c := newClient(fake.URL, clientLevel)
	scoped := mustNew(t, "decorrelated-jitter", Params{MaxAttempts: attempts, Base: ms, Cap: 10 * ms}).NewRetryer(2).(OperationScoped)

	var wg sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() {
			errs[i] = putItem(context.Background(), c, func(o *dynamodb.Options) { o.Retryer = scoped.ForOperation() })
		})
	}
	wg.Wait()
	for i, err := range errs {
		t.Run(fmt.Sprint("call", i), func(t *testing.T) { wantThrottled(t, err, attempts) })
	}
	headers := fake.requests()
	if got, want := len(headers), calls*attempts; got != want {
		t.Fatalf("requests = %d, want %d", got, want)
	}
	count := map[string]int{}
	for _, h := range headers {
		count[h]++
	}
	for a := 1; a <= attempts; a++ {
		h := fmt.Sprintf("attempt=%d; max=%d", a, attempts)
		if count[h] != calls {
			t.Errorf("requests with %q = %d, want %d", h, count[h], calls)
		}
	}
}

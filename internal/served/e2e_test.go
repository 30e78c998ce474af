package served

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// startFake starts the fake reporting to col, with one table "tbl" of 1 WCU,
// and returns its URL.
func startFake(t *testing.T, col *Collector) string {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return fakeWithTable(t, col.Observe, "tbl", 1)
}

// fakeWithTable starts the fake with hook as its OnRequest, creates table
// with units of read and write capacity, and returns the fake's URL.
func fakeWithTable(tb testing.TB, hook func(fakeservice.RequestInfo), table string, units int64) string {
	tb.Helper()
	srv := fakeservice.New(fakeservice.Options{OnRequest: hook})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Close() })
	c := sdkClient(url, aws.NopRetryer{})
	_, err = c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:             aws.String(table),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(units), WriteCapacityUnits: aws.Int64(units)},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return url
}

func sdkClient(url string, r aws.Retryer) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(url),
		Retryer: r,
	})
}

// burst starts n PutItems at once through the strategy's retryer.
func burst(t *testing.T, url string, st strategy.Strategy, n int) {
	t.Helper()
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		c := sdkClient(url, st.NewRetryer(int64(i)))
		// Connect first, so that the burst starts together.
		if _, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("tbl")}); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-gate
			_, _ = c.PutItem(context.Background(), &dynamodb.PutItemInput{
				TableName: aws.String("tbl"),
				Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: fmt.Sprint(i)}},
			})
		})
	}
	close(gate)
	wg.Wait()
}

// The Go SDK's headers are read: one operation per PutItem, its attempts
// and advertised max; a client with fixed backoff is flagged as
// synchronised and one with full jitter is not.
func TestSDKFixedBackoffSynchronised(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the SDK for a few seconds")
	}
	cases := []struct {
		name         string
		strategy     string
		params       strategy.Params
		synchronised bool
	}{
		{"constant 500ms", "constant", strategy.Params{Base: 500 * time.Millisecond, MaxAttempts: 4}, true},
		{"full jitter 1s", "full-jitter", strategy.Params{Base: time.Second, MaxAttempts: 3}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			col := New(Options{})
			url := startFake(t, col)
			st, err := strategy.New(c.strategy, c.params)
			if err != nil {
				t.Fatal(err)
			}
			const n = 10
			burst(t, url, st, n)
			col.Close()
			_, res := col.Results()
			var put *Result
			for i := range res {
				if res[i].Summary.ByOperation["PutItem"].Ops > 0 {
					put = &res[i]
				}
			}
			if put == nil {
				t.Fatalf("no PutItem group in %d groups", len(res))
			}
			if put.Name != "aws-sdk-go-v2" && put.Name[:13] != "aws-sdk-go-v2" {
				t.Errorf("got group %q, want aws-sdk-go-v2...", put.Name)
			}
			fx := put.Forensics
			if got := put.Summary.ByOperation["PutItem"].Ops; got != n {
				t.Errorf("got %d PutItem operations, want %d", got, n)
			}
			if fx.MaxAdvertised != c.params.MaxAttempts {
				t.Errorf("got advertised max %d, want %d", fx.MaxAdvertised, c.params.MaxAttempts)
			}
			if fx.PastMax != 0 {
				t.Errorf("got %d attempts past max, want 0", fx.PastMax)
			}
			if put.Summary.AttemptsPerOp <= 1.5 {
				t.Errorf("got %.2f attempts/op, want > 1.5 (the table admits 1 write/s)", put.Summary.AttemptsPerOp)
			}
			t.Logf("sync %+v", fx.Sync)
			if fx.Sync.Synchronised != c.synchronised {
				t.Errorf("got synchronised %v (%+v), want %v", fx.Sync.Synchronised, fx.Sync, c.synchronised)
			}
			if c.strategy == "constant" {
				for _, g := range fx.Gaps {
					// Never shorter than the backoff; longer by the client's
					// own time to build the retry (slow under -race on a
					// shared machine), so no upper bound here.
					if g.P10Ms < 495 {
						t.Errorf("attempt %d: got gaps p10 %.1f ms, want >= 500", g.Attempt, g.P10Ms)
					}
				}
			}
		})
	}
}

package fakeservice

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// fakeClock is a manual clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startServer starts a Server on 127.0.0.1:0 and closes it when t ends.
func startServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, url
}

// warnLogger fails t on any WARN the SDK logs, such as the one it logs when
// a response's x-amz-crc32 is missing or wrong.
func warnLogger(t testing.TB) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		if c == logging.Warn {
			t.Errorf("SDK logged WARN: %s", fmt.Sprintf(format, v...))
		}
	})
}

// newClient returns an unmodified SDK client for url. With noRetry each call
// is one attempt, so a throttle is seen as it happens.
func newClient(t testing.TB, url string, noRetry bool, logger logging.Logger) *dynamodb.Client {
	if logger == nil {
		logger = warnLogger(t)
	}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: aws.AnonymousCredentials{},
		Logger:      logger,
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		if noRetry {
			o.Retryer = aws.NopRetryer{}
		}
	})
}

// createTable creates a provisioned table keyed by the string "id".
func createTable(t testing.TB, c *dynamodb.Client, name string, rcu, wcu int64) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{
			ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu),
		},
	})
	if err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
}

// oneKBItem returns an item keyed id whose billed size is exactly 1024 bytes.
func oneKBItem(id string) map[string]types.AttributeValue {
	pad := 1024 - len("id") - len(id) - len("p")
	return map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: id},
		"p":  &types.AttributeValueMemberS{Value: strings.Repeat("x", pad)},
	}
}

// t0 is the instant the model tests start at (as in package throttle's).
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// keysInPartitions returns a key in each of the first n partitions of p.
func keysInPartitions(p, n int) []string {
	keys := make([]string, n)
	for i, found := 0, 0; found < n; i++ {
		k := fmt.Sprintf("key%d", i)
		if part := throttle.PartitionOf(k, p); part < n && keys[part] == "" {
			keys[part] = k
			found++
		}
	}
	return keys
}

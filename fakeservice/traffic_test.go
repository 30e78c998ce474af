package fakeservice

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The hook sees each API request once, with the SDK's headers, the access
// key id and the outcome the client got; never the secret.
func TestOnRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []RequestInfo
	store := NewCredentialStore(Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, Source: "test"})
	faults := &Faults{
		Errors: []ErrorFault{{Status: 503, Operations: []string{"GetItem"}}},
		Drops:  []DropFault{{Operations: []string{"DeleteItem"}}},
	}
	_, url := startServer(t, Options{Credentials: store, Faults: faults, OnRequest: func(r RequestInfo) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
	}})
	c := signedClient(t, url, credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""), nil)
	createTable(t, c, "tbl", 1, 1)
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}
	_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: key})
	_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: key}) // over 1 WCU: throttled
	_, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: key})
	_, _ = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: key})
	_, _ = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("no-such-table")})

	mu.Lock()
	defer mu.Unlock()
	var got []string
	for _, r := range seen {
		got = append(got, fmt.Sprintf("%s %d %s throttled=%v", r.Op, r.Status, r.Outcome, r.Throttled))
		if r.InvocationID == "" || r.Attempt != 1 || r.MaxAttempts != 1 {
			t.Errorf("%s: got invocation id %q, attempt %d max %d; want an id, 1, 1 (no retries)", r.Op, r.InvocationID, r.Attempt, r.MaxAttempts)
		}
		if r.AccessKeyID != testKeyID || !strings.HasPrefix(r.UserAgent, "aws-sdk-go-v2/") || !strings.HasPrefix(r.Source, "127.0.0.1:") {
			t.Errorf("%s: got key %q, user agent %q, source %q", r.Op, r.AccessKeyID, r.UserAgent, r.Source)
		}
		if r.Answered.Before(r.Arrived) {
			t.Errorf("%s: answered %v before it arrived %v", r.Op, r.Answered, r.Arrived)
		}
		if s := fmt.Sprintf("%+v", r); strings.Contains(s, testSecret) {
			t.Errorf("the secret reached the hook: %s", s)
		}
	}
	want := []string{
		"CreateTable 200 ok throttled=false",
		"PutItem 200 ok throttled=false",
		"PutItem 400 ProvisionedThroughputExceededException throttled=true",
		"GetItem 503 ServiceUnavailable throttled=false",
		"DeleteItem 0 ConnectionDropped throttled=false",
		"DescribeTable 400 ResourceNotFoundException throttled=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseSDKRequest(t *testing.T) {
	cases := []struct {
		in           string
		attempt, max int
	}{
		{"attempt=1; max=3", 1, 3},
		{"attempt=2;max=5", 2, 5},
		{"max=4; attempt=3", 3, 4},
		{"attempt=2", 2, 0},
		{"", 0, 0},
		{"attempt=x; max=-1", 0, 0},
		{"ttl=20260101T000000Z; attempt=2; max=3", 2, 3},
	}
	for _, c := range cases {
		a, m := ParseSDKRequest(c.in)
		if a != c.attempt || m != c.max {
			t.Errorf("ParseSDKRequest(%q): got %d, %d, want %d, %d", c.in, a, m, c.attempt, c.max)
		}
	}
}

func FuzzParseSDKRequest(f *testing.F) {
	f.Add("attempt=1; max=3")
	f.Add("ttl=20260101T000000Z; attempt=2; max=3")
	f.Fuzz(func(t *testing.T, s string) {
		a, m := ParseSDKRequest(s)
		if a < 0 || m < 0 {
			t.Errorf("ParseSDKRequest(%q) = %d, %d: want no negative", s, a, m)
		}
	})
}

func TestAccessKeyID(t *testing.T) {
	cases := []struct{ in, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc", "AKIAIOSFODNN7EXAMPLE"},
		{"", ""},
		{"AWS4-HMAC-SHA256 Credential=nosecretslash", ""},
	}
	for _, c := range cases {
		if got := accessKeyID(c.in); got != c.want {
			t.Errorf("accessKeyID(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

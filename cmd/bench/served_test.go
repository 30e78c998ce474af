package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/results"
)

// startServe runs bench serve with args in the background until the test
// ends or stop is called; it returns the fake's URL and stop, which
// returns the exit status and stdout.
func startServe(t *testing.T, args ...string) (string, func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- bench(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), &stdout, &stderr)
	}()
	var once sync.Once
	code := -1
	stop := func() (int, string) {
		once.Do(func() { cancel(); code = <-done })
		return code, stdout.String()
	}
	t.Cleanup(func() { stop() })
	re := regexp.MustCompile(`fake DynamoDB listening on (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stop
		}
		select {
		case c := <-done:
			t.Fatalf("bench serve exited %d: %s%s", c, stdout.String(), stderr.String())
		default:
		}
	}
	t.Fatalf("bench serve announced no URL: %s%s", stdout.String(), stderr.String())
	return "", nil
}

// bench serve -results measures an SDK client from the server's side:
// GET /results answers run.json so far, SIGTERM (ctx) writes every file.
func TestServeResults(t *testing.T) {
	noKeys(t, "")
	dir := t.TempDir()
	url, stop := startServe(t, "-results", dir)
	c := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(url),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.NewExponentialJitterBackoff(50 * time.Millisecond)
		})})
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("served"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(2)},
	})
	if err != nil {
		t.Fatal(err)
	}
	const puts = 10
	var wg sync.WaitGroup
	for i := range puts {
		wg.Go(func() {
			_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("served"),
				Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: fmt.Sprint(i)}}})
		})
	}
	wg.Wait()
	// An unsigned request without the SDK's headers: one more operation.
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("User-Agent", "curl/8")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}

	resp, err := http.Get(url + "/results")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /results: got status %d: %s", resp.StatusCode, body)
	}
	f, err := results.Parse(body, "GET /results")
	if err != nil {
		t.Fatal(err)
	}
	check := func(f *results.File, where string) {
		t.Helper()
		byName := map[string]int64{}
		for _, s := range f.Strategies {
			byName[s.Name] = s.Summary.ByOperation["PutItem"].Ops
		}
		if got := byName["aws-sdk-go-v2 standard"]; got != puts {
			t.Errorf("%s: got %d PutItem operations for aws-sdk-go-v2 standard (groups %v), want %d", where, got, byName, puts)
		}
		if len(f.Served) != len(f.Strategies) {
			t.Fatalf("%s: got forensics for %d clients, want %d", where, len(f.Served), len(f.Strategies))
		}
		for i, fx := range f.Served {
			switch fx.Client {
			case "aws-sdk-go-v2 standard":
				if fx.Retries == 0 || fx.MaxAdvertised != 5 || fx.PastMax != 0 {
					t.Errorf("%s: got retries %d, max %d, past max %d; want > 0, 5, 0", where, fx.Retries, fx.MaxAdvertised, fx.PastMax)
				}
				if s := f.Strategies[i].Summary; s.AttemptsPerOp <= 1 {
					t.Errorf("%s: got %.2f attempts/op, want > 1 (2 WCU, %d writes at once)", where, s.AttemptsPerOp, puts)
				}
			case "curl":
				if fx.NoHeaders != 1 || f.Strategies[i].Summary.Ops != 1 {
					t.Errorf("%s: curl: got %d without headers, %d operations, want 1, 1", where, fx.NoHeaders, f.Strategies[i].Summary.Ops)
				}
			}
		}
		if f.Target == "" || f.Scenario.Name != "served" {
			t.Errorf("%s: got target %q scenario %q, want a target and scenario served", where, f.Target, f.Scenario.Name)
		}
	}
	check(f, "GET /results")

	code, out := stop()
	if code != 0 {
		t.Fatalf("bench serve: got exit %d, want 0: %s", code, out)
	}
	m := regexp.MustCompile(`results: (\S+run\.json)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no results path in %q", out)
	}
	final, err := results.Read(m[1])
	if err != nil {
		t.Fatal(err)
	}
	check(final, "on exit")
	for _, name := range []string{"summary.csv", "summary.md", "report.html", "forensics.md"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(m[1]), name)); err != nil {
			t.Errorf("got %v, want %s written", err, name)
		}
	}
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/results"
)

// dynaliteURL is the local DynamoDB-compatible server .ci/run starts
// (npm dynalite on 127.0.0.1). Locally the tests skip without it; in CI
// they must run.
func dynaliteURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("DYNALITE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DYNALITE_URL is not set: .ci/run should start dynalite")
		}
		t.Skip("DYNALITE_URL not set (start dynalite: npx dynalite --host 127.0.0.1 --port 4567)")
	}
	return u
}

// testCredentials puts fresh random keys in the environment, the way a user
// would, and isolates the test from any shared config or instance metadata.
func testCredentials(t *testing.T) (key, secret string) {
	t.Helper()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	key = "AKIATB" + strings.ToUpper(hex.EncodeToString(b[:7]))
	_, _ = rand.Read(b)
	secret = "tbSecret" + hex.EncodeToString(b)
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return key, secret
}

func directClient(url, key, secret string) *dynamodb.Client {
	return dynamodb.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
	}, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
}

// A run against a compatible endpoint uses the default chain's credentials,
// records where they came from, never writes them anywhere, and deletes
// the tables it created.
func TestEndpointRunKeepsCredentialsSecret(t *testing.T) {
	url := dynaliteURL(t)
	key, secret := testCredentials(t)
	out := t.TempDir()
	code, stdout, stderr := runBench(t, "run", "--endpoint", url, "--out", out, writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr} {
		if strings.Contains(text, key) || strings.Contains(text, secret) {
			t.Errorf("%s contains the access key or secret", name)
		}
	}
	var files int
	filepath.Walk(out, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), key) || strings.Contains(string(b), secret) {
			t.Errorf("%s contains the access key or secret", path)
		}
		if filepath.Base(path) == "run.json" && !strings.Contains(string(b), `"credentials": "environment variables"`) {
			t.Errorf("%s does not say the credentials came from environment variables", path)
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no result files written")
	}
	c := directClient(url, key, secret)
	tables, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range tables.TableNames {
		if !strings.HasPrefix(name, "throttlebench-tiny-") {
			continue
		}
		// Deleted, or on its way out.
		d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err == nil && d.Table.TableStatus != types.TableStatusDeleting {
			t.Errorf("table %s left behind (%s)", name, d.Table.TableStatus)
		}
	}
}

// A table throttlebench did not create is refused unless allowed.
func TestEndpointRefusesForeignTable(t *testing.T) {
	url := dynaliteURL(t)
	key, secret := testCredentials(t)
	c := directClient(url, key, secret)
	name := "foreign-" + strings.ToLower(key[6:])
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:             aws.String(name),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	if err := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 50 * time.Millisecond }).Wait(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	path := writeScenario(t, tiny)
	code, _, stderr := runBench(t, "run", "--endpoint", url, "--out", t.TempDir(), "--table", name, path)
	if code == exitOK || !strings.Contains(stderr, "was not created by throttlebench") {
		t.Errorf("exit %d, stderr %q: want a refusal naming the table", code, stderr)
	}
	code, _, stderr = runBench(t, "run", "--endpoint", url, "--out", t.TempDir(), "--table", name, "--use-existing-table", path)
	if code != exitOK {
		t.Errorf("with -use-existing-table: exit %d, stderr %q", code, stderr)
	}
	if _, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}); err != nil {
		t.Errorf("the existing table was deleted: %v", err)
	}
}

func TestTargetFlagErrors(t *testing.T) {
	good := writeScenario(t, tiny)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--aws", "--endpoint", "http://127.0.0.1:1", good}, "give -aws or -endpoint, not both"},
		{[]string{"run", "--endpoint", "127.0.0.1:8000", good}, "want a URL like http://127.0.0.1:8000"},
		{[]string{"run", "--profile", "x", good}, "-profile and -region apply to -aws or -endpoint"},
		{[]string{"run", "--use-existing-table", good}, "-use-existing-table goes with -table NAME"},
		{[]string{"run", "--access-key", "AKIA", good}, "flag provided but not defined: -access-key"},
	} {
		code, _, stderr := runBench(t, tt.args...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// Against bench serve (here, the fake started in-process as serve starts
// it), results carry the server's own view of each table from /stats.
func TestEndpointServerStats(t *testing.T) {
	testCredentials(t)
	srv := fakeservice.New(fakeservice.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := t.TempDir()
	code, _, stderr := runBench(t, "run", "--endpoint", url, "--out", out, "--strategies", "none", writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "tiny", "*", "run.json"))
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	s := f.Strategies[0]
	// Every successful one-KB write consumed one write unit.
	if s.Server == nil || s.Server.ConsumedWriteUnits != float64(s.Summary.Succeeded) || len(s.Server.Series) == 0 {
		t.Errorf("server view %+v, want %d write units consumed and a per-second series", s.Server, s.Summary.Succeeded)
	}
}

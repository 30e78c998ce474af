package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/throttlebench/throttlebench/fakeservice"
)

// parsed is how a client parsed one answer: the error's name and message,
// and its CancellationReasons and ThrottlingReasons ("ok" for success).
type parsed struct {
	Name                string              `json:"name"`
	Message             string              `json:"message,omitempty"`
	CancellationReasons []map[string]string `json:"CancellationReasons,omitempty"`
	ThrottlingReasons   []map[string]string `json:"ThrottlingReasons,omitempty"`
}

// goParsed is parsed as aws-sdk-go-v2 gives it.
func goParsed(err error) parsed {
	if err == nil {
		return parsed{Name: "ok"}
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return parsed{Name: "not an API error: " + err.Error()}
	}
	p := parsed{Name: ae.ErrorCode(), Message: ae.ErrorMessage()}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			m := map[string]string{"Code": aws.ToString(r.Code)}
			if r.Message != nil {
				m["Message"] = *r.Message
			}
			p.CancellationReasons = append(p.CancellationReasons, m)
		}
	}
	var pte *types.ProvisionedThroughputExceededException
	if errors.As(err, &pte) {
		for _, r := range pte.ThrottlingReasons {
			p.ThrottlingReasons = append(p.ThrottlingReasons, map[string]string{"reason": aws.ToString(r.Reason), "resource": aws.ToString(r.Resource)})
		}
	}
	return p
}

// TestJavaScriptSDKErrorShapes sends the same requests through
// aws-sdk-go-v2 and the AWS SDK for JavaScript v3 to the embedded fake on
// a frozen clock (so every answer repeats): a PutItem its global index
// throttles (ThrottlingReasons IndexWriteProvisionedThroughputExceeded on
// the index ARN), transactions cancelled with TransactionConflict and
// ConditionalCheckFailed, and with ThrottlingError by the index, and a
// PutItem on an item a transaction holds (TransactionConflictException).
// Both SDKs must parse every answer alike, as the fake's shapes want.
func TestJavaScriptSDKErrorShapes(t *testing.T) {
	modules, err := filepath.Abs("../../.ci/node/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NODE_PATH", modules)
	requireClient(t, "the AWS SDK for JavaScript v3 (npm @aws-sdk/client-dynamodb in .ci/node)", "node", "-e", `require("@aws-sdk/client-dynamodb")`)

	store := fakeservice.NewCredentialStore()
	own, err := ownCredential()
	if err != nil {
		t.Fatal(err)
	}
	store.Add(own)
	imds := fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store})
	imdsURL, err := imds.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer imds.Close()
	frozen := time.Now() // SigV4 dates stay within the allowed skew
	fake := fakeservice.New(fakeservice.Options{Credentials: store, Now: func() time.Time { return frozen }})
	url, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	c := dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(url), Region: fakeservice.DefaultRegion, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(own.AccessKeyID, own.SecretAccessKey, ""),
	})
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	pt := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(100), WriteCapacityUnits: aws.Int64(100)}
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("tbl"), ProvisionedThroughput: pt,
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeAll},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}},
	}); err != nil {
		t.Fatal(err)
	}
	// The index's one unit of this (frozen) second, and item h held by a
	// transaction for as long as the clock stands still.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("a"), "g": s("x")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("h")}}}}}); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		js   string // the request, as js_shapes.js reads it
		call func() error
		want string // the exception's name
	}{
		{"index throttles a put", `{"op":"PutItem","input":{"TableName":"tbl","Item":{"id":{"S":"b"},"g":{"S":"y"}}}}`,
			func() error {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("b"), "g": s("y")}})
				return err
			}, "ProvisionedThroughputExceededException"},
		{"conflict and failed condition", `{"op":"TransactWriteItems","input":{"TransactItems":[{"Put":{"TableName":"tbl","Item":{"id":{"S":"h"}}}},` +
			`{"ConditionCheck":{"TableName":"tbl","Key":{"id":{"S":"missing"}},"ConditionExpression":"attribute_exists(id)"}}]}}`,
			func() error {
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("h")}}},
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s("missing")}, ConditionExpression: aws.String("attribute_exists(id)")}},
				}})
				return err
			}, "TransactionCanceledException"},
		{"index throttles a transaction", `{"op":"TransactWriteItems","input":{"TransactItems":[{"Put":{"TableName":"tbl","Item":{"id":{"S":"c"}}}},` +
			`{"Put":{"TableName":"tbl","Item":{"id":{"S":"d"},"g":{"S":"z"}}}}]}}`,
			func() error {
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("c")}}},
					{Put: &types.Put{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("d"), "g": s("z")}}},
				}})
				return err
			}, "TransactionCanceledException"},
		{"put on a held item", `{"op":"PutItem","input":{"TableName":"tbl","Item":{"id":{"S":"h"}}}}`,
			func() error {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": s("h")}})
				return err
			}, "TransactionConflictException"},
	}
	var stdin strings.Builder
	for _, st := range steps {
		stdin.WriteString(st.js + "\n")
	}
	home := filepath.Join(os.TempDir(), "throttlebench-exec-no-credentials")
	cmd := exec.Command("node", "../../scenarios/clients/js_shapes.js")
	cmd.Env = execEnv(os.Environ(), map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":         url,
		"AWS_REGION":                        fakeservice.DefaultRegion,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imdsURL,
		"AWS_EC2_METADATA_DISABLED":         "false",
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(home, "credentials"),
		"AWS_CONFIG_FILE":                   filepath.Join(home, "config"),
	})
	cmd.Stdin = strings.NewReader(stdin.String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node js_shapes.js: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(steps) {
		t.Fatalf("got %d answers from the JavaScript SDK, want %d:\n%s", len(lines), len(steps), stdout.String())
	}
	for i, st := range steps {
		var js parsed
		if err := json.Unmarshal([]byte(lines[i]), &js); err != nil {
			t.Fatalf("%s: %v in %q", st.name, err, lines[i])
		}
		g := goParsed(st.call())
		if g.Name != st.want {
			t.Errorf("%s: aws-sdk-go-v2 got %s (%s), want %s", st.name, g.Name, g.Message, st.want)
		}
		gj, _ := json.Marshal(g)
		jj, _ := json.Marshal(js)
		t.Logf("%s: %s", st.name, jj)
		if !bytes.Equal(gj, jj) {
			t.Errorf("%s: the SDKs disagree:\naws-sdk-go-v2      %s\naws-sdk-js v3 (JS) %s", st.name, gj, jj)
		}
	}
}

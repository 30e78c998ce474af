package fakeservice

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func TestCheckUpstream(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:4567", true},
		{"http://127.0.0.1:4567/", true},
		{"https://localhost:8000", true},
		{"127.0.0.1:4567", false},
		{"ftp://127.0.0.1", false},
		{"http://127.0.0.1:4567/path", false},
		{"http://user:pw@127.0.0.1:4567", false},
		{"http://127.0.0.1:4567?x=1", false},
	} {
		if err := CheckUpstream(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckUpstream(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

// The proxy throttles by its own model (on a frozen clock here) and the
// upstream, another fake with capacity to spare, stores and answers.
func TestProxy(t *testing.T) {
	ctx := context.Background()
	upstream, upURL := startServer(t, Options{Model: Model{InitialBurstCredit: time.Hour}})
	clock := newFakeClock()
	proxy, pURL := startServer(t, Options{Now: clock.Now, Upstream: upURL, Model: Model{Burst: -1}})
	c := newClient(t, pURL, true, nil)
	direct := newClient(t, upURL, true, nil)

	createTable(t, c, "proxied", 2, 5)
	if _, ok := upstream.Stats()["proxied"]; !ok {
		t.Fatal("CreateTable did not reach the upstream")
	}
	if _, ok := proxy.Stats()["proxied"]; !ok {
		t.Fatal("CreateTable was not mirrored in the model")
	}
	// The model refuses what it does not model, before the upstream sees it.
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("huge"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(50000)},
	})
	if !isCode(err, "LimitExceededException") {
		t.Errorf("CreateTable over the quota: %v, want LimitExceededException", err)
	}
	if _, ok := upstream.Stats()["huge"]; ok {
		t.Error("a table the model refused was created upstream")
	}

	put := func(id string) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("proxied"), Item: oneKBItem(id)})
		return err
	}
	for i := range 5 {
		if err := put("k" + strconv.Itoa(i)); err != nil {
			t.Fatalf("put %d of 5 WCU: %v", i, err)
		}
	}
	err = put("k5")
	var pe *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pe) || len(pe.ThrottlingReasons) != 1 || aws.ToString(pe.ThrottlingReasons[0].Reason) != string(TableWriteProvisionedThroughputExceeded) ||
		!strings.HasSuffix(aws.ToString(pe.ThrottlingReasons[0].Resource), ":table/proxied") {
		t.Fatalf("sixth put: %v, want ProvisionedThroughputExceededException TableWriteProvisionedThroughputExceeded on the table", err)
	}
	if got := upstream.Stats()["proxied"].Writes; got != 5 {
		t.Errorf("upstream served %d writes, want the 5 admitted", got)
	}
	got, err := direct.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("proxied"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k4"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("upstream GetItem of an admitted write: %v %v, want the item", got, err)
	}
	if got, err := direct.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("proxied"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k5"}}}); err != nil || got.Item != nil {
		t.Errorf("the throttled write reached the upstream: %v %v", got, err)
	}

	// A 2 KB put over a 1 KB item is charged 1 unit at admission and 1
	// more once the upstream reports max(old, new) = 2.
	clock.Advance(time.Second)
	big := oneKBItem("k0")
	big["p"] = &types.AttributeValueMemberS{Value: strings.Repeat("y", 2000)}
	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("proxied"), Item: big})
	if err != nil {
		t.Fatal(err)
	}
	if out.ConsumedCapacity != nil {
		t.Errorf("ConsumedCapacity %+v answered without being asked for", out.ConsumedCapacity)
	}
	if got := proxy.Stats()["proxied"].ConsumedWriteUnits; got != 7*Unit {
		t.Errorf("consumed %v write units, want 5 + 2", got)
	}
	// A read is charged its minimum, then the item's size: 2 KB read
	// strongly consistently is one unit, eventually half of one.
	rd, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("proxied"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k0"}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || rd.Item == nil || rd.ConsumedCapacity == nil || aws.ToFloat64(rd.ConsumedCapacity.CapacityUnits) != 0.5 {
		t.Fatalf("GetItem: %+v %v, want the item and 0.5 units reported", rd, err)
	}

	// Batches: each item charged; the throttled ones come back unprocessed.
	clock.Advance(time.Second) // 5 WCU again
	var reqs []types.WriteRequest
	for i := range 7 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: oneKBItem("b" + strconv.Itoa(i))}})
	}
	bw, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"proxied": reqs}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(bw.UnprocessedItems["proxied"]); n != 2 {
		t.Errorf("%d unprocessed items, want 2 of 7 on 5 WCU", n)
	}
	if got := upstream.Stats()["proxied"].Writes; got != 5+1+5 {
		t.Errorf("upstream served %d writes, want 11", got)
	}
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"proxied": reqs[:1]}}); !errors.As(err, &pe) {
		t.Errorf("batch with no capacity left: %v, want ProvisionedThroughputExceededException", err)
	}
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"proxied": {Keys: []map[string]types.AttributeValue{
		{"id": &types.AttributeValueMemberS{Value: "k1"}}, {"id": &types.AttributeValueMemberS{Value: "k2"}},
	}}}})
	if err != nil || len(bg.Responses["proxied"]) != 2 {
		t.Errorf("BatchGetItem: %v, %d items; want 2", err, len(bg.Responses["proxied"]))
	}

	// A table created behind the proxy's back is adopted on first use.
	createTable(t, direct, "behind", 1, 1)
	if err := put2(ctx, c, "behind"); err != nil {
		t.Fatal(err)
	}
	if err := put2(ctx, c, "behind"); !errors.As(err, &pe) {
		t.Errorf("second write on an adopted 1 WCU table: %v, want a throttle", err)
	}

	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("proxied")}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Server{"upstream": upstream, "model": proxy} {
		if _, ok := s.Stats()["proxied"]; ok {
			t.Errorf("the %s still has the deleted table", name)
		}
	}
}

func put2(ctx context.Context, c *dynamodb.Client, table string) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: oneKBItem("x")})
	return err
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

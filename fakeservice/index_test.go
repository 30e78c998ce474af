package fakeservice

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// bodyRecorder is the SDK's HTTP client that keeps the last response body,
// so that a test sees the bytes the SDK parsed.
type bodyRecorder struct {
	mu   sync.Mutex
	last []byte
}

func (r *bodyRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = b
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *bodyRecorder) body() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.last)
}

// newRecordingClient is newClient without retries, recording bodies.
func newRecordingClient(t *testing.T, url string) (*dynamodb.Client, *bodyRecorder) {
	rec := &bodyRecorder{}
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}, Logger: warnLogger(t), HTTPClient: rec}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	}), rec
}

func pad(n int) types.AttributeValue {
	return &types.AttributeValueMemberS{Value: string(bytes.Repeat([]byte("x"), n))}
}

// createIndexed creates table "tbl" keyed by "id" with the global indexes
// "gsi" on attribute g (projection ALL) and "keys" on attribute k (KEYS_ONLY),
// both of gsiUnits RCU and WCU, on a table of tableUnits; on demand when
// tableUnits is 0, with the index "gsi" capped at maxWrite write units.
func createIndexed(t *testing.T, c *dynamodb.Client, tableUnits, gsiUnits, maxWrite int64) {
	t.Helper()
	pt := func(u int64) *types.ProvisionedThroughput {
		if tableUnits == 0 {
			return nil
		}
		return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(u), WriteCapacityUnits: aws.Int64(u)}
	}
	in := &dynamodb.CreateTableInput{
		TableName: aws.String("tbl"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS},
		},
		ProvisionedThroughput: pt(tableUnits),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("gsi"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}, ProvisionedThroughput: pt(gsiUnits)},
			{IndexName: aws.String("keys"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}, ProvisionedThroughput: pt(gsiUnits)},
		},
	}
	if tableUnits == 0 {
		in.BillingMode = types.BillingModePayPerRequest
		in.GlobalSecondaryIndexes[0].OnDemandThroughput = &types.OnDemandThroughput{MaxWriteRequestUnits: aws.Int64(maxWrite)}
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

const (
	arnT = "arn:aws:dynamodb:us-east-1:000000000000:table/tbl"
	pteG = `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
		`"message":"The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. ` +
		`Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API.",` +
		`"ThrottlingReasons":[{"reason":"%s","resource":"` + arnT + `/index/gsi"}]}`
)

// indexStep is one request at an instant and what it must get.
type indexStep struct {
	name string
	at   time.Duration // after t0
	call func(*dynamodb.Client) (*types.ConsumedCapacity, error)
	// wantUnits is ConsumedCapacity (total, table, index g, index k) when
	// admitted; wantBody the exact error body when not.
	wantUnits [4]float64
	wantBody  string
}

func put(item map[string]types.AttributeValue) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			return nil, err
		}
		return out.ConsumedCapacity, nil
	}
}

func queryG(value string) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), IndexName: aws.String("gsi"),
			KeyConditionExpression: aws.String("g = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(value)},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			return nil, err
		}
		return out.ConsumedCapacity, nil
	}
}

func runIndexSteps(t *testing.T, opts Options, create func(*testing.T, *dynamodb.Client), steps []indexStep) {
	clock := newFakeClock()
	opts.Now = clock.Now
	_, url := startServer(t, opts)
	c, rec := newRecordingClient(t, url)
	create(t, c)
	at := time.Duration(0)
	for _, st := range steps {
		clock.Advance(st.at - at)
		at = st.at
		cc, err := st.call(c)
		if st.wantBody != "" {
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%s: got %v, want the error %s", st.name, err, st.wantBody)
			}
			if got := rec.body(); got != st.wantBody {
				t.Errorf("%s: got body\n%s\nwant\n%s", st.name, got, st.wantBody)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: got %v, want success", st.name, err)
		}
		var got [4]float64
		if cc != nil {
			got[0] = aws.ToFloat64(cc.CapacityUnits)
			if cc.Table != nil {
				got[1] = aws.ToFloat64(cc.Table.CapacityUnits)
			}
			for i, n := range []string{"gsi", "keys"} {
				if u, ok := cc.GlobalSecondaryIndexes[n]; ok {
					got[2+i] = aws.ToFloat64(u.CapacityUnits)
				}
			}
		}
		if got != st.wantUnits {
			t.Errorf("%s: got consumed (total, table, g, k) %v, want %v", st.name, got, st.wantUnits)
		}
	}
}

// TestIndexWriteCost replays writes at fixed instants on a table of 100
// WCU whose index g has 1 WCU: what each write costs on each index, and a
// base-table write refused as a whole when index g has no room.
func TestIndexWriteCost(t *testing.T) {
	item := func(id, g, k string, padding int) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{"id": s(id), "p": pad(padding)}
		if g != "" {
			m["g"] = s(g)
		}
		if k != "" {
			m["k"] = s(k)
		}
		return m
	}
	steps := []indexStep{
		{name: "sparse: no index key, no index write", call: put(item("a", "", "", 10)), wantUnits: [4]float64{1, 1, 0, 0}},
		{name: "3 KB item: ALL projects 3 KB, KEYS_ONLY 1", call: put(item("b", "", "kb", 2100)), wantUnits: [4]float64{4, 3, 0, 1}},
		{name: "enters index g", call: put(item("c", "x", "", 10)), wantUnits: [4]float64{2, 1, 1, 0}},
		{name: "index g spent: the base write is throttled", call: put(item("d", "x", "", 10)),
			wantBody: fmt.Sprintf(pteG, "IndexWriteProvisionedThroughputExceeded")},
		{name: "the throttled item was not written", call: func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s("d")}})
			if err == nil && out.Item != nil {
				return nil, errors.New("item d exists")
			}
			return nil, err
		}},
		{name: "index key change is delete + put: 2 WCU, 1 there", at: time.Second, call: put(item("c", "y", "", 10)),
			wantBody: fmt.Sprintf(pteG, "IndexWriteProvisionedThroughputExceeded")},
		{name: "index key change admitted with 2 WCU", at: 2 * time.Second, call: put(item("c", "y", "", 10)), wantUnits: [4]float64{3, 1, 2, 0}},
		{name: "same projection: no index write", at: 2 * time.Second, call: put(item("c", "y", "", 10)), wantUnits: [4]float64{1, 1, 0, 0}},
		{name: "leaving the index is a delete", at: 3 * time.Second, call: put(item("c", "", "", 10)), wantUnits: [4]float64{2, 1, 1, 0}},
	}
	runIndexSteps(t, Options{}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 1, 0) }, steps)
}

// TestIndexThrottleReasons hits each limit of an index once: its read
// capacity, its per-key limit, the account limit and an on-demand
// index's maximum, each answered with the index's ARN.
func TestIndexThrottleReasons(t *testing.T) {
	item := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"id": s(id), "g": s("same")}
	}
	tests := []struct {
		name   string
		opts   Options
		create func(*testing.T, *dynamodb.Client)
		steps  []indexStep
	}{
		{"index read capacity", Options{}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 1, 0) }, []indexStep{
			{name: "eventually consistent query: 0.5, all the index's", call: queryG("none"), wantUnits: [4]float64{0.5, 0, 0.5, 0}},
			{name: "second: 0.5", call: queryG("none"), wantUnits: [4]float64{0.5, 0, 0.5, 0}},
			{name: "third: index read capacity spent", call: queryG("none"),
				wantBody: fmt.Sprintf(pteG, "IndexReadProvisionedThroughputExceeded")},
		}},
		{"index partition key limit", Options{Model: Model{PartitionWriteUnits: 2}}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 10, 0) }, []indexStep{
			{name: "first on key same", call: put(item("a")), wantUnits: [4]float64{2, 1, 1, 0}},
			{name: "second on key same", call: put(item("b")), wantUnits: [4]float64{2, 1, 1, 0}},
			{name: "third: the index key's limit", call: put(item("c")),
				wantBody: fmt.Sprintf(pteG, "IndexWriteKeyRangeThroughputExceeded")},
		}},
		{"account limit", Options{Model: Model{AccountWriteUnits: 3}}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 10, 0) }, []indexStep{
			{name: "table 1 + index 1 of 3", call: put(item("a")), wantUnits: [4]float64{2, 1, 1, 0}},
			{name: "index write over the account", call: put(item("b")),
				wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded","message":"Throughput exceeds the current throughput limit for your account. ` +
					`To request a limit increase, contact AWS Support at https://aws.amazon.com/support.","ThrottlingReasons":[{"reason":"IndexWriteAccountLimitExceeded","resource":"` + arnT + `/index/gsi"}]}`},
		}},
		{"on-demand index maximum", Options{}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 0, 0, 1) }, []indexStep{
			{name: "within the maximum", call: put(item("a")), wantUnits: [4]float64{2, 1, 1, 0}},
			{name: "over the index's OnDemandThroughput", call: put(item("b")),
				wantBody: `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Throughput exceeds the maximum OnDemandThroughput configured on table or index",` +
					`"throttlingReasons":[{"reason":"IndexWriteMaxOnDemandThroughputExceeded","resource":"` + arnT + `/index/gsi"}]}`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runIndexSteps(t, tt.opts, tt.create, tt.steps) })
	}
}

// TestIndexDefinitions creates a table with a global and a local index
// and reads them back: DescribeTable, Query and Scan with IndexName, and
// the requests DynamoDB refuses.
func TestIndexDefinitions(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c, rec := newRecordingClient(t, url)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("orders"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("status"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("when"), AttributeType: types.ScalarAttributeTypeN},
		},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(10)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byStatus"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("status"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("when"), KeyType: types.KeyTypeRange}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"total"}},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(2)}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byWhen"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("when"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	for i, st := range []string{"open", "open", "shipped", ""} {
		item := map[string]types.AttributeValue{"pk": s("c1"), "sk": n(fmt.Sprint(i)), "when": n(fmt.Sprint(10 - i)), "total": n("5"), "note": s("x")}
		if st != "" {
			item["status"] = s(st)
		}
		clock.Advance(time.Second) // byStatus writes 2 WCU a second
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: item}); err != nil {
			t.Fatalf("PutItem %d: %v", i, err)
		}
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	if g := d.Table.GlobalSecondaryIndexes; len(g) != 1 || aws.ToString(g[0].IndexArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/byStatus" ||
		aws.ToInt64(g[0].ItemCount) != 3 || aws.ToInt64(g[0].ProvisionedThroughput.WriteCapacityUnits) != 2 || g[0].IndexStatus != types.IndexStatusActive ||
		g[0].Projection.ProjectionType != types.ProjectionTypeInclude {
		t.Errorf("got GlobalSecondaryIndexes %+v, want byStatus with 3 items, 2 WCU, ACTIVE, INCLUDE", g)
	}
	if l := d.Table.LocalSecondaryIndexes; len(l) != 1 || aws.ToString(l[0].IndexName) != "byWhen" || aws.ToInt64(l[0].ItemCount) != 4 {
		t.Errorf("got LocalSecondaryIndexes %+v, want byWhen with 4 items", l)
	}

	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("open")}})
	if err != nil {
		t.Fatalf("Query byStatus: %v", err)
	}
	if len(q.Items) != 2 || q.Items[0]["when"].(*types.AttributeValueMemberN).Value != "9" || q.Items[0]["note"] != nil || q.Items[0]["total"] == nil {
		t.Errorf("got %v, want the 2 open orders by when (9, 10), with total and without note", q.Items)
	}
	if _, ok := q.LastEvaluatedKey["status"]; ok {
		t.Errorf("got LastEvaluatedKey %v on a complete page, want none", q.LastEvaluatedKey)
	}
	page, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"), Limit: aws.Int32(1),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("open")}})
	if err != nil || len(page.LastEvaluatedKey) != 4 {
		t.Fatalf("got %v, %v, want one item and a LastEvaluatedKey of the table's and the index's keys", page, err)
	}
	next, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"), ExclusiveStartKey: page.LastEvaluatedKey,
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("open")}})
	if err != nil || len(next.Items) != 1 || next.Items[0]["when"].(*types.AttributeValueMemberN).Value != "10" {
		t.Errorf("got %v, %v, want the second open order", next, err)
	}
	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders"), IndexName: aws.String("byWhen")})
	if err != nil || len(sc.Items) != 4 || len(sc.Items[0]) != 3 {
		t.Errorf("got %v, %v, want 4 items of pk, sk and when (KEYS_ONLY)", sc, err)
	}

	errs := []struct {
		name string
		call func() error
		body string
	}{
		{"consistent read on a GSI", func() error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byStatus"), ConsistentRead: aws.Bool(true),
				KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("open")}})
			return err
		}, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Consistent reads are not supported on global secondary indexes"}`},
		{"missing index", func() error {
			_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders"), IndexName: aws.String("nope")})
			return err
		}, `{"__type":"com.amazon.coral.validate#ValidationException","message":"The table does not have the specified index: nope"}`},
		{"index key of the wrong type", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]types.AttributeValue{"pk": s("c"), "sk": n("1"), "status": n("1")}})
			return err
		}, `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: byStatus"}`},
		{"GSI without throughput on a provisioned table", func() error {
			_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("other"),
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
					{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
				ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
					Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}})
			return err
		}, `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: ProvisionedThroughput must be specified for index: gsi"}`},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err == nil {
				t.Fatalf("got success, want %s", tt.body)
			}
			if got := rec.body(); got != tt.body {
				t.Errorf("got body\n%s\nwant\n%s", got, tt.body)
			}
		})
	}

	// UpdateTable re-provisions an index at once.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{
		Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("byStatus"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(7), WriteCapacityUnits: aws.Int64(20)}}}}}); err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits) != 20 {
		t.Errorf("got %v, %v, want byStatus at 20 WCU", d, err)
	}
	// A refused UpdateTable changes nothing, not even the updates before
	// the refused one.
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"), GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
		{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("byStatus"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(9), WriteCapacityUnits: aws.Int64(9)}}},
		{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("nope")}}}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want ResourceNotFoundException", err)
	}
	// Create an index on the table's items: it is ACTIVE and filled at once.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("orders"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("total"), AttributeType: types.ScalarAttributeTypeN}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("byTotal"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("total"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}}}}}); err != nil {
		t.Fatalf("UpdateTable Create: %v", err)
	}
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
	if err != nil || len(d.Table.GlobalSecondaryIndexes) != 2 || aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ProvisionedThroughput.WriteCapacityUnits) != 20 ||
		aws.ToInt64(d.Table.GlobalSecondaryIndexes[1].ItemCount) != 4 {
		t.Errorf("got %+v, %v, want byStatus still at 20 WCU and byTotal with 4 items", d.Table.GlobalSecondaryIndexes, err)
	}
	q, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("orders"), IndexName: aws.String("byTotal"),
		KeyConditionExpression: aws.String("#t = :t"), ExpressionAttributeNames: map[string]string{"#t": "total"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": n("5")}})
	if err != nil || len(q.Items) != 4 {
		t.Errorf("got %v, %v, want the 4 orders of total 5", q, err)
	}
}

// TestItemCollectionLimit fills one item collection of a table with a local
// index up to a 3 KB limit: the item that would pass it is refused, another
// partition key is not, and a smaller rewrite is.
func TestItemCollectionLimit(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now, ItemCollectionLimit: 3000})
	c, rec := newRecordingClient(t, url)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("coll"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode: types.BillingModePayPerRequest,
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byL"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	// Each item: pk 3 + sk 3 + l 2 + p 1 + 900 = 909 bytes, its byL entry 8: 917.
	item := func(pk, sk string, pad int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk), "l": s("x"), "p": &types.AttributeValueMemberS{Value: string(bytes.Repeat([]byte("x"), pad))}}
	}
	const refused = `{"__type":"com.amazonaws.dynamodb.v20120810#ItemCollectionSizeLimitExceededException","message":"Item collection size limit exceeded"}`
	steps := []struct {
		name string
		item map[string]types.AttributeValue
		want string // "" for success, else the body
	}{
		{"first", item("aa", "s1", 900), ""},
		{"second", item("aa", "s2", 900), ""},
		{"third", item("aa", "s3", 900), ""},
		{"fourth passes 3000", item("aa", "s4", 900), refused},
		{"another collection", item("bb", "s4", 900), ""},
		{"a smaller rewrite", item("aa", "s3", 10), ""},
		{"fits now", item("aa", "s4", 900), ""},
	}
	for _, st := range steps {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("coll"), Item: st.item})
		switch {
		case st.want == "" && err != nil:
			t.Errorf("%s: got %v, want success", st.name, err)
		case st.want != "" && err == nil:
			t.Errorf("%s: got success, want %s", st.name, st.want)
		case st.want != "" && rec.body() != st.want:
			t.Errorf("%s: got body %s, want %s", st.name, rec.body(), st.want)
		}
	}
}

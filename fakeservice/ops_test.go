package fakeservice

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

type item = map[string]types.AttributeValue

// createSortedTable creates a provisioned table keyed by pk (S) and sk (N).
func createSortedTable(t *testing.T, c *dynamodb.Client, name string, rcu, wcu int64) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu)},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func units64(cc *types.ConsumedCapacity) float64 {
	if cc == nil {
		return -1
	}
	return aws.ToFloat64(cc.CapacityUnits)
}

func TestSDKUpdateDeleteConditions(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)
	createTable(t, c, "acct", 1000, 1000)
	tbl := aws.String("acct")
	key := item{"id": s("a")}
	total := types.ReturnConsumedCapacityTotal

	upd, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: tbl, Key: key, ReturnConsumedCapacity: total, ReturnValues: types.ReturnValueAllNew,
		UpdateExpression:          aws.String("SET #d = :d, version = if_not_exists(version, :zero) + :one ADD hits :one"),
		ConditionExpression:       aws.String("attribute_not_exists(id)"),
		ExpressionAttributeNames:  map[string]string{"#d": "data"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": s("x"), ":zero": n("0"), ":one": n("1")},
	})
	if err != nil {
		t.Fatalf("UpdateItem creating: %v", err)
	}
	want := item{"id": s("a"), "data": s("x"), "version": n("1"), "hits": n("1")}
	if !reflect.DeepEqual(upd.Attributes, want) {
		t.Errorf("ALL_NEW = %#v, want %#v", upd.Attributes, want)
	}
	if got := units64(upd.ConsumedCapacity); got != 1 {
		t.Errorf("UpdateItem units = %v, want 1", got)
	}

	// Optimistic concurrency: a write that expects version 1 succeeds once.
	bump := func(expect string) (*dynamodb.UpdateItemOutput, error) {
		return c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: tbl, Key: key, ReturnConsumedCapacity: total, ReturnValues: types.ReturnValueUpdatedNew,
			UpdateExpression:          aws.String("SET version = version + :one REMOVE #d"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#d": "data"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(expect), ":one": n("1")},
		})
	}
	out, err := bump("1")
	if err != nil {
		t.Fatalf("bump from 1: %v", err)
	}
	if want := (item{"version": n("2")}); !reflect.DeepEqual(out.Attributes, want) {
		t.Errorf("UPDATED_NEW = %#v, want %#v", out.Attributes, want)
	}
	_, err = bump("1")
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.ErrorMessage() != "The conditional request failed" {
		t.Fatalf("stale bump: err = %v, want ConditionalCheckFailedException: The conditional request failed", err)
	}

	// A failed conditional put returns the old item when asked to.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: tbl, Item: item{"id": s("a")}, ConditionExpression: aws.String("attribute_not_exists(id)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if !errors.As(err, &ccf) {
		t.Fatalf("conditional put: err = %v, want ConditionalCheckFailedException", err)
	}
	if want := (item{"id": s("a"), "version": n("2"), "hits": n("1")}); !reflect.DeepEqual(ccf.Item, want) {
		t.Errorf("failure Item = %#v, want %#v", ccf.Item, want)
	}

	tests := []struct {
		name      string
		Condition string
		values    map[string]types.AttributeValue
		wantErr   bool
	}{
		{"<> holds", "version <> :v", map[string]types.AttributeValue{":v": n("1")}, false},
		{"<> fails", "version <> :v", map[string]types.AttributeValue{":v": n("2.0")}, true},
		{"attribute_exists fails", "attribute_exists(nope)", nil, true},
		{"AND, OR, NOT, parentheses", "(hits = :v OR nope = :v) AND NOT attribute_exists(data)", map[string]types.AttributeValue{":v": n("1")}, false},
		{"BETWEEN", "version BETWEEN :a AND :b", map[string]types.AttributeValue{":a": n("1"), ":b": n("3")}, false},
		{"begins_with on a missing attribute", "begins_with(data, :p)", map[string]types.AttributeValue{":p": s("x")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: tbl, Key: key, UpdateExpression: aws.String("SET touched = :t"),
				ConditionExpression:       aws.String(tt.Condition),
				ExpressionAttributeValues: merge(tt.values, map[string]types.AttributeValue{":t": s(tt.name)}),
			})
			if got := errors.As(err, &ccf); got != tt.wantErr || (err != nil && !got) {
				t.Errorf("err = %v, want conditional failure %v", err, tt.wantErr)
			}
		})
	}

	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: tbl, Key: key, ReturnValues: types.ReturnValueAllOld, ReturnConsumedCapacity: total,
		ConditionExpression: aws.String("attribute_exists(id)"),
	})
	if err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if del.Attributes["id"] == nil || units64(del.ConsumedCapacity) != 1 {
		t.Errorf("DeleteItem: Attributes %v, units %v; want the old item and 1", del.Attributes, units64(del.ConsumedCapacity))
	}
	del, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key, ReturnConsumedCapacity: total})
	if err != nil || units64(del.ConsumedCapacity) != 1 {
		t.Errorf("DeleteItem of a missing item: err %v, units %v; want nil and 1", err, units64(del.ConsumedCapacity))
	}
}

func merge(ms ...map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestSDKWriteCharges checks what each single-item write consumes, failed
// conditional writes included, through ReturnConsumedCapacity and Stats.
func TestSDKWriteCharges(t *testing.T) {
	clock := newFakeClock()
	srv, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)
	createTable(t, c, "www", 1000, 1000)
	tbl := aws.String("www")
	total := types.ReturnConsumedCapacityTotal
	sized := func(id string, size int) item { // an item of exactly size bytes
		return item{"id": s(id), "p": s(strings.Repeat("x", size-len("id")-len(id)-len("p")))}
	}
	var ccf *types.ConditionalCheckFailedException
	tests := []struct {
		name      string
		call      func() (*types.ConsumedCapacity, error)
		wantUnits float64
		wantCCF   bool
	}{
		{"put 3 KB new item", func() (*types.ConsumedCapacity, error) {
			o, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: sized("a", 3*1024), ReturnConsumedCapacity: total})
			return capOf(o, err, func() *types.ConsumedCapacity { return o.ConsumedCapacity })
		}, 3, false},
		{"put 1 KB over a 3 KB item charges the larger", func() (*types.ConsumedCapacity, error) {
			o, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: sized("a", 1024), ReturnConsumedCapacity: total})
			return capOf(o, err, func() *types.ConsumedCapacity { return o.ConsumedCapacity })
		}, 3, false},
		{"update growing 1 KB to 5 KB", func() (*types.ConsumedCapacity, error) {
			o, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"id": s("a")}, ReturnConsumedCapacity: total,
				UpdateExpression: aws.String("SET q = :q"), ExpressionAttributeValues: map[string]types.AttributeValue{":q": s(strings.Repeat("y", 4*1024-1))}})
			return capOf(o, err, func() *types.ConsumedCapacity { return o.ConsumedCapacity })
		}, 5, false},
		{"failed conditional put on a 5 KB item charges the existing item", func() (*types.ConsumedCapacity, error) {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: sized("a", 100), ConditionExpression: aws.String("attribute_not_exists(id)")})
			return nil, err
		}, 5, true},
		{"failed conditional put on no item charges 1", func() (*types.ConsumedCapacity, error) {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: sized("b", 9000), ConditionExpression: aws.String("attribute_exists(id)")})
			return nil, err
		}, 1, true},
		{"failed conditional delete charges the existing item", func() (*types.ConsumedCapacity, error) {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"id": s("a")}, ConditionExpression: aws.String("attribute_not_exists(id)")})
			return nil, err
		}, 5, true},
		{"delete charges the deleted item", func() (*types.ConsumedCapacity, error) {
			o, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"id": s("a")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
			return capOf(o, err, func() *types.ConsumedCapacity { return o.ConsumedCapacity })
		}, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Stats()["www"].ConsumedWriteUnits
			cc, err := tt.call()
			if got := errors.As(err, &ccf); got != tt.wantCCF || (err != nil && !got) {
				t.Fatalf("err = %v, want conditional failure %v", err, tt.wantCCF)
			}
			if cc != nil && aws.ToFloat64(cc.CapacityUnits) != tt.wantUnits {
				t.Errorf("ConsumedCapacity = %v, want %v", aws.ToFloat64(cc.CapacityUnits), tt.wantUnits)
			}
			if got := (srv.Stats()["www"].ConsumedWriteUnits - before).Units(); got != tt.wantUnits {
				t.Errorf("Stats consumed %v WCU, want %v", got, tt.wantUnits)
			}
		})
	}
}

func capOf[T any](o *T, err error, get func() *types.ConsumedCapacity) (*types.ConsumedCapacity, error) {
	if err != nil || o == nil {
		return nil, err
	}
	return get(), nil
}

func TestSDKQueryScan(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)
	createSortedTable(t, c, "qqq", 10000, 10000)
	tbl := aws.String("qqq")
	// Partition "p": sk 1..20, each item 1,000 bytes; partition "o": 3 items.
	pad := func(sk int) string {
		return strings.Repeat("x", 1000-len("pk")-1-len("sk")-(len(strconv.Itoa(sk))+1)/2-1-len("d"))
	}
	for sk := 1; sk <= 20; sk++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("p"), "sk": n(strconv.Itoa(sk)), "d": s(pad(sk))}}); err != nil {
			t.Fatal(err)
		}
	}
	for sk := 1; sk <= 3; sk++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": s("o"), "sk": n(strconv.Itoa(sk)), "d": s(pad(sk))}}); err != nil {
			t.Fatal(err)
		}
	}
	sks := func(items []item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it["sk"].(*types.AttributeValueMemberN).Value)
		}
		return out
	}
	vals := func(kv ...string) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{":p": s("p")}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = n(kv[i+1])
		}
		return m
	}
	tests := []struct {
		name      string
		in        dynamodb.QueryInput
		wantSK    []string
		wantCount int32
		wantLEK   bool
		wantUnits float64
	}{
		{"partition, eventually consistent: 20 KB read = 5 units, halved",
			dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals()},
			[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"}, 20, false, 2.5},
		{"sort key <, strongly consistent", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk < :x"), ExpressionAttributeValues: vals(":x", "4"), ConsistentRead: aws.Bool(true)},
			[]string{"1", "2", "3"}, 3, false, 1},
		{"BETWEEN, backwards", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"), ExpressionAttributeValues: vals(":a", "5", ":b", "9"), ScanIndexForward: aws.Bool(false)},
			[]string{"9", "8", "7", "6", "5"}, 5, false, 1},
		{">= with Limit", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND #s >= :x"), ExpressionAttributeNames: map[string]string{"#s": "sk"}, ExpressionAttributeValues: vals(":x", "18"), Limit: aws.Int32(2)},
			[]string{"18", "19"}, 2, true, 0.5},
		{"filter is charged on what was read", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("sk = :x"), ExpressionAttributeValues: vals(":x", "7"), ConsistentRead: aws.Bool(true)},
			[]string{"7"}, 1, false, 5},
		{"empty result still costs", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk > :x"), ExpressionAttributeValues: vals(":x", "100")},
			nil, 0, false, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName, in.ReturnConsumedCapacity = tbl, types.ReturnConsumedCapacityTotal
			out, err := c.Query(ctx, &in)
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if got := sks(out.Items); !reflect.DeepEqual(got, tt.wantSK) {
				t.Errorf("sort keys = %v, want %v", got, tt.wantSK)
			}
			if out.Count != tt.wantCount || (out.LastEvaluatedKey != nil) != tt.wantLEK {
				t.Errorf("Count %d, LastEvaluatedKey %v; want %d, present %v", out.Count, out.LastEvaluatedKey, tt.wantCount, tt.wantLEK)
			}
			if got := units64(out.ConsumedCapacity); got != tt.wantUnits {
				t.Errorf("units = %v, want %v", got, tt.wantUnits)
			}
		})
	}

	t.Run("Query paginates with ExclusiveStartKey", func(t *testing.T) {
		p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: vals(), Limit: aws.Int32(7), ScanIndexForward: aws.Bool(false)})
		var got []string
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, sks(out.Items)...)
			pages++
		}
		if len(got) != 20 || got[0] != "20" || got[19] != "1" || pages != 3 {
			t.Errorf("pages %d, items %v; want 3 pages of 20 down to 1", pages, got)
		}
	})

	t.Run("Scan paginates by 1 MB pages and Limit, and segments partition the table", func(t *testing.T) {
		seen := map[string]bool{}
		for seg := range int32(3) {
			p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: tbl, Limit: aws.Int32(4), Segment: aws.Int32(seg), TotalSegments: aws.Int32(3)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range out.Items {
					k := it["pk"].(*types.AttributeValueMemberS).Value + "/" + it["sk"].(*types.AttributeValueMemberN).Value
					if seen[k] {
						t.Errorf("item %s seen twice", k)
					}
					seen[k] = true
				}
			}
		}
		if len(seen) != 23 {
			t.Errorf("scanned %d items, want 23", len(seen))
		}
	})

	t.Run("1 MB page limit", func(t *testing.T) {
		createTable(t, c, "big", 40000, 40000)
		for i := range 12 { // 12 items of 100 KB
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("big"), Item: sized100KB(strconv.Itoa(i))}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("big"), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		// 11 items reach 1,126,400 bytes >= 1 MB: 275 units of 4 KB.
		if out.Count != 11 || out.LastEvaluatedKey == nil || units64(out.ConsumedCapacity) != 275 {
			t.Errorf("Count %d, LastEvaluatedKey %v, units %v; want 11, present, 275", out.Count, out.LastEvaluatedKey, units64(out.ConsumedCapacity))
		}
	})

	errTests := []struct {
		name string
		in   dynamodb.QueryInput
		msg  string
	}{
		{"no partition key", dynamodb.QueryInput{KeyConditionExpression: aws.String("sk = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("1")}},
			"Query condition missed key schema element: pk"},
		{"OR", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p OR sk = :x"), ExpressionAttributeValues: vals(":x", "1")},
			"Invalid operator used in KeyConditionExpression: OR"},
		{"type mismatch", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :x"), ExpressionAttributeValues: map[string]types.AttributeValue{":x": n("1")}},
			"One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"unused value", dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":x", "1")},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"index", dynamodb.QueryInput{IndexName: aws.String("gsi1"), KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals()},
			"The table does not have the specified index: gsi1"},
	}
	for _, tt := range errTests {
		t.Run("error: "+tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName = tbl
			_, err := c.Query(ctx, &in)
			wantAPIError(t, err, "ValidationException", tt.msg)
		})
	}
}

// sized100KB returns an item keyed id of exactly 100 KB.
func sized100KB(id string) item {
	return item{"id": s(id), "p": s(strings.Repeat("x", 100*1024-len("id")-len(id)-len("p")))}
}

func TestSDKBatches(t *testing.T) {
	clock := newFakeClock()
	srv, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)
	createTable(t, c, "bt1", 4, 5)
	createTable(t, c, "bt2", 100, 100)

	puts := func(table string, ids ...string) []types.WriteRequest {
		var out []types.WriteRequest
		for _, id := range ids {
			out = append(out, types.WriteRequest{PutRequest: &types.PutRequest{Item: oneKBItem(id)}})
		}
		return out
	}
	t.Run("BatchWriteItem: throttled items come back unprocessed", func(t *testing.T) {
		out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems:           map[string][]types.WriteRequest{"bt1": puts("bt1", "a", "b", "c", "d", "e", "f", "g"), "bt2": puts("bt2", "a", "b")},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatalf("BatchWriteItem: %v", err)
		}
		if got := len(out.UnprocessedItems["bt1"]); got != 2 {
			t.Errorf("unprocessed in b1 = %d, want 2 (5 WCU, 7 one-KB puts)", got)
		}
		if _, ok := out.UnprocessedItems["bt2"]; ok {
			t.Errorf("b2 has unprocessed items, want none")
		}
		if got := out.UnprocessedItems["bt1"][0].PutRequest.Item["id"]; !reflect.DeepEqual(got, s("f")) {
			t.Errorf("first unprocessed = %#v, want f", got)
		}
		got := map[string]float64{}
		for _, cc := range out.ConsumedCapacity {
			got[aws.ToString(cc.TableName)] = aws.ToFloat64(cc.CapacityUnits)
		}
		if want := map[string]float64{"bt1": 5, "bt2": 2}; !reflect.DeepEqual(got, want) {
			t.Errorf("ConsumedCapacity = %v, want %v", got, want)
		}
	})
	t.Run("BatchWriteItem: fails only when nothing was processed", func(t *testing.T) {
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bt1": puts("bt1", "x")}})
		var pte *types.ProvisionedThroughputExceededException
		if !errors.As(err, &pte) || len(pte.ThrottlingReasons) != 1 || aws.ToString(pte.ThrottlingReasons[0].Reason) != "TableWriteProvisionedThroughputExceeded" {
			t.Fatalf("err = %v, want ProvisionedThroughputExceededException with a write reason", err)
		}
	})
	t.Run("BatchGetItem: per-item rounding and unprocessed keys", func(t *testing.T) {
		// Still at the creation instant: 4 RCU of allowance, no burst credit yet.
		var keys []map[string]types.AttributeValue
		for _, id := range []string{"a", "b", "c", "d", "e", "missing"} {
			keys = append(keys, item{"id": s(id)})
		}
		out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems:           map[string]types.KeysAndAttributes{"bt1": {Keys: keys, ConsistentRead: aws.Bool(true)}},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatalf("BatchGetItem: %v", err)
		}
		// 4 RCU, strongly consistent: 4 items of 1 KB at one unit each.
		if got := len(out.Responses["bt1"]); got != 4 {
			t.Errorf("items = %d, want 4", got)
		}
		if got := len(out.UnprocessedKeys["bt1"].Keys); got != 2 || !aws.ToBool(out.UnprocessedKeys["bt1"].ConsistentRead) {
			t.Errorf("unprocessed = %d keys (ConsistentRead %v), want 2 (true)", got, out.UnprocessedKeys["bt1"].ConsistentRead)
		}
		if got := units64(&out.ConsumedCapacity[0]); got != 4 {
			t.Errorf("units = %v, want 4", got)
		}
	})
	st := srv.Stats()["bt1"]
	if st.Writes != 5 || st.ThrottledWrites != 3 || st.Reads != 4 || st.ThrottledReads != 2 {
		t.Errorf("Stats = %+v, want 5 writes, 3 throttled; 4 reads, 2 throttled", st)
	}

	errTests := []struct {
		name string
		call func() error
		msg  string
	}{
		{"26 writes", func() error {
			var ids []string
			for i := range 26 {
				ids = append(ids, strconv.Itoa(i))
			}
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bt1": puts("bt1", ids[:13]...), "bt2": puts("bt2", ids[13:]...)}})
			return err
		}, "Too many items requested for the BatchWriteItem call"},
		{"duplicate write keys", func() error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bt2": puts("bt2", "a", "a")}})
			return err
		}, "Provided list of item keys contains duplicates"},
		{"101 keys", func() error {
			var keys []map[string]types.AttributeValue
			for i := range 101 {
				keys = append(keys, item{"id": s(strconv.Itoa(i))})
			}
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bt1": {Keys: keys[:50]}, "bt2": {Keys: keys[50:]}}})
			return err
		}, "Too many items requested for the BatchGetItem call"},
		{"duplicate get keys", func() error {
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bt2": {Keys: []map[string]types.AttributeValue{{"id": s("a")}, {"id": s("a")}}}}})
			return err
		}, "Provided list of item keys contains duplicates"},
		{"oversize item in a batch", func() error {
			_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bt2": {{PutRequest: &types.PutRequest{Item: item{"id": s("z"), "p": s(strings.Repeat("x", MaxItemSize))}}}}}})
			return err
		}, "Item size has exceeded the maximum allowed size"},
		{"empty key string", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("bt2"), Key: item{"id": s("")}})
			return err
		}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"update of a key attribute", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("bt2"), Key: item{"id": s("a")}, UpdateExpression: aws.String("SET id = :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("b")}})
			return err
		}, "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key"},
		{"ADD of a string", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("bt2"), Key: item{"id": s("a")}, UpdateExpression: aws.String("ADD x :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("b")}})
			return err
		}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"undefined name", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("bt2"), Key: item{"id": s("a")}, ConditionExpression: aws.String("attribute_exists(#n)")})
			return err
		}, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #n"},
	}
	for _, tt := range errTests {
		t.Run("error: "+tt.name, func(t *testing.T) { wantAPIError(t, tt.call(), "ValidationException", tt.msg) })
	}
	// The service still serves after every refusal.
	if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bt2"), Key: item{"id": s("a")}}); err != nil {
		t.Errorf("GetItem after errors: %v", err)
	}
}

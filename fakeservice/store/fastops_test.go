package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// The fast lanes of GetItem, UpdateItem and BatchWriteItem are checked the
// way a user would notice a difference: the same body is run through the
// fast lane on one store and the general way on an identical store, and
// the answers (bytes or error), the items each store then holds and the
// capacity each charged must be the same.

// fastBodies are bodies of each operation, of every shape: some the fast
// lane takes, some it leaves to the general way, some refused.
var fastBodies = map[string][]string{
	"GetItem": {
		`{"TableName":"tbl","Key":{"id":{"S":"a"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"zz"}},"ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL"}`,
		` { "TableName" : "tbl" , "Key" : { "id" : { "S" : "b" } } , "ConsistentRead" : false , "ReturnConsumedCapacity" : "INDEXES" } `,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"ProjectionExpression":"n, id"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"ProjectionExpression":"#n","ExpressionAttributeNames":{"#n":"n"}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"AttributesToGet":["n"]}`,
		`{"TableName":"tbl","Key":{"id":{"N":"1"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"},"x":{"S":"b"}}}`,
		`{"TableName":"tbl","Key":{}}`,
		`{"TableName":"nope","Key":{"id":{"S":"a"}}}`,
		`{"TableName":"uvw","Key":{"pk":{"N":"1"},"sk":{"S":"x"}},"ReturnConsumedCapacity":"NONE"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"ConsistentRead":null}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"ConsistentRead":true,"ConsistentRead":false}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"ReturnConsumedCapacity":"ALL"}`,
		`{"TableName":"tbl"}`,
		`{"Key":{"id":{"S":"a"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}}} x`,
	},
	"UpdateItem": {
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"5"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"new"}},"UpdateExpression":"SET p = :p, q = :q","ExpressionAttributeValues":{":p":{"S":"x"},":q":{"L":[{"BOOL":true}]}},"ReturnValues":"ALL_NEW","ReturnConsumedCapacity":"TOTAL"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_OLD"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"UpdateExpression":"REMOVE n","ReturnValues":"ALL_OLD"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"b"}},"UpdateExpression":"SET n = :n","ConditionExpression":"attribute_exists(id)","ExpressionAttributeValues":{":n":{"N":"2"}},"ReturnValues":"UPDATED_NEW"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"zz"}},"UpdateExpression":"SET n = :n","ConditionExpression":"attribute_exists(id)","ExpressionAttributeValues":{":n":{"N":"2"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ConditionExpression":"n = :m","ExpressionAttributeValues":{":n":{"N":"2"},":m":{"N":"1"}},"ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET id = :n","ExpressionAttributeValues":{":n":{"S":"b"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"1"},":unused":{"N":"1"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :missing"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{"n":{"N":"1"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET #n = :n","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":n":{"N":"1"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET n = :n","ExpressionAttributeValues":{":n":{"N":"1"}},"ReturnValues":"BOGUS"}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"UpdateExpression":"SET","ExpressionAttributeValues":{":n":{"N":"1"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}}}`,
		`{"TableName":"tbl","Key":{"id":{"S":"a"}},"ExpressionAttributeValues":{":n":{"N":"1"}}}`,
		`{"TableName":"uvw","Key":{"pk":{"N":"1"},"sk":{"S":"x"}},"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"SS":["a","b"]}},"ReturnConsumedCapacity":"INDEXES"}`,
	},
	"BatchWriteItem": {
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"a"},"n":{"N":"9"}}}},{"DeleteRequest":{"Key":{"id":{"S":"b"}}}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"c"}}}}],"uvw":[{"PutRequest":{"Item":{"pk":{"N":"2"},"sk":{"S":"y"}}}}]},"ReturnConsumedCapacity":"TOTAL"}`,
		` { "RequestItems" : { "tbl" : [ { "DeleteRequest" : { "Key" : { "id" : { "S" : "zz" } } } } ] } , "ReturnConsumedCapacity" : "INDEXES" , "ReturnItemCollectionMetrics" : "NONE" } `,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"a"}}}},{"PutRequest":{"Item":{"id":{"S":"a"}}}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"a"}}},"DeleteRequest":{"Key":{"id":{"S":"a"}}}}]}}`,
		`{"RequestItems":{"tbl":[{}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":null}}]}}`,
		`{"RequestItems":{"tbl":[{"DeleteRequest":{"Key":{"id":{"S":"a"},"n":{"N":"1"}}}}]}}`,
		`{"RequestItems":{"tbl":[]}}`,
		`{"RequestItems":{}}`,
		`{"RequestItems":{"nope":[{"PutRequest":{"Item":{"id":{"S":"a"}}}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"N":"1"}}}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"a"}}}}],"t":[{"PutRequest":{"Item":{"id":{"S":"b"}}}}]}}`,
		`{"RequestItems":{"tbl":[{"PutRequest":{"Item":{"id":{"S":"a"}},"Extra":1}}]}}`,
		`{"RequestItems":{"tbl":[` + strings.Repeat(`{"PutRequest":{"Item":{"id":{"S":"k"},"p":{"S":"`+strings.Repeat("x", 3000)+`"}}}},`, 0) +
			`{"PutRequest":{"Item":{"id":{"S":"big"},"p":{"S":"` + strings.Repeat("x", 5000) + `"}}}}]}}`,
		`{"ReturnConsumedCapacity":"TOTAL"}`,
	},
}

func init() {
	// A batch that exhausts table t (5 WCU, no burst): some writes are
	// throttled and come back in UnprocessedItems.
	var reqs []string
	for i := range 8 {
		reqs = append(reqs, fmt.Sprintf(`{"PutRequest":{"Item":{"id":{"S":"w%d"},"p":{"S":"%s"}}}}`, i, strings.Repeat("y", 1500)))
	}
	fastBodies["BatchWriteItem"] = append(fastBodies["BatchWriteItem"], `{"RequestItems":{"tbl":[`+strings.Join(reqs, ",")+`]},"ReturnConsumedCapacity":"TOTAL"}`)
}

// fastStore returns a store with table t (hash key id S, 5 RCU and WCU, no
// burst credit) holding items a and b, and table u (pk N, sk S, on demand)
// holding one item, on a clock that stands still.
func fastStore(t testing.TB) *DB {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Region: "us-east-1", AccountID: "000000000000",
		Model: throttle.Model{Burst: -1}})
	for _, body := range []string{
		`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],` +
			`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`,
		`{"TableName":"uvw","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"N"},{"AttributeName":"sk","AttributeType":"S"}],` +
			`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`,
	} {
		if _, err := db.Do("CreateTable", []byte(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, body := range []string{
		`{"TableName":"tbl","Item":{"id":{"S":"a"},"n":{"N":"1"}}}`,
		`{"TableName":"tbl","Item":{"id":{"S":"b"},"n":{"N":"7"},"s":{"S":"<&>"},"m":{"M":{"x":{"L":[{"NULL":true},{"B":"AAE="}]}}}}}`,
		`{"TableName":"uvw","Item":{"pk":{"N":"1"},"sk":{"S":"x"},"v":{"NS":["1","2"]}}}`,
	} {
		if _, err := db.Do("PutItem", []byte(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestFastOps checks every body of fastBodies and that the fast lane
// takes enough of them to matter.
func TestFastOps(t *testing.T) {
	for op, bodies := range fastBodies {
		taken := 0
		for _, body := range bodies {
			if checkFastOp(t, op, []byte(body)) {
				taken++
			}
		}
		t.Logf("%s: the fast lane took %d of %d bodies", op, taken, len(bodies))
		if taken < len(bodies)/3 {
			t.Errorf("%s: the fast lane took %d of %d bodies, want at least %d", op, taken, len(bodies), len(bodies)/3)
		}
	}
}

func FuzzGetItem(f *testing.F)        { fuzzFastOp(f, "GetItem") }
func FuzzUpdateItem(f *testing.F)     { fuzzFastOp(f, "UpdateItem") }
func FuzzBatchWriteItem(f *testing.F) { fuzzFastOp(f, "BatchWriteItem") }

func fuzzFastOp(f *testing.F, op string) {
	for _, body := range fastBodies[op] {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkFastOp(t, op, body) })
}

// checkFastOp runs body through the fast lane and the general way on two
// identical stores, compares what a client and the tables would see, and
// reports whether the fast lane took it.
func checkFastOp(t *testing.T, op string, body []byte) bool {
	t.Helper()
	if ParseFast(wire.TargetPrefix+op, body) == nil {
		return false
	}
	if !json.Valid(body) {
		t.Fatalf("%s: fast lane took invalid JSON %q", op, body)
	}
	fastDB, slowDB := fastStore(t), fastStore(t)
	// The server reuses a body's bytes once its answer is written: run the
	// fast lane on a copy overwritten then, so that the tables compared
	// below show whatever kept them.
	buf := bytes.Clone(body)
	req := fastDB.ParseFast(wire.TargetPrefix+op, buf)
	if req == nil {
		t.Fatalf("%s %s: DB.ParseFast refused what ParseFast took", op, body)
	}
	fastOut, fastErr := fastDB.Do(op, buf, req)
	slowOut, slowErr := slowDB.Do(op, body, nil)
	if got, want := answer(t, fastOut, fastErr), answer(t, slowOut, slowErr); got != want {
		t.Fatalf("%s %s:\nfast lane answered %s\nwant %s", op, body, got, want)
	}
	for i := range buf {
		buf[i] = '#'
	}
	if got, want := fastDB.Stats(), slowDB.Stats(); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %s: fast lane charged %+v, want %+v", op, body, got, want)
	}
	for _, table := range []string{"tbl", "uvw"} {
		scan := []byte(`{"TableName":"` + table + `"}`)
		got, _ := fastDB.Do("Scan", scan, nil)
		want, _ := slowDB.Do("Scan", scan, nil)
		if g, w := answer(t, got, nil), answer(t, want, nil); g != w {
			t.Fatalf("%s %s: table %s holds %s after the fast lane, want %s", op, body, table, g, w)
		}
	}
	return true
}

// answer is what a client receives: the body of the answer, or the error's
// status and body (the parts of a multi-error validation message sorted:
// their order follows a map's).
func answer(t *testing.T, out any, err error) string {
	t.Helper()
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			return "not a wire.Error: " + err.Error()
		}
		msg := we.Msg
		if head, list, ok := strings.Cut(msg, " validation errors detected: "); ok {
			parts := strings.Split(list, "; ")
			slices.Sort(parts)
			msg = head + " errors: " + strings.Join(parts, "; ")
		}
		c := *we
		c.Msg = msg
		return fmt.Sprintf("%d %s", we.Status, c.Body())
	}
	b, merr := Marshal(out)
	if merr != nil {
		t.Fatalf("Marshal: %v", merr)
	}
	if ref, _ := json.Marshal(out); string(ref) != string(b) {
		t.Fatalf("Marshal = %s, json.Marshal = %s", b, ref)
	}
	return string(b)
}

package store

import (
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// keepDB returns a DB keeping keep with limit, holding table "tbl" (pk S,
// sk N, on demand), and a function running an operation on it that
// returns the answer as JSON.
func keepDB(t *testing.T, keep Keep, limit int64) (*DB, func(op, body string) (string, error)) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Model: throttle.Model{}, Keep: keep, Limit: limit})
	do := func(op, body string) (string, error) {
		t.Helper()
		out, err := db.Do(op, []byte(body), ParseFast(wire.TargetPrefix+op, []byte(body)))
		if err != nil {
			return "", err
		}
		b, err := Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), nil
	}
	if _, err := do("CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`); err != nil {
		t.Fatal(err)
	}
	return db, do
}

// payload is a 5,000-byte B value: an item holding it takes 5 WCU to write
// and 2 RCU to read consistently.
var payload = base64.StdEncoding.EncodeToString(make([]byte, 5000))

func putBody(pk, sk, extra string) string {
	return fmt.Sprintf(`{"TableName":"tbl","ReturnConsumedCapacity":"TOTAL","Item":{"pk":{"S":%q},"sk":{"N":%q},"data":{"B":%q}}%s}`, pk, sk, payload, extra)
}

// What each Keep answers to reads, conditions and Query, and that all of
// them charge the capacity of the items as written.
func TestKeep(t *testing.T) {
	const (
		get        = `{"TableName":"tbl","ConsistentRead":true,"ReturnConsumedCapacity":"TOTAL","Key":{"pk":{"S":"a"},"sk":{"N":"2.50"}}}`
		query      = `{"TableName":"tbl","ScanIndexForward":false,"ProjectionExpression":"sk","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`
		notExists  = `,"ConditionExpression":"attribute_not_exists(pk)"`
		dataExists = `,"ConditionExpression":"attribute_exists(#d)","ExpressionAttributeNames":{"#d":"data"}`
	)
	for _, tt := range []struct {
		keep Keep
		// getItem is GetItem's answer for a/2.50 without its
		// ConsumedCapacity; getUnits the capacity it costs.
		getItem, getUnits string
		// notExists and dataExists are whether a put on a/1 with those
		// conditions succeeds.
		notExists, dataExists bool
		query                 string
	}{
		{KeepFull, `"Item":{"data":{"B":"` + payload + `"},"pk":{"S":"a"},"sk":{"N":"2.50"}}`, `"CapacityUnits":2`, false, true,
			`{"Items":[{"sk":{"N":"3"}},{"sk":{"N":"2.50"}},{"sk":{"N":"1"}}],"Count":3,"ScannedCount":3}`},
		{KeepSizes, `"Item":{"pk":{"S":"a"},"sk":{"N":"2.5"}}`, `"CapacityUnits":2`, false, false,
			`{"Items":[{"sk":{"N":"3"}},{"sk":{"N":"2.5"}},{"sk":{"N":"1"}}],"Count":3,"ScannedCount":3}`},
		{KeepNone, ``, `"CapacityUnits":1`, true, false,
			`{"Items":[],"Count":0,"ScannedCount":0}`},
	} {
		t.Run(tt.keep.String(), func(t *testing.T) {
			db, do := keepDB(t, tt.keep, 0)
			for _, sk := range []string{"1", "2.50", "3"} {
				out, err := do("PutItem", putBody("a", sk, ""))
				if err != nil {
					t.Fatal(err)
				}
				if want := `"CapacityUnits":5`; !strings.Contains(out, want) {
					t.Errorf("put %s: got %s, want %s", sk, out, want)
				}
			}
			out, err := do("GetItem", get)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.getItem) || !strings.Contains(out, tt.getUnits) || (tt.getItem == "" && strings.Contains(out, `"Item"`)) {
				t.Errorf("GetItem: got %.200s, want %.200s and %s", out, tt.getItem, tt.getUnits)
			}
			for _, c := range []struct {
				name, cond string
				want       bool
			}{{"attribute_not_exists(pk)", notExists, tt.notExists}, {"attribute_exists(data)", dataExists, tt.dataExists}} {
				_, err := do("PutItem", putBody("a", "1", c.cond))
				var we *wire.Error
				if failed := errors.As(err, &we) && strings.HasSuffix(we.Type, "ConditionalCheckFailedException"); failed == c.want || (err != nil && !failed) {
					t.Errorf("put on a/1 if %s: got %v, want success %v", c.name, err, c.want)
				}
			}
			if out, err := do("Query", query); err != nil || out != tt.query {
				t.Errorf("Query: got %s, %v; want %s", out, err, tt.query)
			}
			if u := db.Usage(); u.Keep != tt.keep || u.Limited != 0 {
				t.Errorf("Usage: got %+v, want Keep %s, nothing limited", u, tt.keep)
			}
		})
	}
}

// Past Limit, new items are kept as their key and size, and Usage counts
// them; deleting items kept in full makes room again.
func TestKeepLimit(t *testing.T) {
	db, do := keepDB(t, KeepFull, 12000) // two 5 KB items
	for _, sk := range []string{"1", "2", "3"} {
		if _, err := do("PutItem", putBody("a", sk, "")); err != nil {
			t.Fatal(err)
		}
	}
	u := db.Usage()
	if u.Limited != 1 || u.FullBytes > 12000 || u.FullBytes < 10000 {
		t.Errorf("after 3 puts: got %+v, want 1 limited and about 10,000 bytes kept in full", u)
	}
	getData := func(sk string) bool {
		out, err := do("GetItem", `{"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"`+sk+`"}}}`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(out, `"data"`)
	}
	if !getData("2") || getData("3") {
		t.Errorf("got data for a/2 %v, a/3 %v; want true, false", getData("2"), getData("3"))
	}
	if _, err := do("DeleteItem", `{"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := do("PutItem", putBody("a", "4", "")); err != nil {
		t.Fatal(err)
	}
	if u := db.Usage(); u.Limited != 1 || !getData("4") {
		t.Errorf("after a delete: got %+v and data for a/4 %v; want still 1 limited, a/4 kept in full", u, getData("4"))
	}
}

func TestDecimal(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"0", "0"}, {"100", "100"}, {"1.50", "1.5"}, {"-0.005", "-0.005"}, {"12345.678", "12345.678"}, {"1e3", "1000"}, {"-25E-1", "-2.5"},
	} {
		n, err := wire.ParseNumber(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := decimal(n); got != tt.want {
			t.Errorf("decimal(%s): got %s, want %s", tt.in, got, tt.want)
		}
		if got := canonicalNumber(n.Canonical()); got != n {
			t.Errorf("canonicalNumber(%s): got %+v, want %+v", n.Canonical(), got, n)
		}
	}
}

func TestParseKeep(t *testing.T) {
	for _, k := range []Keep{KeepFull, KeepSizes, KeepNone} {
		if got, err := ParseKeep(k.String()); err != nil || got != k {
			t.Errorf("ParseKeep(%q): got %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if _, err := ParseKeep("Full"); err == nil || err.Error() != `must be full, sizes or none, got "Full"` {
		t.Errorf("ParseKeep(Full): got %v", err)
	}
}

// BenchmarkKeep reports the live heap each mode keeps per item (heap-B/item)
// after 100,000 PutItems of distinct 1 KB items shaped like the runner's
// (pk S, data B), through the fast lane.
func BenchmarkKeep(b *testing.B) {
	const n = 100000
	data := base64.StdEncoding.EncodeToString(make([]byte, 1000))
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = fmt.Appendf(nil, `{"TableName":"tbl","Item":{"pk":{"S":"k%012d"},"data":{"B":%q}}}`, i, data)
	}
	for _, keep := range []Keep{KeepFull, KeepSizes, KeepNone} {
		b.Run(keep.String(), func(b *testing.B) {
			for b.Loop() {
				now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
				db := New(Options{Now: func() time.Time { return now }, Keep: keep})
				if _, err := db.Do("CreateTable", []byte(`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],`+
					`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`), nil); err != nil {
					b.Fatal(err)
				}
				before := liveHeap()
				for i, body := range bodies {
					now = now.Add(time.Millisecond) // within on-demand's limits
					if _, err := db.Do("PutItem", body, ParseFast(wire.TargetPrefix+"PutItem", body)); err != nil {
						b.Fatalf("put %d: %v", i, err)
					}
				}
				b.ReportMetric(float64(liveHeap()-before)/n, "heap-B/item")
				runtime.KeepAlive(db)
			}
		})
	}
}

// liveHeap is the heap in use after a collection, bytes.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// A table with a secondary index keeps its items in full under every Keep:
// its index answers Query with the projected attributes, and an update
// that moves an item's index key is charged a delete and a put there.
func TestKeepIndexedTableInFull(t *testing.T) {
	for _, keep := range []Keep{KeepFull, KeepSizes, KeepNone} {
		t.Run(keep.String(), func(t *testing.T) {
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			db := New(Options{Now: func() time.Time { return now }, Model: throttle.Model{}, Keep: keep})
			do := func(op, body string) string {
				t.Helper()
				out, err := db.Do(op, []byte(body), ParseFast(wire.TargetPrefix+op, []byte(body)))
				if err != nil {
					t.Fatalf("%s: %v", op, err)
				}
				b, err := Marshal(out)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			do("CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],`+
				`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST",`+
				`"GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)
			do("PutItem", `{"TableName":"tbl","Item":{"pk":{"S":"a"},"g":{"S":"x"},"v":{"S":"kept"}}}`)
			got := do("Query", `{"TableName":"tbl","IndexName":"byg","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}}}`)
			if !strings.Contains(got, `"Count":1`) || !strings.Contains(got, `"kept"`) {
				t.Errorf("Query on the index: got %s, want the item with v", got)
			}
			got = do("UpdateItem", `{"TableName":"tbl","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET g = :y","ExpressionAttributeValues":{":y":{"S":"y"}},"ReturnConsumedCapacity":"INDEXES"}`)
			if !strings.Contains(got, `"byg":{"CapacityUnits":2`) {
				t.Errorf("UpdateItem moving the index key: got %s, want 2 units on byg (a delete and a put)", got)
			}
		})
	}
}

// What writes answer and charge for an item kept as its key and size: the
// old item they return (ALL_OLD) is its key attributes, and they are
// charged its billed size, in steps run in order on one table.
func TestKeepSizesOldItem(t *testing.T) {
	db, _ := keepDB(t, KeepSizes, 0)
	do := func(op, body string) (string, error) { // the DB's own fast lane: PutItems scanned
		out, err := db.Do(op, []byte(body), db.ParseFast(wire.TargetPrefix+op, []byte(body)))
		if err != nil {
			return "", err
		}
		b, err := Marshal(out)
		return string(b), err
	}
	const key = `"pk":{"S":"a"},"sk":{"N":"2.50"}`
	const keyAttrs = `{"pk":{"S":"a"},"sk":{"N":"2.5"}}`
	small := `{"TableName":"tbl","ReturnConsumedCapacity":"TOTAL","Item":{` + key + `,"v":{"S":"x"}}`
	for _, st := range []struct{ name, op, body, want string }{
		{"put 5 KB", "PutItem", putBody("a", "2.50", ""), `{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"put small over it, ALL_OLD", "PutItem", small + `,"ReturnValues":"ALL_OLD"}`,
			`{"Attributes":` + keyAttrs + `,"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"put small over it", "PutItem", small + `}`, `{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1}}`},
		{"put 5 KB again", "PutItem", putBody("a", "2.50", ""), `{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"put small if it exists", "PutItem", small + `,"ConditionExpression":"attribute_exists(pk)"}`,
			`{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"update, ALL_NEW", "UpdateItem", `{"TableName":"tbl","Key":{` + key + `},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"N":"7"}},"ReturnValues":"ALL_NEW"}`,
			`{"Attributes":{"pk":{"S":"a"},"sk":{"N":"2.5"},"w":{"N":"7"}}}`},
		{"update, ALL_OLD", "UpdateItem", `{"TableName":"tbl","Key":{` + key + `},"UpdateExpression":"SET w = :w","ExpressionAttributeValues":{":w":{"N":"8"}},"ReturnValues":"ALL_OLD"}`,
			`{"Attributes":` + keyAttrs + `}`},
		{"delete, ALL_OLD", "DeleteItem", `{"TableName":"tbl","Key":{` + key + `},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}`,
			`{"Attributes":` + keyAttrs + `,"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1}}`},
		{"put 5 KB once more", "PutItem", putBody("a", "2.50", ""), `{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"delete", "DeleteItem", `{"TableName":"tbl","Key":{` + key + `},"ReturnConsumedCapacity":"TOTAL"}`,
			`{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5}}`},
		{"delete what is gone, ALL_OLD", "DeleteItem", `{"TableName":"tbl","Key":{` + key + `},"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"TOTAL"}`,
			`{"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1}}`},
	} {
		got, err := do(st.op, st.body)
		if err != nil || got != st.want {
			t.Errorf("%s: got %s, %v; want %s", st.name, got, err, st.want)
		}
	}
}

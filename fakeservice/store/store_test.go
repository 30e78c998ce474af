package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// The fault schedule accepts exactly the operations the store serves.
func TestFaultOperationsAreServed(t *testing.T) {
	named := slices.Sorted(slices.Values(faults.Operations))
	if served := Operations(); !slices.Equal(served, named) {
		t.Errorf("faults.Operations = %v, the store serves %v", named, served)
	}
}

// The store answers operations without HTTP, on the clock it is given: a
// table of 5 WCU takes five 1 KB writes in its first second and throttles
// the sixth with DynamoDB's error, and takes more a second later.
func TestDBWithoutHTTP(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Region: "us-east-1", AccountID: "000000000000",
		Model: throttle.Model{Burst: -1}})
	do := func(op, body string) (any, error) {
		t.Helper()
		return db.Do(op, []byte(body), ParseFast(wire.TargetPrefix+op, []byte(body)))
	}
	if _, err := do("CreateTable", `{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`); err != nil {
		t.Fatal(err)
	}
	put := func(i int) error {
		_, err := do("PutItem", fmt.Sprintf(`{"TableName":"tbl","Item":{"id":{"S":"k%d"}}}`, i))
		return err
	}
	for i := range 5 {
		if err := put(i); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	var we *wire.Error
	if err := put(5); !errors.As(err, &we) || !strings.HasSuffix(we.Type, "#ProvisionedThroughputExceededException") {
		t.Fatalf("sixth write: %v, want ProvisionedThroughputExceededException", err)
	}
	now = now.Add(time.Second)
	if err := put(5); err != nil {
		t.Fatalf("a second later: %v", err)
	}
	out, err := do("GetItem", `{"TableName":"tbl","Key":{"id":{"S":"k3"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Marshal(out)
	if string(b) != `{"Item":{"id":{"S":"k3"}}}` {
		t.Errorf("GetItem = %s", b)
	}
	if tb, ok := db.Lookup("tbl"); !ok || db.Stats()["tbl"].Writes != 6 || tb.Name != "tbl" {
		t.Errorf("Lookup ok %v, stats %+v", ok, db.Stats()["tbl"])
	}
}

// Items that repeat a large value share one copy of it; every read still
// answers the bytes that were written.
func TestRepeatedValuesStoredOnce(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Model: throttle.Model{}})
	if _, err := db.Do("CreateTable", []byte(`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`), nil); err != nil {
		t.Fatal(err)
	}
	zeros := base64.StdEncoding.EncodeToString(make([]byte, 1000))
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 1000))
	long := strings.Repeat("s", 300)
	for i, data := range []string{zeros, zeros, other} {
		body := fmt.Sprintf(`{"TableName":"tbl","Item":{"id":{"S":"k%d"},"data":{"B":%q},"text":{"S":%q}}}`, i, data, long)
		if _, err := db.Do("PutItem", []byte(body), ParseFast(wire.TargetPrefix+"PutItem", []byte(body))); err != nil {
			t.Fatal(err)
		}
	}
	tb, _ := db.Lookup("tbl")
	item := func(k string) map[string]wire.Value { return tb.items.full[Key{Hash: k}].attrs }
	if &item("k0")["data"].Bin[0] != &item("k1")["data"].Bin[0] {
		t.Error("two items with the same 1,000-byte payload hold two copies")
	}
	if unsafe.StringData(item("k0")["text"].Str) != unsafe.StringData(item("k2")["text"].Str) {
		t.Error("two items with the same 300-byte string hold two copies")
	}
	for k, want := range map[string]string{"k1": zeros, "k2": other} {
		out, err := db.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"id":{"S":"`+k+`"}}}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Marshal(out)
		if !strings.Contains(string(b), want) {
			t.Errorf("GetItem %s does not answer the payload written", k)
		}
	}
}

package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// putItemBodies are PutItem bodies of every shape: some the fast lane
// takes, some it leaves to the general way.
var putItemBodies = []string{
	`{"TableName":"bench","Item":{"id":{"S":"key-0001"},"p":{"S":"` + strings.Repeat("x", 1015) + `"}}}`,
	` { "TableName" : "t" , "Item" : { "id" : { "S" : "a" } } , "ReturnConsumedCapacity" : "TOTAL" } `,
	"{\n\t\"TableName\":\"t\",\r\n\"Item\":{}}",
	`{}`,
	`{"Item":{}}`,
	`{"TableName":"fuzz","Item":{"id":{"S":"a"},"n":{"N":"-1.5e3"},"l":{"L":[{"M":{"x":{"NS":["1","2"]}}},{"NULL":true}]},"b":{"BS":["AAE="]}},"ReturnConsumedCapacity":"INDEXES","ReturnValues":"ALL_OLD"}`,
	`{"TableName":"od","Item":{"b":{"B":"AAE="},"s":{"SS":["a","a"]}}}`,
	`{"TableName":"t","Item":{"a":{"BOOL":false},"b":{"BOOL":true},"c":{"NULL":true},"d":{"NULL":false}}}`,
	`{"TableName":"t","Item":{"a":{"L":[]},"m":{"M":{}},"e":{"B":""}}}`,
	`{"TableName":"t","Item":{"a":{"SS":[]}}}`,
	`{"TableName":"t","Item":{"a":{"NS":["1","1.0"]}}}`,
	`{"TableName":"t","Item":{"a":{"N":"x"}}}`,
	`{"TableName":"t","Item":{"a":{"B":"!!"}}}`,
	`{"TableName":"t","Item":{"a":{"S":"x","N":"1"}}}`,
	`{"TableName":"t","Item":{"a":{"S":"x","N":null}}}`,
	`{"TableName":"t","Item":{"a":{"S":"x"},"a":{"S":"y"}}}`,
	`{"TableName":"t","TableName":"u","Item":{}}`,
	`{"tablename":"t","Item":{}}`,
	`{"TableName":"t","Item":{"\u0061":{"S":"x"}}}`,
	`{"TableName":"t","Item":{"é":{"S":"ü"}}}`,
	"{\"TableName\":\"t\",\"Item\":{\"a\":{\"S\":\"\xff\"}}}",
	`{"TableName":"t","Item":{"id":{"S":5}}}`,
	`{"TableName":"t","Item":null}`,
	`{"TableName":null,"Item":{}}`,
	`{"TableName":"t","Item":{},"ConditionExpression":"attribute_not_exists(id)"}`,
	`{"TableName":"t","Item":{},"ExpressionAttributeNames":{"#a":"a"}}`,
	`{"TableName":"t","Item":{}} x`,
	`{"TableName":"t","Item":{},}`,
	`{"TableName":"t","Item":{"a":{"L":[{"S":"x"},]}}}`,
	`{"TableName":"t","Item":{"a":` + strings.Repeat(`{"L":[`, 40) + `{"S":"x"}` + strings.Repeat(`]}`, 40) + `}}`,
	`[`,
	`null`,
	``,
	// Values long enough for the store to share (minInterned): ASCII,
	// valid non-ASCII UTF-8, and invalid UTF-8, which must still be refused.
	`{"TableName":"t","Item":{"id":{"S":"k"},"v":{"S":"` + strings.Repeat("ab", 100) + `"}}}`,
	`{"TableName":"t","Item":{"id":{"S":"k"},"v":{"S":"` + strings.Repeat("é", 100) + `"}}}`,
	"{\"TableName\":\"t\",\"Item\":{\"v\":{\"S\":\"" + strings.Repeat("a", 150) + "\xff\"}}}",
}

// TestParsePutItem checks, body by body, that the fast lane either leaves a
// body alone or decodes it exactly as the general way does.
func TestParsePutItem(t *testing.T) {
	taken := 0
	sharedTaken = 0
	for _, body := range putItemBodies {
		if checkParsePutItem(t, []byte(body)) {
			taken++
		}
	}
	if taken < 8 {
		t.Errorf("the fast lane took %d of %d bodies, want at least 8", taken, len(putItemBodies))
	}
	if sharedTaken < 3 { // the 1 KB value and the two long ones above
		t.Errorf("the fast lane took %d shared copies of long values, want at least 3", sharedTaken)
	}
}

// sharedTaken counts the shared copies checkSharedPutItem saw taken.
var sharedTaken int

func FuzzParsePutItem(f *testing.F) {
	for _, body := range putItemBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkParsePutItem(t, body) })
}

// checkParsePutItem checks one body and reports whether the fast lane took it.
func checkParsePutItem(t *testing.T, body []byte) bool {
	t.Helper()
	fast, ok := parsePutItem(new(wire.Parser), body)
	if !ok {
		return false
	}
	if !json.Valid(body) {
		t.Fatalf("fast lane took invalid JSON %q", body)
	}
	var slow putItemInput
	if err := decode(body, &slow); err != nil {
		t.Fatalf("fast lane took %q, which decode refuses: %v", body, err)
	}
	if (slow.Item == nil) != (fast.item == nil) {
		t.Fatalf("%q: Item nil = %t, fast lane's nil = %t", body, slow.Item == nil, fast.item == nil)
	}
	if slow.Item != nil {
		item, err := wire.DecodeItem(slow.Item)
		if err != nil {
			t.Fatalf("fast lane took %q, whose item decodeItem refuses: %v", body, err)
		}
		if !reflect.DeepEqual(item, fast.item) {
			t.Fatalf("%q: fast lane item %#v, want %#v", body, fast.item, item)
		}
		if got, want := wire.ItemSize(fast.item), wire.ItemSize(item); got != want {
			t.Fatalf("%q: item size %d, want %d", body, got, want)
		}
	}
	checkSharedPutItem(t, body, fast)
	slow.Item, fast.item = nil, nil
	if !reflect.DeepEqual(*fast, slow) {
		t.Fatalf("%q: fast lane decoded %+v, want %+v", body, *fast, slow)
	}
	return true
}

// checkSharedPutItem checks that the fast lane, given shared copies of the
// values of body's item (what a store that has kept that item holds),
// decodes body as it did without them (want), takes the shared copies, and
// keeps nothing of the body's bytes, which the server reuses.
func checkSharedPutItem(t *testing.T, body []byte, want *putItemInput) {
	t.Helper()
	var sh interner
	sh.item(maps.Clone(want.item))
	buf := bytes.Clone(body)
	got, ok := parsePutItem(&wire.Parser{Shared: &sh}, buf)
	if !ok {
		t.Fatalf("%q: the fast lane refused it with shared copies, took it without", body)
	}
	for i := range buf {
		buf[i] = '#' // what the next request's body would put there
	}
	if !reflect.DeepEqual(*got, *want) {
		t.Fatalf("%q: with shared copies the fast lane decoded %+v, want %+v", body, *got, *want)
	}
	for name, v := range got.item {
		s, shared := sh.strs.Load(v.Str)
		if v.Type == wire.TypeS && shared {
			if unsafe.StringData(s.(string)) != unsafe.StringData(v.Str) {
				t.Errorf("%q: attribute %s: got a copy of a value the store shares, want the shared copy", body, name)
			}
			sharedTaken++
		}
	}
}

// TestParseFast checks which targets the fast lane takes.
func TestParseFast(t *testing.T) {
	body := []byte(`{"TableName":"t","Item":{}}`)
	tests := []struct {
		target string
		want   bool
	}{
		{"DynamoDB_20120810.PutItem", true},
		{"PutItem", false},
		{"DynamoDB_20120810.GetItem", false},
		{"DynamoDB_20120810.putitem", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ParseFast(tt.target, body) != nil; got != tt.want {
			t.Errorf("ParseFast(%q) taken = %t, want %t", tt.target, got, tt.want)
		}
	}
}

// TestWriteOutputJSON checks that writeOutput encodes itself exactly as
// json.Marshal does.
func TestWriteOutputJSON(t *testing.T) {
	units := []float64{0, 0.5, 1, 1.5, 2, 25, 1000.5, 12345678.5, 1e20, 1e21, 1e-6, 1e-7, -1, math.MaxFloat64}
	var outs []writeOutput
	outs = append(outs, writeOutput{}, writeOutput{Attributes: map[string]wire.Value{}},
		writeOutput{Attributes: map[string]wire.Value{"a": {Type: wire.TypeS, Str: "x"}}},
		writeOutput{ConsumedCapacity: &consumedCapacity{TableName: "a<b>&c"}})
	for _, u := range units {
		outs = append(outs,
			writeOutput{ConsumedCapacity: &consumedCapacity{TableName: "bench.table_1-x", CapacityUnits: u}},
			writeOutput{ConsumedCapacity: &consumedCapacity{TableName: "t", CapacityUnits: u, Table: &capacityUnits{CapacityUnits: u}}})
	}
	for _, o := range outs {
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("Marshal(%+v) = %s, want %s", o, got, want)
		}
	}
}

// BenchmarkParsePutItem compares the fast lane with the general way on the
// body BenchmarkServeRatio sends.
func BenchmarkParsePutItem(b *testing.B) {
	body := []byte(putItemBodies[0])
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := parsePutItem(new(wire.Parser), body); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var in putItemInput
			if !json.Valid(body) || decode(body, &in) != nil {
				b.Fatal("refused")
			}
			if _, err := wire.DecodeItem(in.Item); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A throttled PutItem's item map is parsed into again by later requests
// (fastPutItem.recycle): the items that were stored, before and after
// throttles, read back as written, and the fast lane still takes every body.
func TestThrottledPutItemRecycled(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Model: throttle.Model{Burst: -1}})
	if _, err := db.Do("CreateTable", []byte(`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":40000,"WriteCapacityUnits":5}}`), nil); err != nil {
		t.Fatal(err)
	}
	item := func(k string, i int) string {
		switch i % 3 {
		case 0:
			return fmt.Sprintf(`{"id":{"S":%q},"n":{"N":"%d"}}`, k, i)
		case 1:
			return fmt.Sprintf(`{"id":{"S":%q},"a":{"S":"x%d"},"b":{"BOOL":true},"c":{"SS":["p","q%d"]}}`, k, i, i)
		}
		return fmt.Sprintf(`{"id":{"S":%q}}`, k)
	}
	want := map[string]string{}
	throttled := 0
	for second := range 4 {
		for i := range 20 {
			k := fmt.Sprintf("k%d-%d", second, i)
			it := item(k, i)
			body := []byte(`{"TableName":"tbl","Item":` + it + `}`)
			req := db.ParseFast(wire.TargetPrefix+"PutItem", body)
			if req == nil {
				t.Fatalf("the fast lane refused %s", body)
			}
			_, err := db.Do("PutItem", body, req)
			var we *wire.Error
			switch {
			case err == nil:
				want[k] = it
			case errors.As(err, &we) && we.Reasons != nil:
				throttled++
			default:
				t.Fatalf("PutItem %s: %v", body, err)
			}
		}
		now = now.Add(time.Second)
	}
	if throttled == 0 || len(want) == 0 {
		t.Fatalf("got %d throttled and %d stored writes, want some of each", throttled, len(want))
	}
	for k, it := range want {
		out, err := db.Do("GetItem", []byte(`{"TableName":"tbl","Key":{"id":{"S":"`+k+`"}}}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := Marshal(out)
		var gotItem, wantItem struct{ Item map[string]any }
		if err := json.Unmarshal(got, &gotItem); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal([]byte(`{"Item":`+it+`}`), &wantItem)
		if !reflect.DeepEqual(gotItem, wantItem) {
			t.Errorf("GetItem %s: got %s, want item %s", k, got, it)
		}
	}
}

// parsePutItem is parseFastPutItem for the tests, which look at the
// request alone (it is never run, so never goes back to putItems).
func parsePutItem(p *wire.Parser, body []byte) (*putItemInput, bool) {
	fp, ok := parseFastPutItem(p, body, false)
	if !ok {
		return nil, false
	}
	return &fp.putItemInput, true
}

// recycle keeps the item map of a throttled PutItem, emptied, for the next
// request, and no other: a stored item's map, another error's, or one past
// a group of 8 attributes.
func TestRecycleKeepsOnlyThrottledMaps(t *testing.T) {
	throttled := &wire.Error{Type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}
	other := &wire.Error{Type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}
	big := map[string]wire.Value{}
	for i := range 9 {
		big[fmt.Sprint(i)] = wire.Value{Type: wire.TypeS, Str: "x"}
	}
	for _, tt := range []struct {
		name string
		err  error
		item map[string]wire.Value
		keep bool
	}{
		{"throttled", throttled, map[string]wire.Value{"id": {Type: wire.TypeS, Str: "k"}}, true},
		{"stored", nil, map[string]wire.Value{"id": {Type: wire.TypeS, Str: "k"}}, false},
		{"another error", other, map[string]wire.Value{"id": {Type: wire.TypeS, Str: "k"}}, false},
		{"throttled, 9 attributes", throttled, big, false},
	} {
		fp := &fastPutItem{}
		fp.item = tt.item
		fp.recycle(tt.err)
		if kept := fp.spare != nil; kept != tt.keep {
			t.Errorf("%s: spare kept %t, want %t", tt.name, kept, tt.keep)
		}
		if tt.keep && (len(fp.spare) != 0 || reflect.ValueOf(fp.spare).UnsafePointer() != reflect.ValueOf(tt.item).UnsafePointer()) {
			t.Errorf("%s: spare %v, want the request's own map, emptied", tt.name, fp.spare)
		}
		if !tt.keep && len(tt.item) == 0 {
			t.Errorf("%s: the item was emptied, want it left alone", tt.name)
		}
	}
}

// putItemItems are Items of every shape for FuzzPutItemKeep, keyed for
// keepTables' tables: keys of each type, right and wrong, empty and too
// large, an index key of the wrong type, an item past the size limit,
// numbers written two ways, and items the fast lane leaves to the general
// way.
var putItemItems = []string{
	`{"id":{"S":"key-0001"},"p":{"S":"` + strings.Repeat("x", 1015) + `"}}`,
	`{"id":{"S":"a"},"n":{"N":"-1.5e3"},"l":{"L":[{"M":{"x":{"NS":["1","2"]}}},{"NULL":true}]},"b":{"BS":["AAE="]}}`,
	`{"id":{"S":"b"},"g":{"S":"x"},"t":{"BOOL":true},"u":{"NULL":true},"z":{"N":"0"}}`,
	`{"id":{"S":"a"},"g":{"N":"1"}}`,
	`{"id":{"S":"a"},"g":{"S":""}}`,
	`{"pk":{"N":"1.50"},"sk":{"B":"AAE="},"id":{"S":"c"},"bin":{"B":"AAEC"}}`,
	`{"pk":{"N":"15e-1"},"sk":{"B":"AAE="}}`,
	`{"pk":{"N":"-0"},"sk":{"B":""}}`,
	`{"pk":{"N":"1"},"sk":{"S":"x"}}`,
	`{"pk":{"N":"1"}}`,
	`{"bin":{"B":"AAE="},"id":{"S":"d"}}`,
	`{"bin":{"B":"` + base64.StdEncoding.EncodeToString(make([]byte, 2049)) + `"}}`,
	`{"pk":{"N":"7"},"sk":{"B":"` + base64.StdEncoding.EncodeToString(make([]byte, 1025)) + `"}}`,
	`{"id":{"S":""}}`,
	`{"id":{"N":"1"}}`,
	`{"id":{"S":"` + strings.Repeat("k", 2049) + `"}}`,
	`{"id":{"S":"big"},"p":{"S":"` + strings.Repeat("x", 400*1024) + `"}}`,
	`{}`,
	` { "id" : { "S" : "e" } , "s" : { "SS" : [ "a" , "b" ] } } `,
	`{"id":{"S":"a"},"id":{"S":"b"}}`,
	`{"id":{"S":"a"},"s":{"SS":["a","a"]}}`,
	`{"id":{"S":"\u0061"}}`,
	`{"id":{"S":"é"},"ü":{"S":"x"}}`,
	"{\"id\":{\"S\":\"\xff\"}}",
	`{"id":{"S":5}}`,
	`null`,
	`{"a0":{"S":"0"},"a1":{"N":"1"},"a2":{"S":"2"},"a3":{"S":"3"},"a4":{"S":"4"},"a5":{"S":"5"},"a6":{"S":"6"},"a7":{"S":"7"},` +
		`"a8":{"S":"8"},"a9":{"S":"9"},"b0":{"S":"0"},"b1":{"S":"1"},"b2":{"S":"2"},"b3":{"S":"3"},"b4":{"S":"4"},"b5":{"S":"5"},` +
		`"b6":{"S":"6"},"id":{"S":"many"},"pk":{"N":"3"},"sk":{"B":"AA=="},"bin":{"B":"AA=="}}`,
}

// putItemExtras are the members FuzzPutItemKeep adds to each body after
// its Item.
var putItemExtras = []string{
	``,
	`,"ReturnValues":"ALL_OLD","ReturnConsumedCapacity":"INDEXES"`,
	`,"ConditionExpression":"attribute_not_exists(id)","ReturnValuesOnConditionCheckFailure":"ALL_OLD"`,
}

// keepTables are the tables of keepStore.
var keepTables = []string{"tbl", "uvw", "idx", "bin", "tiny"}

// keepStore returns a store keeping keep with keepTables: tbl (hash key id
// S), uvw (pk N, sk B), idx (id S, with a global index on g S: kept in full
// whatever keep), bin (bin B) and tiny (id S, 1 WCU, no burst: most writes
// are throttled), tbl and idx holding item a, uvw the item of key 1.5 and
// AAE= (which putItemItems write as 1.50 and 15e-1) and bin that of AAE=,
// so that ALL_OLD and conditions meet an item on every kind of key, on a
// clock that stands still.
func keepStore(t testing.TB, keep Keep) *DB {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Region: "us-east-1", AccountID: "000000000000",
		Model: throttle.Model{Burst: -1}, Keep: keep})
	onDemand := `"BillingMode":"PAY_PER_REQUEST"`
	for _, body := range []string{
		`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` + onDemand + `}`,
		`{"TableName":"uvw","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"N"},{"AttributeName":"sk","AttributeType":"B"}],` +
			`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],` + onDemand + `}`,
		`{"TableName":"idx","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],` +
			`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` + onDemand + `,` +
			`"GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
		`{"TableName":"bin","AttributeDefinitions":[{"AttributeName":"bin","AttributeType":"B"}],"KeySchema":[{"AttributeName":"bin","KeyType":"HASH"}],` + onDemand + `}`,
		`{"TableName":"tiny","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
			`"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
		`{"TableName":"tbl","Item":{"id":{"S":"a"},"n":{"N":"1"}}}`,
		`{"TableName":"idx","Item":{"id":{"S":"a"},"g":{"S":"y"},"v":{"S":"old"}}}`,
		`{"TableName":"uvw","Item":{"pk":{"N":"1.5"},"sk":{"B":"AAE="},"id":{"S":"old"}}}`,
		`{"TableName":"bin","Item":{"bin":{"B":"AAE="},"id":{"S":"old"}}}`,
	} {
		op := "CreateTable"
		if strings.Contains(body, `"Item"`) {
			op = "PutItem"
		}
		if _, err := db.Do(op, []byte(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// TestPutItemKeep checks putItemItems in every table of keepStore with
// every extra of putItemExtras, and that the fast lane scans enough of
// them to matter.
func TestPutItemKeep(t *testing.T) {
	scanned := 0
	for _, item := range putItemItems {
		if checkPutItemKeep(t, []byte(item)) {
			scanned++
		}
	}
	if scanned < len(putItemItems)/2 {
		t.Errorf("the fast lane scanned %d of %d items, want at least %d", scanned, len(putItemItems), len(putItemItems)/2)
	}
	// A number key written another way is the same key: the scanning lane
	// replaces the item and answers it (on a DB keeping sizes, its key as
	// first written).
	db := keepStore(t, KeepSizes)
	body := []byte(`{"TableName":"uvw","Item":{"pk":{"N":"15e-1"},"sk":{"B":"AAE="}},"ReturnValues":"ALL_OLD"}`)
	req := db.ParseFast(wire.TargetPrefix+"PutItem", body)
	if fp, ok := req.(*fastPutItem); !ok || fp.putItemInput.scan == nil {
		t.Fatalf("the fast lane did not scan %s", body)
	}
	out, err := db.Do("PutItem", body, req)
	if got := answer(t, out, err); !strings.Contains(got, `"pk":{"N":"1.5"}`) {
		t.Errorf("PutItem of pk 15e-1 over pk 1.5 answered %s, want the old item (pk 1.5)", got)
	}
}

// FuzzPutItemKeep checks arbitrary Items (see checkPutItemKeep).
func FuzzPutItemKeep(f *testing.F) {
	for _, item := range putItemItems {
		f.Add([]byte(item))
	}
	f.Fuzz(func(t *testing.T, item []byte) { checkPutItemKeep(t, item) })
}

// checkPutItemKeep puts item, in a PutItem body for each table of
// keepTables with each of putItemExtras, on stores that keep sizes, none
// and whole items, the last scanning as after a throttled write
// (checkPutItemBody), and reports whether the fast lane scanned it.
func checkPutItemKeep(t *testing.T, item []byte) bool {
	t.Helper()
	scanned := false
	for _, keep := range []Keep{KeepSizes, KeepNone, KeepFull} {
		for _, table := range keepTables {
			for _, extra := range putItemExtras {
				body := []byte(`{"TableName":"` + table + `","Item":` + string(item) + extra + `}`)
				if checkPutItemBody(t, keep, body) {
					scanned = true
				}
			}
		}
	}
	return scanned
}

// checkPutItemBody runs body on three identical keepStores keeping keep:
// through the fast lane as such a DB parses it (its Item scanned, not
// built; on a DB keeping whole items, as after a throttled write, where an
// index-free table builds it only once the write is admitted), through the
// fast lane building the item (as a DB keeping whole items parses it
// otherwise) and the general way. Both lanes must take it or leave
// it, and the three must answer the same (error included), charge the
// same and keep the same keys, sizes and items. It reports whether the
// fast lane scanned the item.
func checkPutItemBody(t *testing.T, keep Keep, body []byte) bool {
	t.Helper()
	const target = wire.TargetPrefix + "PutItem"
	built := ParseFast(target, body)
	scanDB, builtDB, slowDB := keepStore(t, keep), keepStore(t, keep), keepStore(t, keep)
	if keep == KeepFull {
		// A DB keeping whole items scans PutItems after a throttled write
		// (DB.scansPuts).
		scanDB.throttledAt.Store(scanDB.now().UnixNano())
	}
	buf := bytes.Clone(body) // overwritten once answered, as the server reuses it
	req := scanDB.ParseFast(target, buf)
	if (req == nil) != (built == nil) {
		t.Fatalf("keep %v, %s: the scanning lane took it %t, the building lane %t", keep, short(body), req != nil, built != nil)
	}
	if req == nil {
		return false
	}
	if fp, ok := req.(*fastPutItem); !ok || fp.putItemInput.scan == nil || fp.item != nil {
		t.Fatalf("keep %v, %s: the fast lane built the item, want it scanned", keep, short(body))
	}
	out, err := scanDB.Do("PutItem", buf, req)
	scanAnswer := answer(t, out, err)
	for i := range buf {
		buf[i] = '#'
	}
	scanState := state(t, scanDB)
	for _, other := range []struct {
		name string
		db   *DB
		req  Request
	}{{"the building lane", builtDB, built}, {"the general way", slowDB, nil}} {
		out, err := other.db.Do("PutItem", body, other.req)
		if got := answer(t, out, err); scanAnswer != got {
			t.Fatalf("keep %v, %s:\nthe scanning lane answered %s\n%s answered %s", keep, short(body), scanAnswer, other.name, got)
		}
		if got := state(t, other.db); scanState != got {
			g, w := firstDiff(scanState, got)
			t.Fatalf("keep %v, %s: after the scanning lane %s\nafter %s %s", keep, short(body), g, other.name, w)
		}
	}
	return true
}

// firstDiff returns the first line where a and b differ, in each, cut
// short.
func firstDiff(a, b string) (string, string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return short([]byte(al[i])), short([]byte(bl[i]))
		}
	}
	return fmt.Sprintf("%d lines", len(al)), fmt.Sprintf("%d lines", len(bl))
}

// short is b cut to 200 bytes, for messages.
func short(b []byte) string {
	if len(b) > 200 {
		return fmt.Sprintf("%s... (%d bytes)", b[:200], len(b))
	}
	return string(b)
}

// state describes what db's tables charged (Stats) and hold: each table's
// item count and billed bytes, each item's key and size and whether it is
// kept in full, and what Scan answers.
func state(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	stats := db.Stats()
	for _, name := range keepTables {
		fmt.Fprintf(&b, "%s charged %+v\n", name, stats[name])
	}
	for _, name := range keepTables {
		tb, ok := db.Lookup(name)
		if !ok {
			t.Fatalf("no table %s", name)
		}
		tb.Mu.Lock()
		var items []string
		for k, it := range tb.items.all() {
			items = append(items, fmt.Sprintf("%q/%q: %d bytes, kept %t", k.Hash, k.rng, it.size, it.attrs != nil))
		}
		fmt.Fprintf(&b, "%s: %d items, %d bytes\n", name, tb.items.len(), tb.bytes)
		tb.Mu.Unlock()
		slices.Sort(items)
		for _, it := range items {
			fmt.Fprintf(&b, "\t%s\n", it)
		}
		out, err := db.Do("Scan", []byte(`{"TableName":"`+name+`"}`), nil)
		fmt.Fprintf(&b, "\tScan: %s\n", answer(t, out, err))
	}
	fmt.Fprintf(&b, "usage: %+v\n", db.Usage())
	return b.String()
}

// A PutItem on a DB that keeps sizes allocates nothing per attribute (its
// Item is scanned, not built) nor for the item it replaces (write leaves
// it without attributes when nothing reads them): the request's table name
// and the copy of the key the store keeps, however many attributes and
// bytes the item has. (main allocated 11 and 22 times here.)
func TestPutItemSizesAllocs(t *testing.T) {
	const maxAllocs = 3
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Keep: KeepSizes})
	if _, err := db.Do("CreateTable", []byte(`{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`), nil); err != nil {
		t.Fatal(err)
	}
	pad := `"p":{"S":"` + strings.Repeat("x", 1015) + `"}`
	for _, tt := range []struct{ name, item string }{
		{"2 attributes, 1 KB", `{"id":{"S":"key-0001"},` + pad + `}`},
		{"8 attributes, 1 KB", `{"id":{"S":"key-0001"},"a":{"S":"x"},"b":{"N":"12"},"c":{"BOOL":true},"d":{"NULL":true},"e":{"S":"yy"},"f":{"N":"-3"},` + pad + `}`},
	} {
		body := []byte(`{"TableName":"tbl","Item":` + tt.item + `}`)
		got := testing.AllocsPerRun(100, func() {
			now = now.Add(time.Millisecond) // within on-demand's limits
			if _, err := db.Do("PutItem", body, db.ParseFast(wire.TargetPrefix+"PutItem", body)); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %.1f allocations per PutItem", tt.name, got)
		if got > maxAllocs {
			t.Errorf("%s: got %.1f allocations per PutItem, want at most %d", tt.name, got, maxAllocs)
		}
	}
}

// TestScansPutsAfterThrottle checks when a DB keeping whole items scans
// PutItems: not before any write was throttled, for throttleHint after
// one, and not after that; a throttled PutItem then allocates no item.
func TestScansPutsAfterThrottle(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db := New(Options{Now: func() time.Time { return now }, Region: "us-east-1", AccountID: "000000000000",
		Model: throttle.Model{Burst: -1}})
	if _, err := db.Do("CreateTable", []byte(`{"TableName":"tiny","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`), nil); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"TableName":"tiny","Item":{"id":{"S":"k"},"a":{"S":"` + strings.Repeat("x", 1000) + `"},"b":{"N":"1"},"c":{"BOOL":true}}}`)
	put := func() (scanned bool, err error) {
		req := db.ParseFast(wire.TargetPrefix+"PutItem", body)
		fp, ok := req.(*fastPutItem)
		if !ok {
			t.Fatalf("the fast lane did not take %s", short(body))
		}
		scanned = fp.putItemInput.scan != nil
		_, err = db.Do("PutItem", body, req)
		return scanned, err
	}
	var throttled bool
	for i := 0; i < 10 && !throttled; i++ {
		scanned, err := put()
		if scanned {
			t.Fatalf("write %d scanned before any write was throttled", i)
		}
		var we *wire.Error
		throttled = errors.As(err, &we) && we.IsThrottle()
	}
	if !throttled {
		t.Fatal("no write throttled on a 1 WCU table without burst")
	}
	if scanned, err := put(); !scanned || err == nil {
		t.Fatalf("right after a throttle: scanned %t, err %v; want scanned and throttled", scanned, err)
	}
	scannedAllocs := testing.AllocsPerRun(100, func() { _, _ = put() })
	builtAllocs := testing.AllocsPerRun(100, func() {
		db.throttledAt.Store(0) // no hint: the item is built, then throttled
		_, _ = put()
	})
	t.Logf("a throttled PutItem of 4 attributes, 1 KB: %.1f allocations scanned, %.1f built", scannedAllocs, builtAllocs)
	if scannedAllocs >= builtAllocs {
		t.Errorf("a throttled PutItem allocated %.1f times scanned, %.1f built: want fewer scanned (no item built)", scannedAllocs, builtAllocs)
	}
	db.throttledAt.Store(now.UnixNano())
	now = now.Add(throttleHint + time.Millisecond)
	if scanned, err := put(); scanned {
		t.Errorf("%v after the last throttle: scanned (err %v), want the item built", throttleHint, err)
	}
}

package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
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
	fp, ok := parseFastPutItem(p, body)
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

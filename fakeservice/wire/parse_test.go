package wire

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSpecialByte checks the SWAR test against the byte-by-byte one, with
// every byte value at every position among ordinary bytes.
func TestSpecialByte(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	for pos := range 8 {
		for c := range 256 {
			var b [8]byte
			for i := range b {
				b[i] = 'a' + byte(i)
			}
			b[pos] = byte(c)
			if got, want := specialByte(binary.LittleEndian.Uint64(b[:])), special(byte(c)); got != want {
				t.Errorf("specialByte(%q) = %t, want %t", b, got, want)
			}
		}
	}
}

// FuzzParseAttr checks that the fast lane either leaves an attribute value
// alone or decodes it exactly as json.Unmarshal and toAttr do.
func FuzzParseAttr(f *testing.F) {
	for _, raw := range []string{
		`{"S":"a"}`, `{"S":"\u00e9\n"}`, `{"N":"-12.50"}`, `{"B":"AAEC"}`, `{"BOOL":true}`,
		`{"NULL":true}`, `{"SS":["a","b"]}`, `{"NS":["1","2e3"]}`, `{"BS":["AA=="]}`,
		`{"L":[{"S":"x"},{"N":"1"}]}`, `{"M":{"k":{"M":{"j":{"L":[]}}}}}`, `{"S":""}`, `{"N":"1e126"}`,
	} {
		f.Add([]byte(raw))
	}
	f.Add([]byte(` {"N":"1e3"} `))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := ParseAttr(raw)
		if !ok {
			return
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("fast lane took %q, which json.Unmarshal refuses: %v", raw, err)
		}
		slow, err := toAttr(v, 0)
		if err != nil {
			t.Fatalf("fast lane took %q, which toAttr refuses: %v", raw, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast lane decoded %#v, want %#v", raw, fast, slow)
		}
	})
}

// scanItems are attribute maps of every shape, for FuzzScanItem: some Item
// takes, some it refuses.
var scanItems = []string{
	`{}`, ` { } `, `{"id":{"S":"key-0001"},"p":{"S":"xxxxxxxx"}}`,
	` { "id" : { "S" : "a" } , "n" : { "N" : "-1.5e3" } } `,
	`{"id":{"S":"a"},"n":{"N":"-1.5e3"},"l":{"L":[{"M":{"x":{"NS":["1","2"]}}},{"NULL":true}]},"b":{"BS":["AAE="]}}`,
	`{"b":{"B":"AAE="},"s":{"SS":["a","a"]}}`,
	`{"a":{"BOOL":false},"b":{"BOOL":true},"c":{"NULL":true},"d":{"NULL":false}}`,
	`{"a":{"L":[]},"m":{"M":{}},"e":{"B":""},"s":{"S":""},"z":{"N":"0"}}`,
	`{"a":{"SS":[]}}`, `{"a":{"NS":["1","1.0"]}}`, `{"a":{"N":"x"}}`, `{"a":{"N":"1E3"}}`, `{"a":{"N":"1e126"}}`,
	`{"a":{"B":"!!"}}`, `{"a":{"S":"x","N":"1"}}`, `{"a":{"S":"x"},"a":{"S":"y"}}`,
	`{"a":{"M":{"k":{"S":"x"},"k":{"S":"y"}}}}`, `{"\u0061":{"S":"x"}}`, `{"é":{"S":"ü"}}`,
	"{\"a\":{\"S\":\"\xff\"}}", `{"id":{"S":5}}`, `null`, `{"a":{"S":"x"},}`, `{"a":{"S":"x"}} x`,
	`{"a":` + strings.Repeat(`{"L":[`, 40) + `{"S":"x"}` + strings.Repeat(`]}`, 40) + `}`,
	`{"a0":{"S":"0"},"a1":{"N":"1"},"a2":{"S":"2"},"a3":{"S":"3"},"a4":{"S":"4"},"a5":{"S":"5"},"a6":{"S":"6"},"a7":{"S":"7"},` +
		`"a8":{"S":"8"},"a9":{"S":"9"},"b0":{"S":"0"},"b1":{"S":"1"},"b2":{"S":"2"},"b3":{"S":"3"},"b4":{"S":"4"},"b5":{"S":"5"},` +
		`"b6":{"S":"6"},"b7":{"S":"7"},"a3":{"S":"again"}}`,
	`{"a0":{"S":"0"},"a1":{"N":"1"},"a2":{"S":"2"},"a3":{"S":"3"},"a4":{"S":"4"},"a5":{"S":"5"},"a6":{"S":"6"},"a7":{"S":"7"},` +
		`"a8":{"S":"8"},"a9":{"S":"9"},"b0":{"S":"0"},"b1":{"S":"1"},"b2":{"S":"2"},"b3":{"S":"3"},"b4":{"S":"4"},"b5":{"S":"5"},` +
		`"b6":{"S":"6"},"b7":{"S":"7"},"b8":{"S":"8"}}`,
}

// TestScanItem checks ScanItem against Item on scanItems, and that it
// takes most of them (the test must see both sides).
func TestScanItem(t *testing.T) {
	taken := 0
	for _, raw := range scanItems {
		if checkScanItem(t, []byte(raw)) {
			taken++
		}
	}
	if taken < 8 || taken == len(scanItems) {
		t.Errorf("ScanItem took %d of %d items, want at least 8 and not all", taken, len(scanItems))
	}
}

// FuzzScanItem checks that ScanItem accepts exactly what Item accepts,
// stops where it stops, and measures and finds the attributes of what it
// builds.
func FuzzScanItem(f *testing.F) {
	for _, raw := range scanItems {
		f.Add([]byte(raw + `,"TableName":"t"}`))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkScanItem(t, raw) })
}

// checkScanItem checks ScanItem and Item on raw, and reports whether they
// took it.
func checkScanItem(t *testing.T, raw []byte) bool {
	t.Helper()
	p := NewParser(raw)
	item, ok := p.Item()
	var s ItemScan
	q := NewParser(raw)
	scanned := q.ScanItem(&s)
	if scanned != ok {
		t.Fatalf("%q: ScanItem took it %t, Item %t", raw, scanned, ok)
	}
	if !ok {
		return false
	}
	if p.Offset() != q.Offset() {
		t.Fatalf("%q: ScanItem stopped at %d, Item at %d", raw, q.Offset(), p.Offset())
	}
	if got, want := s.Size, ItemSize(item); got != want {
		t.Errorf("%q: ScanItem size %d, want %d", raw, got, want)
	}
	if got, want := s.Len(), len(item); got != want {
		t.Errorf("%q: ScanItem found %d attributes, want %d", raw, got, want)
	}
	for name, want := range item {
		got, ok := s.Attr(name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: Attr(%q) = %#v, %t, want %#v", raw, name, got, ok, want)
		}
	}
	_, has := item["#none"]
	if _, ok := s.Attr("#none"); ok != has {
		t.Errorf("%q: Attr(%q) found %t, want %t", raw, "#none", ok, has)
	}
	if got := s.Item(); !reflect.DeepEqual(got, item) {
		t.Errorf("%q: ScanItem's Item() = %#v, want %#v", raw, got, item)
	}
	// What Attr and Item return is copied: the input may be reused.
	got := s.Item()
	attrs := make(map[string]Value, len(item))
	for name := range item {
		attrs[name], _ = s.Attr(name)
	}
	for i := range raw {
		raw[i] = '#'
	}
	if !reflect.DeepEqual(got, item) {
		t.Errorf("Item() changed with the input: %#v, want %#v", got, item)
	}
	if !reflect.DeepEqual(attrs, map[string]Value(item)) {
		t.Errorf("Attr's values changed with the input: %#v, want %#v", attrs, item)
	}
	return true
}

// TestScanItemResetRoom checks that a pooled scan does not keep the room of
// a huge item: Reset keeps at most maxKeptAttrs attributes' room, and an
// ordinary item's room for the next.
func TestScanItemResetRoom(t *testing.T) {
	scan := func(n int) *ItemScan {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"a%d":{"S":"x"}`, i)
		}
		b.WriteByte('}')
		var s ItemScan
		if !NewParser([]byte(b.String())).ScanItem(&s) || s.Len() != n {
			t.Fatalf("ScanItem of %d attributes: took %d", n, s.Len())
		}
		return &s
	}
	small := scan(20)
	small.Reset()
	if cap(small.attrs) < 20 {
		t.Errorf("Reset after 20 attributes kept room for %d, want at least 20", cap(small.attrs))
	}
	huge := scan(10000)
	huge.Reset()
	if cap(huge.attrs) > maxKeptAttrs {
		t.Errorf("Reset after 10,000 attributes kept room for %d, want at most %d", cap(huge.attrs), maxKeptAttrs)
	}
}

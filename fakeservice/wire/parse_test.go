package wire

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
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

package wire

import (
	"encoding/json"
	"testing"
)

// encodeItems are items of every attribute type, with strings encoding/json
// escapes, in DynamoDB JSON.
var encodeItems = []string{
	`{}`,
	`{"id":{"S":"k"},"n":{"N":"-1.50e3"},"b":{"B":"AAE="},"e":{"B":""},"t":{"BOOL":true},"f":{"BOOL":false},"z":{"NULL":true}}`,
	`{"ss":{"SS":["a","b"]},"ns":{"NS":["1","2.0"]},"bs":{"BS":["AAE=","/w=="]}}`,
	`{"l":{"L":[{"S":"x"},{"L":[]},{"M":{}},{"M":{"b":{"N":"1"},"a":{"S":"y"}}}]}}`,
	`{"<&>":{"S":"a<b>&c"},"é":{"S":"ü\u2028"},"q":{"S":"\"\\\t"},"bad":{"S":"\u00ff"}}`,
	`{"z":{"S":"1"},"a":{"S":"2"},"m":{"S":"3"},"A":{"S":"4"},"_":{"S":"5"}}`,
}

// TestAppendItem checks, item by item, that AppendItem writes what
// json.Marshal writes.
func TestAppendItem(t *testing.T) {
	for _, raw := range encodeItems {
		checkAppendItem(t, []byte(raw))
	}
	if got := string(AppendItem(nil, nil)); got != "null" {
		t.Errorf("AppendItem(nil) = %s, want null", got)
	}
}

func FuzzAppendItem(f *testing.F) {
	for _, raw := range encodeItems {
		f.Add([]byte(raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkAppendItem(t, raw) })
}

// checkAppendItem decodes raw the general way (items the fast parser
// refuses included) and compares both encodings.
func checkAppendItem(t *testing.T, raw []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	item, err := DecodeItem(m)
	if err != nil {
		return
	}
	want, err := json.Marshal(item)
	if err != nil {
		t.Fatalf("%s: json.Marshal: %v", raw, err)
	}
	if got := AppendItem(nil, item); string(got) != string(want) {
		t.Errorf("%s: AppendItem = %s, want %s", raw, got, want)
	}
}

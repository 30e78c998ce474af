package wire

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// mustItem decodes a DynamoDB JSON item or fails the test.
func mustItem(t *testing.T, js string) map[string]Value {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		t.Fatalf("bad test item %s: %v", js, err)
	}
	item, err := DecodeItem(raw)
	if err != nil {
		t.Fatalf("decodeItem(%s): %v", js, err)
	}
	return item
}

func TestItemSize(t *testing.T) {
	tests := []struct {
		name string
		item string
		want int
	}{
		{"string", `{"id":{"S":"abc"}}`, 2 + 3},
		{"empty string", `{"a":{"S":""}}`, 1},
		{"utf-8 counts bytes", `{"é":{"S":"日本"}}`, 2 + 6},
		{"binary counts raw bytes", `{"b":{"B":"AAECAw=="}}`, 1 + 4},
		{"bool", `{"ok":{"BOOL":false}}`, 2 + 1},
		{"null", `{"n":{"NULL":true}}`, 1 + 1},
		{"zero", `{"n":{"N":"0"}}`, 1 + 1},
		{"one digit", `{"n":{"N":"7"}}`, 1 + 2},
		{"two digits, odd exponent", `{"n":{"N":"12"}}`, 1 + 2},
		{"two digits, even exponent", `{"n":{"N":"1.2"}}`, 1 + 3},
		{"three digits", `{"n":{"N":"123"}}`, 1 + 3},
		{"trailing zeros are not significant", `{"n":{"N":"1000"}}`, 1 + 2},
		{"leading zeros are not significant", `{"n":{"N":"000.5"}}`, 1 + 2},
		{"negative adds one", `{"n":{"N":"-7"}}`, 1 + 3},
		{"38 digits, odd exponent", `{"n":{"N":"12345678901234567890123456789012345678"}}`, 1 + 1 + 19},
		{"38 digits, even exponent", `{"n":{"N":"1.2345678901234567890123456789012345678"}}`, 1 + 1 + 19 + 1},
		{"exponent notation", `{"n":{"N":"1.5E+3"}}`, 1 + 2},
		{"string set", `{"ss":{"SS":["a","bc"]}}`, 2 + 3},
		{"number set", `{"ns":{"NS":["1","22"]}}`, 2 + 2 + 2},
		{"binary set", `{"bs":{"BS":["AA==","AAE="]}}`, 2 + 3},
		{"empty list", `{"l":{"L":[]}}`, 1 + 3},
		{"list", `{"l":{"L":[{"S":"ab"},{"BOOL":true}]}}`, 1 + 3 + (1 + 2) + (1 + 1)},
		{"empty map", `{"m":{"M":{}}}`, 1 + 3},
		{"map", `{"m":{"M":{"k":{"S":"ab"},"z":{"NULL":true}}}}`, 1 + 3 + 2 + (1 + 2) + (1 + 1)},
		{"several attributes", `{"id":{"S":"k"},"p":{"S":"` + strings.Repeat("x", 1020) + `"}}`, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ItemSize(mustItem(t, tt.item)); got != tt.want {
				t.Errorf("itemSize(%.60s) = %d, want %d", tt.item, got, tt.want)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		err       string
	}{
		{in: "0", canonical: "0"},
		{in: "-0.000", canonical: "0"},
		{in: "1", canonical: "1e0"},
		{in: "1.0", canonical: "1e0"},
		{in: "10e-1", canonical: "1e0"},
		{in: ".5", canonical: "5e-1"},
		{in: "5.", canonical: "5e0"},
		{in: "-12.50", canonical: "-125e1"},
		{in: "1E+125", canonical: "1e125"},
		{in: "1e-130", canonical: "1e-130"},
		{in: "1e126", err: "Number overflow"},
		{in: "1e-131", err: "Number underflow"},
		{in: "0e999999999999", canonical: "0"},
		{in: "1e999999999999", err: "Number overflow"},
		{in: strings.Repeat("9", 39), err: "more than 38 significant digits"},
		{in: "", err: "cannot be converted into a number"},
		{in: "-", err: "cannot be converted into a number"},
		{in: ".", err: "cannot be converted into a number"},
		{in: "+1", err: "cannot be converted into a number"},
		{in: "1e", err: "cannot be converted into a number"},
		{in: "1.2.3", err: "cannot be converted into a number"},
		{in: "0x10", err: "cannot be converted into a number"},
		{in: "NaN", err: "cannot be converted into a number"},
		{in: " 1", err: "cannot be converted into a number"},
	}
	for _, tt := range tests {
		n, err := ParseNumber(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseNumber(%q) error = %v, want one containing %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("parseNumber(%q) error = %v, want none", tt.in, err)
		case tt.err == "" && n.Canonical() != tt.canonical:
			t.Errorf("parseNumber(%q).canonical() = %q, want %q", tt.in, n.Canonical(), tt.canonical)
		}
	}
}

func TestDecodeItemErrors(t *testing.T) {
	tests := []struct {
		name, item, typ, msg string
	}{
		{"empty value", `{"a":{}}`, "ValidationException", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{"null member is absent", `{"a":{"S":null}}`, "ValidationException", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
		{"two types", `{"a":{"S":"x","N":"1"}}`, "ValidationException", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{"NULL false", `{"a":{"NULL":false}}`, "ValidationException", "One or more parameter values were invalid: Null attribute value types must have the value of true"},
		{"empty string set", `{"a":{"SS":[]}}`, "ValidationException", "One or more parameter values were invalid: An string set  may not be empty"},
		{"duplicate numbers", `{"a":{"NS":["1","1.0"]}}`, "ValidationException", "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates."},
		{"bad number", `{"a":{"N":"x"}}`, "ValidationException", "A value provided cannot be converted into a number"},
		{"S not a string", `{"a":{"S":5}}`, "SerializationException", "VALUE_NUMBER can not be converted to String"},
		{"value not an object", `{"a":"x"}`, "SerializationException", "Unexpected value type in payload"},
		{"bad base64", `{"a":{"B":"!!"}}`, "SerializationException", "Base64 encoded value is not valid"},
		{"too deep", `{"a":` + strings.Repeat(`{"L":[`, 33) + `{"S":"x"}` + strings.Repeat(`]}`, 33) + `}`, "ValidationException", "Nesting Levels have exceeded supported limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.item), &raw); err != nil {
				t.Fatal(err)
			}
			_, err := DecodeItem(raw)
			ae, ok := err.(*Error)
			if !ok {
				t.Fatalf("decodeItem error = %v, want *apiError", err)
			}
			if !strings.HasSuffix(ae.Type, "#"+tt.typ) || !strings.HasPrefix(ae.Msg, tt.msg) {
				t.Errorf("decodeItem error = %s %q, want %s %q", ae.Type, ae.Msg, tt.typ, tt.msg)
			}
		})
	}
	// 32 levels are allowed.
	mustItem(t, `{"a":`+strings.Repeat(`{"L":[`, 32)+`{"S":"x"}`+strings.Repeat(`]}`, 32)+`}`)
}

// IntSize agrees with parsing the decimal and taking Number.Size.
func TestIntSize(t *testing.T) {
	for _, v := range []int64{0, 1, 9, 10, 12, 100, 101, 1234, 99999, 1000000, 123456789, -1, -10, -12345, math.MaxInt64, math.MinInt64 + 1} {
		n, err := ParseNumber(strconv.FormatInt(v, 10))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := IntSize(v), n.Size(); got != want {
			t.Errorf("IntSize(%d) = %d, Number.Size = %d", v, got, want)
		}
	}
}

package wire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Type is a DynamoDB attribute value type.
type Type uint8

const (
	TypeNone Type = iota
	TypeS
	TypeN
	TypeB
	TypeBOOL
	TypeNULL
	TypeSS
	TypeNS
	TypeBS
	TypeL
	TypeM
)

var attrTypeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}

func (t Type) String() string { return attrTypeNames[t] }

// TypeByName maps a DynamoDB JSON member name to its type.
var TypeByName = map[string]Type{
	"S": TypeS, "N": TypeN, "B": TypeB, "BOOL": TypeBOOL, "NULL": TypeNULL,
	"SS": TypeSS, "NS": TypeNS, "BS": TypeBS, "L": TypeL, "M": TypeM,
}

// MaxNesting is DynamoDB's limit on nested lists and maps.
const MaxNesting = 32

// Value is one decoded, validated attribute value. Values are never
// modified once decoded, so stored items and responses share them.
type Value struct {
	Type Type
	Str  string   // S, or N as the client wrote it
	Num  Number   // N
	Bin  []byte   // B
	Bool bool     // BOOL
	Strs []string // SS, or NS as the client wrote them
	Nums []Number // NS
	Bins [][]byte // BS
	List []Value
	Map  map[string]Value
}

// DecodeItem decodes and validates a DynamoDB JSON attribute map (an Item or
// a Key). It returns a SerializationException for values of the wrong JSON
// type and a ValidationException for values DynamoDB refuses. Attributes are
// visited in name order so that the error reported is deterministic.
func DecodeItem(raw map[string]json.RawMessage) (map[string]Value, error) {
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	item := make(map[string]Value, len(raw))
	for _, name := range names {
		if a, ok := ParseAttr(raw[name]); ok { // the fast lane (parse.go)
			item[name] = a
			continue
		}
		// One generic decode per top-level attribute keeps the whole request
		// linear in its size, however deeply values nest.
		var v any
		if err := json.Unmarshal(raw[name], &v); err != nil {
			return nil, SerializationError("Unexpected value type in payload")
		}
		a, err := toAttr(v, 0)
		if err != nil {
			return nil, err
		}
		item[name] = a
	}
	return item, nil
}

// toAttr converts one generic JSON value, depth levels below the item.
func toAttr(v any, depth int) (Value, error) {
	if depth > MaxNesting {
		return Value{}, ValidationError("Nesting Levels have exceeded supported limits")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Value{}, SerializationError("Unexpected value type in payload")
	}
	var (
		typ   Type
		val   any
		count int
	)
	for k, x := range obj {
		if t := TypeByName[k]; t != TypeNone && x != nil {
			typ, val = t, x
			count++
		}
	}
	switch {
	case count == 0:
		return Value{}, ValidationError("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case count > 1:
		return Value{}, ValidationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	a := Value{Type: typ}
	switch typ {
	case TypeS:
		s, ok := val.(string)
		if !ok {
			return Value{}, typeMismatch(val, "String")
		}
		a.Str = s
	case TypeN:
		s, ok := val.(string)
		if !ok {
			return Value{}, typeMismatch(val, "String")
		}
		n, err := ParseNumber(s)
		if err != nil {
			return Value{}, err
		}
		a.Str, a.Num = s, n
	case TypeB:
		b, err := toBinary(val)
		if err != nil {
			return Value{}, err
		}
		a.Bin = b
	case TypeBOOL, TypeNULL:
		b, ok := val.(bool)
		if !ok {
			return Value{}, typeMismatch(val, "Boolean")
		}
		if typ == TypeNULL && !b {
			return Value{}, ValidationError("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		a.Bool = b
	case TypeSS, TypeNS, TypeBS:
		return toSet(typ, val)
	case TypeL:
		xs, ok := val.([]any)
		if !ok {
			return Value{}, typeMismatch(val, "List")
		}
		a.List = make([]Value, len(xs))
		for i, x := range xs {
			e, err := toAttr(x, depth+1)
			if err != nil {
				return Value{}, err
			}
			a.List[i] = e
		}
	case TypeM:
		m, ok := val.(map[string]any)
		if !ok {
			return Value{}, typeMismatch(val, "Map")
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		a.Map = make(map[string]Value, len(m))
		for _, k := range names {
			e, err := toAttr(m[k], depth+1)
			if err != nil {
				return Value{}, err
			}
			a.Map[k] = e
		}
	}
	return a, nil
}

// toSet converts an SS, NS or BS value: not empty, no duplicates.
func toSet(typ Type, val any) (Value, error) {
	xs, ok := val.([]any)
	if !ok {
		return Value{}, typeMismatch(val, "List")
	}
	if len(xs) == 0 {
		switch typ {
		case TypeSS:
			return Value{}, ValidationError("One or more parameter values were invalid: An string set  may not be empty")
		case TypeNS:
			return Value{}, ValidationError("One or more parameter values were invalid: An number set  may not be empty")
		default:
			return Value{}, ValidationError("One or more parameter values were invalid: Binary sets should not be empty")
		}
	}
	a := Value{Type: typ}
	seen := make(map[string]bool, len(xs))
	shown := make([]string, len(xs)) // members as the duplicates message shows them
	dup := false
	for i, x := range xs {
		var key string
		switch typ {
		case TypeSS, TypeNS:
			s, ok := x.(string)
			if !ok {
				return Value{}, typeMismatch(x, "String")
			}
			key, shown[i] = s, s
			if typ == TypeNS {
				n, err := ParseNumber(s)
				if err != nil {
					return Value{}, err
				}
				a.Nums = append(a.Nums, n)
				key = n.Canonical()
			}
			a.Strs = append(a.Strs, s)
		case TypeBS:
			b, err := toBinary(x)
			if err != nil {
				return Value{}, err
			}
			a.Bins = append(a.Bins, b)
			key, shown[i] = string(b), x.(string)
		}
		dup = dup || seen[key]
		seen[key] = true
	}
	if dup {
		return Value{}, ValidationError(fmt.Sprintf(
			"One or more parameter values were invalid: Input collection [%s] contains duplicates.",
			strings.Join(shown, ", ")))
	}
	return a, nil
}

func toBinary(val any) ([]byte, error) {
	s, ok := val.(string)
	if !ok {
		return nil, typeMismatch(val, "Blob")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, SerializationError("Base64 encoded value is not valid: " + err.Error())
	}
	return b, nil
}

// typeMismatch is the SerializationException for a JSON value of the wrong
// type, named as coral's JSON codec names them.
func typeMismatch(val any, want string) error {
	got := "NULL_VALUE"
	switch val.(type) {
	case string:
		got = "VALUE_STRING"
	case float64:
		got = "VALUE_NUMBER"
	case bool:
		got = "VALUE_BOOLEAN"
	case []any:
		got = "START_ARRAY"
	case map[string]any:
		got = "START_OBJECT"
	}
	return SerializationError(got + " can not be converted to " + want)
}

// MarshalJSON encodes v as DynamoDB JSON, for example {"S":"x"}.
func (v Value) MarshalJSON() ([]byte, error) {
	var x any
	switch v.Type {
	case TypeS, TypeN:
		x = v.Str
	case TypeB:
		x = v.Bin
	case TypeBOOL:
		x = v.Bool
	case TypeNULL:
		x = true
	case TypeSS, TypeNS:
		x = v.Strs
	case TypeBS:
		x = v.Bins
	case TypeL:
		x = v.List
	case TypeM:
		x = v.Map
	default:
		return nil, fmt.Errorf("marshal attribute value: no type")
	}
	return json.Marshal(map[string]any{v.Type.String(): x})
}

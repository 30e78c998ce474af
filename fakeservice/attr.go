package fakeservice

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// attrType is a DynamoDB attribute value type.
type attrType uint8

const (
	typeNone attrType = iota
	typeS
	typeN
	typeB
	typeBOOL
	typeNULL
	typeSS
	typeNS
	typeBS
	typeL
	typeM
)

var attrTypeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}

func (t attrType) String() string { return attrTypeNames[t] }

// attrTypeByName maps a DynamoDB JSON member name to its type.
var attrTypeByName = map[string]attrType{
	"S": typeS, "N": typeN, "B": typeB, "BOOL": typeBOOL, "NULL": typeNULL,
	"SS": typeSS, "NS": typeNS, "BS": typeBS, "L": typeL, "M": typeM,
}

// maxNesting is DynamoDB's limit on nested lists and maps.
const maxNesting = 32

// attrValue is one decoded, validated attribute value. Values are never
// modified once decoded, so stored items and responses share them.
type attrValue struct {
	typ     attrType
	str     string   // S, or N as the client wrote it
	num     number   // N
	bin     []byte   // B
	boolean bool     // BOOL
	strs    []string // SS, or NS as the client wrote them
	nums    []number // NS
	bins    [][]byte // BS
	list    []attrValue
	m       map[string]attrValue
}

// decodeItem decodes and validates a DynamoDB JSON attribute map (an Item or
// a Key). It returns a SerializationException for values of the wrong JSON
// type and a ValidationException for values DynamoDB refuses. Attributes are
// visited in name order so that the error reported is deterministic.
func decodeItem(raw map[string]json.RawMessage) (map[string]attrValue, error) {
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	item := make(map[string]attrValue, len(raw))
	for _, name := range names {
		if a, ok := parseAttr(raw[name]); ok { // the fast lane (fastpath.go)
			item[name] = a
			continue
		}
		// One generic decode per top-level attribute keeps the whole request
		// linear in its size, however deeply values nest.
		var v any
		if err := json.Unmarshal(raw[name], &v); err != nil {
			return nil, serializationError("Unexpected value type in payload")
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
func toAttr(v any, depth int) (attrValue, error) {
	if depth > maxNesting {
		return attrValue{}, validationError("Nesting Levels have exceeded supported limits")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return attrValue{}, serializationError("Unexpected value type in payload")
	}
	var (
		typ   attrType
		val   any
		count int
	)
	for k, x := range obj {
		if t := attrTypeByName[k]; t != typeNone && x != nil {
			typ, val = t, x
			count++
		}
	}
	switch {
	case count == 0:
		return attrValue{}, validationError("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	case count > 1:
		return attrValue{}, validationError("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	}
	a := attrValue{typ: typ}
	switch typ {
	case typeS:
		s, ok := val.(string)
		if !ok {
			return attrValue{}, typeMismatch(val, "String")
		}
		a.str = s
	case typeN:
		s, ok := val.(string)
		if !ok {
			return attrValue{}, typeMismatch(val, "String")
		}
		n, err := parseNumber(s)
		if err != nil {
			return attrValue{}, err
		}
		a.str, a.num = s, n
	case typeB:
		b, err := toBinary(val)
		if err != nil {
			return attrValue{}, err
		}
		a.bin = b
	case typeBOOL, typeNULL:
		b, ok := val.(bool)
		if !ok {
			return attrValue{}, typeMismatch(val, "Boolean")
		}
		if typ == typeNULL && !b {
			return attrValue{}, validationError("One or more parameter values were invalid: Null attribute value types must have the value of true")
		}
		a.boolean = b
	case typeSS, typeNS, typeBS:
		return toSet(typ, val)
	case typeL:
		xs, ok := val.([]any)
		if !ok {
			return attrValue{}, typeMismatch(val, "List")
		}
		a.list = make([]attrValue, len(xs))
		for i, x := range xs {
			e, err := toAttr(x, depth+1)
			if err != nil {
				return attrValue{}, err
			}
			a.list[i] = e
		}
	case typeM:
		m, ok := val.(map[string]any)
		if !ok {
			return attrValue{}, typeMismatch(val, "Map")
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		a.m = make(map[string]attrValue, len(m))
		for _, k := range names {
			e, err := toAttr(m[k], depth+1)
			if err != nil {
				return attrValue{}, err
			}
			a.m[k] = e
		}
	}
	return a, nil
}

// toSet converts an SS, NS or BS value: not empty, no duplicates.
func toSet(typ attrType, val any) (attrValue, error) {
	xs, ok := val.([]any)
	if !ok {
		return attrValue{}, typeMismatch(val, "List")
	}
	if len(xs) == 0 {
		switch typ {
		case typeSS:
			return attrValue{}, validationError("One or more parameter values were invalid: An string set  may not be empty")
		case typeNS:
			return attrValue{}, validationError("One or more parameter values were invalid: An number set  may not be empty")
		default:
			return attrValue{}, validationError("One or more parameter values were invalid: Binary sets should not be empty")
		}
	}
	a := attrValue{typ: typ}
	seen := make(map[string]bool, len(xs))
	shown := make([]string, len(xs)) // members as the duplicates message shows them
	dup := false
	for i, x := range xs {
		var key string
		switch typ {
		case typeSS, typeNS:
			s, ok := x.(string)
			if !ok {
				return attrValue{}, typeMismatch(x, "String")
			}
			key, shown[i] = s, s
			if typ == typeNS {
				n, err := parseNumber(s)
				if err != nil {
					return attrValue{}, err
				}
				a.nums = append(a.nums, n)
				key = n.canonical()
			}
			a.strs = append(a.strs, s)
		case typeBS:
			b, err := toBinary(x)
			if err != nil {
				return attrValue{}, err
			}
			a.bins = append(a.bins, b)
			key, shown[i] = string(b), x.(string)
		}
		dup = dup || seen[key]
		seen[key] = true
	}
	if dup {
		return attrValue{}, validationError(fmt.Sprintf(
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
		return nil, serializationError("Base64 encoded value is not valid: " + err.Error())
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
	return serializationError(got + " can not be converted to " + want)
}

// MarshalJSON encodes v as DynamoDB JSON, for example {"S":"x"}.
func (v attrValue) MarshalJSON() ([]byte, error) {
	var x any
	switch v.typ {
	case typeS, typeN:
		x = v.str
	case typeB:
		x = v.bin
	case typeBOOL:
		x = v.boolean
	case typeNULL:
		x = true
	case typeSS, typeNS:
		x = v.strs
	case typeBS:
		x = v.bins
	case typeL:
		x = v.list
	case typeM:
		x = v.m
	default:
		return nil, fmt.Errorf("marshal attribute value: no type")
	}
	return json.Marshal(map[string]any{v.typ.String(): x})
}

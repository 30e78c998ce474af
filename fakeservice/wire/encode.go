package wire

import (
	"encoding/base64"
	"slices"
)

// AppendItem appends item as json.Marshal encodes a map[string]Value, in
// the same bytes, without reflection: the answer of GetItem and of writes
// that return values. A nil item is null.
func AppendItem(b []byte, item map[string]Value) []byte {
	if item == nil {
		return append(b, "null"...)
	}
	var buf [16]string // most items have fewer attributes: no allocation
	names := buf[:0]
	for name := range item {
		names = append(names, name)
	}
	slices.Sort(names) // encoding/json sorts map keys by their bytes
	b = append(b, '{')
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = AppendValue(b, item[name])
	}
	return append(b, '}')
}

// AppendValue appends v as v.MarshalJSON encodes it inside json.Marshal
// (which compacts it): {"S":"x"}, {"N":"1"}, {"L":[...]} and so on. A value
// without a type, which MarshalJSON refuses, is appended as null; decoded
// values always have one.
func AppendValue(b []byte, v Value) []byte {
	if v.Type == TypeNone || int(v.Type) >= len(attrTypeNames) {
		return append(b, "null"...)
	}
	b = append(b, `{"`...)
	b = append(b, attrTypeNames[v.Type]...)
	b = append(b, `":`...)
	switch v.Type {
	case TypeS, TypeN:
		b = appendJSONString(b, v.Str)
	case TypeB:
		b = appendBytes(b, v.Bin)
	case TypeBOOL:
		b = appendBool(b, v.Bool)
	case TypeNULL:
		b = append(b, "true"...)
	case TypeSS, TypeNS:
		if v.Strs == nil {
			b = append(b, "null"...)
			break
		}
		b = append(b, '[')
		for i, s := range v.Strs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		b = append(b, ']')
	case TypeBS:
		if v.Bins == nil {
			b = append(b, "null"...)
			break
		}
		b = append(b, '[')
		for i, s := range v.Bins {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendBytes(b, s)
		}
		b = append(b, ']')
	case TypeL:
		if v.List == nil {
			b = append(b, "null"...)
			break
		}
		b = append(b, '[')
		for i, e := range v.List {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendValue(b, e)
		}
		b = append(b, ']')
	case TypeM:
		b = AppendItem(b, v.Map)
	}
	return append(b, '}')
}

// appendBytes appends s as encoding/json encodes a []byte: base64 in
// quotes, null for nil.
func appendBytes(b, s []byte) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, s)
	return append(b, '"')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

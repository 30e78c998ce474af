package wire

import (
	"encoding/base64"
	"encoding/binary"
	"unicode/utf8"
)

// Parser reads the strict subset of JSON the fast lane accepts. Every
// method reports false, leaving the position undefined, on input outside it.
type Parser struct {
	b []byte
	i int
	// Shared, when set, is asked for a copy it already holds of each
	// top-level S value (an attribute of the Item or Key read by Item)
	// before the parser copies the value's bytes: a load generator's items
	// repeat their payload, so most are found and none is copied. nil: every
	// value is copied.
	Shared Sharer
}

// Sharer finds a string equal to b among values kept elsewhere (the store's
// shared copies of repeated values); it must not keep b, which aliases the
// request body. It is called concurrently from every request.
type Sharer interface {
	Shared(b []byte) (string, bool)
}

// WS skips JSON whitespace.
func (p *Parser) WS() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// Consume skips c if it is next.
func (p *Parser) Consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// End reports whether only whitespace is left.
func (p *Parser) End() bool {
	p.WS()
	return p.i == len(p.b)
}

// literal skips lit if it is next.
func (p *Parser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// RawString reads a string without escapes or control characters and
// returns its bytes, which alias the input. Non-ASCII bytes must be valid
// UTF-8 (encoding/json replaces invalid bytes; the general way does that).
func (p *Parser) RawString() ([]byte, bool) {
	if !p.Consume('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for {
		// Skip 8 bytes at a time while none is special: a quote, a
		// backslash, a control character or a non-ASCII byte.
		for p.i+8 <= len(p.b) && !specialByte(binary.LittleEndian.Uint64(p.b[p.i:])) {
			p.i += 8
		}
		if p.i >= len(p.b) {
			return nil, false
		}
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			return s, ascii || utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
}

// specialByte reports whether any of the 8 bytes in w is a quote, a
// backslash, below 0x20 or above 0x7f (the classic SWAR tests: a byte is
// zero or less than n when subtracting n borrows into its top bit).
func specialByte(w uint64) bool {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	quote := w ^ ('"' * ones)
	backslash := w ^ ('\\' * ones)
	return ((w-0x20*ones)|(quote-ones)|(backslash-ones)|w)&high != 0
}

// String reads a String (see rawString) into a new Go String.
func (p *Parser) String() (string, bool) {
	s, ok := p.RawString()
	return string(s), ok
}

// Item reads an attribute map (an Item), as DecodeItem would decode it.
func (p *Parser) Item() (map[string]Value, bool) { return p.ItemInto(nil) }

// ItemInto is Item reading into item, an empty map its caller recycles (a
// map that was never grown past 8 attributes, so that it stays one group:
// iterating a map that was once larger visits every slot it grew); nil
// makes a new one. On false item may hold part of the input.
func (p *Parser) ItemInto(item map[string]Value) (map[string]Value, bool) {
	if !p.Consume('{') {
		return nil, false
	}
	if item == nil {
		item = make(map[string]Value, 8)
	}
	p.WS()
	if p.Consume('}') {
		return item, true
	}
	for {
		name, ok := p.String()
		if !ok {
			return nil, false
		}
		if _, dup := item[name]; dup {
			return nil, false
		}
		p.WS()
		if !p.Consume(':') {
			return nil, false
		}
		p.WS()
		v, ok := p.attr(0)
		if !ok {
			return nil, false
		}
		item[name] = v
		p.WS()
		if p.Consume('}') {
			return item, true
		}
		if !p.Consume(',') {
			return nil, false
		}
		p.WS()
	}
}

// attr reads one attribute value, depth levels below the item, as toAttr
// would convert it when it accepts it: one type member, no other members.
func (p *Parser) attr(depth int) (Value, bool) {
	if depth > MaxNesting || !p.Consume('{') {
		return Value{}, false
	}
	p.WS()
	name, ok := p.RawString()
	if !ok {
		return Value{}, false
	}
	p.WS()
	if !p.Consume(':') {
		return Value{}, false
	}
	p.WS()
	a := Value{Type: attrTypeOf(name)}
	switch a.Type {
	case TypeS:
		if depth == 0 && p.Shared != nil {
			var raw []byte
			if raw, ok = p.RawString(); ok {
				var shared bool
				if a.Str, shared = p.Shared.Shared(raw); !shared {
					a.Str = string(raw)
				}
			}
			break
		}
		a.Str, ok = p.String()
	case TypeN:
		if a.Str, ok = p.String(); ok {
			var err error
			a.Num, err = ParseNumber(a.Str)
			ok = err == nil
		}
	case TypeB:
		var s []byte
		if s, ok = p.RawString(); ok {
			a.Bin, ok = decodeBase64(s)
		}
	case TypeBOOL:
		switch {
		case p.literal("true"):
			a.Bool = true
		case p.literal("false"):
		default:
			ok = false
		}
	case TypeNULL:
		a.Bool, ok = true, p.literal("true")
	case TypeSS, TypeNS, TypeBS:
		a, ok = p.set(a.Type)
	case TypeL:
		a.List, ok = p.list(depth)
	case TypeM:
		a.Map, ok = p.attrMap(depth)
	default:
		ok = false
	}
	if !ok {
		return Value{}, false
	}
	p.WS()
	return a, p.Consume('}')
}

// ParseAttr parses one attribute value as json.Unmarshal and toAttr would
// decode it, or reports false (see the contract above).
func ParseAttr(raw []byte) (Value, bool) {
	p := Parser{b: raw}
	p.WS()
	a, ok := p.attr(0)
	return a, ok && p.End()
}

// attrTypeOf returns the type a member name names, typeNone for others.
func attrTypeOf(name []byte) Type {
	switch string(name) {
	case "S":
		return TypeS
	case "N":
		return TypeN
	case "B":
		return TypeB
	case "BOOL":
		return TypeBOOL
	case "NULL":
		return TypeNULL
	case "SS":
		return TypeSS
	case "NS":
		return TypeNS
	case "BS":
		return TypeBS
	case "L":
		return TypeL
	case "M":
		return TypeM
	}
	return TypeNone
}

// decodeBase64 decodes s as toBinary does.
func decodeBase64(s []byte) ([]byte, bool) {
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	return b[:n], err == nil
}

// list reads an L value's elements.
func (p *Parser) list(depth int) ([]Value, bool) {
	if !p.Consume('[') {
		return nil, false
	}
	list := make([]Value, 0, 4)
	p.WS()
	if p.Consume(']') {
		return list, true
	}
	for {
		e, ok := p.attr(depth + 1)
		if !ok {
			return nil, false
		}
		list = append(list, e)
		p.WS()
		if p.Consume(']') {
			return list, true
		}
		if !p.Consume(',') {
			return nil, false
		}
		p.WS()
	}
}

// attrMap reads an M value's members.
func (p *Parser) attrMap(depth int) (map[string]Value, bool) {
	if !p.Consume('{') {
		return nil, false
	}
	m := make(map[string]Value)
	p.WS()
	if p.Consume('}') {
		return m, true
	}
	for {
		name, ok := p.String()
		if !ok {
			return nil, false
		}
		if _, dup := m[name]; dup {
			return nil, false
		}
		p.WS()
		if !p.Consume(':') {
			return nil, false
		}
		p.WS()
		e, ok := p.attr(depth + 1)
		if !ok {
			return nil, false
		}
		m[name] = e
		p.WS()
		if p.Consume('}') {
			return m, true
		}
		if !p.Consume(',') {
			return nil, false
		}
		p.WS()
	}
}

// set reads an SS, NS or BS value as toSet converts it: not empty, no
// duplicates.
func (p *Parser) set(typ Type) (Value, bool) {
	if !p.Consume('[') {
		return Value{}, false
	}
	a := Value{Type: typ}
	seen := make(map[string]bool)
	p.WS()
	if p.Consume(']') {
		return Value{}, false // empty: a ValidationException
	}
	for {
		var key string
		switch typ {
		case TypeSS, TypeNS:
			s, ok := p.String()
			if !ok {
				return Value{}, false
			}
			key = s
			if typ == TypeNS {
				n, err := ParseNumber(s)
				if err != nil {
					return Value{}, false
				}
				a.Nums = append(a.Nums, n)
				key = n.Canonical()
			}
			a.Strs = append(a.Strs, s)
		default:
			s, ok := p.RawString()
			if !ok {
				return Value{}, false
			}
			b, ok := decodeBase64(s)
			if !ok {
				return Value{}, false
			}
			a.Bins = append(a.Bins, b)
			key = string(b)
		}
		if seen[key] {
			return Value{}, false // duplicates: a ValidationException
		}
		seen[key] = true
		p.WS()
		if p.Consume(']') {
			return a, true
		}
		if !p.Consume(',') {
			return Value{}, false
		}
		p.WS()
	}
}

// NewParser returns a Parser at the start of b.
func NewParser(b []byte) *Parser { return &Parser{b: b} }

// Reset moves p to the start of b, keeping Shared.
func (p *Parser) Reset(b []byte) { p.b, p.i = b, 0 }

// Bool reads true or false, as encoding/json decodes them into a bool.
func (p *Parser) Bool() (v, ok bool) {
	switch {
	case p.literal("true"):
		return true, true
	case p.literal("false"):
		return false, true
	}
	return false, false
}

// Offset returns how many bytes the parser has read.
func (p *Parser) Offset() int { return p.i }

// Since returns the input from offset start to where the parser is; it
// aliases the input.
func (p *Parser) Since(start int) []byte { return p.b[start:p.i:p.i] }

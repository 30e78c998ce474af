package wire

import (
	"encoding/base64"
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
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

// String reads a String (see RawString) into a new Go string.
func (p *Parser) String() (string, bool) {
	s, ok := p.RawString()
	return string(s), ok
}

// aliasString reads a String (see RawString) into a Go string that
// aliases the input: valid while the input is, and unchanged.
func (p *Parser) aliasString() (string, bool) {
	s, ok := p.RawString()
	return unsafe.String(unsafe.SliceData(s), len(s)), ok
}

// Item reads an attribute map (an Item), as DecodeItem would decode it.
func (p *Parser) Item() (map[string]Value, bool) { return p.ItemInto(nil) }

// ItemInto is Item reading into item, an empty map its caller recycles (a
// map that was never grown past 8 attributes, so that it stays one group:
// iterating a map that was once larger visits every slot it grew); nil
// makes a new one. On false item may hold part of the input.
func (p *Parser) ItemInto(item map[string]Value) (map[string]Value, bool) {
	if item == nil {
		item = make(map[string]Value, 8)
	}
	ok := p.members(func(name []byte) bool {
		_, dup := item[string(name)] // no allocation for the lookup
		return dup
	}, func(name []byte, _ int) bool {
		v, ok := p.attr(0)
		if ok {
			item[string(name)] = v
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	return item, true
}

// members reads a JSON object of attribute values, an item or an M value:
// for each member it reads the name, refuses one that seen reports given
// before, and calls value with the name (aliasing the input) and the
// offset in the input where the name starts, the parser at the member's
// value, which value must read. It is the one grammar of attribute maps:
// ItemInto, ScanItem and M values read theirs with it.
func (p *Parser) members(seen func(name []byte) bool, value func(name []byte, at int) bool) bool {
	if !p.Consume('{') {
		return false
	}
	p.WS()
	if p.Consume('}') {
		return true
	}
	for {
		at := p.i + 1 // past the quote
		name, ok := p.RawString()
		if !ok || seen(name) {
			return false
		}
		p.WS()
		if !p.Consume(':') {
			return false
		}
		p.WS()
		if !value(name, at) {
			return false
		}
		p.WS()
		if p.Consume('}') {
			return true
		}
		if !p.Consume(',') {
			return false
		}
		p.WS()
	}
}

// ItemScan is what ScanItem reads of an attribute map (an Item) without
// building it: the billed size of the item Item would build, and where each
// attribute is, so that the few a caller needs (a table's key attributes)
// are decoded alone (Attr), and the whole item only when it is kept (Item).
// It aliases the parser's input and is valid while that is. The zero value
// is empty; Reset empties it, keeping its room for the next item. Not safe
// for concurrent use.
type ItemScan struct {
	// Size is the item's billed size: ItemSize of what Item returns.
	Size int
	// b is the parser's input, the item's JSON b[start:end].
	b          []byte
	start, end int
	// attrs are the attributes in input order; names, when not nil, holds
	// their names once there are too many to compare one by one.
	attrs []rawAttr
	names map[string]struct{}
}

// rawAttr is where one attribute of a scanned item is in the input:
// offsets, so that a scan kept for reuse holds no pointer into an input
// that was recycled.
type rawAttr struct {
	nameStart, nameEnd   int
	valueStart, valueEnd int
}

// maxCompared is the number of attributes ScanItem compares a new name
// with one by one to find a duplicate; past it, a map of the names does.
const maxCompared = 16

// maxKeptAttrs is the most attributes' room Reset keeps: a scan is pooled
// with its request, and one item of hundreds of thousands of attributes
// (a 16 MB body holds about 700,000) must not keep megabytes in the pool.
const maxKeptAttrs = 256

// Reset empties s, keeping its room for attributes up to maxKeptAttrs.
func (s *ItemScan) Reset() {
	attrs := s.attrs[:0]
	if cap(attrs) > maxKeptAttrs {
		attrs = nil
	}
	*s = ItemScan{attrs: attrs}
}

// Len returns the number of attributes of the item.
func (s *ItemScan) Len() int { return len(s.attrs) }

// ScanItem reads an attribute map into s as Item would read it, accepting
// exactly the input Item accepts and leaving the parser where Item would,
// without building the item: it allocates nothing for names and for S,
// BOOL, NULL and integer N values (B values, and sets, lists and maps, are
// decoded as Item decodes them, to be measured). s is Reset first.
func (p *Parser) ScanItem(s *ItemScan) bool {
	s.Reset()
	s.b, s.start = p.b, p.i
	ok := p.members(s.seen, func(name []byte, at int) bool {
		a := rawAttr{nameStart: at, nameEnd: at + len(name), valueStart: p.i}
		v, ok := p.value(0, true)
		if !ok {
			return false
		}
		a.valueEnd = p.i
		s.Size += attrSize(name, v)
		s.add(a)
		return true
	})
	if !ok {
		s.Reset()
		return false
	}
	s.end = p.i
	return true
}

// seen reports whether the item has an attribute called name.
func (s *ItemScan) seen(name []byte) bool {
	if s.names != nil {
		_, ok := s.names[string(name)]
		return ok
	}
	for _, a := range s.attrs {
		if string(s.b[a.nameStart:a.nameEnd]) == string(name) {
			return true
		}
	}
	return false
}

// add records a, an attribute whose name seen has not seen.
func (s *ItemScan) add(a rawAttr) {
	s.attrs = append(s.attrs, a)
	switch {
	case s.names != nil:
		s.names[string(s.b[a.nameStart:a.nameEnd])] = struct{}{}
	case len(s.attrs) > maxCompared:
		s.names = make(map[string]struct{}, 2*len(s.attrs))
		for _, a := range s.attrs {
			s.names[string(s.b[a.nameStart:a.nameEnd])] = struct{}{}
		}
	}
}

// Attr returns the value of the attribute called name, decoded as Item
// decodes it and copied out of the input, and whether the item has one.
func (s *ItemScan) Attr(name string) (Value, bool) {
	for _, a := range s.attrs {
		if string(s.b[a.nameStart:a.nameEnd]) == name {
			v, ok := ParseAttr(s.b[a.valueStart:a.valueEnd])
			if !ok { // ScanItem read it with the same grammar: a bug
				panic("wire: ItemScan.Attr: cannot parse attribute " + name + ", which ScanItem read")
			}
			return v, true
		}
	}
	return Value{}, false
}

// Item returns the item, decoded as Item decodes it and copied out of the
// input.
func (s *ItemScan) Item() map[string]Value {
	p := Parser{b: s.b[s.start:s.end]}
	item, ok := p.ItemInto(make(map[string]Value, len(s.attrs)))
	if !ok || !p.End() { // ScanItem read it with the same grammar: a bug
		panic("wire: ItemScan.Item: cannot parse an item ScanItem read")
	}
	return item
}

// attr reads one attribute value, depth levels below the item, as toAttr
// would convert it when it accepts it: one type member, no other members.
func (p *Parser) attr(depth int) (Value, bool) { return p.value(depth, false) }

// value is attr; with alias set, S and N values alias the input instead
// of being copied (and are not looked up among the shared copies): for a
// value that is only measured, which no one keeps.
func (p *Parser) value(depth int, alias bool) (Value, bool) {
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
		switch {
		case alias:
			a.Str, ok = p.aliasString()
		case depth == 0 && p.Shared != nil:
			var raw []byte
			if raw, ok = p.RawString(); ok {
				var shared bool
				if a.Str, shared = p.Shared.Shared(raw); !shared {
					a.Str = string(raw)
				}
			}
		default:
			a.Str, ok = p.String()
		}
	case TypeN:
		if alias {
			a.Str, ok = p.aliasString()
		} else {
			a.Str, ok = p.String()
		}
		if ok {
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
	m := make(map[string]Value)
	ok := p.members(func(name []byte) bool {
		_, dup := m[string(name)]
		return dup
	}, func(name []byte, _ int) bool {
		e, ok := p.attr(depth + 1)
		if ok {
			m[string(name)] = e
		}
		return ok
	})
	return m, ok
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

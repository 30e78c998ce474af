package fakeservice

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// This file is the request path's fast lane, for the speed target (see
// bench_test.go): PutItem bodies parsed in one pass, straight into decoded
// attribute values, and write responses encoded without reflection.
//
// The contract that keeps behaviour identical: the fast parser only ever
// accepts; it never answers an error. It takes the common shape of a request
// (members spelled exactly, each once, no nulls, no escapes in strings,
// attribute values DynamoDB accepts) and gives up on anything else, and
// then the request goes the general way (json.Valid, encoding/json, decodeItem)
// which produces every error message. Whatever it accepts is valid JSON and
// decodes to exactly what the general way would have decoded
// (FuzzParsePutItem checks both).

// fastRequest is a request body parsed by the fast lane, ready to run.
type fastRequest interface {
	run(s *Server) (any, error)
}

// parseFast parses body in one pass when target is an operation the fast lane
// takes and the body has the common shape; it returns nil otherwise. A
// non-nil result also means that body is valid JSON.
func parseFast(target string, body []byte) fastRequest {
	if target != targetPrefix+"PutItem" {
		return nil
	}
	in, ok := parsePutItem(body)
	if !ok {
		return nil
	}
	return in
}

func (in *putItemInput) run(s *Server) (any, error) { return s.putItemDecoded(in) }

// parsePutItem parses a PutItem body into what decode and decodeItem would
// make of it, or reports false (see the contract above).
func parsePutItem(body []byte) (*putItemInput, bool) {
	p := jsonParser{b: body}
	in := new(putItemInput)
	p.ws()
	if !p.consume('{') {
		return nil, false
	}
	p.ws()
	if p.consume('}') {
		return in, p.end()
	}
	for {
		name, ok := p.rawString()
		if !ok {
			return nil, false
		}
		p.ws()
		if !p.consume(':') {
			return nil, false
		}
		p.ws()
		var dst **string
		switch string(name) { // no allocation: the compiler compares in place
		case "TableName":
			dst = &in.TableName
		case "Item":
			if in.item != nil {
				return nil, false
			}
			if in.item, ok = p.item(); !ok {
				return nil, false
			}
		case "ReturnConsumedCapacity":
			dst = &in.ReturnConsumedCapacity
		case "ReturnValues":
			dst = &in.ReturnValues
		case "ReturnItemCollectionMetrics":
			dst = &in.ReturnItemCollectionMetrics
		case "ReturnValuesOnConditionCheckFailure":
			dst = &in.ReturnValuesOnConditionCheckFailure
		case "ConditionExpression":
			dst = &in.ConditionExpression
		default:
			// Other members, and names spelled in another case (which
			// encoding/json matches), go the general way.
			return nil, false
		}
		if dst != nil {
			if *dst != nil {
				return nil, false // given twice: encoding/json keeps the last
			}
			s, ok := p.string()
			if !ok {
				return nil, false
			}
			*dst = &s
		}
		p.ws()
		if p.consume('}') {
			return in, p.end()
		}
		if !p.consume(',') {
			return nil, false
		}
		p.ws()
	}
}

// jsonParser reads the strict subset of JSON the fast lane accepts. Every
// method reports false, leaving the position undefined, on input outside it.
type jsonParser struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (p *jsonParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips c if it is next.
func (p *jsonParser) consume(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (p *jsonParser) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// literal skips lit if it is next.
func (p *jsonParser) literal(lit string) bool {
	if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

// rawString reads a string without escapes or control characters and
// returns its bytes, which alias the input. Non-ASCII bytes must be valid
// UTF-8 (encoding/json replaces invalid bytes; the general way does that).
func (p *jsonParser) rawString() ([]byte, bool) {
	if !p.consume('"') {
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

// string reads a string (see rawString) into a new Go string.
func (p *jsonParser) string() (string, bool) {
	s, ok := p.rawString()
	return string(s), ok
}

// item reads an attribute map (an Item), as decodeItem would decode it.
func (p *jsonParser) item() (map[string]attrValue, bool) {
	if !p.consume('{') {
		return nil, false
	}
	item := make(map[string]attrValue, 8)
	p.ws()
	if p.consume('}') {
		return item, true
	}
	for {
		name, ok := p.string()
		if !ok {
			return nil, false
		}
		if _, dup := item[name]; dup {
			return nil, false
		}
		p.ws()
		if !p.consume(':') {
			return nil, false
		}
		p.ws()
		v, ok := p.attr(0)
		if !ok {
			return nil, false
		}
		item[name] = v
		p.ws()
		if p.consume('}') {
			return item, true
		}
		if !p.consume(',') {
			return nil, false
		}
		p.ws()
	}
}

// attr reads one attribute value, depth levels below the item, as toAttr
// would convert it when it accepts it: one type member, no other members.
func (p *jsonParser) attr(depth int) (attrValue, bool) {
	if depth > maxNesting || !p.consume('{') {
		return attrValue{}, false
	}
	p.ws()
	name, ok := p.rawString()
	if !ok {
		return attrValue{}, false
	}
	p.ws()
	if !p.consume(':') {
		return attrValue{}, false
	}
	p.ws()
	a := attrValue{typ: attrTypeOf(name)}
	switch a.typ {
	case typeS:
		a.str, ok = p.string()
	case typeN:
		if a.str, ok = p.string(); ok {
			var err error
			a.num, err = parseNumber(a.str)
			ok = err == nil
		}
	case typeB:
		var s []byte
		if s, ok = p.rawString(); ok {
			a.bin, ok = decodeBase64(s)
		}
	case typeBOOL:
		switch {
		case p.literal("true"):
			a.boolean = true
		case p.literal("false"):
		default:
			ok = false
		}
	case typeNULL:
		a.boolean, ok = true, p.literal("true")
	case typeSS, typeNS, typeBS:
		a, ok = p.set(a.typ)
	case typeL:
		a.list, ok = p.list(depth)
	case typeM:
		a.m, ok = p.attrMap(depth)
	default:
		ok = false
	}
	if !ok {
		return attrValue{}, false
	}
	p.ws()
	return a, p.consume('}')
}

// parseAttr parses one attribute value as json.Unmarshal and toAttr would
// decode it, or reports false (see the contract above).
func parseAttr(raw []byte) (attrValue, bool) {
	p := jsonParser{b: raw}
	p.ws()
	a, ok := p.attr(0)
	return a, ok && p.end()
}

// attrTypeOf returns the type a member name names, typeNone for others.
func attrTypeOf(name []byte) attrType {
	switch string(name) {
	case "S":
		return typeS
	case "N":
		return typeN
	case "B":
		return typeB
	case "BOOL":
		return typeBOOL
	case "NULL":
		return typeNULL
	case "SS":
		return typeSS
	case "NS":
		return typeNS
	case "BS":
		return typeBS
	case "L":
		return typeL
	case "M":
		return typeM
	}
	return typeNone
}

// decodeBase64 decodes s as toBinary does.
func decodeBase64(s []byte) ([]byte, bool) {
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	return b[:n], err == nil
}

// list reads an L value's elements.
func (p *jsonParser) list(depth int) ([]attrValue, bool) {
	if !p.consume('[') {
		return nil, false
	}
	list := make([]attrValue, 0, 4)
	p.ws()
	if p.consume(']') {
		return list, true
	}
	for {
		e, ok := p.attr(depth + 1)
		if !ok {
			return nil, false
		}
		list = append(list, e)
		p.ws()
		if p.consume(']') {
			return list, true
		}
		if !p.consume(',') {
			return nil, false
		}
		p.ws()
	}
}

// attrMap reads an M value's members.
func (p *jsonParser) attrMap(depth int) (map[string]attrValue, bool) {
	if !p.consume('{') {
		return nil, false
	}
	m := make(map[string]attrValue)
	p.ws()
	if p.consume('}') {
		return m, true
	}
	for {
		name, ok := p.string()
		if !ok {
			return nil, false
		}
		if _, dup := m[name]; dup {
			return nil, false
		}
		p.ws()
		if !p.consume(':') {
			return nil, false
		}
		p.ws()
		e, ok := p.attr(depth + 1)
		if !ok {
			return nil, false
		}
		m[name] = e
		p.ws()
		if p.consume('}') {
			return m, true
		}
		if !p.consume(',') {
			return nil, false
		}
		p.ws()
	}
}

// set reads an SS, NS or BS value as toSet converts it: not empty, no
// duplicates.
func (p *jsonParser) set(typ attrType) (attrValue, bool) {
	if !p.consume('[') {
		return attrValue{}, false
	}
	a := attrValue{typ: typ}
	seen := make(map[string]bool)
	p.ws()
	if p.consume(']') {
		return attrValue{}, false // empty: a ValidationException
	}
	for {
		var key string
		switch typ {
		case typeSS, typeNS:
			s, ok := p.string()
			if !ok {
				return attrValue{}, false
			}
			key = s
			if typ == typeNS {
				n, err := parseNumber(s)
				if err != nil {
					return attrValue{}, false
				}
				a.nums = append(a.nums, n)
				key = n.canonical()
			}
			a.strs = append(a.strs, s)
		default:
			s, ok := p.rawString()
			if !ok {
				return attrValue{}, false
			}
			b, ok := decodeBase64(s)
			if !ok {
				return attrValue{}, false
			}
			a.bins = append(a.bins, b)
			key = string(b)
		}
		if seen[key] {
			return attrValue{}, false // duplicates: a ValidationException
		}
		seen[key] = true
		p.ws()
		if p.consume(']') {
			return a, true
		}
		if !p.consume(',') {
			return attrValue{}, false
		}
		p.ws()
	}
}

// writeOutput is the answer of PutItem, UpdateItem and DeleteItem.
type writeOutput struct {
	Attributes       map[string]attrValue `json:",omitempty"`
	ConsumedCapacity *consumedCapacity    `json:",omitempty"`
}

// emptyObject is the most common answer of all.
var emptyObject = []byte("{}")

// appendJSON appends what json.Marshal makes of o; it reports false, having
// appended nothing, for values it leaves to json.Marshal.
func (o writeOutput) appendJSON(b []byte) ([]byte, bool) {
	if len(o.Attributes) > 0 {
		return b, false
	}
	c := o.ConsumedCapacity
	if c == nil {
		return append(b, emptyObject...), true
	}
	if !plainJSONString(c.TableName) || !plainJSONFloat(c.CapacityUnits) ||
		(c.Table != nil && !plainJSONFloat(c.Table.CapacityUnits)) {
		return b, false
	}
	b = append(b, `{"ConsumedCapacity":{"TableName":"`...)
	b = append(b, c.TableName...)
	b = append(b, `","CapacityUnits":`...)
	b = strconv.AppendFloat(b, c.CapacityUnits, 'f', -1, 64)
	if c.Table != nil {
		b = append(b, `,"Table":{"CapacityUnits":`...)
		b = strconv.AppendFloat(b, c.Table.CapacityUnits, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, "}}"...), true
}

// plainJSONString reports whether encoding/json writes s as it is between
// quotes: table name characters only.
func plainJSONString(s string) bool { return validTableNameChars(s) }

// plainJSONFloat reports whether encoding/json writes f as
// strconv.FormatFloat(f, 'f', -1, 64) does: finite, and 0 or of a magnitude
// in [1e-6, 1e21).
func plainJSONFloat(f float64) bool {
	a := math.Abs(f)
	return a == 0 || a >= 1e-6 && a < 1e21
}

// jsonAppender is implemented by answers that encode themselves faster
// than json.Marshal, with identical bytes.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, bool)
}

// marshal returns json.Marshal(v), taking v's own encoder when it has one.
// The result may be shared: callers must not modify it.
func marshal(v any) ([]byte, error) {
	if o, ok := v.(writeOutput); ok && o.ConsumedCapacity == nil && len(o.Attributes) == 0 {
		return emptyObject[:len(emptyObject):len(emptyObject)], nil
	}
	if a, ok := v.(jsonAppender); ok {
		if b, ok := a.appendJSON(make([]byte, 0, 128)); ok {
			return b, nil
		}
	}
	return json.Marshal(v)
}

// runOp runs op on body, or the request the fast lane parsed from it.
func runOp(s *Server, op operation, body []byte, fast fastRequest) (any, error) {
	if fast != nil {
		return fast.run(s)
	}
	return op(s, body)
}

// readBody reads r to the end, in one allocation when size (the request's
// Content-Length, -1 if unknown) is right and not above 1 MiB (a client
// announcing more must send it before it costs that much memory).
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > 1<<20 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1) // +1: room to see EOF without growing
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // longer than announced: grow
		}
	}
}

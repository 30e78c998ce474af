package store

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// This file is the request path's fast lane, for the speed target (see
// bench_test.go): PutItem bodies parsed in one pass, straight into decoded
// attribute values, and write responses encoded without reflection.
//
// The contract that keeps behaviour identical: the fast parser only ever
// accepts; it never answers an error. It takes the common shape of a request
// (members spelled exactly, each once, no nulls, no escapes in strings,
// attribute values DynamoDB accepts) and gives up on anything else, and
// then the request goes the general way (json.Valid, encoding/json, wire.DecodeItem)
// which produces every error message. Whatever it accepts is valid JSON and
// decodes to exactly what the general way would have decoded
// (FuzzParsePutItem checks both). On a DB that keeps no item's attributes,
// and on one keeping them for a second after a throttled write
// (DB.scansPuts), a PutItem's Item is scanned rather than decoded
// (wire.ItemScan): the same input is taken, and the answer, the charge and
// what is stored are the general way's (FuzzPutItemKeep).

// Request is a request body parsed by the fast lane, ready to run.
type Request interface {
	run(s *DB) (any, error)
}

// ParseFast parses body in one pass when target is an operation the fast lane
// takes (PutItem, GetItem, UpdateItem, BatchWriteItem) and the body has the
// common shape; it returns nil otherwise. A non-nil result also means that
// body is valid JSON. What the request stores keeps nothing of body, but
// the request and its answer may (BatchWriteItem's UnprocessedItems are
// its bytes): body may be reused once the answer is encoded.
func ParseFast(target string, body []byte) Request { return parseFast(target, body, nil, nil) }

// ParseFast is the package's ParseFast for requests to s: large string
// values already among s's shared copies (see interner) are taken from
// there rather than copied out of body, and when s scans PutItems
// (DB.scansPuts: it keeps no item's attributes, or a write was just
// throttled) a PutItem's Item is read and measured but not built (see
// parseFastPutItem). What it answers is the same.
func (s *DB) ParseFast(target string, body []byte) Request {
	return parseFast(target, body, &s.shared, s)
}

// parseFast is ParseFast; sh, when not nil, gives the parser shared copies
// of values (wire.Parser.Shared); db, when not nil, says whether PutItems
// are scanned (DB.scansPuts).
func parseFast(target string, body []byte, sh wire.Sharer, db *DB) Request {
	name, ok := strings.CutPrefix(target, wire.TargetPrefix)
	if !ok {
		return nil
	}
	p := &wire.Parser{Shared: sh}
	switch name {
	case "PutItem":
		if in, ok := parseFastPutItem(p, body, db != nil && db.scansPuts()); ok {
			return in
		}
	case "GetItem":
		if in, ok := parseGetItem(p, body); ok {
			return in
		}
	case "UpdateItem":
		if in, ok := parseUpdateItem(p, body); ok {
			return in
		}
	case "BatchWriteItem":
		if in, ok := parseBatchWrite(p, body); ok {
			return in
		}
	}
	return nil
}

func (in *getItemInput) run(s *DB) (any, error)    { return s.getItemDecoded(in) }
func (in *updateItemInput) run(s *DB) (any, error) { return s.updateItemDecoded(in) }
func (in *batchWriteInput) run(s *DB) (any, error) { return s.batchWriteDecoded(in) }

// parseObject parses body, a JSON object, calling member at each member's
// name with the parser at its value, which member must read. It reports
// false when the body is not an object with members spelled without
// escapes, or when member does.
func parseObject(p *wire.Parser, member func(name []byte) bool) bool {
	p.WS()
	if !p.Consume('{') {
		return false
	}
	p.WS()
	if p.Consume('}') {
		return true
	}
	for {
		name, ok := p.RawString()
		if !ok {
			return false
		}
		p.WS()
		if !p.Consume(':') {
			return false
		}
		p.WS()
		if !member(name) {
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

// strSlots is room for the string members of one request, which the
// parsers point them at: one allocation for the request instead of one more
// per member.
type strSlots struct {
	s [8]string
	n int
}

// take reads a string member into *dst. A member given twice goes the
// general way (encoding/json keeps the last).
func (r *strSlots) take(p *wire.Parser, dst **string) bool {
	if *dst != nil || r.n == len(r.s) {
		return false
	}
	var ok bool
	if r.s[r.n], ok = p.String(); !ok {
		return false
	}
	*dst = &r.s[r.n]
	r.n++
	return true
}

// item reads an attribute map (Item, Key, ExpressionAttributeValues) into
// *dst; one given twice goes the general way.
func item(p *wire.Parser, dst *map[string]wire.Value) bool {
	if *dst != nil {
		return false
	}
	var ok bool
	*dst, ok = p.Item()
	return ok
}

// fastPutItem is a putItemInput with room for its string members, recycled
// by putItems once it has run.
type fastPutItem struct {
	putItemInput
	strs strSlots
	// spare is an empty item map for the next request to parse its Item
	// into: the map of a request that was throttled (see recycle); nil
	// when there is none.
	spare map[string]wire.Value
	// scan is the Item read without being built (putItemInput.scan
	// points here when it was), kept with its room for the next request.
	scan wire.ItemScan
}

// putItems holds fastPutItems for parseFastPutItem to take instead of
// allocating one (and its item map, when it has a spare) per request.
var putItems = sync.Pool{New: func() any { return new(fastPutItem) }}

// run runs the request and gives it back to putItems: DB.Do is its only
// caller, once per request, and nothing keeps the request (what the answer
// holds is the table's, or copies).
func (fp *fastPutItem) run(s *DB) (any, error) {
	out, err := s.putItemDecoded(&fp.putItemInput)
	fp.recycle(err)
	return out, err
}

// recycle clears fp, which err answered, and puts it in putItems. Under
// overload most PutItems are throttled, and a throttled write stores
// nothing (DB.write decides before it stores, and keeps neither the item
// nor its map; the answer is a shared Error), so its item map is kept,
// emptied, for the next request. An item that was stored, or that grew
// past one group of 8 attributes, is left alone.
func (fp *fastPutItem) recycle(err error) {
	var spare map[string]wire.Value
	if ae, ok := err.(*wire.Error); ok && ae.IsThrottle() && fp.item != nil && len(fp.item) <= 8 {
		clear(fp.item)
		spare = fp.item
	}
	fp.scan.Reset() // nothing of the body is kept
	*fp = fastPutItem{spare: spare, scan: fp.scan}
	putItems.Put(fp)
}

// parseFastPutItem parses a PutItem body into what decode and
// wire.DecodeItem would make of it, or reports false (see the contract
// above). When scan (DB.scansPuts), the Item is scanned instead
// (wire.Parser.ScanItem, which takes exactly what ItemInto takes): on a DB
// keeping no attributes most tables throw them away, and under overload
// most writes are throttled; putItemDecoded builds the item from the scan
// where it is kept (before the table's lock for a table with indexes, else
// once the write is admitted). The scan aliases body, which
// outlives the request's run (see ParseFast). The request comes from
// putItems: running it gives it back.
func parseFastPutItem(p *wire.Parser, body []byte, scan bool) (*fastPutItem, bool) {
	p.Reset(body)
	fp := putItems.Get().(*fastPutItem)
	in := &fp.putItemInput
	ok := parseObject(p, func(name []byte) bool {
		switch string(name) { // no allocation: the compiler compares in place
		case "TableName":
			return fp.strs.take(p, &in.TableName)
		case "Item":
			if in.item != nil || in.scan != nil {
				return false // given twice: the general way
			}
			if scan {
				in.scan = &fp.scan
				return p.ScanItem(in.scan)
			}
			var ok bool
			in.item, ok = p.ItemInto(fp.spare)
			fp.spare = nil
			return ok
		case "ReturnConsumedCapacity":
			return fp.strs.take(p, &in.ReturnConsumedCapacity)
		case "ReturnValues":
			return fp.strs.take(p, &in.ReturnValues)
		case "ReturnItemCollectionMetrics":
			return fp.strs.take(p, &in.ReturnItemCollectionMetrics)
		case "ReturnValuesOnConditionCheckFailure":
			return fp.strs.take(p, &in.ReturnValuesOnConditionCheckFailure)
		case "ConditionExpression":
			return fp.strs.take(p, &in.ConditionExpression)
		}
		// Other members, and names spelled in another case (which
		// encoding/json matches), go the general way.
		return false
	})
	if !ok || !p.End() {
		return nil, false
	}
	return fp, true
}

// fastGetItem is a getItemInput with room for its members.
type fastGetItem struct {
	getItemInput
	strs       strSlots
	consistent bool
}

// parseGetItem parses a GetItem body without AttributesToGet or
// ExpressionAttributeNames into what decode and wire.DecodeItem would make
// of it, or reports false (see the contract above).
func parseGetItem(p *wire.Parser, body []byte) (*getItemInput, bool) {
	p.Reset(body)
	fg := new(fastGetItem)
	in := &fg.getItemInput
	ok := parseObject(p, func(name []byte) bool {
		switch string(name) {
		case "TableName":
			return fg.strs.take(p, &in.TableName)
		case "Key":
			return item(p, &in.key)
		case "ConsistentRead":
			if in.ConsistentRead != nil {
				return false
			}
			var ok bool
			fg.consistent, ok = p.Bool()
			in.ConsistentRead = &fg.consistent
			return ok
		case "ReturnConsumedCapacity":
			return fg.strs.take(p, &in.ReturnConsumedCapacity)
		case "ProjectionExpression":
			return fg.strs.take(p, &in.ProjectionExpression)
		}
		return false
	})
	if !ok || !p.End() {
		return nil, false
	}
	return in, true
}

// fastUpdateItem is an updateItemInput with room for its string members.
type fastUpdateItem struct {
	updateItemInput
	strs strSlots
}

// parseUpdateItem parses an UpdateItem body that has an UpdateExpression
// and no ExpressionAttributeNames, AttributeUpdates, Expected or
// ConditionalOperator (the SET of values a load generator sends) into what
// decode and wire.DecodeItem would make of it, or reports false (see the
// contract above). The expressions themselves are parsed and applied by
// the one implementation in package expr.
func parseUpdateItem(p *wire.Parser, body []byte) (*updateItemInput, bool) {
	p.Reset(body)
	fu := new(fastUpdateItem)
	in := &fu.updateItemInput
	ok := parseObject(p, func(name []byte) bool {
		switch string(name) {
		case "TableName":
			return fu.strs.take(p, &in.TableName)
		case "Key":
			return item(p, &in.key)
		case "UpdateExpression":
			return fu.strs.take(p, &in.UpdateExpression)
		case "ConditionExpression":
			return fu.strs.take(p, &in.ConditionExpression)
		case "ExpressionAttributeValues":
			return item(p, &in.values)
		case "ReturnConsumedCapacity":
			return fu.strs.take(p, &in.ReturnConsumedCapacity)
		case "ReturnValues":
			return fu.strs.take(p, &in.ReturnValues)
		case "ReturnItemCollectionMetrics":
			return fu.strs.take(p, &in.ReturnItemCollectionMetrics)
		case "ReturnValuesOnConditionCheckFailure":
			return fu.strs.take(p, &in.ReturnValuesOnConditionCheckFailure)
		}
		return false
	})
	if !ok || !p.End() || in.UpdateExpression == nil {
		return nil, false
	}
	in.fast = true
	return in, true
}

// fastBatchWrite is a batchWriteInput with room for its string members.
type fastBatchWrite struct {
	batchWriteInput
	strs strSlots
}

// parseBatchWrite parses a BatchWriteItem body whose requests each hold
// exactly one PutRequest with an Item or one DeleteRequest with a Key into
// what decode, WriteRequest and wire.DecodeItem would make of it, or
// reports false (see the contract above). RequestItems keeps each
// request's bytes, which UnprocessedItems answers.
func parseBatchWrite(p *wire.Parser, body []byte) (*batchWriteInput, bool) {
	p.Reset(body)
	fb := new(fastBatchWrite)
	in := &fb.batchWriteInput
	ok := parseObject(p, func(name []byte) bool {
		switch string(name) {
		case "RequestItems":
			if in.RequestItems != nil {
				return false
			}
			in.RequestItems, in.fast = map[string][]json.RawMessage{}, map[string][]fastWrite{}
			return parseObject(p, func(table []byte) bool {
				if _, dup := in.RequestItems[string(table)]; dup {
					return false
				}
				raws, writes, ok := parseWriteRequests(p)
				if ok {
					name := string(table)
					in.RequestItems[name], in.fast[name] = raws, writes
				}
				return ok
			})
		case "ReturnConsumedCapacity":
			return fb.strs.take(p, &in.ReturnConsumedCapacity)
		case "ReturnItemCollectionMetrics":
			return fb.strs.take(p, &in.ReturnItemCollectionMetrics)
		}
		return false
	})
	if !ok || !p.End() {
		return nil, false
	}
	return in, true
}

// parseWriteRequests parses one table's array of write requests, with the
// bytes of each (aliasing the body).
func parseWriteRequests(p *wire.Parser) ([]json.RawMessage, []fastWrite, bool) {
	if !p.Consume('[') {
		return nil, nil, false
	}
	raws, writes := []json.RawMessage{}, []fastWrite{}
	p.WS()
	if p.Consume(']') {
		return raws, writes, true
	}
	for {
		start := p.Offset()
		var w fastWrite
		ok := parseObject(p, func(name []byte) bool {
			if w.item != nil || w.key != nil {
				return false // both, or one twice: the general way
			}
			var want string
			var dst *map[string]wire.Value
			switch string(name) {
			case "PutRequest":
				want, dst = "Item", &w.item
			case "DeleteRequest":
				want, dst = "Key", &w.key
			default:
				return false
			}
			return parseObject(p, func(member []byte) bool {
				return string(member) == want && item(p, dst)
			}) && *dst != nil
		})
		if !ok || (w.item == nil && w.key == nil) {
			return nil, nil, false
		}
		raws = append(raws, p.Since(start))
		writes = append(writes, w)
		p.WS()
		if p.Consume(']') {
			return raws, writes, true
		}
		if !p.Consume(',') {
			return nil, nil, false
		}
		p.WS()
	}
}

// writeOutput is the answer of PutItem, UpdateItem and DeleteItem.
type writeOutput struct {
	Attributes       map[string]wire.Value `json:",omitempty"`
	ConsumedCapacity *consumedCapacity     `json:",omitempty"`
}

// emptyObject is the most common answer of all.
var emptyObject = []byte("{}")

// appendJSON appends what json.Marshal makes of o; it reports false, having
// appended nothing, for values it leaves to json.Marshal.
func (o writeOutput) appendJSON(b []byte) ([]byte, bool) {
	if !o.ConsumedCapacity.plain() {
		return b, false
	}
	if len(o.Attributes) == 0 && o.ConsumedCapacity == nil {
		return append(b, emptyObject...), true
	}
	b = append(b, '{')
	if len(o.Attributes) > 0 {
		b = append(b, `"Attributes":`...)
		b = wire.AppendItem(b, o.Attributes)
		if o.ConsumedCapacity != nil {
			b = append(b, ',')
		}
	}
	if o.ConsumedCapacity != nil {
		b = append(b, `"ConsumedCapacity":`...)
		b = o.ConsumedCapacity.appendJSON(b)
	}
	return append(b, '}'), true
}

// appendJSON appends what json.Marshal makes of o; it reports false, having
// appended nothing, for values it leaves to json.Marshal.
func (o getItemOutput) appendJSON(b []byte) ([]byte, bool) {
	if !o.ConsumedCapacity.plain() {
		return b, false
	}
	b = append(b, '{')
	if len(o.Item) > 0 {
		b = append(b, `"Item":`...)
		b = wire.AppendItem(b, o.Item)
		if o.ConsumedCapacity != nil {
			b = append(b, ',')
		}
	}
	if o.ConsumedCapacity != nil {
		b = append(b, `"ConsumedCapacity":`...)
		b = o.ConsumedCapacity.appendJSON(b)
	}
	return append(b, '}'), true
}

// appendJSON appends what json.Marshal makes of o when nothing is left
// unprocessed (RawMessages are compacted by json.Marshal: left to it); it
// reports false, having appended nothing, otherwise.
func (o batchWriteOutput) appendJSON(b []byte) ([]byte, bool) {
	if o.UnprocessedItems == nil || len(o.UnprocessedItems) > 0 {
		return b, false
	}
	for _, c := range o.ConsumedCapacity {
		if c == nil || !c.plain() {
			return b, false
		}
	}
	b = append(b, `{"UnprocessedItems":{}`...)
	if len(o.ConsumedCapacity) > 0 {
		b = append(b, `,"ConsumedCapacity":[`...)
		for i, c := range o.ConsumedCapacity {
			if i > 0 {
				b = append(b, ',')
			}
			b = c.appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}'), true
}

// plain reports whether appendJSON encodes c (nil included) as
// json.Marshal does: no indexes, a table name and units written as they
// are.
func (c *consumedCapacity) plain() bool {
	return c == nil || c.GlobalSecondaryIndexes == nil && plainJSONString(c.TableName) &&
		plainJSONFloat(c.CapacityUnits) && (c.Table == nil || plainJSONFloat(c.Table.CapacityUnits))
}

// appendJSON appends c, which must be plain and not nil, as json.Marshal
// encodes it.
func (c *consumedCapacity) appendJSON(b []byte) []byte {
	b = append(b, `{"TableName":"`...)
	b = append(b, c.TableName...)
	b = append(b, `","CapacityUnits":`...)
	b = strconv.AppendFloat(b, c.CapacityUnits, 'f', -1, 64)
	if c.Table != nil {
		b = append(b, `,"Table":{"CapacityUnits":`...)
		b = strconv.AppendFloat(b, c.Table.CapacityUnits, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, '}')
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

// Marshal returns json.Marshal(v), taking v's own encoder when it has one.
// The result may be shared: callers must not modify it.
func Marshal(v any) ([]byte, error) {
	if o, ok := v.(writeOutput); ok && o.ConsumedCapacity == nil && len(o.Attributes) == 0 {
		return emptyObject[:len(emptyObject):len(emptyObject)], nil
	}
	if a, ok := v.(jsonAppender); ok {
		size := 256
		switch o := v.(type) { // room for the item: one allocation, no growing
		case getItemOutput:
			size += itemJSONSize(o.Item)
		case writeOutput:
			size += itemJSONSize(o.Attributes)
		}
		if b, ok := a.appendJSON(make([]byte, 0, size)); ok {
			return b, nil
		}
	}
	return json.Marshal(v)
}

// itemJSONSize estimates the bytes of item in DynamoDB JSON: its billed
// size plus the punctuation of each top-level attribute; nested ones take
// more, and the buffer then grows.
func itemJSONSize(item map[string]wire.Value) int {
	if len(item) == 0 {
		return 0
	}
	return wire.ItemSize(item) + 16*len(item)
}

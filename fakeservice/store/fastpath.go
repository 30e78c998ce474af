package store

import (
	"encoding/json"
	"math"
	"strconv"

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
// (FuzzParsePutItem checks both).

// Request is a request body parsed by the fast lane, ready to run.
type Request interface {
	run(s *DB) (any, error)
}

// ParseFast parses body in one pass when target is an operation the fast lane
// takes and the body has the common shape; it returns nil otherwise. A
// non-nil result also means that body is valid JSON.
func ParseFast(target string, body []byte) Request {
	if target != wire.TargetPrefix+"PutItem" {
		return nil
	}
	in, ok := parsePutItem(body)
	if !ok {
		return nil
	}
	return in
}

func (in *putItemInput) run(s *DB) (any, error) { return s.putItemDecoded(in) }

// fastPutItem is a putItemInput with room for the string members
// parsePutItem reads (TableName and the five optional ones), which it
// points them at: one allocation for the request instead of one more per
// member.
type fastPutItem struct {
	putItemInput
	strs [6]string
}

// parsePutItem parses a PutItem body into what decode and wire.DecodeItem would
// make of it, or reports false (see the contract above).
func parsePutItem(body []byte) (*putItemInput, bool) {
	p := wire.NewParser(body)
	fp := new(fastPutItem)
	in := &fp.putItemInput
	p.WS()
	if !p.Consume('{') {
		return nil, false
	}
	p.WS()
	if p.Consume('}') {
		return in, p.End()
	}
	strs := 0 // fp.strs used
	for {
		name, ok := p.RawString()
		if !ok {
			return nil, false
		}
		p.WS()
		if !p.Consume(':') {
			return nil, false
		}
		p.WS()
		var dst **string
		switch string(name) { // no allocation: the compiler compares in place
		case "TableName":
			dst = &in.TableName
		case "Item":
			if in.item != nil {
				return nil, false
			}
			if in.item, ok = p.Item(); !ok {
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
			if strs == len(fp.strs) { // unreachable: each member is read once
				return nil, false
			}
			if fp.strs[strs], ok = p.String(); !ok {
				return nil, false
			}
			*dst = &fp.strs[strs]
			strs++
		}
		p.WS()
		if p.Consume('}') {
			return in, p.End()
		}
		if !p.Consume(',') {
			return nil, false
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
	if len(o.Attributes) > 0 || (o.ConsumedCapacity != nil && o.ConsumedCapacity.GlobalSecondaryIndexes != nil) {
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

// Marshal returns json.Marshal(v), taking v's own encoder when it has one.
// The result may be shared: callers must not modify it.
func Marshal(v any) ([]byte, error) {
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

package store

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Batch limits.
const (
	// MaxBatchWrite is the most put and delete requests one BatchWriteItem
	// carries.
	MaxBatchWrite = 25
	// MaxBatchGet is the most keys one BatchGetItem asks for.
	MaxBatchGet = 100
	// MaxBatchGetResponse is the most item data one BatchGetItem returns:
	// 16 MB. Keys past it come back in UnprocessedKeys.
	MaxBatchGetResponse = 16 << 20
)

// BatchThrottle remembers the first throttle of a batch, which is the
// call's error when no item at all could be processed.
type BatchThrottle struct {
	D   throttle.Decision
	ARN string
}

func (b *BatchThrottle) Note(d throttle.Decision, arn string) {
	if b.ARN == "" {
		b.D, b.ARN = d, arn
	}
}

// batchTables looks up every table a batch names, in name order.
func (s *DB) batchTables(names []string) ([]*Table, error) {
	slices.Sort(names)
	ts := make([]*Table, len(names))
	for i, n := range names {
		t, err := s.lookup(n, "Requested resource not found")
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}

// BatchWriteItem

type batchWriteInput struct {
	RequestItems                map[string][]json.RawMessage
	ReturnConsumedCapacity      *string
	ReturnItemCollectionMetrics *string

	// fast is RequestItems already decoded, by parseBatchWrite
	// (fastpath.go), request by request; nil when each request is to be
	// decoded by decode and wire.DecodeItem.
	fast map[string][]fastWrite
}

// fastWrite is one WriteRequest decoded by parseBatchWrite: exactly one of
// a PutRequest's Item and a DeleteRequest's Key.
type fastWrite struct {
	item, key map[string]wire.Value
}

// batchWriteOutput is the answer of BatchWriteItem.
type batchWriteOutput struct {
	UnprocessedItems map[string][]json.RawMessage
	ConsumedCapacity []*consumedCapacity `json:",omitempty"`
}

type WriteRequest struct {
	PutRequest    *struct{ Item map[string]json.RawMessage }
	DeleteRequest *struct{ Key map[string]json.RawMessage }
}

// batchWrite is one validated request of a BatchWriteItem.
type batchWrite struct {
	raw  json.RawMessage
	key  Key
	item map[string]wire.Value // nil for a delete
	size int
}

func (s *DB) batchWriteItem(body []byte) (any, error) {
	var in batchWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return s.batchWriteDecoded(&in)
}

// request returns the j-th write request for table: the attributes of its
// PutRequest's Item (put) or of its DeleteRequest's Key, decoded and
// checked in DynamoDB's order.
func (in *batchWriteInput) request(table string, j int, raw json.RawMessage) (attrs map[string]wire.Value, put bool, err error) {
	if in.fast != nil {
		w := in.fast[table][j]
		if w.item != nil {
			return w.item, true, nil
		}
		return w.key, false, nil
	}
	var r WriteRequest
	if err := decode(raw, &r); err != nil {
		return nil, false, err
	}
	switch {
	case (r.PutRequest == nil) == (r.DeleteRequest == nil):
		return nil, false, wire.ValidationError("Supplied WriteRequest must contain exactly one of PutRequest or DeleteRequest")
	case r.PutRequest != nil:
		if r.PutRequest.Item == nil {
			return nil, false, wire.ValidationError("1 validation error detected: Value null at 'requestItems." + table + ".member.putRequest.item' failed to satisfy constraint: Member must not be null")
		}
		attrs, err = wire.DecodeItem(r.PutRequest.Item)
		return attrs, true, err
	default:
		if r.DeleteRequest.Key == nil {
			return nil, false, wire.ValidationError("1 validation error detected: Value null at 'requestItems." + table + ".member.deleteRequest.key' failed to satisfy constraint: Member must not be null")
		}
		attrs, err = wire.DecodeItem(r.DeleteRequest.Key)
		return attrs, false, err
	}
}

// batchWriteDecoded runs a BatchWriteItem request decoded by
// batchWriteItem or parseBatchWrite.
func (s *DB) batchWriteDecoded(in *batchWriteInput) (any, error) {
	var v validator
	v.notNull("requestItems", in.RequestItems == nil)
	if in.RequestItems != nil && len(in.RequestItems) == 0 {
		v.add("'{}'", "requestItems", "Member must have length greater than or equal to 1")
	}
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	v.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	total := 0
	names := make([]string, 0, len(in.RequestItems))
	for name, reqs := range in.RequestItems {
		n := name
		v.tableName("requestItems.key", &n, true)
		if len(reqs) < 1 || len(reqs) > MaxBatchWrite {
			v.add(fmt.Sprintf("'{%s=%d requests}'", name, len(reqs)), "requestItems",
				"Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
		}
		total += len(reqs)
		names = append(names, name)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if total > MaxBatchWrite {
		return nil, wire.ValidationError("Too many items requested for the BatchWriteItem call")
	}
	tables, err := s.batchTables(names)
	if err != nil {
		return nil, err
	}
	// Validate the whole batch before writing anything.
	work := make([][]batchWrite, len(tables))
	for i, t := range tables {
		seen := make(map[Key]bool, len(in.RequestItems[t.Name]))
		for j, raw := range in.RequestItems[t.Name] {
			attrs, put, err := in.request(t.Name, j, raw)
			if err != nil {
				return nil, err
			}
			w := batchWrite{raw: raw}
			if put {
				item := attrs
				if w.size = wire.ItemSize(item); w.size > throttle.MaxItemSize {
					return nil, wire.ValidationError("Item size has exceeded the maximum allowed size")
				}
				if w.key, err = t.KeyOfItem(item); err != nil {
					return nil, err
				}
				w.item = item
			} else if w.key, err = t.KeyOfKey(attrs); err != nil {
				return nil, err
			}
			if seen[w.key] {
				return nil, wire.ValidationError("Provided list of item keys contains duplicates")
			}
			seen[w.key] = true
			work[i] = append(work[i], w)
		}
	}

	for i, t := range tables { // bad index keys and full item collections refuse the whole batch
		t.Mu.Lock()
		for _, w := range work[i] {
			old, _ := t.items.get(w.key)
			if err := t.checkWrite(w.key, old.attrs, old.size, w.item, w.size, s.collLimit); err != nil {
				t.Mu.Unlock()
				return nil, err
			}
		}
		t.Mu.Unlock()
	}
	unprocessed := map[string][]json.RawMessage{}
	var caps []*consumedCapacity
	var first BatchThrottle
	processed := 0
	for i, t := range tables {
		var used throttle.MilliUnits
		t.Mu.Lock()
		if t.Deleted {
			t.Mu.Unlock()
			return nil, wire.ResourceNotFoundError("Requested resource not found")
		}
		now := s.now()
		for _, w := range work[i] {
			old, existed := t.items.get(w.key)                // the size is all a batch write reads
			cost := throttle.WriteCost(max(w.size, old.size)) // a delete: the deleted item, 1 if none
			c := t.chargeWrite(now, w.key, cost, old.attrs, old.size, w.item, w.size)
			if !c.d.Admitted {
				first.Note(c.d, c.arn)
				unprocessed[t.Name] = append(unprocessed[t.Name], w.raw)
				continue
			}
			processed++
			used += c.total
			if w.item == nil {
				t.remove(w.key)
			} else {
				t.put(w.key, w.item, w.size, old, existed)
			}
		}
		t.Mu.Unlock()
		if c := consumed(in.ReturnConsumedCapacity, t.Name, throttle.Write, used); c != nil {
			caps = append(caps, c)
		}
	}
	if processed == 0 {
		return nil, wire.ThrottleError(first.D, first.ARN)
	}
	return batchWriteOutput{unprocessed, caps}, nil
}

// BatchGetItem

type KeysAndAttributes struct {
	Keys                     []map[string]json.RawMessage
	ConsistentRead           *bool             `json:",omitempty"`
	ProjectionExpression     *string           `json:",omitempty"`
	ExpressionAttributeNames map[string]string `json:",omitempty"`
	AttributesToGet          []string          `json:",omitempty"`
}

type batchGetInput struct {
	RequestItems           map[string]*KeysAndAttributes
	ReturnConsumedCapacity *string
}

// batchGet is one validated key of a BatchGetItem.
type batchGet struct {
	raw map[string]json.RawMessage
	key Key
}

func (s *DB) batchGetItem(body []byte) (any, error) {
	var in batchGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.notNull("requestItems", in.RequestItems == nil)
	if in.RequestItems != nil && len(in.RequestItems) == 0 {
		v.add("'{}'", "requestItems", "Member must have length greater than or equal to 1")
	}
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	total := 0
	names := make([]string, 0, len(in.RequestItems))
	for name, ka := range in.RequestItems {
		n := name
		v.tableName("requestItems.key", &n, true)
		path := "requestItems." + name + ".member.keys"
		switch {
		case ka == nil:
			v.notNull("requestItems."+name+".member", true)
		case ka.Keys == nil:
			v.notNull(path, true)
		case len(ka.Keys) < 1 || len(ka.Keys) > MaxBatchGet:
			c := "Member must have length greater than or equal to 1"
			if len(ka.Keys) > MaxBatchGet {
				c = "Member must have length less than or equal to 100"
			}
			v.add(fmt.Sprintf("'%d keys'", len(ka.Keys)), path, c)
		}
		if ka != nil {
			total += len(ka.Keys)
		}
		names = append(names, name)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if total > MaxBatchGet {
		return nil, wire.ValidationError("Too many items requested for the BatchGetItem call")
	}
	tables, err := s.batchTables(names)
	if err != nil {
		return nil, err
	}
	work := make([][]batchGet, len(tables))
	attrs := make([][]string, len(tables))
	for i, t := range tables {
		ka := in.RequestItems[t.Name]
		if attrs[i], err = projection(ka.AttributesToGet, ka.ProjectionExpression, ka.ExpressionAttributeNames); err != nil {
			return nil, err
		}
		seen := make(map[Key]bool, len(ka.Keys))
		for _, raw := range ka.Keys {
			key, err := wire.DecodeItem(raw)
			if err != nil {
				return nil, err
			}
			k, err := t.KeyOfKey(key)
			if err != nil {
				return nil, err
			}
			if seen[k] {
				return nil, wire.ValidationError("Provided list of item keys contains duplicates")
			}
			seen[k] = true
			work[i] = append(work[i], batchGet{raw: raw, key: k})
		}
	}

	responses := make(map[string][]map[string]wire.Value, len(tables))
	unprocessed := map[string]*KeysAndAttributes{}
	var caps []*consumedCapacity
	var first BatchThrottle
	processed, returned := 0, 0
	for i, t := range tables {
		ka := in.RequestItems[t.Name]
		consistent := ka.ConsistentRead != nil && *ka.ConsistentRead
		var used throttle.MilliUnits
		items := []map[string]wire.Value{}
		var left []map[string]json.RawMessage
		t.Mu.Lock()
		if t.Deleted {
			t.Mu.Unlock()
			return nil, wire.ResourceNotFoundError("Requested resource not found")
		}
		now := s.now()
		for _, g := range work[i] {
			it, found := t.get(g.key)
			if returned+it.size > MaxBatchGetResponse {
				left = append(left, g.raw)
				continue
			}
			cost := throttle.ReadCost(it.size, consistent)
			d := t.Charge(now, throttle.Read, g.key.Hash, cost)
			if !d.Admitted {
				first.Note(d, t.ARN)
				left = append(left, g.raw)
				continue
			}
			processed++
			used += cost
			if found {
				returned += it.size
				items = append(items, project(it.attrs, attrs[i]))
			}
		}
		t.Mu.Unlock()
		responses[t.Name] = items
		if left != nil {
			unprocessed[t.Name] = &KeysAndAttributes{Keys: left, ConsistentRead: ka.ConsistentRead,
				ProjectionExpression: ka.ProjectionExpression, ExpressionAttributeNames: ka.ExpressionAttributeNames,
				AttributesToGet: ka.AttributesToGet}
		}
		if c := consumed(in.ReturnConsumedCapacity, t.Name, throttle.Read, used); c != nil {
			caps = append(caps, c)
		}
	}
	if processed == 0 && first.ARN != "" {
		return nil, wire.ThrottleError(first.D, first.ARN)
	}
	return struct {
		Responses        map[string][]map[string]wire.Value
		UnprocessedKeys  map[string]*KeysAndAttributes
		ConsumedCapacity []*consumedCapacity `json:",omitempty"`
	}{responses, unprocessed, caps}, nil
}

package store

import (
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/expr"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// MaxPageSize is the most item data one Query or Scan page reads: 1 MB. A
// page stops after the item that reaches it.
const MaxPageSize = 1 << 20

// Query and Scan

type readManyInput struct {
	TableName                 *string
	IndexName                 *string
	KeyConditionExpression    *string
	FilterExpression          *string
	ProjectionExpression      *string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]json.RawMessage
	Limit                     *int64
	ExclusiveStartKey         map[string]json.RawMessage
	ScanIndexForward          *bool
	ConsistentRead            *bool
	Select                    *string
	ReturnConsumedCapacity    *string
	Segment, TotalSegments    *int64
	// Legacy parameters, refused.
	KeyConditions, QueryFilter, ScanFilter, ConditionalOperator, AttributesToGet json.RawMessage
}

// readManyOutput is a Query or Scan page.
type readManyOutput struct {
	Items            any `json:",omitempty"` // a list, absent for Select COUNT
	Count            int
	ScannedCount     int
	LastEvaluatedKey map[string]wire.Value `json:",omitempty"`
	ConsumedCapacity *consumedCapacity     `json:",omitempty"`
}

// readMany is a parsed Query or Scan.
type readMany struct {
	t          *Table
	idx        *Index // the index read, nil for the table
	hash       string // Query: the partition key's canonical form
	hashVal    wire.Value
	rngCond    *expr.Condition // Query: the sort-key condition, nil for none
	filter     *expr.Condition
	attrs      []string // projection, nil for all
	count      bool     // Select COUNT
	limit      int
	start      map[string]wire.Value
	forward    bool
	consistent bool
	segment    int
	segments   int
}

func (s *DB) query(body []byte) (any, error) { return s.readMany(body, true) }
func (s *DB) scan(body []byte) (any, error)  { return s.readMany(body, false) }

func (s *DB) readMany(body []byte, isQuery bool) (any, error) {
	var in readManyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var v validator
	v.tableName("tableName", in.TableName, true)
	v.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnConsumedCapacityValues...)
	v.enum("select", in.Select, "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
	if in.Limit != nil && *in.Limit < 1 {
		v.add(fmt.Sprintf("'%d'", *in.Limit), "limit", "Member must have value greater than or equal to 1")
	}
	if !isQuery {
		if in.Segment != nil && (*in.Segment < 0 || *in.Segment > 999999) {
			v.add(fmt.Sprintf("'%d'", *in.Segment), "segment", "Member must have value greater than or equal to 0")
		}
		if in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.TotalSegments > 1000000) {
			c := "Member must have value greater than or equal to 1"
			if *in.TotalSegments > 1000000 {
				c = "Member must have value less than or equal to 1000000"
			}
			v.add(fmt.Sprintf("'%d'", *in.TotalSegments), "totalSegments", c)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		name string
		raw  json.RawMessage
	}{{"KeyConditions", in.KeyConditions}, {"QueryFilter", in.QueryFilter}, {"ScanFilter", in.ScanFilter},
		{"ConditionalOperator", in.ConditionalOperator}, {"AttributesToGet", in.AttributesToGet}} {
		if Present(m.raw) {
			return nil, wire.ValidationError("fakeservice does not support the legacy " + m.name + " parameter; use expressions")
		}
	}
	if !isQuery && (in.Segment == nil) != (in.TotalSegments == nil) {
		if in.Segment == nil {
			return nil, wire.ValidationError("The TotalSegments parameter is non-null, but the Segment parameter is null")
		}
		return nil, wire.ValidationError("The Segment parameter is non-null, but the TotalSegments parameter is null")
	}
	if in.Segment != nil && in.TotalSegments != nil && *in.Segment >= *in.TotalSegments {
		return nil, wire.ValidationError(fmt.Sprintf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments))
	}
	if isQuery && in.KeyConditionExpression == nil {
		return nil, wire.ValidationError("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	sel := ""
	if in.Select != nil {
		sel = *in.Select
	}
	switch {
	case sel == "ALL_PROJECTED_ATTRIBUTES" && in.IndexName == nil:
		return nil, wire.ValidationError("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	case sel == "SPECIFIC_ATTRIBUTES" && in.ProjectionExpression == nil:
		return nil, wire.ValidationError("SPECIFIC_ATTRIBUTES requires ProjectionExpression or AttributesToGet")
	case (sel == "COUNT" || sel == "ALL_ATTRIBUTES") && in.ProjectionExpression != nil:
		return nil, wire.ValidationError("Cannot specify the ProjectionExpression when choosing to get " + sel)
	}

	ctx, err := expr.NewContext(in.ExpressionAttributeNames, in.ExpressionAttributeValues,
		in.KeyConditionExpression != nil || in.FilterExpression != nil || in.ProjectionExpression != nil)
	if err != nil {
		return nil, err
	}
	r := &readMany{
		count:      sel == "COUNT",
		limit:      -1,
		forward:    in.ScanIndexForward == nil || *in.ScanIndexForward,
		consistent: in.ConsistentRead != nil && *in.ConsistentRead,
		segments:   1,
	}
	if in.Limit != nil {
		r.limit = int(min(*in.Limit, 1<<30))
	}
	if in.TotalSegments != nil {
		r.segment, r.segments = int(*in.Segment), int(*in.TotalSegments)
	}
	var keyCond *expr.Condition
	if in.KeyConditionExpression != nil {
		if keyCond, err = ctx.ParseCondition("KeyConditionExpression", *in.KeyConditionExpression); err != nil {
			return nil, err
		}
	}
	if in.FilterExpression != nil {
		if r.filter, err = ctx.ParseCondition("FilterExpression", *in.FilterExpression); err != nil {
			return nil, err
		}
	}
	if in.ProjectionExpression != nil {
		if r.attrs, err = ctx.ParseProjection(*in.ProjectionExpression); err != nil {
			return nil, err
		}
	}
	if err := ctx.CheckUnused(); err != nil {
		return nil, err
	}
	if r.start, err = wire.DecodeItem(in.ExclusiveStartKey); err != nil {
		return nil, err
	}
	if in.ExclusiveStartKey == nil {
		r.start = nil
	}
	t, err := s.lookup(*in.TableName, "Requested resource not found")
	if err != nil {
		return nil, err
	}
	r.t = t
	if in.IndexName != nil {
		t.Mu.Lock()
		r.idx = t.index(*in.IndexName)
		t.Mu.Unlock()
		switch {
		case r.idx == nil:
			return nil, wire.ValidationError("The table does not have the specified index: " + *in.IndexName)
		case r.idx.Global && r.consistent:
			return nil, wire.ValidationError("Consistent reads are not supported on global secondary indexes")
		case r.idx.Global && sel == "ALL_ATTRIBUTES" && r.idx.projType != projectAll:
			return nil, wire.ValidationError("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " +
				r.idx.Name + " because its projection type is not ALL")
		}
	}
	if isQuery {
		if err := r.KeyCondition(keyCond); err != nil {
			return nil, err
		}
	}
	if r.start != nil {
		if err := r.checkStart(isQuery); err != nil {
			return nil, err
		}
	}
	t.Mu.Lock()
	if t.Deleted {
		t.Mu.Unlock()
		return nil, wire.ResourceNotFoundError("Requested resource not found")
	}
	var keys []Key
	switch {
	case r.idx != nil:
		keys = r.indexKeys(isQuery)
	case isQuery:
		keys = r.queryKeys()
	default:
		keys = r.scanKeys()
	}
	out, read := r.page(keys)
	cost := throttle.ReadCost(read, r.consistent)
	var d throttle.Decision
	arn := t.ARN
	if r.idx != nil && r.idx.Global {
		// A global index's reads draw on its own capacity, keyed by its
		// partition key; a local index's on the table's.
		arn = r.idx.ARN
		d, _ = throttle.ChargeAll(s.now(), []throttle.Charge{{Capacity: r.idx.Capacity, Kind: throttle.Read, Key: r.hash, N: cost, Index: true}})
		t.record(throttle.Read, d, cost)
	} else {
		d = t.Charge(s.now(), throttle.Read, r.hash, cost)
	}
	t.Mu.Unlock()
	if !d.Admitted {
		return nil, wire.ThrottleError(d, arn)
	}
	out.ConsumedCapacity = consumed(in.ReturnConsumedCapacity, t.Name, throttle.Read, cost)
	if c := out.ConsumedCapacity; c != nil && c.Table != nil && r.idx != nil && r.idx.Global {
		// INDEXES: a global index's read is its own, none of the table's.
		c.Table.CapacityUnits = 0
		c.GlobalSecondaryIndexes = map[string]capacityUnits{r.idx.Name: {CapacityUnits: cost.Units()}}
	}
	return out, nil
}

// keyCondition checks a KeyConditionExpression against the table's key
// schema and keeps the partition key it names and the sort-key condition.
func (r *readMany) KeyCondition(c *expr.Condition) error {
	hash, rng := r.t.hash, r.t.rng
	if r.idx != nil {
		hash, rng = r.idx.hash, r.idx.rng
	}
	var rngName string
	var rngType wire.Type
	if rng != nil {
		rngName, rngType = rng.Name, rng.typ
	}
	hashVal, rngCond, err := expr.KeyCondition(c, hash.Name, hash.typ, rngName, rngType)
	if err != nil {
		return err
	}
	r.hashVal = hashVal
	h, err := keyPart(r.hashVal, hash, maxHashKeySize)
	if err != nil {
		return err
	}
	r.hash, r.rngCond = h, rngCond
	return nil
}

// checkStart checks ExclusiveStartKey is a key of the table (and, for a
// Query, of the partition queried).
func (r *readMany) checkStart(isQuery bool) error {
	if r.idx != nil {
		return r.checkIndexStart(isQuery)
	}
	k, err := r.t.KeyOfKey(r.start)
	if err != nil {
		return wire.ValidationError("The provided starting key is invalid: " + err.(*wire.Error).Msg)
	}
	if isQuery && k.Hash != r.hash {
		return wire.ValidationError("The provided starting key is invalid: The provided key element does not match the schema")
	}
	return nil
}

// queryKeys returns the keys of the queried partition key's items that
// satisfy the sort-key condition, in the order asked for, after the start
// key. The caller holds t.mu.
func (r *readMany) queryKeys() []Key {
	t := r.t
	if t.rng == nil {
		k := Key{Hash: r.hash}
		if _, ok := t.items.get(k); !ok || r.start != nil {
			return nil
		}
		return []Key{k}
	}
	coll := t.collections[r.hash]
	type sorted struct {
		k Key
		v wire.Value // the sort key's value
	}
	name := t.rng.Name
	found := make([]sorted, 0, len(coll))
	for rng := range coll {
		k := Key{Hash: r.hash, rng: rng}
		it, _ := t.get(k)
		if r.rngCond == nil || r.rngCond.Eval(it.attrs) {
			found = append(found, sorted{k, it.attrs[name]})
		}
	}
	slices.SortFunc(found, func(a, b sorted) int {
		c, _ := expr.CompareValues(a.v, b.v)
		return c
	})
	if !r.forward {
		slices.Reverse(found)
	}
	if r.start != nil {
		sv := r.start[name]
		i := 0
		for i < len(found) {
			c, _ := expr.CompareValues(found[i].v, sv)
			if (r.forward && c > 0) || (!r.forward && c < 0) {
				break
			}
			i++
		}
		found = found[i:]
	}
	keys := make([]Key, len(found))
	for i, f := range found {
		keys[i] = f.k
	}
	return keys
}

// scanOrder is an item's place in a Scan: by partition-key hash, then
// partition key, then sort key.
type scanOrder struct {
	h    uint64
	hash string
	rng  wire.Value
}

func (r *readMany) orderOf(k Key, item map[string]wire.Value) scanOrder {
	o := scanOrder{h: throttle.KeyHash(k.Hash), hash: k.Hash}
	if r.t.rng != nil {
		o.rng = item[r.t.rng.Name]
	}
	return o
}

func compareScan(a, b scanOrder) int {
	switch {
	case a.h != b.h:
		if a.h < b.h {
			return -1
		}
		return 1
	case a.hash != b.hash:
		return strings.Compare(a.hash, b.hash)
	}
	c, _ := expr.CompareValues(a.rng, b.rng)
	return c
}

// scanKeys returns the keys of the segment's items in scan order, after the
// start key. The caller holds t.mu.
func (r *readMany) scanKeys() []Key {
	t := r.t
	type entry struct {
		k Key
		o scanOrder
	}
	var start *scanOrder
	if r.start != nil {
		k, _ := t.KeyOfKey(r.start)
		o := r.orderOf(k, r.start)
		start = &o
	}
	entries := make([]entry, 0, t.items.len()/r.segments+1)
	for k, it := range t.items.all() {
		if it.attrs == nil {
			it, _ = t.get(k)
		}
		o := r.orderOf(k, it.attrs)
		if r.segments > 1 {
			if seg, _ := bits.Mul64(o.h, uint64(r.segments)); int(seg) != r.segment {
				continue
			}
		}
		if start != nil && compareScan(o, *start) <= 0 {
			continue
		}
		entries = append(entries, entry{k, o})
	}
	slices.SortFunc(entries, func(a, b entry) int { return compareScan(a.o, b.o) })
	keys := make([]Key, len(entries))
	for i, e := range entries {
		keys[i] = e.k
	}
	return keys
}

// page reads keys in order up to Limit items or MaxPageSize bytes and
// returns the page and the bytes read (before the filter, which is what
// DynamoDB charges). The caller holds t.mu.
func (r *readMany) page(keys []Key) (*readManyOutput, int) {
	t := r.t
	out := &readManyOutput{}
	items := []map[string]wire.Value{}
	read := 0
	for i, k := range keys {
		it, _ := t.get(k)
		attrs, size := it.attrs, it.size
		if r.idx != nil {
			attrs = r.idx.project(t, it.attrs)
			size = r.idx.projectedSize(t, it.attrs, it.size)
		}
		read += size
		out.ScannedCount++
		if r.filter == nil || r.filter.Eval(attrs) {
			out.Count++
			if !r.count {
				items = append(items, project(attrs, r.attrs))
			}
		}
		more := i+1 < len(keys)
		if out.ScannedCount == r.limit || (read >= MaxPageSize && more) {
			out.LastEvaluatedKey = t.keyAttrs(it.attrs)
			if r.idx != nil {
				r.idx.addKeyAttrs(out.LastEvaluatedKey, it.attrs)
			}
			break
		}
	}
	if !r.count {
		out.Items = items
	}
	return out, read
}

// keyAttrs returns the key attributes of item.
func (t *Table) keyAttrs(item map[string]wire.Value) map[string]wire.Value {
	k := map[string]wire.Value{t.hash.Name: item[t.hash.Name]}
	if t.rng != nil {
		k[t.rng.Name] = item[t.rng.Name]
	}
	return k
}

package store

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/expr"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// This file is secondary indexes: their definitions, descriptions,
// projections, and what a write costs on each (see the package fakeservice
// documentation, "Secondary indexes").

// Projection types.
const (
	projectKeysOnly = "KEYS_ONLY"
	projectInclude  = "INCLUDE"
	projectAll      = "ALL"
)

// Index is a secondary index of a table. Its definition never changes; a
// global index's throughput and Capacity are guarded by its table's Mu.
type Index struct {
	Name   string
	ARN    string
	Global bool
	hash   keyAttr
	rng    *keyAttr
	// projType is KEYS_ONLY, INCLUDE or ALL; nonKey the INCLUDE attributes.
	projType string
	nonKey   []string

	// A global index's provisioned units (0 on demand), OnDemandThroughput
	// maximums (-1: none) and capacity. A local index has no capacity of
	// its own: its reads and writes draw on the table's.
	ReadUnits, WriteUnits int64
	maxRead, maxWrite     int64
	Capacity              *throttle.TableCapacity
}

// IndexARN returns arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/index/INDEX.
func IndexARN(tableARN, index string) string { return tableARN + "/index/" + index }

// indexInput is a GlobalSecondaryIndexes or LocalSecondaryIndexes member of
// CreateTable, or an UpdateTable Create.
type indexInput struct {
	IndexName  *string
	KeySchema  []struct{ AttributeName, KeyType *string }
	Projection *struct {
		ProjectionType   *string
		NonKeyAttributes []string
	}
	ProvisionedThroughput *struct {
		ReadCapacityUnits, WriteCapacityUnits *int64
	}
	OnDemandThroughput *onDemandThroughputInput
	WarmThroughput     *warmInput
}

// validate adds the constraint violations of the path.N member in to v.
func (in *indexInput) validate(v *validator, path string) {
	v.tableName(path+".indexName", in.IndexName, true)
	v.notNull(path+".keySchema", in.KeySchema == nil)
	for i, e := range in.KeySchema {
		p := fmt.Sprintf("%s.keySchema.%d.member.", path, i+1)
		v.attributeName(p+"attributeName", e.AttributeName)
		v.notNull(p+"keyType", e.KeyType == nil)
		v.enum(p+"keyType", e.KeyType, "HASH", "RANGE")
	}
	v.notNull(path+".projection", in.Projection == nil)
	if in.Projection != nil {
		v.enum(path+".projection.projectionType", in.Projection.ProjectionType, projectAll, projectKeysOnly, projectInclude)
	}
	if pt := in.ProvisionedThroughput; pt != nil {
		v.units(path+".provisionedThroughput.readCapacityUnits", pt.ReadCapacityUnits)
		v.units(path+".provisionedThroughput.writeCapacityUnits", pt.WriteCapacityUnits)
	}
	if od := in.OnDemandThroughput; od != nil {
		v.onDemandMax(path+".onDemandThroughput.maxReadRequestUnits", od.MaxReadRequestUnits)
		v.onDemandMax(path+".onDemandThroughput.maxWriteRequestUnits", od.MaxWriteRequestUnits)
	}
	in.WarmThroughput.validate(v, path+".warmThroughput")
}

// build checks in against the table's key (hash, rng), attribute types
// defs and billing mode and returns the index, without capacity.
func (in *indexInput) build(global bool, defs map[string]wire.Type, billing string, hash keyAttr, rng *keyAttr, quota int64) (*Index, error) {
	name := *in.IndexName
	invalid := func(msg string) error {
		return wire.ValidationError("One or more parameter values were invalid: " + msg)
	}
	ks := in.KeySchema
	switch {
	case len(ks) < 1 || len(ks) > 2:
		return nil, invalid("Index KeySchema must have 1 or 2 elements for index: " + name)
	case *ks[0].KeyType != "HASH":
		return nil, wire.ValidationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	case len(ks) == 2 && *ks[1].KeyType != "RANGE":
		return nil, wire.ValidationError("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	case len(ks) == 2 && *ks[0].AttributeName == *ks[1].AttributeName:
		return nil, wire.ValidationError("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	x := &Index{Name: name, Global: global, maxRead: -1, maxWrite: -1}
	for i, e := range ks {
		typ, ok := defs[*e.AttributeName]
		if !ok {
			return nil, invalid(fmt.Sprintf("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				*e.AttributeName, strings.Join(sortedKeys(defs), ", ")))
		}
		ka := keyAttr{Name: *e.AttributeName, typ: typ}
		if i == 0 {
			x.hash = ka
		} else {
			x.rng = &ka
		}
	}
	if !global {
		switch {
		case rng == nil:
			return nil, invalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		case x.hash.Name != hash.Name:
			return nil, invalid(fmt.Sprintf("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s",
				name, x.hash.Name, hash.Name))
		case x.rng == nil:
			return nil, invalid("Index KeySchema must have a range key for a LocalSecondaryIndex: " + name)
		}
	}
	p := in.Projection
	x.projType = projectAll
	if p.ProjectionType != nil {
		x.projType = *p.ProjectionType
	}
	switch {
	case x.projType == projectInclude && len(p.NonKeyAttributes) == 0:
		return nil, invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
	case x.projType != projectInclude && p.NonKeyAttributes != nil:
		return nil, invalid("ProjectionType is " + x.projType + ", but NonKeyAttributes is specified")
	}
	x.nonKey = p.NonKeyAttributes
	if !global {
		if in.ProvisionedThroughput != nil || in.OnDemandThroughput != nil {
			return nil, invalid("ProvisionedThroughput cannot be specified for a LocalSecondaryIndex: " + name)
		}
		return x, nil
	}
	switch {
	case billing == BillingProvisioned && in.ProvisionedThroughput == nil:
		return nil, invalid("ProvisionedThroughput must be specified for index: " + name)
	case billing == BillingPayPerRequest && in.ProvisionedThroughput != nil:
		return nil, invalid("ProvisionedThroughput should not be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST")
	}
	if pt := in.ProvisionedThroughput; pt != nil {
		x.ReadUnits, x.WriteUnits = *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
		if x.ReadUnits > quota || x.WriteUnits > quota {
			return nil, wire.LimitExceededError(fmt.Sprintf(
				"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed %d read or write capacity units", quota))
		}
	}
	x.maxRead, x.maxWrite = in.OnDemandThroughput.resolve(-1, -1)
	return x, nil
}

func sortedKeys(defs map[string]wire.Type) []string {
	out := make([]string, 0, len(defs))
	for k := range defs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// provision gives a global index its capacity state at now, in billing
// mode, drawing on the account a.
func (x *Index) provision(m throttle.Model, billing string, a *throttle.Account, now time.Time) {
	if !x.Global {
		return
	}
	if billing == BillingProvisioned {
		x.Capacity = m.NewProvisioned(x.ReadUnits, x.WriteUnits, now)
		x.Capacity.UseAccount(a)
	} else {
		x.Capacity = m.NewOnDemand(x.maxRead, x.maxWrite, now)
	}
}

// index returns the table's index called name, nil if none. The caller
// holds t.Mu.
func (t *Table) index(name string) *Index {
	for _, x := range t.indexes {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// indexKey returns the canonical forms of item's index key, and whether
// item is in the index at all (sparse indexes leave out items without the
// key). Items are checked by checkIndexKeys before they are stored.
func (x *Index) indexKey(item map[string]wire.Value) (hash, rng string, in bool) {
	hv, ok := item[x.hash.Name]
	if !ok || hv.Type != x.hash.typ {
		return "", "", false
	}
	hash, err := keyPart(hv, x.hash, maxHashKeySize)
	if err != nil {
		return "", "", false
	}
	if x.rng != nil {
		rv, ok := item[x.rng.Name]
		if !ok || rv.Type != x.rng.typ {
			return "", "", false
		}
		if rng, err = keyPart(rv, *x.rng, maxRangeKeySize); err != nil {
			return "", "", false
		}
	}
	return hash, rng, true
}

// checkIndexKeys refuses an item whose index key attributes have the wrong
// type or are empty, with DynamoDB's messages. The caller holds t.Mu.
func (t *Table) checkIndexKeys(item map[string]wire.Value) error {
	for _, x := range t.indexes {
		for _, ka := range []*keyAttr{&x.hash, x.rng} {
			if ka == nil {
				continue
			}
			v, ok := item[ka.Name]
			if !ok {
				continue
			}
			if v.Type != ka.typ {
				return wire.ValidationError(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
					ka.Name, ka.typ, v.Type, x.Name))
			}
			if (v.Type == wire.TypeS && v.Str == "") || (v.Type == wire.TypeB && len(v.Bin) == 0) {
				return wire.ValidationError(fmt.Sprintf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s",
					x.Name, ka.Name))
			}
		}
	}
	return nil
}

// project returns the attributes of item the index holds: the table's and
// the index's key attributes, plus NonKeyAttributes (INCLUDE) or all of
// them (ALL).
func (x *Index) project(t *Table, item map[string]wire.Value) map[string]wire.Value {
	if x.projType == projectAll {
		return item
	}
	out := make(map[string]wire.Value, 4+len(x.nonKey))
	for _, ka := range []*keyAttr{&t.hash, t.rng, &x.hash, x.rng} {
		if ka != nil {
			if v, ok := item[ka.Name]; ok {
				out[ka.Name] = v
			}
		}
	}
	for _, n := range x.nonKey {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// projectedSize returns the billed size of item's projection in x.
func (x *Index) projectedSize(t *Table, item map[string]wire.Value, size int) int {
	if x.projType == projectAll {
		return size
	}
	return wire.ItemSize(x.project(t, item))
}

// sameProjection reports whether two items project to the same index entry.
func (x *Index) sameProjection(t *Table, a, b map[string]wire.Value) bool {
	pa, pb := x.project(t, a), x.project(t, b)
	if len(pa) != len(pb) {
		return false
	}
	for k, va := range pa {
		vb, ok := pb[k]
		if !ok || !expr.EqualValues(va, vb) {
			return false
		}
	}
	return true
}

// indexWrite is one write a base-table write makes on an index: n on the
// index partition key key.
type indexWrite struct {
	key string
	n   throttle.MilliUnits
}

// writes returns the writes on x of a table write from old (nil: none) to
// item (nil: a delete), as DynamoDB counts them: an item entering the index
// is a put of its projected size, one leaving it a delete of its old
// projected size, one whose index key changes both, one that stays a put of
// the larger projected size unless its projection is unchanged (then
// nothing). Items without the index key cost nothing (sparse indexes).
// Each is rounded up to a whole KB on its own.
func (x *Index) writes(t *Table, old map[string]wire.Value, oldSize int, item map[string]wire.Value, size int) []indexWrite {
	oh, or, oldIn := x.indexKey(old)
	nh, nr, newIn := x.indexKey(item)
	switch {
	case oldIn && newIn && oh == nh && or == nr:
		if x.sameProjection(t, old, item) {
			return nil
		}
		return []indexWrite{{nh, throttle.WriteCost(max(x.projectedSize(t, old, oldSize), x.projectedSize(t, item, size)))}}
	case oldIn && newIn:
		return []indexWrite{{oh, throttle.WriteCost(x.projectedSize(t, old, oldSize))}, {nh, throttle.WriteCost(x.projectedSize(t, item, size))}}
	case oldIn:
		return []indexWrite{{oh, throttle.WriteCost(x.projectedSize(t, old, oldSize))}}
	case newIn:
		return []indexWrite{{nh, throttle.WriteCost(x.projectedSize(t, item, size))}}
	}
	return nil
}

// writeCharge is what chargeWrite decided.
type writeCharge struct {
	d     throttle.Decision
	arn   string // the resource throttled
	total throttle.MilliUnits
	// indexes are the units each global index consumed, for
	// ReturnConsumedCapacity INDEXES; nil when none.
	indexes map[string]throttle.MilliUnits
}

// chargeWrite charges a write on key costing cost on the table, from old
// (nil: no item) to item (nil: a delete), and its writes on every index:
// local indexes add to the table's charge, global ones draw on their own
// capacity, all or nothing (throttle.ChargeAll). The caller holds t.Mu.
func (t *Table) chargeWrite(now time.Time, key Key, cost throttle.MilliUnits,
	old map[string]wire.Value, oldSize int, item map[string]wire.Value, size int) writeCharge {
	if len(t.indexes) == 0 {
		d := t.Charge(now, throttle.Write, key.Hash, cost)
		return writeCharge{d: d, arn: t.ARN, total: cost}
	}
	var buf [4]throttle.Charge
	var owners [4]*Index
	charges, owner := t.appendWriteCharges(buf[:0], owners[:0], key, cost, old, oldSize, item, size)
	d, i := throttle.ChargeAll(now, charges)
	t.record(throttle.Write, d, charges[0].N)
	if !d.Admitted {
		arn := t.ARN
		if owner[i] != nil {
			arn = owner[i].ARN
		}
		return writeCharge{d: d, arn: arn}
	}
	w := writeCharge{d: d, arn: t.ARN}
	for j, c := range charges {
		w.total += c.N
		if owner[j] != nil {
			if w.indexes == nil {
				w.indexes = make(map[string]throttle.MilliUnits)
			}
			w.indexes[owner[j].Name] += c.N
		}
	}
	return w
}

// appendWriteCharges appends to charges the charges of a write on key
// costing cost on the table, from old to item (see chargeWrite): first the
// table's, local indexes' units included, then one per global index write;
// owner gets the index of each (nil for the table's). The caller holds t.Mu.
func (t *Table) appendWriteCharges(charges []throttle.Charge, owner []*Index, key Key, cost throttle.MilliUnits,
	old map[string]wire.Value, oldSize int, item map[string]wire.Value, size int) ([]throttle.Charge, []*Index) {
	first := len(charges)
	charges = append(charges, throttle.Charge{Capacity: t.Capacity, Kind: throttle.Write, Key: key.Hash, N: cost})
	owner = append(owner, nil)
	for _, x := range t.indexes {
		for _, w := range x.writes(t, old, oldSize, item, size) {
			if !x.Global {
				charges[first].N += w.n
				continue
			}
			charges = append(charges, throttle.Charge{Capacity: x.Capacity, Kind: throttle.Write, Key: w.key, N: w.n, Index: true})
			owner = append(owner, x)
		}
	}
	return charges, owner
}

// indexDescription is a GlobalSecondaryIndexDescription or
// LocalSecondaryIndexDescription.
type indexDescription struct {
	IndexName             string
	KeySchema             []keySchemaElement
	Projection            projectionDescription
	IndexStatus           string                            `json:",omitempty"`
	ProvisionedThroughput *ProvisionedThroughputDescription `json:",omitempty"`
	OnDemandThroughput    *onDemandThroughput               `json:",omitempty"`
	WarmThroughput        *warmDescription                  `json:",omitempty"`
	IndexSizeBytes        int64
	ItemCount             int64
	IndexArn              string
}

type projectionDescription struct {
	ProjectionType   string
	NonKeyAttributes []string `json:",omitempty"`
}

// describeIndexes returns the table's global and local index descriptions.
// The caller holds t.Mu.
func (t *Table) describeIndexes(status string) (global, local []indexDescription) {
	for _, x := range t.indexes {
		d := indexDescription{
			IndexName:  x.Name,
			KeySchema:  []keySchemaElement{{AttributeName: x.hash.Name, KeyType: "HASH"}},
			Projection: projectionDescription{ProjectionType: x.projType, NonKeyAttributes: x.nonKey},
			IndexArn:   x.ARN,
		}
		if x.rng != nil {
			d.KeySchema = append(d.KeySchema, keySchemaElement{AttributeName: x.rng.Name, KeyType: "RANGE"})
		}
		for _, it := range t.items.all() {
			if _, _, in := x.indexKey(it.attrs); in {
				d.ItemCount++
				d.IndexSizeBytes += int64(x.projectedSize(t, it.attrs, it.size))
			}
		}
		if !x.Global {
			local = append(local, d)
			continue
		}
		d.IndexStatus = status
		d.ProvisionedThroughput = &ProvisionedThroughputDescription{ReadCapacityUnits: x.ReadUnits, WriteCapacityUnits: x.WriteUnits}
		if t.Billing == BillingPayPerRequest {
			d.OnDemandThroughput = &onDemandThroughput{MaxReadRequestUnits: x.maxRead, MaxWriteRequestUnits: x.maxWrite}
		}
		d.WarmThroughput = describeWarm(x.Capacity)
		global = append(global, d)
	}
	return global, local
}

// consumed is the ConsumedCapacity answer for mode: the total, the
// indexes' writes included, and with INDEXES the table's share and each
// global index's.
func (w writeCharge) consumed(mode *string, tableName string) *consumedCapacity {
	c := consumed(mode, tableName, throttle.Write, w.total)
	if c == nil || c.Table == nil || w.indexes == nil {
		return c
	}
	var own throttle.MilliUnits = w.total
	c.GlobalSecondaryIndexes = make(map[string]capacityUnits, len(w.indexes))
	for name, n := range w.indexes {
		c.GlobalSecondaryIndexes[name] = capacityUnits{CapacityUnits: n.Units()}
		own -= n
	}
	c.Table = &capacityUnits{CapacityUnits: own.Units()}
	return c
}

// addKeyAttrs adds the index key attributes of item to key, as an index's
// LastEvaluatedKey carries them.
func (x *Index) addKeyAttrs(key, item map[string]wire.Value) {
	key[x.hash.Name] = item[x.hash.Name]
	if x.rng != nil {
		key[x.rng.Name] = item[x.rng.Name]
	}
}

// indexOrder is an item's place in an index: by partition-key hash, then
// partition key, then sort key, then the table's key (the canonical forms'
// byte order; DynamoDB does not document how it orders items with equal
// index keys).
type indexOrder struct {
	o scanOrder
	k Key
}

func compareIndex(a, b indexOrder) int {
	if c := compareScan(a.o, b.o); c != 0 {
		return c
	}
	if c := strings.Compare(a.k.Hash, b.k.Hash); c != 0 {
		return c
	}
	return strings.Compare(a.k.rng, b.k.rng)
}

// orderIn returns the place in x of the item under k, whose index key is
// hash (canonical).
func (r *readMany) orderIn(k Key, hash string, item map[string]wire.Value) indexOrder {
	o := indexOrder{o: scanOrder{h: throttle.KeyHash(hash), hash: hash}, k: k}
	if r.idx.rng != nil {
		o.o.rng = item[r.idx.rng.Name]
	}
	return o
}

// indexKeys returns the keys of the items in the index read, in its order,
// after the start key: for a Query those of the partition key queried that
// satisfy the sort-key condition (reversed unless ScanIndexForward), for a
// Scan those of the segment. The caller holds t.mu.
func (r *readMany) indexKeys(isQuery bool) []Key {
	t := r.t
	var start *indexOrder
	if r.start != nil {
		k, _ := t.KeyOfKey(r.tableKeyOf(r.start))
		h, _, _ := r.idx.indexKey(r.start)
		o := r.orderIn(k, h, r.start)
		start = &o
	}
	var entries []indexOrder
	for k, it := range t.items.all() {
		h, _, in := r.idx.indexKey(it.attrs)
		if !in || (isQuery && h != r.hash) {
			continue
		}
		if isQuery && r.rngCond != nil && !r.rngCond.Eval(it.attrs) {
			continue
		}
		o := r.orderIn(k, h, it.attrs)
		if !isQuery && r.segments > 1 {
			if seg, _ := bits.Mul64(o.o.h, uint64(r.segments)); int(seg) != r.segment {
				continue
			}
		}
		entries = append(entries, o)
	}
	forward := !isQuery || r.forward
	slices.SortFunc(entries, func(a, b indexOrder) int {
		if forward {
			return compareIndex(a, b)
		}
		return compareIndex(b, a)
	})
	keys := make([]Key, 0, len(entries))
	for _, e := range entries {
		if start != nil {
			c := compareIndex(e, *start)
			if (forward && c <= 0) || (!forward && c >= 0) {
				continue
			}
		}
		keys = append(keys, e.k)
	}
	return keys
}

// tableKeyOf returns the table's key attributes of an index's start key.
func (r *readMany) tableKeyOf(start map[string]wire.Value) map[string]wire.Value {
	k := make(map[string]wire.Value, 2)
	for _, ka := range []*keyAttr{&r.t.hash, r.t.rng} {
		if ka != nil {
			if v, ok := start[ka.Name]; ok {
				k[ka.Name] = v
			}
		}
	}
	return k
}

// checkIndexStart checks an index read's ExclusiveStartKey: the table's
// key and the index's key (of the partition queried, for a Query), nothing
// else.
func (r *readMany) checkIndexStart(isQuery bool) error {
	bad := func(msg string) error { return wire.ValidationError("The provided starting key is invalid: " + msg) }
	if _, err := r.t.KeyOfKey(r.tableKeyOf(r.start)); err != nil {
		return bad(err.(*wire.Error).Msg)
	}
	h, _, in := r.idx.indexKey(r.start)
	if !in || (isQuery && h != r.hash) {
		return bad("The provided key element does not match the schema")
	}
	for name := range r.start {
		if name != r.t.hash.Name && (r.t.rng == nil || name != r.t.rng.Name) && name != r.idx.hash.Name && (r.idx.rng == nil || name != r.idx.rng.Name) {
			return bad("The provided key element does not match the schema")
		}
	}
	return nil
}

// collectionBytes returns what the item counts in its item collection: its
// size and its local indexes' entries. The caller holds t.Mu.
func (t *Table) collectionBytes(item map[string]wire.Value, size int) int64 {
	if item == nil {
		return 0
	}
	n := int64(size)
	for _, x := range t.indexes {
		if _, _, in := x.indexKey(item); in && !x.Global {
			n += int64(x.projectedSize(t, item, size))
		}
	}
	return n
}

// checkWrite refuses a write on key from old to item (nil: a delete)
// that DynamoDB refuses whatever the capacity: index key attributes of the
// wrong type or empty, and on a table with a local index an item
// collection grown past limit (ItemCollectionSizeLimitExceededException).
// The caller holds t.Mu.
func (t *Table) checkWrite(key Key, old map[string]wire.Value, oldSize int, item map[string]wire.Value, size int, limit int64) error {
	if item == nil {
		return nil
	}
	if err := t.checkIndexKeys(item); err != nil {
		return err
	}
	if !slices.ContainsFunc(t.indexes, func(x *Index) bool { return !x.Global }) {
		return nil
	}
	grow := t.collectionBytes(item, size) - t.collectionBytes(old, oldSize)
	if grow <= 0 {
		return nil
	}
	var total int64
	for rng := range t.collections[key.Hash] {
		it, _ := t.items.get(Key{Hash: key.Hash, rng: rng})
		total += t.collectionBytes(it.attrs, it.size)
	}
	if total+grow > limit {
		return wire.ItemCollectionSizeLimitExceeded()
	}
	return nil
}

// warmInput is a WarmThroughput request member.
type warmInput struct {
	ReadUnitsPerSecond, WriteUnitsPerSecond *int64
}

func (w *warmInput) validate(v *validator, path string) {
	if w == nil {
		return
	}
	for _, m := range []struct {
		name string
		n    *int64
	}{{"readUnitsPerSecond", w.ReadUnitsPerSecond}, {"writeUnitsPerSecond", w.WriteUnitsPerSecond}} {
		if m.n != nil && *m.n < 1 {
			v.add(fmt.Sprintf("'%d'", *m.n), path+"."+m.name, "Member must have value greater than or equal to 1")
		}
	}
}

// apply sets the warm throughput asked for on c at now, keeping what it
// had for a unit not given.
func (w *warmInput) apply(c *throttle.TableCapacity, now time.Time) {
	if w == nil || c == nil {
		return
	}
	r, wr := c.WarmSet()
	if w.ReadUnitsPerSecond != nil {
		r = *w.ReadUnitsPerSecond
	}
	if w.WriteUnitsPerSecond != nil {
		wr = *w.WriteUnitsPerSecond
	}
	c.SetWarm(r, wr, now)
}

// warmDescription is a table's or a global index's WarmThroughput.
type warmDescription struct {
	ReadUnitsPerSecond  int64
	WriteUnitsPerSecond int64
	Status              string
}

func describeWarm(c *throttle.TableCapacity) *warmDescription {
	if c == nil {
		return nil
	}
	r, w := c.Warm()
	return &warmDescription{ReadUnitsPerSecond: r, WriteUnitsPerSecond: w, Status: "ACTIVE"}
}

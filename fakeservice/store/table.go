package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Billing modes.
const (
	BillingProvisioned   = "PROVISIONED"
	BillingPayPerRequest = "PAY_PER_REQUEST"
)

// keyAttr is one attribute of a table's primary key.
type keyAttr struct {
	Name string
	typ  wire.Type // S, N or B
}

// Key identifies an item: the canonical forms of its partition and sort
// key values (numbers are compared by value, so "1" and "1.0" are one key).
type Key struct {
	Hash, rng string
}

// Table is one table: its fixed definition, its items and its capacity
// state. The key schema never changes after creation; Mu guards the rest
// (billing mode and throughput change with UpdateTable), so tables never
// contend with one another.
type Table struct {
	Name     string
	ARN      string
	id       string
	Created  time.Time
	hash     keyAttr
	rng      *keyAttr // nil for a partition-key-only table
	attrDefs []attributeDefinition
	// indexes are the table's secondary indexes, global and local; the
	// list changes only under Mu (UpdateTable creates and deletes global ones).
	indexes []*Index
	// indexed is len(indexes) > 0 (setIndexes keeps it so), for a reader
	// without Mu: a PutItem whose Item was scanned builds an indexed
	// table's item before it takes Mu (and looks again under it).
	indexed atomic.Bool

	Mu          sync.Mutex
	Billing     string
	ReadUnits   int64 // provisioned; 0 for PAY_PER_REQUEST
	WriteUnits  int64
	maxRead     int64 // OnDemandThroughput maximums; -1 for none
	maxWrite    int64
	lastPPR     time.Time // last switch to PAY_PER_REQUEST (or creation as one)
	lastInc     time.Time // last provisioned increase, zero if none
	lastDec     time.Time // last provisioned decrease, zero if none
	Deleted     bool
	items       itemMap
	collections map[string]map[string]struct{} // partition key -> sort keys, for Query on a table with a sort key
	bytes       int64                          // sum of stored item sizes
	Capacity    *throttle.TableCapacity
	// holds are the items transactions in flight hold (TransactionConflict).
	holds throttle.Holds[Key]

	stats  tableCounters
	shared *interner // the DB's copies of repeated large values
	keep   *keeper   // what the DB keeps of an item
}

// storedItem is an item and its billed size; attrs is nil for an item kept
// as its key and size only (see Keep).
type storedItem struct {
	attrs map[string]wire.Value
	size  int
}

// tableCounters are a table's Stats, updated atomically so that Stats never
// waits for a request.
type tableCounters struct {
	consumedRead, consumedWrite       atomic.Int64 // milli-units
	reads, writes                     atomic.Int64
	throttledReads, throttledWrites   atomic.Int64
	throttledReadMU, throttledWriteMU atomic.Int64
	readEvents, writeEvents           [numReasonKinds]atomic.Int64
}

// Reason kinds, for ReasonCounts.
const (
	reasonProvisioned = iota
	reasonKeyRange
	reasonMaxOnDemand
	reasonAccount
	numReasonKinds
)

// reasonKind returns the kind of r, a table's or an index's reason.
func reasonKind(r throttle.Reason) int {
	switch {
	case r.KeyRange():
		return reasonKeyRange
	case r.MaxOnDemand():
		return reasonMaxOnDemand
	case r.AccountLimit():
		return reasonAccount
	}
	return reasonProvisioned
}

// ReasonCounts count throttle events by limit, as CloudWatch's per-reason
// metrics ({Read,Write}{ProvisionedThroughput,KeyRangeThroughput,
// MaxOnDemandThroughput,AccountLimit}ThrottleEvents).
type ReasonCounts struct {
	ProvisionedThroughput, KeyRangeThroughput, MaxOnDemandThroughput, AccountLimit int64
}

// TableStats are one table's counters since it was created. Counts are of
// item-level charges: a GetItem, PutItem, UpdateItem or DeleteItem is one,
// a Query or Scan page is one, each item of a batch is one, and each item
// of an admitted transaction is one. A throttled transaction is one
// throttled charge, the item refused, whatever its size: all or nothing,
// its other items are neither admitted nor throttled, so that a throttled
// request of any kind but a batch counts once, as CloudWatch's
// ThrottledRequests counts it and as the simulator counts it.
type TableStats struct {
	// ConsumedReadUnits and ConsumedWriteUnits are the capacity consumed by
	// admitted requests. Throttled requests consume nothing.
	ConsumedReadUnits, ConsumedWriteUnits throttle.MilliUnits
	// Reads and Writes count the admitted charges.
	Reads, Writes int64
	// ThrottledReads and ThrottledWrites count the throttled charges
	// (CloudWatch's Read/WriteThrottleEvents).
	ThrottledReads, ThrottledWrites int64
	// ThrottledReadUnits and ThrottledWriteUnits are the units the
	// throttled charges asked for.
	ThrottledReadUnits, ThrottledWriteUnits throttle.MilliUnits
	// ReadThrottles and WriteThrottles split the throttled charges by
	// reason.
	ReadThrottles, WriteThrottles ReasonCounts
}

// Served returns the number of item requests served: Reads + Writes.
func (s TableStats) Served() int64 { return s.Reads + s.Writes }

func (t *Table) Snapshot() TableStats {
	c := &t.stats
	counts := func(a *[numReasonKinds]atomic.Int64) ReasonCounts {
		return ReasonCounts{
			ProvisionedThroughput: a[reasonProvisioned].Load(),
			KeyRangeThroughput:    a[reasonKeyRange].Load(),
			MaxOnDemandThroughput: a[reasonMaxOnDemand].Load(),
			AccountLimit:          a[reasonAccount].Load(),
		}
	}
	return TableStats{
		ConsumedReadUnits:   throttle.MilliUnits(c.consumedRead.Load()),
		ConsumedWriteUnits:  throttle.MilliUnits(c.consumedWrite.Load()),
		Reads:               c.reads.Load(),
		Writes:              c.writes.Load(),
		ThrottledReads:      c.throttledReads.Load(),
		ThrottledWrites:     c.throttledWrites.Load(),
		ThrottledReadUnits:  throttle.MilliUnits(c.throttledReadMU.Load()),
		ThrottledWriteUnits: throttle.MilliUnits(c.throttledWriteMU.Load()),
		ReadThrottles:       counts(&c.readEvents),
		WriteThrottles:      counts(&c.writeEvents),
	}
}

// record counts one admitted or throttled charge of kind costing n.
func (t *Table) record(kind throttle.Kind, d throttle.Decision, n throttle.MilliUnits) {
	c := &t.stats
	switch {
	case kind == throttle.Read && d.Admitted:
		c.reads.Add(1)
		c.consumedRead.Add(int64(n))
	case kind == throttle.Read:
		c.throttledReads.Add(1)
		c.throttledReadMU.Add(int64(n))
		c.readEvents[reasonKind(d.Reason)].Add(1)
	case d.Admitted:
		c.writes.Add(1)
		c.consumedWrite.Add(int64(n))
	default:
		c.throttledWrites.Add(1)
		c.throttledWriteMU.Add(int64(n))
		c.writeEvents[reasonKind(d.Reason)].Add(1)
	}
}

// Charge asks the table's capacity for n of kind at now on partition key
// hash and records the outcome. The caller holds t.mu.
func (t *Table) Charge(now time.Time, kind throttle.Kind, hash string, n throttle.MilliUnits) throttle.Decision {
	d := t.Capacity.ChargeKey(now, kind, hash, n)
	t.record(kind, d, n)
	return d
}

// TableARN returns arn:aws:dynamodb:REGION:ACCOUNT:table/NAME.
func TableARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name)
}

// Limits on key values, in bytes.
const (
	maxHashKeySize  = 2048
	maxRangeKeySize = 1024
)

// KeyOfItem extracts the key of an item being written, with PutItem's
// messages.
func (t *Table) KeyOfItem(item map[string]wire.Value) (Key, error) {
	return t.keyOfItem(func(name string) (wire.Value, bool) {
		v, ok := item[name]
		return v, ok
	})
}

// keyOfItem is KeyOfItem for an item whose attributes attr returns by name
// (a map's, or a wire.ItemScan's, which is not built).
func (t *Table) keyOfItem(attr func(name string) (wire.Value, bool)) (Key, error) {
	var k Key
	var err error
	if k.Hash, err = itemKeyPart(attr, t.hash, maxHashKeySize); err != nil {
		return Key{}, err
	}
	if t.rng != nil {
		if k.rng, err = itemKeyPart(attr, *t.rng, maxRangeKeySize); err != nil {
			return Key{}, err
		}
	}
	return k, nil
}

func itemKeyPart(attr func(name string) (wire.Value, bool), ka keyAttr, maxSize int) (string, error) {
	v, ok := attr(ka.Name)
	if !ok {
		return "", wire.ValidationError("One or more parameter values were invalid: Missing the key " + ka.Name + " in the item")
	}
	if v.Type != ka.typ {
		return "", wire.ValidationError(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", ka.Name, ka.typ, v.Type))
	}
	return keyPart(v, ka, maxSize)
}

// KeyOfKey extracts the key named by a GetItem Key: exactly the key
// attributes, with the right types.
func (t *Table) KeyOfKey(key map[string]wire.Value) (Key, error) {
	errSchema := wire.ValidationError("The provided key element does not match the schema")
	want := 1
	if t.rng != nil {
		want = 2
	}
	if len(key) != want {
		return Key{}, errSchema
	}
	var k Key
	for i, ka := range []*keyAttr{&t.hash, t.rng} {
		if ka == nil {
			continue
		}
		v, ok := key[ka.Name]
		if !ok || v.Type != ka.typ {
			return Key{}, errSchema
		}
		maxSize := maxHashKeySize
		if i == 1 {
			maxSize = maxRangeKeySize
		}
		s, err := keyPart(v, *ka, maxSize)
		if err != nil {
			return Key{}, err
		}
		if i == 0 {
			k.Hash = s
		} else {
			k.rng = s
		}
	}
	return k, nil
}

// keyPart checks a key value of the right type and returns its canonical form.
func keyPart(v wire.Value, ka keyAttr, maxSize int) (string, error) {
	var s string
	switch v.Type {
	case wire.TypeS:
		if v.Str == "" {
			return "", wire.ValidationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: " + ka.Name)
		}
		s = v.Str
	case wire.TypeB:
		if len(v.Bin) == 0 {
			return "", wire.ValidationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: " + ka.Name)
		}
		s = string(v.Bin)
	case wire.TypeN:
		s = v.Num.Canonical()
	}
	if v.Size() > maxSize {
		if maxSize == maxHashKeySize {
			// sic: DynamoDB's message has no space before the number.
			return "", wire.ValidationError("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
		}
		return "", wire.ValidationError("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return s, nil
}

// description returns the table's TableDescription with status.
// The caller holds t.mu.
func (t *Table) description(status string) *tableDescription {
	keySchema := []keySchemaElement{{AttributeName: t.hash.Name, KeyType: "HASH"}}
	if t.rng != nil {
		keySchema = append(keySchema, keySchemaElement{AttributeName: t.rng.Name, KeyType: "RANGE"})
	}
	created := epochSeconds(t.Created)
	d := &tableDescription{
		TableName:                 t.Name,
		TableArn:                  t.ARN,
		TableId:                   t.id,
		TableStatus:               status,
		CreationDateTime:          created,
		KeySchema:                 keySchema,
		AttributeDefinitions:      t.attrDefs,
		ItemCount:                 int64(t.items.len()),
		TableSizeBytes:            t.bytes,
		DeletionProtectionEnabled: false,
		ProvisionedThroughput: ProvisionedThroughputDescription{
			ReadCapacityUnits:  t.ReadUnits,
			WriteCapacityUnits: t.WriteUnits,
		},
		BillingModeSummary: BillingModeSummary{BillingMode: t.Billing},
	}
	if !t.lastInc.IsZero() {
		d.ProvisionedThroughput.LastIncreaseDateTime = epochSeconds(t.lastInc)
	}
	if !t.lastDec.IsZero() {
		d.ProvisionedThroughput.LastDecreaseDateTime = epochSeconds(t.lastDec)
	}
	if !t.lastPPR.IsZero() {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = epochSeconds(t.lastPPR)
	}
	if t.Billing == BillingPayPerRequest {
		d.OnDemandThroughput = &onDemandThroughput{MaxReadRequestUnits: t.maxRead, MaxWriteRequestUnits: t.maxWrite}
	}
	d.GlobalSecondaryIndexes, d.LocalSecondaryIndexes = t.describeIndexes(status)
	d.WarmThroughput = describeWarm(t.Capacity)
	return d
}

// epochSeconds is the JSON 1.0 protocol's timestamp: seconds since the epoch
// with a fraction.
func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

// Drop removes a table from the model.
func (s *DB) Drop(name string) {
	v, ok := s.tables.Load(name)
	if !ok {
		return
	}
	t := v.(*Table)
	t.Mu.Lock()
	t.Deleted = true
	t.Mu.Unlock()
	s.tables.CompareAndDelete(name, t)
}

// Stats returns the counters of every table that exists, by table name.
// Counters start at zero when a table is created and go when it is deleted.
// It is safe to call while requests are being served, and never blocks them.
func (s *DB) Stats() map[string]TableStats {
	out := make(map[string]TableStats)
	s.tables.Range(func(k, v any) bool {
		out[k.(string)] = v.(*Table).Snapshot()
		return true
	})
	return out
}

// Debit takes n milli-units of kind on the partition key hash at now
// without asking (the part of a request's cost learnt after it was served)
// and counts them as consumed. The caller holds t.mu.
func (t *Table) Debit(now time.Time, kind throttle.Kind, hash string, n throttle.MilliUnits) {
	t.Capacity.Debit(now, kind, hash, n)
	if kind == throttle.Read {
		t.stats.consumedRead.Add(int64(n))
	} else {
		t.stats.consumedWrite.Add(int64(n))
	}
}

// setIndexes sets the table's secondary indexes, and indexed with them.
// The caller holds t.Mu, or is creating t.
func (t *Table) setIndexes(xs []*Index) {
	t.indexes = xs
	t.indexed.Store(len(xs) > 0)
}

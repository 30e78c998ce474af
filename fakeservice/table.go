package fakeservice

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Billing modes.
const (
	billingProvisioned   = "PROVISIONED"
	billingPayPerRequest = "PAY_PER_REQUEST"
)

// keyAttr is one attribute of a table's primary key.
type keyAttr struct {
	name string
	typ  attrType // S, N or B
}

// itemKey identifies an item: the canonical forms of its partition and sort
// key values (numbers are compared by value, so "1" and "1.0" are one key).
type itemKey struct {
	hash, rng string
}

// table is one table: its fixed definition, its items and its capacity
// state. The definition never changes after creation; mu guards the rest,
// so tables never contend with one another.
type table struct {
	name       string
	arn        string
	id         string
	created    time.Time
	hash       keyAttr
	rng        *keyAttr // nil for a partition-key-only table
	attrDefs   []attributeDefinition
	billing    string
	readUnits  int64 // provisioned; 0 for PAY_PER_REQUEST
	writeUnits int64

	mu       sync.Mutex
	deleted  bool
	items    map[itemKey]storedItem
	bytes    int64 // sum of stored item sizes
	capacity *TableCapacity

	stats tableCounters
}

// storedItem is an item and its billed size.
type storedItem struct {
	attrs map[string]attrValue
	size  int
}

// tableCounters are a table's Stats, updated atomically so that Stats never
// waits for a request.
type tableCounters struct {
	consumedRead, consumedWrite     atomic.Int64 // milli-units
	reads, writes                   atomic.Int64
	throttledReads, throttledWrites atomic.Int64
}

// TableStats are one table's counters since it was created.
type TableStats struct {
	// ConsumedReadUnits and ConsumedWriteUnits are the capacity consumed by
	// admitted requests. Throttled requests consume nothing.
	ConsumedReadUnits, ConsumedWriteUnits MilliUnits
	// Reads and Writes count the GetItem and PutItem requests served.
	Reads, Writes int64
	// ThrottledReads and ThrottledWrites count the requests refused with
	// ProvisionedThroughputExceededException.
	ThrottledReads, ThrottledWrites int64
}

// Served returns the number of item requests served: Reads + Writes.
func (s TableStats) Served() int64 { return s.Reads + s.Writes }

func (t *table) snapshot() TableStats {
	c := &t.stats
	return TableStats{
		ConsumedReadUnits:  MilliUnits(c.consumedRead.Load()),
		ConsumedWriteUnits: MilliUnits(c.consumedWrite.Load()),
		Reads:              c.reads.Load(),
		Writes:             c.writes.Load(),
		ThrottledReads:     c.throttledReads.Load(),
		ThrottledWrites:    c.throttledWrites.Load(),
	}
}

// record counts one admitted or throttled request of kind costing n.
func (t *table) record(kind Kind, d Decision, n MilliUnits) {
	c := &t.stats
	switch {
	case kind == Read && d.Admitted:
		c.reads.Add(1)
		c.consumedRead.Add(int64(n))
	case kind == Read:
		c.throttledReads.Add(1)
	case d.Admitted:
		c.writes.Add(1)
		c.consumedWrite.Add(int64(n))
	default:
		c.throttledWrites.Add(1)
	}
}

// tableARN returns arn:aws:dynamodb:REGION:ACCOUNT:table/NAME.
func tableARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name)
}

// Limits on key values, in bytes.
const (
	maxHashKeySize  = 2048
	maxRangeKeySize = 1024
)

// keyOfItem extracts the key of an item being written, with PutItem's
// messages.
func (t *table) keyOfItem(item map[string]attrValue) (itemKey, error) {
	var k itemKey
	var err error
	if k.hash, err = itemKeyPart(item, t.hash, maxHashKeySize); err != nil {
		return itemKey{}, err
	}
	if t.rng != nil {
		if k.rng, err = itemKeyPart(item, *t.rng, maxRangeKeySize); err != nil {
			return itemKey{}, err
		}
	}
	return k, nil
}

func itemKeyPart(item map[string]attrValue, ka keyAttr, maxSize int) (string, error) {
	v, ok := item[ka.name]
	if !ok {
		return "", validationError("One or more parameter values were invalid: Missing the key " + ka.name + " in the item")
	}
	if v.typ != ka.typ {
		return "", validationError(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", ka.name, ka.typ, v.typ))
	}
	return keyPart(v, ka, maxSize)
}

// keyOfKey extracts the key named by a GetItem Key: exactly the key
// attributes, with the right types.
func (t *table) keyOfKey(key map[string]attrValue) (itemKey, error) {
	errSchema := validationError("The provided key element does not match the schema")
	want := 1
	if t.rng != nil {
		want = 2
	}
	if len(key) != want {
		return itemKey{}, errSchema
	}
	var k itemKey
	for i, ka := range []*keyAttr{&t.hash, t.rng} {
		if ka == nil {
			continue
		}
		v, ok := key[ka.name]
		if !ok || v.typ != ka.typ {
			return itemKey{}, errSchema
		}
		maxSize := maxHashKeySize
		if i == 1 {
			maxSize = maxRangeKeySize
		}
		s, err := keyPart(v, *ka, maxSize)
		if err != nil {
			return itemKey{}, err
		}
		if i == 0 {
			k.hash = s
		} else {
			k.rng = s
		}
	}
	return k, nil
}

// keyPart checks a key value of the right type and returns its canonical form.
func keyPart(v attrValue, ka keyAttr, maxSize int) (string, error) {
	var s string
	switch v.typ {
	case typeS:
		if v.str == "" {
			return "", validationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: " + ka.name)
		}
		s = v.str
	case typeB:
		if len(v.bin) == 0 {
			return "", validationError("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: " + ka.name)
		}
		s = string(v.bin)
	case typeN:
		s = v.num.canonical()
	}
	if v.size() > maxSize {
		if maxSize == maxHashKeySize {
			// sic: DynamoDB's message has no space before the number.
			return "", validationError("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
		}
		return "", validationError("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return s, nil
}

// description returns the table's TableDescription with status.
// The caller holds t.mu.
func (t *table) description(status string) *tableDescription {
	keySchema := []keySchemaElement{{AttributeName: t.hash.name, KeyType: "HASH"}}
	if t.rng != nil {
		keySchema = append(keySchema, keySchemaElement{AttributeName: t.rng.name, KeyType: "RANGE"})
	}
	created := epochSeconds(t.created)
	d := &tableDescription{
		TableName:                 t.name,
		TableArn:                  t.arn,
		TableId:                   t.id,
		TableStatus:               status,
		CreationDateTime:          created,
		KeySchema:                 keySchema,
		AttributeDefinitions:      t.attrDefs,
		ItemCount:                 int64(len(t.items)),
		TableSizeBytes:            t.bytes,
		DeletionProtectionEnabled: false,
		ProvisionedThroughput: provisionedThroughputDescription{
			ReadCapacityUnits:  t.readUnits,
			WriteCapacityUnits: t.writeUnits,
		},
		BillingModeSummary: billingModeSummary{BillingMode: t.billing},
	}
	if t.billing == billingPayPerRequest {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = created
	}
	return d
}

// epochSeconds is the JSON 1.0 protocol's timestamp: seconds since the epoch
// with a fraction.
func epochSeconds(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

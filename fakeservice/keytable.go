package fakeservice

import (
	"math/bits"
	"time"
)

// keyTable holds the per-key buckets of a table's recently used partition
// keys in an open-addressed hash table (linear probing) of entries held by
// value: charging a key allocates nothing, hashes the key once (the hash
// that also places it in its partition) and usually touches one entry.
//
// A key whose buckets are all full is forgotten when the table would
// otherwise hold more than sweepAt keys: a full bucket is what a new one
// would be, so forgetting changes no decision. Sweeps are rare (the
// threshold doubles with what survives one) and rebuild the table, so it
// needs no tombstones. Not safe for concurrent use.
type keyTable struct {
	slots   []keyEntry // len a power of two, at most half used
	shift   uint       // 64 - log2(len(slots))
	n       int        // keys held
	sweepAt int
}

// keyEntry is one partition key's per-key buckets; has says which exist
// (bit Read, bit Write), zero for an empty slot. The write bucket comes
// first: PutItem, UpdateItem and DeleteItem then read one cache line less.
type keyEntry struct {
	hash  uint64 // keyHash(key)
	has   uint8
	key   string
	write Bucket
	read  Bucket
}

// minSweep is the number of keys below which idle keys are not swept.
const minSweep = 1 << 14

func newKeyTable() keyTable { return keyTable{sweepAt: minSweep} }

// bucket returns the per-key bucket of kind for key (hash keyHash(key)),
// creating it full at rate milli-units per second. The pointer is valid
// until the next call.
func (t *keyTable) bucket(now time.Time, kind Kind, key string, hash uint64, rate MilliUnits) *Bucket {
	e := t.find(key, hash)
	if e == nil {
		e = t.insert(now, key, hash)
	}
	bit := uint8(1) << uint(kind)
	b := &e.read
	if kind == Write {
		b = &e.write
	}
	if e.has&bit == 0 {
		e.has |= bit
		*b = newBucket(rate, rate, rate, now)
	}
	return b
}

func (t *keyTable) slot(hash uint64) uint64 {
	return (hash * 0x9e3779b97f4a7c15) >> t.shift
}

// find returns key's entry, nil if it has none.
func (t *keyTable) find(key string, hash uint64) *keyEntry {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.slot(hash); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.has == 0 {
			return nil
		}
		if e.hash == hash && e.key == key {
			return e
		}
	}
}

// insert adds key with no buckets, sweeping full keys first when the table
// holds sweepAt keys.
func (t *keyTable) insert(now time.Time, key string, hash uint64) *keyEntry {
	if t.n >= t.sweepAt {
		t.sweep(now)
	}
	if 2*(t.n+1) > len(t.slots) {
		t.rehash(max(2*len(t.slots), 16))
	}
	t.n++
	e := t.place(hash)
	*e = keyEntry{hash: hash, key: key}
	return e
}

// sweep forgets the keys whose buckets are all full at now.
func (t *keyTable) sweep(now time.Time) {
	t.n = 0
	for i := range t.slots {
		e := &t.slots[i]
		if e.has == 0 {
			continue
		}
		if (e.has&(1<<Read) == 0 || e.read.full(now)) && (e.has&(1<<Write) == 0 || e.write.full(now)) {
			*e = keyEntry{}
			continue
		}
		t.n++
	}
	t.sweepAt = max(minSweep, 2*t.n)
	t.rehash(max(4*t.n, 16))
}

// rehash moves the entries into a new table of n slots, a power of two.
func (t *keyTable) rehash(n int) {
	old := t.slots
	size := 1 << bits.Len(uint(n-1))
	t.slots = make([]keyEntry, size)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i := range old {
		if old[i].has != 0 {
			*t.place(old[i].hash) = old[i]
		}
	}
}

// place returns the empty slot where an entry of hash goes.
func (t *keyTable) place(hash uint64) *keyEntry {
	mask := uint64(len(t.slots) - 1)
	i := t.slot(hash)
	for t.slots[i].has != 0 {
		i = (i + 1) & mask
	}
	return &t.slots[i]
}

package throttle

import (
	"math/bits"
)

// keyTable holds the per-key buckets of a table's recently used partition
// keys: entries held by value side by side, found through an open-addressed
// index (linear probing) of 4-byte slots, at most half full. Charging a
// key allocates nothing, hashes the key once (the hash that also places it
// in its partition) and usually reads one index slot and one entry (a
// probe past another key's slot reads that entry too: at most half full,
// that is rare). Index and entries are kept this small (an entry is one
// 64-byte cache line) because a key is charged at random: with tens of
// thousands of keys, what does not fit in the processor's caches costs a
// trip to memory per request.
//
// A key whose buckets are all full is forgotten when the table would
// otherwise hold more than sweepAt keys: a full bucket is what a new one
// would be, so forgetting changes no decision. Sweeps are rare (the
// threshold doubles with what survives one) and rebuild the table, so it
// needs no tombstones. Not safe for concurrent use.
type keyTable struct {
	// index maps hashes to entries: a slot holds the entry's position
	// plus one, zero when empty. Its len is a power of two, at most half
	// of it used.
	index   []uint32
	shift   uint       // 64 - log2(len(index))
	entries []keyEntry // in the order keys were added
	sweepAt int
	// rate is the key limit of Read and of Write: every per-key bucket's
	// rate and capacity.
	rate [2]MilliUnits
}

// keyEntry is one partition key's per-key buckets. A bucket not used yet
// is full whenever it first is (see fullLevel), as one created then would
// be. The write bucket comes first: PutItem, UpdateItem and DeleteItem
// then read the fewest bytes.
type keyEntry struct {
	key   string
	write level
	read  level
}

// keyBucket is one kind of bucket of a key: its level in the key table,
// refilled at rate, holding one second.
type keyBucket struct {
	l    *level
	rate MilliUnits
}

func (b keyBucket) advance(now nanos)                { b.l.advance(now, b.rate, b.rate) }
func (b keyBucket) can(now nanos, n MilliUnits) bool { return b.l.can(now, n, b.rate, b.rate) }
func (b keyBucket) take(n MilliUnits)                { b.l.take(n) }
func (b keyBucket) Tokens(now nanos) MilliUnits      { b.advance(now); return b.l.tokens }
func (b keyBucket) full(now nanos) bool              { return b.l.full(now, b.rate, b.rate) }

// minSweep is the number of keys below which idle keys are not swept. A
// key's buckets are full again within a second of its last charge at
// most, so on a large key space nearly every key is forgotten at a sweep:
// the table holds about minSweep keys (64 bytes each, plus the index)
// however many distinct keys a run touches, and a sweep of 4,096 comes
// every few seconds at 1,000 new keys a second.
const minSweep = 1 << 12

// newKeyTable returns the key table of a table of model m.
func newKeyTable(m Model) keyTable {
	return keyTable{sweepAt: minSweep, rate: [2]MilliUnits{
		Read: units(m.partitionUnits(Read)), Write: units(m.partitionUnits(Write))}}
}

// bucket returns the per-key bucket of kind for key (hash KeyHash(key)),
// adding the key if it has none. It is valid until the next call.
func (t *keyTable) bucket(now nanos, kind Kind, key string, hash uint64) keyBucket {
	e := t.find(key, hash)
	if e == nil {
		e = t.insert(now, key, hash)
	}
	if kind == Write {
		return keyBucket{&e.write, t.rate[Write]}
	}
	return keyBucket{&e.read, t.rate[Read]}
}

func (t *keyTable) slot(hash uint64) uint64 {
	return (hash * 0x9e3779b97f4a7c15) >> t.shift
}

// find returns key's entry, nil if it has none.
func (t *keyTable) find(key string, hash uint64) *keyEntry {
	if len(t.index) == 0 {
		return nil
	}
	mask := uint64(len(t.index) - 1)
	for i := t.slot(hash); ; i = (i + 1) & mask {
		x := t.index[i]
		if x == 0 {
			return nil
		}
		if e := &t.entries[x-1]; e.key == key {
			return e
		}
	}
}

// insert adds key with unused buckets, sweeping full keys first when the
// table holds sweepAt keys.
func (t *keyTable) insert(now nanos, key string, hash uint64) *keyEntry {
	if len(t.entries) >= t.sweepAt {
		t.sweep(now)
	}
	if 2*(len(t.entries)+1) > len(t.index) {
		t.rehash(max(2*len(t.index), 16))
	}
	t.entries = append(t.entries, keyEntry{key: key, write: fullLevel(t.rate[Write]), read: fullLevel(t.rate[Read])})
	t.place(hash, len(t.entries)-1)
	return &t.entries[len(t.entries)-1]
}

// sweep forgets the keys whose buckets are all full at now.
func (t *keyTable) sweep(now nanos) {
	kept := t.entries[:0]
	for i := range t.entries {
		e := &t.entries[i]
		if (keyBucket{&e.read, t.rate[Read]}).full(now) && (keyBucket{&e.write, t.rate[Write]}).full(now) {
			continue
		}
		kept = append(kept, *e)
	}
	clear(t.entries[len(kept):]) // let the forgotten keys' strings go
	t.entries = kept
	t.sweepAt = max(minSweep, 2*len(kept))
	t.rehash(max(4*len(kept), 16))
}

// rehash rebuilds the index with n slots, a power of two.
func (t *keyTable) rehash(n int) {
	size := 1 << bits.Len(uint(n-1))
	t.index = make([]uint32, size)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	for i := range t.entries {
		t.place(KeyHash(t.entries[i].key), i)
	}
}

// place puts entry i, of hash, in the index.
func (t *keyTable) place(hash uint64, i int) {
	mask := uint64(len(t.index) - 1)
	s := t.slot(hash)
	for t.index[s] != 0 {
		s = (s + 1) & mask
	}
	t.index[s] = uint32(i + 1)
}

package store

import (
	"encoding/binary"
	"hash/maphash"
	"iter"
	"math"
	"math/bits"
)

// itemMap is a table's items by key. Items kept in full are in a Go map;
// items kept as their key and size only (KeepSizes, or past the store
// limit) are in a sizeTable, which holds such an item in about 25 bytes
// plus its key's bytes, against about 90 for a map entry of Key and
// storedItem with the key's strings (BenchmarkItemMap). A run on a large
// key space adds one with nearly every write, so that is what a long run's
// memory grows with. The caller holds the table's lock.
type itemMap struct {
	full  map[Key]storedItem // attrs != nil, save for keys sizeTable cannot hold
	sized sizeTable
}

func newItemMap() itemMap { return itemMap{full: make(map[Key]storedItem)} }

// get returns the item under k as stored: attrs nil for one kept as its
// key and size.
func (m *itemMap) get(k Key) (storedItem, bool) {
	if it, ok := m.full[k]; ok {
		return it, true
	}
	if m.sized.n == 0 {
		return storedItem{}, false
	}
	size, ok := m.sized.get(k)
	return storedItem{size: size}, ok
}

// set stores it under k, replacing what was there.
func (m *itemMap) set(k Key, it storedItem) {
	if it.attrs == nil && m.sized.set(k, it.size) {
		delete(m.full, k)
		return
	}
	m.sized.remove(k)
	m.full[k] = it
}

// remove deletes the item under k, if any.
func (m *itemMap) remove(k Key) {
	delete(m.full, k)
	m.sized.remove(k)
}

// len is the number of items.
func (m *itemMap) len() int { return len(m.full) + m.sized.n }

// all yields every item as get returns it, in no particular order. The
// map must not change while it runs.
func (m *itemMap) all() iter.Seq2[Key, storedItem] {
	return func(yield func(Key, storedItem) bool) {
		for k, it := range m.full {
			if !yield(k, it) {
				return
			}
		}
		for _, s := range m.sized.slots {
			if s.off != 0 && !yield(m.sized.key(s.off), storedItem{size: int(s.size)}) {
				return
			}
		}
	}
}

// sizeTable maps keys to item sizes: open addressing with linear probing
// over 12-byte slots (at most three quarters full), the keys' bytes side by
// side in one arena. A removed key's bytes stay in the arena until they are
// half of it; then it is rebuilt. Its zero value is empty. Not safe for
// concurrent use.
type sizeTable struct {
	slots []sizeSlot // len a power of two, or 0
	n     int        // slots used
	// arena holds each key as uvarint len(Hash), Hash, uvarint len(rng),
	// rng; its first byte is padding, so that offset 0 means an empty slot.
	arena []byte
	dead  int // arena bytes of keys no longer in a slot
}

// sizeSlot is one key: 32 bits of its hash, where its bytes start in the
// arena (0: the slot is empty) and its item's billed size.
type sizeSlot struct {
	h    uint32
	off  uint32
	size uint32
}

// seed hashes keys for sizeTables; per process, like a Go map's.
var seed = maphash.MakeSeed()

func keyHash(k Key) uint32 {
	h := maphash.String(seed, k.Hash) ^ bits.RotateLeft64(maphash.String(seed, k.rng), 31)*0x9e3779b97f4a7c15
	return uint32(h ^ h>>32)
}

// key decodes the key whose bytes start at off.
func (t *sizeTable) key(off uint32) Key {
	b := t.arena[off:]
	n, w := binary.Uvarint(b)
	hash := string(b[w : w+int(n)])
	b = b[w+int(n):]
	n, w = binary.Uvarint(b)
	return Key{Hash: hash, rng: string(b[w : w+int(n)])}
}

// keyIs reports whether the key at off is k, without allocating.
func (t *sizeTable) keyIs(off uint32, k Key) bool {
	b := t.arena[off:]
	n, w := binary.Uvarint(b)
	if int(n) != len(k.Hash) || string(b[w:w+int(n)]) != k.Hash {
		return false
	}
	b = b[w+int(n):]
	n, w = binary.Uvarint(b)
	return int(n) == len(k.rng) && string(b[w:w+int(n)]) == k.rng
}

// keyLen is the arena bytes k takes.
func keyLen(k Key) int {
	return uvarintLen(len(k.Hash)) + len(k.Hash) + uvarintLen(len(k.rng)) + len(k.rng)
}

func uvarintLen(n int) int { return (bits.Len(uint(n)|1) + 6) / 7 }

// find returns the slot of k (hash h), or of the empty slot where it would
// go, and whether k is there. The table has slots.
func (t *sizeTable) find(k Key, h uint32) (int, bool) {
	mask := len(t.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.off == 0 {
			return i, false
		}
		if s.h == h && t.keyIs(s.off, k) {
			return i, true
		}
	}
}

func (t *sizeTable) get(k Key) (int, bool) {
	if t.n == 0 {
		return 0, false
	}
	i, ok := t.find(k, keyHash(k))
	return int(t.slots[i].size), ok
}

// set stores size under k. It returns false, storing nothing, when the
// size or the arena's offsets would not fit in 32 bits.
func (t *sizeTable) set(k Key, size int) bool {
	if size < 0 || size > math.MaxUint32 {
		return false
	}
	h := keyHash(k)
	if len(t.slots) > 0 {
		if i, ok := t.find(k, h); ok {
			t.slots[i].size = uint32(size)
			return true
		}
	}
	if len(t.arena)+keyLen(k) > math.MaxUint32 {
		if t.dead == 0 {
			return false
		}
		t.rebuild(len(t.slots))
		if len(t.arena)+keyLen(k) > math.MaxUint32 {
			return false
		}
	}
	if 4*(t.n+1) > 3*len(t.slots) {
		t.rebuild(max(2*len(t.slots), 16))
	}
	if len(t.arena) == 0 {
		t.arena = append(t.arena, 0) // offset 0 is no key
	}
	off := uint32(len(t.arena))
	t.arena = binary.AppendUvarint(t.arena, uint64(len(k.Hash)))
	t.arena = append(t.arena, k.Hash...)
	t.arena = binary.AppendUvarint(t.arena, uint64(len(k.rng)))
	t.arena = append(t.arena, k.rng...)
	i, _ := t.find(k, h)
	t.slots[i] = sizeSlot{h: h, off: off, size: uint32(size)}
	t.n++
	return true
}

// remove deletes k, if there, shifting back the slots after it that
// probing would no longer reach (so no tombstones).
func (t *sizeTable) remove(k Key) {
	if t.n == 0 {
		return
	}
	i, ok := t.find(k, keyHash(k))
	if !ok {
		return
	}
	t.dead += keyLen(k)
	t.n--
	mask := len(t.slots) - 1
	for j := (i + 1) & mask; t.slots[j].off != 0; j = (j + 1) & mask {
		// Slot j may move to the hole at i if its home is not in (i, j].
		if home := int(t.slots[j].h) & mask; (j-home)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = sizeSlot{}
	if t.n == 0 {
		*t = sizeTable{}
	} else if t.dead > 4096 && 2*t.dead > len(t.arena) {
		t.rebuild(len(t.slots))
	}
}

// rebuild places the keys in n slots (a power of two) and leaves the
// removed keys' bytes out of the arena.
func (t *sizeTable) rebuild(n int) {
	old, oldArena := t.slots, t.arena
	t.slots = make([]sizeSlot, n)
	compact := t.dead > 0
	if compact {
		t.arena = make([]byte, 1, len(oldArena)-t.dead+max(len(oldArena)/8, 64))
		t.dead = 0
	}
	mask := n - 1
	for _, s := range old {
		if s.off == 0 {
			continue
		}
		if compact {
			k := keyBytes(oldArena, s.off)
			s.off = uint32(len(t.arena))
			t.arena = append(t.arena, k...)
		}
		i := int(s.h) & mask
		for t.slots[i].off != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// keyBytes is the encoded key at off in arena.
func keyBytes(arena []byte, off uint32) []byte {
	b := arena[off:]
	n, w := binary.Uvarint(b)
	end := w + int(n)
	m, w2 := binary.Uvarint(b[end:])
	return b[:end+w2+int(m)]
}

package store

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Keep says what the DB keeps of each item written to it. A load generator's
// items are synthetic and, over a long run on a large key space, keeping
// every one in full is what a run's memory grows with; what throttling
// needs of an item is only its key and billed size.
//
// Whatever is kept, every operation charges the capacity DynamoDB would
// for what it keeps: a write the larger of the old and the new item, a
// read the item's size. A table with secondary indexes keeps its items in
// full whatever the Keep (its index writes depend on the old item).
type Keep uint8

const (
	// KeepFull keeps every attribute (the zero value): reads return what
	// was written and conditions, updates, Query and Scan filters see it.
	KeepFull Keep = iota
	// KeepSizes keeps each item's key and billed size (about 50 bytes an
	// item with a 13-byte key, against about 750 for a 1 KB item in full:
	// BenchmarkKeep; see itemMap). Reads return the key attributes
	// only (a number as its canonical form: 1.0 comes back as 1) and are
	// charged the stored size; Query and Scan find, order and page the
	// stored keys and charge their sizes; conditions, filters and
	// UpdateExpressions see the key attributes only, so an update sizes
	// the item from the key and what it sets, and a condition on another
	// attribute sees it missing. attribute_exists and
	// attribute_not_exists on a key attribute hold as in full.
	KeepSizes
	// KeepNone keeps nothing: every read misses, every conditional write
	// sees no item, a write is charged its new item only, and
	// DescribeTable counts no items.
	KeepNone
)

// keepNames are the scenario and flag spellings of Keep, by value.
var keepNames = [...]string{KeepFull: "full", KeepSizes: "sizes", KeepNone: "none"}

func (k Keep) String() string {
	if int(k) < len(keepNames) {
		return keepNames[k]
	}
	return fmt.Sprintf("Keep(%d)", k)
}

// ParseKeep returns the Keep spelled s: full, sizes or none.
func ParseKeep(s string) (Keep, error) {
	for k, name := range keepNames {
		if s == name {
			return Keep(k), nil
		}
	}
	return 0, fmt.Errorf("must be full, sizes or none, got %q", s)
}

// keeper is the DB's policy for what its tables keep, shared by them. Safe
// for concurrent use.
type keeper struct {
	mode Keep
	// limit is the most bytes (billed item sizes) kept in full; 0 for no
	// limit. Past it, new items are kept as KeepSizes would.
	limit   int64
	full    atomic.Int64 // billed bytes of the items kept in full
	limited atomic.Int64 // writes kept as sizes only because of limit
}

// StoreUsage is what a DB keeps and whether its limit was reached.
type StoreUsage struct {
	Keep Keep
	// Limit is Options.Limit; FullBytes the billed bytes of the items kept
	// in full now.
	Limit, FullBytes int64
	// Limited counts the writes kept as sizes only because FullBytes
	// would have passed Limit; nonzero means the limit was reached.
	Limited int64
}

// Usage returns what the DB keeps and how much of its limit it uses.
func (s *DB) Usage() StoreUsage {
	return StoreUsage{Keep: s.keep.mode, Limit: s.keep.limit, FullBytes: s.keep.full.Load(), Limited: s.keep.limited.Load()}
}

// put stores item under key, replacing old (size 0 when there was none),
// keeping of it what the DB's Keep says. The caller holds t.mu.
//
// A table with secondary indexes keeps its items in full whatever the
// DB's Keep: what an index write costs, and whether an update moves an item
// in an index, depends on the old item's index key and projected
// attributes.
func (t *Table) put(key Key, item map[string]wire.Value, size int, old storedItem, existed bool) {
	k := t.keep
	mode := t.keepMode()
	if mode == KeepNone {
		return
	}
	if prev, ok := t.items.get(key); ok && prev.attrs != nil {
		k.full.Add(-int64(prev.size))
	}
	if mode == KeepFull && (k.limit == 0 || k.full.Load()+int64(size) <= k.limit || len(t.indexes) > 0) {
		t.shared.item(item)
		k.full.Add(int64(size))
	} else {
		if mode == KeepFull {
			k.limited.Add(1)
		}
		item = nil // the key and size only
	}
	t.items.set(key, storedItem{attrs: item, size: size})
	t.bytes += int64(size - old.size)
	if t.rng != nil && !existed {
		c := t.collections[key.Hash]
		if c == nil {
			c = make(map[string]struct{})
			t.collections[key.Hash] = c
		}
		c[key.rng] = struct{}{}
	}
}

// keepMode is what put keeps of the table's items: the DB's Keep, or
// KeepFull for a table with secondary indexes (see put). Under KeepSizes
// and KeepNone an item's attributes are never kept, so a write need not
// build them (putItemDecoded). The caller holds t.Mu, which guards the
// indexes.
func (t *Table) keepMode() Keep {
	if len(t.indexes) > 0 {
		return KeepFull
	}
	return t.keep.mode
}

// remove deletes the item under key, if any. The caller holds t.mu.
func (t *Table) remove(key Key) {
	old, ok := t.items.get(key)
	if !ok {
		return
	}
	if old.attrs != nil {
		t.keep.full.Add(-int64(old.size))
	}
	t.items.remove(key)
	t.bytes -= int64(old.size)
	if t.rng != nil {
		c := t.collections[key.Hash]
		delete(c, key.rng)
		if len(c) == 0 {
			delete(t.collections, key.Hash)
		}
	}
}

// get returns the item under key with the attributes kept of it: all of
// them, or for an item kept as its size only, its key attributes. The
// caller holds t.mu.
func (t *Table) get(key Key) (storedItem, bool) {
	it, ok := t.items.get(key)
	if ok && it.attrs == nil {
		it.attrs = t.keyItem(key)
	}
	return it, ok
}

// keyItem returns the key attributes of key: what is left of an item kept
// as its size only.
func (t *Table) keyItem(key Key) map[string]wire.Value {
	item := map[string]wire.Value{t.hash.Name: keyValue(key.Hash, t.hash.typ)}
	if t.rng != nil {
		item[t.rng.Name] = keyValue(key.rng, t.rng.typ)
	}
	return item
}

// keyValue is the attribute value whose key part (keyPart) is s.
func keyValue(s string, typ wire.Type) wire.Value {
	switch typ {
	case wire.TypeB:
		return wire.Value{Type: wire.TypeB, Bin: []byte(s)}
	case wire.TypeN:
		n := canonicalNumber(s)
		return wire.Value{Type: wire.TypeN, Str: decimal(n), Num: n}
	}
	return wire.Value{Type: wire.TypeS, Str: s}
}

// canonicalNumber is the Number whose Canonical form is s.
func canonicalNumber(s string) wire.Number {
	var x wire.Number
	if s == "0" {
		return x
	}
	s, x.Neg = strings.CutPrefix(s, "-")
	digits, exp, _ := strings.Cut(s, "e")
	x.Digits = digits
	x.Exp, _ = strconv.Atoi(exp)
	return x
}

// decimal writes x in plain decimal notation, as DynamoDB answers numbers:
// 1.5, 100, -0.005.
func decimal(x wire.Number) string {
	if x.Digits == "" {
		return "0"
	}
	var b strings.Builder
	if x.Neg {
		b.WriteByte('-')
	}
	switch point := x.Exp + 1; { // digits before the decimal point
	case point >= len(x.Digits):
		b.WriteString(x.Digits)
		b.WriteString(strings.Repeat("0", point-len(x.Digits)))
	case point > 0:
		b.WriteString(x.Digits[:point])
		b.WriteByte('.')
		b.WriteString(x.Digits[point:])
	default:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(x.Digits)
	}
	return b.String()
}

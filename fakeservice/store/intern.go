package store

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// interner keeps one copy of each large string or binary value that items
// repeat, so that a table of many items with the same payload (a load
// generator's synthetic items, say) holds the payload once instead of once
// per item. Reads answer exactly what was written: only identical bytes
// are shared, and values are never modified once stored.
//
// It keeps at most maxInterned distinct values of at most maxInternedBytes
// in all; past that, new values are stored as they come, so distinct
// payloads cost a lookup and nothing more. It is safe for concurrent use
// and takes no lock when a value is already known.
type interner struct {
	strs  sync.Map // string -> string
	bins  sync.Map // string -> []byte
	count atomic.Int64
	bytes atomic.Int64
}

const (
	// minInterned is the size from which a value is worth sharing: below
	// it the map entry costs more than the copy.
	minInterned      = 128
	maxInterned      = 4096
	maxInternedBytes = 64 << 20
)

// item replaces item's large top-level S and B values by the shared copy
// of the same bytes, adding them to the shared copies while there is room.
func (in *interner) item(item map[string]wire.Value) {
	for name, v := range item {
		switch {
		case v.Type == wire.TypeS && len(v.Str) >= minInterned:
			if s, ok := in.strs.Load(v.Str); ok {
				v.Str = s.(string)
			} else if in.room(len(v.Str)) {
				s, _ := in.strs.LoadOrStore(v.Str, v.Str)
				v.Str = s.(string)
			} else {
				continue
			}
			item[name] = v
		case v.Type == wire.TypeB && len(v.Bin) >= minInterned:
			if b, ok := in.bins.Load(string(v.Bin)); ok { // no allocation for the lookup
				v.Bin = b.([]byte)
			} else if in.room(len(v.Bin)) {
				b, _ := in.bins.LoadOrStore(string(v.Bin), v.Bin)
				v.Bin = b.([]byte)
			} else {
				continue
			}
			item[name] = v
		}
	}
}

// Shared returns the shared copy of the string value b, if there is one
// (wire.Sharer): the fast parsers ask before they copy a value out of the
// request body.
func (in *interner) Shared(b []byte) (string, bool) {
	if len(b) < minInterned {
		return "", false
	}
	// The key only lives for the lookup, which keeps nothing of it: no
	// copy of b (string(b) would be one, of the size this saves).
	s, ok := in.strs.Load(unsafe.String(unsafe.SliceData(b), len(b)))
	if !ok {
		return "", false
	}
	return s.(string), true
}

// room reserves space for one more shared value of n bytes.
func (in *interner) room(n int) bool {
	if in.count.Add(1) > maxInterned || in.bytes.Add(int64(n)) > maxInternedBytes {
		return false // full: a few reservations may be lost, never exceeded
	}
	return true
}

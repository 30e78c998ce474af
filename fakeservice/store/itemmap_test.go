package store

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// checkItems fails unless m holds exactly want.
func checkItems(t *testing.T, step string, m *itemMap, want map[Key]storedItem) {
	t.Helper()
	if got := m.len(); got != len(want) {
		t.Fatalf("%s: len: got %d, want %d", step, got, len(want))
	}
	seen := 0
	for k, it := range m.all() {
		w, ok := want[k]
		if !ok || it.size != w.size || (it.attrs == nil) != (w.attrs == nil) {
			t.Fatalf("%s: all yields %+v size %d (attrs %v); want %v size %d (attrs %v)", step, k, it.size, it.attrs != nil, ok, w.size, w.attrs != nil)
		}
		seen++
	}
	if seen != len(want) {
		t.Fatalf("%s: all yields %d items, want %d", step, seen, len(want))
	}
	for k, w := range want {
		if it, ok := m.get(k); !ok || it.size != w.size {
			t.Fatalf("%s: get(%+v): got size %d, %v; want %d, true", step, k, it.size, ok, w.size)
		}
	}
}

// The item map answers as a Go map would through sets, overwrites (sizes
// and full items over one another) and removals, across growth, the
// backward shifts of removal and arena rebuilds.
func TestItemMapMatchesAMap(t *testing.T) {
	full := map[string]wire.Value{"a": {Type: wire.TypeS, Str: "x"}}
	for _, tt := range []struct {
		name     string
		keys     int // distinct keys drawn from
		ops      int
		fullFrac float64 // share of sets kept in full
		rng      bool    // keys have a sort key part
	}{
		{"few keys, churn", 20, 5000, 0.2, false},
		{"many keys, sizes only", 20000, 60000, 0, false},
		{"sort keys, mixed", 3000, 20000, 0.3, true},
		{"long keys", 500, 5000, 0.1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tt.keys)))
			m, want := newItemMap(), map[Key]storedItem{}
			key := func() Key {
				i := r.IntN(tt.keys)
				k := Key{Hash: fmt.Sprintf("k%d", i)}
				if tt.name == "long keys" {
					k.Hash = strings.Repeat("h", 200+i%300) + k.Hash
				}
				if tt.rng {
					k.rng = fmt.Sprint(i % 7)
				}
				return k
			}
			for op := range tt.ops {
				k := key()
				switch x := r.Float64(); {
				case x < 0.3:
					m.remove(k)
					delete(want, k)
				case x < 0.3+0.7*tt.fullFrac:
					it := storedItem{attrs: full, size: r.IntN(400_000)}
					m.set(k, it)
					want[k] = it
				default:
					it := storedItem{size: r.IntN(400_000)}
					m.set(k, it)
					want[k] = it
				}
				if op%997 == 0 {
					checkItems(t, fmt.Sprintf("op %d", op), &m, want)
				}
			}
			checkItems(t, "end", &m, want)
			for k := range want {
				m.remove(k)
			}
			checkItems(t, "all removed", &m, nil)
			if m.sized.slots != nil || m.sized.arena != nil {
				t.Errorf("emptied: got %d slots, %d arena bytes; want none", len(m.sized.slots), len(m.sized.arena))
			}
		})
	}
}

// A missing key and the empty key are told apart from stored ones.
func TestItemMapEdges(t *testing.T) {
	m := newItemMap()
	if _, ok := m.get(Key{}); ok {
		t.Error("empty map: get found an item")
	}
	m.set(Key{Hash: "a", rng: "b"}, storedItem{size: 7})
	for _, k := range []Key{{Hash: "ab"}, {Hash: "a"}, {Hash: "a", rng: "bb"}, {rng: "ab"}} {
		if it, ok := m.get(k); ok {
			t.Errorf("get(%+v): got size %d, true; want not found (only a/b stored)", k, it.size)
		}
	}
	if it, ok := m.get(Key{Hash: "a", rng: "b"}); !ok || it.size != 7 {
		t.Errorf("get(a/b): got %d, %v; want 7, true", it.size, ok)
	}
}

// BenchmarkItemMap reports the heap bytes per item of 100,000 items kept
// as key and size (keys like a runner's: "k" and up to 6 digits), in the
// item map and in the Go map of Key to storedItem it replaces.
func BenchmarkItemMap(b *testing.B) {
	const n = 100_000
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = Key{Hash: fmt.Sprintf("k%d", i)}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for _, tt := range []struct {
		name string
		fill func() any
	}{
		{"itemMap", func() any {
			m := newItemMap()
			for _, k := range keys {
				m.set(Key{Hash: string([]byte(k.Hash))}, storedItem{size: 1100})
			}
			return &m
		}},
		{"map", func() any {
			m := map[Key]storedItem{}
			for _, k := range keys {
				m[Key{Hash: string([]byte(k.Hash))}] = storedItem{size: 1100}
			}
			return m
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			var per float64
			for b.Loop() {
				before := heap()
				m := tt.fill()
				per = float64(heap()-before) / n
				runtime.KeepAlive(m)
			}
			b.ReportMetric(per, "B/item")
		})
	}
}

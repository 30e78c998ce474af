package load

// Streams of Uniform64 the key choice draws from (the runner's workload
// uses others for the operation and the item size).
const (
	StreamSort = 12
	StreamKeys = 13 // + i for the i-th key of a multi-item operation
)

// Item is an item of the key space: key index K and, for a table with
// sort keys, sort key SK.
type Item struct {
	K  int64
	SK int
}

// ItemOf is the i-th item of operation n: its key from keys (on stream
// StreamKeys+i) and, when sortKeys > 0, a sort key uniform in [0,
// sortKeys). The runner and the simulator both choose items through it.
func ItemOf(keys Keys, seed, n int64, i, sortKeys int) Item {
	stream := uint64(StreamKeys + i)
	it := Item{K: keys.Key(seed^int64(stream)<<32, n)}
	if sortKeys > 0 {
		it.SK = int(Uniform64(seed, n, StreamSort+uint64(i)<<8) % uint64(sortKeys))
	}
	return it
}

// DistinctItems returns size distinct items for operation n (a batch or a
// transaction names no item twice), ItemOf's 0th, 1st, ... skipping
// repeats, or all of the space's items when it holds fewer than size
// (space is keys × max(sortKeys, 1)). Under a very skewed distribution it
// fills the rest deterministically after 64 × size draws.
func DistinctItems(keys Keys, seed, n int64, size, sortKeys int, nKeys int64) []Item {
	space := nKeys * int64(max(sortKeys, 1))
	if int64(size) > space {
		size = int(space)
	}
	seen := make(map[Item]bool, size)
	out := make([]Item, 0, size)
	for i := 0; len(out) < size; i++ {
		p := ItemOf(keys, seed, n, i, sortKeys)
		if i >= 64*size {
			p = Item{K: int64(i) % nKeys}
			if sortKeys > 0 {
				p.SK = i / int(nKeys) % sortKeys
			}
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

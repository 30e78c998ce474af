package throttle

// Sizes that govern capacity accounting, in bytes.
const (
	// MaxItemSize is the largest item DynamoDB stores: 400 KB.
	MaxItemSize = 400 * 1024
	// WriteUnitSize is the item size one WCU writes.
	WriteUnitSize = 1024
	// ReadUnitSize is the item size one RCU reads with strong consistency.
	ReadUnitSize = 4 * 1024
)

// WriteCost returns the write capacity a single-item write of an item of
// size bytes consumes: one unit per started KB, at least one unit. PutItem
// passes the larger of the old and the new item.
func WriteCost(size int) MilliUnits {
	return MilliUnits(max(1, ceilDiv(size, WriteUnitSize))) * Unit
}

// ReadCost returns the read capacity a single-item read of an item of size
// bytes consumes: one unit per started 4 KB, at least one unit (a missing
// item, size 0, costs one), halved when not strongly consistent.
func ReadCost(size int, consistent bool) MilliUnits {
	u := MilliUnits(max(1, ceilDiv(size, ReadUnitSize))) * Unit
	if !consistent {
		u /= 2
	}
	return u
}

// TransactWriteCost returns what a write of a TransactWriteItems costs on
// the table or an index when the same plain write costs n there (WriteCost
// of its item, an index's write units): twice n. The simulator and the
// fake both charge a transaction through it.
func TransactWriteCost(n MilliUnits) MilliUnits { return 2 * n }

// TransactReadCost returns what a Get of a TransactGetItems of an item of
// size bytes costs: twice a strongly consistent read.
func TransactReadCost(size int) MilliUnits { return 2 * ReadCost(size, true) }

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

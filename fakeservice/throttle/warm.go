package throttle

import "time"

// SetWarm sets the table's warm throughput from now on: readUnits and
// writeUnits per second (0 for none) that it serves at once. On demand it
// raises the floor of the instant limit, max(floor, 2 × peak), to them (a
// new on-demand table serves at least OnDemandReadUnits and
// OnDemandWriteUnits without it). A provisioned table gets at once the
// partitions that serve them, ceil(read/PartitionReadUnits +
// write/PartitionWriteUnits), splitting as SetProvisioned does, so a
// later increase of its capacity up to them is served by as many
// partitions as it needs; its capacity stays what is provisioned.
func (c *TableCapacity) SetWarm(readUnits, writeUnits int64, now time.Time) {
	c.warm = [2]int64{max(readUnits, 0), max(writeUnits, 0)}
	if !c.onDemand {
		c.SetProvisioned(c.read.units, c.write.units, now)
		return
	}
	for _, k := range []Kind{Read, Write} {
		kc := c.kind(k)
		kc.floor = units(max(c.m.onDemandUnits(k), c.warm[k]))
		if limit := c.onDemandLimit(kc, now); limit != kc.table.Rate() {
			kc.table.SetRate(since(c.origin, now), limit, limit, true)
		}
	}
}

// Warm returns the read and write units per second the table serves at
// once: on demand its instant limit's floor (the warm throughput set, or
// OnDemandReadUnits and OnDemandWriteUnits), provisioned the larger of its
// capacity and the warm throughput set.
func (c *TableCapacity) Warm() (readUnits, writeUnits int64) {
	if c.onDemand {
		return c.read.floor.wholeUnits(), c.write.floor.wholeUnits()
	}
	return max(c.read.units, c.warm[Read]), max(c.write.units, c.warm[Write])
}

func (u MilliUnits) wholeUnits() int64 { return int64(u / Unit) }

// WarmSet returns the warm throughput set by SetWarm, 0 for none.
func (c *TableCapacity) WarmSet() (readUnits, writeUnits int64) { return c.warm[Read], c.warm[Write] }

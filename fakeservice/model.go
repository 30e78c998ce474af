package fakeservice

import (
	"math"
	"time"
)

// Kind says which of a table's capacities a request draws on.
type Kind int

const (
	// Read is GetItem (and, later, BatchGetItem, Query, Scan).
	Read Kind = iota
	// Write is PutItem (and, later, UpdateItem, DeleteItem, BatchWriteItem).
	Write
)

// String returns "read" or "write".
func (k Kind) String() string {
	if k == Write {
		return "write"
	}
	return "read"
}

// Reason is a DynamoDB ThrottlingReasons reason code: Table or Index, Read or
// Write, and the limit that was hit.
type Reason string

// Reasons the model produces. The protocol layer answers both with
// ProvisionedThroughputExceededException.
const (
	TableReadProvisionedThroughputExceeded  Reason = "TableReadProvisionedThroughputExceeded"
	TableWriteProvisionedThroughputExceeded Reason = "TableWriteProvisionedThroughputExceeded"
)

// Defaults for Model's zero fields.
const (
	// DefaultBurst is how much capacity a bucket holds, as time at the
	// provisioned rate: one second, so there is no burst credit. DynamoDB
	// documents up to 300 seconds of retained unused capacity.
	DefaultBurst = time.Second
	// DefaultInitial is how full a new table's buckets are, as time at the
	// provisioned rate: one second.
	DefaultInitial = time.Second
	// DefaultMaxTableUnits is DynamoDB's default per-table quota of read
	// and of write capacity units.
	DefaultMaxTableUnits = 40000
)

// Model describes how provisioned capacity is enforced. It is pure: it knows
// nothing of HTTP, never sleeps, and every decision takes the time as an
// argument. Its zero value is the default model: one read and one write token
// bucket per table, each holding one second of the provisioned units and
// refilled continuously at the provisioned units per second.
//
// About "a new table starts with no burst credit, and a bucket holds at most
// one second of capacity": a new table's buckets start full, at that one
// second. That second is the table's per-second allowance, not burst credit:
// a table provisioned at W WCU can serve W one-KB writes in its first second,
// as DynamoDB does. Set Initial negative for buckets that start empty.
//
// A Model value is safe to copy and to share; the TableCapacity values it
// creates are not safe for concurrent use.
type Model struct {
	// Burst is the bucket capacity, as time at the provisioned rate. Zero
	// means DefaultBurst.
	Burst time.Duration
	// Initial is how full a new table's buckets are, as time at the
	// provisioned rate, capped at Burst. Zero means DefaultInitial;
	// negative means empty.
	Initial time.Duration
	// MaxTableUnits is the most read, and the most write, capacity units
	// CreateTable accepts for one table (LimitExceededException above it).
	// Zero means DefaultMaxTableUnits.
	MaxTableUnits int64
}

// burst returns m.Burst or its default.
func (m Model) burst() time.Duration {
	if m.Burst <= 0 {
		return DefaultBurst
	}
	return m.Burst
}

// initial returns the resolved initial fill, capped at the burst.
func (m Model) initial() time.Duration {
	switch {
	case m.Initial < 0:
		return 0
	case m.Initial == 0:
		return min(DefaultInitial, m.burst())
	default:
		return min(m.Initial, m.burst())
	}
}

// maxTableUnits returns m.MaxTableUnits or its default.
func (m Model) maxTableUnits() int64 {
	if m.MaxTableUnits <= 0 {
		return DefaultMaxTableUnits
	}
	return m.MaxTableUnits
}

// NewProvisioned returns the capacity state of a provisioned table created at
// now with readUnits RCU and writeUnits WCU per second.
func (m Model) NewProvisioned(readUnits, writeUnits int64, now time.Time) *TableCapacity {
	return &TableCapacity{
		read:  m.newBucket(readUnits, now),
		write: m.newBucket(writeUnits, now),
	}
}

// NewOnDemand returns the capacity state of a PAY_PER_REQUEST table, which
// for now is never throttled.
func (m Model) NewOnDemand() *TableCapacity {
	return &TableCapacity{onDemand: true}
}

func (m Model) newBucket(units int64, now time.Time) *Bucket {
	rate := MilliUnits(math.MaxInt64)
	if units < int64(math.MaxInt64/Unit) {
		rate = MilliUnits(units) * Unit
	}
	return NewBucket(rate, unitsFor(rate, m.burst()), unitsFor(rate, m.initial()), now)
}

// Decision is the model's answer to a request for capacity.
type Decision struct {
	// Admitted is true when the request may proceed; its units were taken.
	Admitted bool
	// Reason says why a request was throttled; empty when admitted.
	Reason Reason
}

// TableCapacity is the throttling state of one table. It is not safe for
// concurrent use: the Server calls it under the table's lock.
type TableCapacity struct {
	onDemand    bool
	read, write *Bucket // nil when onDemand
}

// OnDemand reports whether the table is PAY_PER_REQUEST.
func (c *TableCapacity) OnDemand() bool { return c.onDemand }

// Charge asks for n milli-units of kind capacity at now. When admitted the
// units are consumed; when throttled nothing is consumed.
func (c *TableCapacity) Charge(now time.Time, kind Kind, n MilliUnits) Decision {
	if c.onDemand {
		return Decision{Admitted: true}
	}
	b, reason := c.read, TableReadProvisionedThroughputExceeded
	if kind == Write {
		b, reason = c.write, TableWriteProvisionedThroughputExceeded
	}
	if b.AllowN(now, n) {
		return Decision{Admitted: true}
	}
	return Decision{Reason: reason}
}

// Available returns the kind milli-units available at now; math.MaxInt64 for
// an on-demand table.
func (c *TableCapacity) Available(now time.Time, kind Kind) MilliUnits {
	if c.onDemand {
		return math.MaxInt64
	}
	if kind == Write {
		return c.write.Tokens(now)
	}
	return c.read.Tokens(now)
}

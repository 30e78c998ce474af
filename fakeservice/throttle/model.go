package throttle

import (
	"math"
	"math/bits"
	"sync"
	"time"
)

// Kind says which of a table's capacities a request draws on.
type Kind int

const (
	// Read is GetItem, BatchGetItem, Query and Scan.
	Read Kind = iota
	// Write is PutItem, UpdateItem, DeleteItem and BatchWriteItem.
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

// Reasons the model produces.
const (
	// The table's provisioned capacity (and burst credit) is spent.
	TableReadProvisionedThroughputExceeded  Reason = "TableReadProvisionedThroughputExceeded"
	TableWriteProvisionedThroughputExceeded Reason = "TableWriteProvisionedThroughputExceeded"
	// A partition or a single partition key is over its limit while the
	// table may be under its total; on an on-demand table, also the table's
	// instant limit (twice the previous peak).
	TableReadKeyRangeThroughputExceeded  Reason = "TableReadKeyRangeThroughputExceeded"
	TableWriteKeyRangeThroughputExceeded Reason = "TableWriteKeyRangeThroughputExceeded"
	// An on-demand table's OnDemandThroughput maximum.
	TableReadMaxOnDemandThroughputExceeded  Reason = "TableReadMaxOnDemandThroughputExceeded"
	TableWriteMaxOnDemandThroughputExceeded Reason = "TableWriteMaxOnDemandThroughputExceeded"
	// The account's throughput across its provisioned tables.
	TableReadAccountLimitExceeded  Reason = "TableReadAccountLimitExceeded"
	TableWriteAccountLimitExceeded Reason = "TableWriteAccountLimitExceeded"
)

func reasonFor(kind Kind, read, write Reason) Reason {
	if kind == Write {
		return write
	}
	return read
}

// Exception names the DynamoDB error a throttle is answered with.
type Exception string

// Exceptions a throttle is answered with, all HTTP 400 and retryable
// throttles for the SDK.
const (
	ExceptionProvisionedThroughputExceeded Exception = "ProvisionedThroughputExceededException"
	ExceptionThrottling                    Exception = "ThrottlingException"
	ExceptionRequestLimitExceeded          Exception = "RequestLimitExceeded"
)

// Defaults for Model's zero fields.
const (
	// DefaultBurst is the most burst credit a provisioned table keeps, as
	// time at its provisioned rate: DynamoDB retains up to 300 seconds of
	// unused capacity.
	DefaultBurst = 300 * time.Second
	// DefaultInitial is how much of its per-second allowance a new
	// provisioned table has: all of it, one second at the provisioned rate.
	DefaultInitial = time.Second
	// DefaultMaxTableUnits is DynamoDB's default per-table quota of read
	// and of write capacity units.
	DefaultMaxTableUnits = 40000
	// DefaultPartitionReadUnits and DefaultPartitionWriteUnits are the
	// most one partition, and one partition key, serves per second.
	DefaultPartitionReadUnits  = 3000
	DefaultPartitionWriteUnits = 1000
	// DefaultOnDemandReadUnits and DefaultOnDemandWriteUnits are what a new
	// on-demand table serves per second before it has any peak.
	DefaultOnDemandReadUnits  = 12000
	DefaultOnDemandWriteUnits = 4000
	// DefaultOnDemandPeakWindow is how long an on-demand table remembers
	// its peak.
	DefaultOnDemandPeakWindow = 30 * time.Minute
	// DefaultAccountUnits is DynamoDB's default account quota of read, and
	// of write, capacity units per second across provisioned tables.
	DefaultAccountUnits = 80000
)

// Model describes how DynamoDB enforces capacity. It is pure: it knows
// nothing of HTTP, never sleeps, and every decision takes the time as an
// argument. Its zero value is the default model; every field's zero value
// means its documented default. See the package documentation for the rules.
//
// A Model value is safe to copy and to share; the TableCapacity values it
// creates are not safe for concurrent use, an Account is.
type Model struct {
	// Burst is the most burst credit a provisioned table keeps, as time at
	// its provisioned rate (unused capacity beyond the current second's
	// allowance). Zero means DefaultBurst (300 s); negative means none, so
	// a table holds at most one second of capacity.
	Burst time.Duration
	// InitialBurstCredit is the burst credit a new provisioned table (or
	// one switched to provisioned) starts with, as time at its rate,
	// capped at Burst. Zero or negative means none.
	InitialBurstCredit time.Duration
	// BurstFromCreation makes burst credit accrue from the table's
	// creation. By default it accrues from the table's first read (for
	// read credit) or write (for write credit): a table created ahead of
	// its load, as a benchmark creates every trial's table up front, starts
	// its load as a new table would, with its one-second allowance and
	// InitialBurstCredit only. DynamoDB does not publish which it does.
	BurstFromCreation bool
	// Initial is how much of its per-second allowance a new provisioned
	// table has, as time at its rate, capped at one second. Zero means
	// DefaultInitial (one second: a table of W WCU serves W one-KB writes
	// in its first second); negative means none.
	Initial time.Duration
	// MaxTableUnits is the most read, and the most write, capacity units
	// CreateTable and UpdateTable accept for one table
	// (LimitExceededException above it), and the most an on-demand table
	// scales to. Zero means DefaultMaxTableUnits (40,000).
	MaxTableUnits int64
	// PartitionReadUnits and PartitionWriteUnits are the most one
	// partition, and one partition key, serves per second; they also set
	// the partition count, ceil(RCU/PartitionReadUnits +
	// WCU/PartitionWriteUnits). Zero means DefaultPartitionReadUnits
	// (3,000) and DefaultPartitionWriteUnits (1,000).
	PartitionReadUnits, PartitionWriteUnits int64
	// NoAdaptiveCapacity turns adaptive capacity off: each partition of a
	// provisioned table is then held to an even share of the table's
	// capacity (and burst credit). With adaptive capacity (the default) a
	// hot partition borrows unused table capacity at once, up to the
	// per-partition limit.
	NoAdaptiveCapacity bool
	// OnDemandReadUnits and OnDemandWriteUnits are what a new on-demand
	// table serves per second before it has a peak: the floor of its
	// instant limit, max(floor, 2 × peak). Zero means
	// DefaultOnDemandReadUnits (12,000) and DefaultOnDemandWriteUnits
	// (4,000).
	OnDemandReadUnits, OnDemandWriteUnits int64
	// OnDemandPeakWindow is how long an on-demand table remembers a peak
	// (the highest units consumed in one second). Zero means
	// DefaultOnDemandPeakWindow (30 minutes). It is kept in 30 slots, so a
	// peak is forgotten within one slot (window/30, at least a second) of
	// the window's end.
	OnDemandPeakWindow time.Duration
	// AccountReadUnits and AccountWriteUnits are the most units per second
	// all the server's provisioned tables together serve
	// (RequestLimitExceeded above it). Zero means DefaultAccountUnits
	// (80,000); negative means no limit.
	AccountReadUnits, AccountWriteUnits int64
	// OnDemandThrottle is the exception an on-demand table answers when it
	// is over its instant limit or a key is over its limit (sources
	// disagree). Empty or unknown means ExceptionThrottling; the
	// OnDemandThroughput maximum is always ExceptionThrottling.
	OnDemandThrottle Exception
	// AccountThrottle is the exception for the account limit (sources
	// disagree). Empty or unknown means ExceptionRequestLimitExceeded.
	AccountThrottle Exception
	// TransactionHold is how long an admitted TransactWriteItems holds its
	// items, so that requests on them conflict (see Holds). Zero means
	// DefaultTransactionHold (10 ms); negative means no conflicts.
	TransactionHold time.Duration
}

func orDefault(v, def int64) int64 {
	if v <= 0 {
		return def
	}
	return v
}

func (m Model) burst() time.Duration {
	switch {
	case m.Burst < 0:
		return 0
	case m.Burst == 0:
		return DefaultBurst
	}
	return m.Burst
}

func (m Model) initial() time.Duration {
	switch {
	case m.Initial < 0:
		return 0
	case m.Initial == 0:
		return DefaultInitial
	}
	return min(m.Initial, time.Second)
}

func (m Model) initialBurst() time.Duration {
	return min(max(m.InitialBurstCredit, 0), m.burst())
}

func (m Model) maxTableUnits() int64 { return orDefault(m.MaxTableUnits, DefaultMaxTableUnits) }

// partitionUnits returns the per-partition (and per-key) limit of kind.
func (m Model) partitionUnits(kind Kind) int64 {
	if kind == Write {
		return orDefault(m.PartitionWriteUnits, DefaultPartitionWriteUnits)
	}
	return orDefault(m.PartitionReadUnits, DefaultPartitionReadUnits)
}

func (m Model) onDemandUnits(kind Kind) int64 {
	if kind == Write {
		return orDefault(m.OnDemandWriteUnits, DefaultOnDemandWriteUnits)
	}
	return orDefault(m.OnDemandReadUnits, DefaultOnDemandReadUnits)
}

func (m Model) peakWindow() time.Duration {
	if m.OnDemandPeakWindow <= 0 {
		return DefaultOnDemandPeakWindow
	}
	return m.OnDemandPeakWindow
}

func (m Model) accountUnits(kind Kind) int64 {
	v := m.AccountReadUnits
	if kind == Write {
		v = m.AccountWriteUnits
	}
	switch {
	case v < 0:
		return -1
	case v == 0:
		return DefaultAccountUnits
	}
	return v
}

func (m Model) onDemandThrottle() Exception {
	if m.OnDemandThrottle == ExceptionProvisionedThroughputExceeded {
		return m.OnDemandThrottle
	}
	return ExceptionThrottling
}

func (m Model) accountThrottle() Exception {
	switch m.AccountThrottle {
	case ExceptionThrottling, ExceptionProvisionedThroughputExceeded:
		return m.AccountThrottle
	}
	return ExceptionRequestLimitExceeded
}

// Partitions returns the partition count of a provisioned table of
// readUnits RCU and writeUnits WCU: ceil(RCU/PartitionReadUnits +
// WCU/PartitionWriteUnits), at least one.
func (m Model) Partitions(readUnits, writeUnits int64) int {
	pr, pw := m.partitionUnits(Read), m.partitionUnits(Write)
	r, w := max(readUnits, 0), max(writeUnits, 0)
	var n float64
	if r < 1<<31 && w < 1<<31 && pr < 1<<31 && pw < 1<<31 {
		num, den := r*pw+w*pr, pr*pw // ceil(r/pr + w/pw), exactly
		n = float64((num + den - 1) / den)
	} else {
		n = math.Ceil(float64(r)/float64(pr) + float64(w)/float64(pw))
	}
	return int(max(1, min(n, 1<<20)))
}

// units returns u whole units as MilliUnits, saturating.
func units(u int64) MilliUnits {
	if u >= math.MaxInt64/int64(Unit) {
		return math.MaxInt64
	}
	return MilliUnits(max(u, 0)) * Unit
}

// Decision is the model's answer to a request for capacity.
type Decision struct {
	// Admitted is true when the request may proceed; its units were taken.
	Admitted bool
	// Reason says why a request was throttled; empty when admitted.
	Reason Reason
	// Exception is the error to answer a throttled request with.
	Exception Exception
}

// Account is the throughput all of a server's provisioned tables share: a
// read and a write token bucket holding one second at the account limit. It
// is safe for concurrent use; its lock is held only to check and take.
type Account struct {
	mu          sync.Mutex
	origin      time.Time // instant zero of the buckets' clock
	read, write *bucket   // nil: no limit
}

// NewAccount returns the account-level limit of m, full at now.
func (m Model) NewAccount(now time.Time) *Account {
	a := &Account{origin: now}
	for _, k := range []Kind{Read, Write} {
		u := m.accountUnits(k)
		if u < 0 {
			continue
		}
		b := newBucket(units(u), units(u), units(u), 0)
		if k == Write {
			a.write = &b
		} else {
			a.read = &b
		}
	}
	return a
}

// allow takes n milli-units of kind at now, on the account's clock, if the
// account has them.
func (a *Account) allow(now nanos, kind Kind, n MilliUnits) bool {
	b := a.read
	if kind == Write {
		b = a.write
	}
	if b == nil {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return b.AllowN(now, n)
}

// TableCapacity is the throttling state of one table: its table-wide
// buckets, its partitions, the per-key buckets of recently used partition
// keys and, on demand, its peak. It is not safe for concurrent use: the
// Server calls it under the table's lock.
type TableCapacity struct {
	m Model
	// origin is instant zero of the clock of all the table's buckets: its
	// creation.
	origin     time.Time
	account    *Account // nil: no account limit
	accountOff nanos    // the table's origin on the account's clock
	onDemand   bool
	partitions int
	read       kindCapacity
	write      kindCapacity
	keys       keyTable
	// warm is the warm throughput set on the table (SetWarm), read and
	// write units per second; zero for none.
	warm [2]int64
	// scaling is its auto scaling (Scale); nil for none.
	scaling *scaling
}

// kindCapacity is a table's state for reads or for writes.
type kindCapacity struct {
	// units is the provisioned units per second, or on demand the
	// OnDemandThroughput maximum (-1: none).
	units int64
	// table is the table-wide bucket: on a provisioned table, rate units/s
	// holding one second plus the burst credit; on demand, the instant
	// limit max(floor, 2 × peak) holding one second.
	table bucket
	// parts are the partitions' buckets of a provisioned table: an even
	// share (with its share of burst) without adaptive capacity, the
	// per-partition limit with it.
	parts []bucket
	// fresh is true on a provisioned table until its first charge of this
	// kind: until then it holds no more than it started with, fill.
	fresh bool
	fill  MilliUnits
	// On demand: the OnDemandThroughput maximum (nil: none), the peak and
	// the floor of the instant limit.
	max   *bucket
	peak  peakTracker
	floor MilliUnits
}

// NewProvisioned returns the capacity state of a provisioned table created at
// now with readUnits RCU and writeUnits WCU per second.
func (m Model) NewProvisioned(readUnits, writeUnits int64, now time.Time) *TableCapacity {
	c := &TableCapacity{m: m, origin: now, keys: newKeyTable(m)}
	c.provision(readUnits, writeUnits, m.Partitions(readUnits, writeUnits), 0)
	return c
}

// NewOnDemand returns the capacity state of a PAY_PER_REQUEST table created
// at now, with OnDemandThroughput maximums maxRead and maxWrite request
// units per second (-1 or 0: none).
func (m Model) NewOnDemand(maxRead, maxWrite int64, now time.Time) *TableCapacity {
	c := &TableCapacity{m: m, origin: now, keys: newKeyTable(m)}
	c.toOnDemand(0, 0, now)
	c.SetOnDemandMax(maxRead, maxWrite, now)
	return c
}

// UseAccount makes the table's requests draw on a, an account-level limit
// shared with other tables; nil means none. It applies to provisioned mode.
func (c *TableCapacity) UseAccount(a *Account) {
	c.account = a
	if a != nil {
		c.accountOff = since(a.origin, c.origin)
	}
}

// provision makes c a provisioned table with fresh buckets at now.
func (c *TableCapacity) provision(readUnits, writeUnits int64, partitions int, now nanos) {
	c.onDemand = false
	c.partitions = partitions
	for _, k := range []Kind{Read, Write} {
		u := readUnits
		if k == Write {
			u = writeUnits
		}
		rate := units(u)
		fill := unitsFor(rate, c.m.initial()) + unitsFor(rate, c.m.initialBurst())
		b := newBucket(rate, c.tableCapacity(rate), fill, now)
		*c.kind(k) = kindCapacity{units: u, table: b, fresh: !c.m.BurstFromCreation, fill: fill}
		c.buildParts(k, now, -1)
	}
}

// tableCapacity is a provisioned bucket's capacity: one second plus burst.
func (c *TableCapacity) tableCapacity(rate MilliUnits) MilliUnits {
	return unitsFor(rate, time.Second+c.m.burst())
}

// buildParts (re)creates kind's partition buckets at now. With tokens < 0
// each starts as a new table's would; otherwise with an even share of tokens.
func (c *TableCapacity) buildParts(k Kind, now nanos, tokens MilliUnits) {
	kc := c.kind(k)
	kc.parts = make([]bucket, c.partitions)
	for i := range kc.parts {
		if c.m.NoAdaptiveCapacity {
			rate := kc.table.Rate() / MilliUnits(c.partitions)
			initial := unitsFor(rate, c.m.initial()) + unitsFor(rate, c.m.initialBurst())
			if tokens >= 0 {
				initial = tokens / MilliUnits(c.partitions)
			}
			kc.parts[i] = newBucket(rate, c.tableCapacity(rate), initial, now)
		} else {
			rate := units(c.m.partitionUnits(k))
			kc.parts[i] = newBucket(rate, rate, rate, now)
		}
	}
}

// SetProvisioned makes the table provisioned at readUnits RCU and writeUnits
// WCU from now on, as UpdateTable does. A provisioned table keeps its tokens
// and burst credit (capped at the new capacity) and refills at the new rate
// from now; partitions never merge, and split in two until there are
// enough for the new capacity. An on-demand table switched to provisioned
// starts as a new provisioned table.
func (c *TableCapacity) SetProvisioned(readUnits, writeUnits int64, now time.Time) {
	if c.scaling != nil {
		c.scaling.follow(readUnits, writeUnits)
	}
	need := max(c.m.Partitions(readUnits, writeUnits), c.m.Partitions(c.warm[Read], c.warm[Write]))
	t := since(c.origin, now)
	if c.onDemand {
		c.provision(readUnits, writeUnits, need, t)
		return
	}
	p := c.partitions
	for p < need {
		p *= 2
	}
	split := p != c.partitions
	c.partitions = p
	for _, k := range []Kind{Read, Write} {
		kc := c.kind(k)
		kc.units = readUnits
		if k == Write {
			kc.units = writeUnits
		}
		rate := units(kc.units)
		if kc.fresh {
			c.firstUse(t, kc)
			kc.fresh = true
			kc.fill = unitsFor(rate, c.m.initial()) + unitsFor(rate, c.m.initialBurst())
		}
		kc.table.SetRate(t, rate, c.tableCapacity(rate), false)
		switch {
		case split:
			c.buildParts(k, t, kc.table.Tokens(t))
		case c.m.NoAdaptiveCapacity:
			share := rate / MilliUnits(p)
			for i := range kc.parts {
				kc.parts[i].SetRate(t, share, c.tableCapacity(share), false)
			}
		}
	}
}

// SetOnDemand makes the table PAY_PER_REQUEST from now on, with
// OnDemandThroughput maximums maxRead and maxWrite (-1 or 0: none). A
// provisioned table switched to on demand starts with a peak of half its
// provisioned units, so it serves at once at least what it was
// provisioned for (as DynamoDB documents for a table's first switch).
func (c *TableCapacity) SetOnDemand(maxRead, maxWrite int64, now time.Time) {
	if !c.onDemand {
		c.toOnDemand(c.read.units, c.write.units, now)
	}
	c.SetOnDemandMax(maxRead, maxWrite, now)
}

func (c *TableCapacity) toOnDemand(readUnits, writeUnits int64, now time.Time) {
	c.onDemand = true
	c.partitions = 0
	for _, k := range []Kind{Read, Write} {
		kc := c.kind(k)
		*kc = kindCapacity{units: -1, floor: units(max(c.m.onDemandUnits(k), c.warm[k])), peak: newPeakTracker(c.m.peakWindow(), now)}
		seed := readUnits
		if k == Write {
			seed = writeUnits
		}
		if seed > 0 {
			kc.peak.record(now.Unix(), units(seed)/2)
		}
		limit := c.onDemandLimit(kc, now)
		kc.table = newBucket(limit, limit, limit, since(c.origin, now))
	}
}

// SetOnDemandMax sets an on-demand table's OnDemandThroughput maximums from
// now on (-1 or 0: none). It does nothing to a provisioned table: pass the
// maximums to SetOnDemand when switching.
func (c *TableCapacity) SetOnDemandMax(maxRead, maxWrite int64, now time.Time) {
	for _, k := range []Kind{Read, Write} {
		kc := c.kind(k)
		u := maxRead
		if k == Write {
			u = maxWrite
		}
		if !c.onDemand {
			continue
		}
		if u <= 0 {
			kc.units, kc.max = -1, nil
			continue
		}
		kc.units = u
		if kc.max == nil {
			b := newBucket(units(u), units(u), units(u), since(c.origin, now))
			kc.max = &b
		} else {
			kc.max.SetRate(since(c.origin, now), units(u), units(u), false)
		}
	}
}

// onDemandLimit returns kind's instant limit at now: max(floor, 2 × peak),
// at most MaxTableUnits.
func (c *TableCapacity) onDemandLimit(kc *kindCapacity, now time.Time) MilliUnits {
	p := kc.peak.peak(now)
	limit := kc.floor
	if p > limit/2 {
		limit = 2 * p
	}
	return min(limit, units(c.m.maxTableUnits()))
}

func (c *TableCapacity) kind(k Kind) *kindCapacity {
	if k == Write {
		return &c.write
	}
	return &c.read
}

// OnDemand reports whether the table is PAY_PER_REQUEST.
func (c *TableCapacity) OnDemand() bool { return c.onDemand }

// Partitions returns the partition count of a provisioned table; zero on
// demand, where partitions split as needed and only the per-key limit holds.
func (c *TableCapacity) Partitions() int { return c.partitions }

// Charge asks for n milli-units of kind capacity at now for a request on no
// particular partition key, as a Scan: ChargeKey(now, kind, "", n).
func (c *TableCapacity) Charge(now time.Time, kind Kind, n MilliUnits) Decision {
	return c.ChargeKey(now, kind, "", n)
}

// Withhold removes up to n milli-units of kind from the table-wide bucket at
// now, as a competing consumer would (a brownout), and returns how many it
// took: never more than the bucket holds, and nothing from partitions, keys
// or the account.
func (c *TableCapacity) Withhold(now time.Time, kind Kind, n MilliUnits) MilliUnits {
	b := &c.kind(kind).table
	take := min(max(n, 0), max(b.Tokens(since(c.origin, now)), 0))
	b.take(take)
	return take
}

// ChargeKey asks for n milli-units of kind capacity at now for a request on
// the partition key key (its canonical form; empty for a Scan, which spans
// partitions and draws on the table only). When admitted the units are
// consumed from every limit; when throttled nothing is consumed.
//
// Provisioned checks, in order: the table bucket (ProvisionedThroughput),
// the key's partition and the key itself (KeyRange), then the account
// (AccountLimit). On demand: the OnDemandThroughput maximum
// (MaxOnDemandThroughput), the instant limit and the key (KeyRange).
func (c *TableCapacity) ChargeKey(now time.Time, kind Kind, key string, n MilliUnits) Decision {
	var acct nanos
	if c.account != nil {
		acct = since(c.account.origin, now)
	}
	return c.chargeKey(now, since(c.origin, now), acct, kind, key, n)
}

// ChargeKeyAfter is ChargeKey at elapsed after the table's creation (the
// instant given to NewProvisioned or NewOnDemand): ChargeKey(created.Add(
// elapsed), ...), the same decision, without time.Time arithmetic on a
// provisioned table. It is the form for a simulation's virtual clock.
func (c *TableCapacity) ChargeKeyAfter(elapsed time.Duration, kind Kind, key string, n MilliUnits) Decision {
	var now time.Time
	if c.onDemand { // the peak is kept per calendar second
		now = c.origin.Add(elapsed)
	}
	return c.chargeKey(now, nanos(elapsed), nanos(elapsed)+c.accountOff, kind, key, n)
}

// chargeKey is ChargeKey at now, which is t on the table's clock and acct
// on its account's; on demand, it reads now too.
func (c *TableCapacity) chargeKey(now time.Time, t, acct nanos, kind Kind, key string, n MilliUnits) Decision {
	if c.scaling != nil {
		c.rescaleAt(t)
	}
	kc := c.kind(kind)
	if c.onDemand {
		return c.chargeOnDemand(now, t, kind, kc, key, n)
	}
	if kc.fresh {
		c.firstUse(t, kc)
	}
	if !kc.table.can(t, n) {
		return Decision{Reason: reasonFor(kind, TableReadProvisionedThroughputExceeded, TableWriteProvisionedThroughputExceeded),
			Exception: ExceptionProvisionedThroughputExceeded}
	}
	var part *bucket
	var kb keyBucket
	if key != "" {
		h := KeyHash(key)
		part = &kc.parts[partitionOfHash(h, c.partitions)]
		kb = c.keys.bucket(t, kind, key, h)
		if !part.can(t, n) || !kb.can(t, n) {
			return Decision{Reason: reasonFor(kind, TableReadKeyRangeThroughputExceeded, TableWriteKeyRangeThroughputExceeded),
				Exception: ExceptionProvisionedThroughputExceeded}
		}
	}
	if c.account != nil && !c.account.allow(acct, kind, n) {
		return Decision{Reason: reasonFor(kind, TableReadAccountLimitExceeded, TableWriteAccountLimitExceeded),
			Exception: c.m.accountThrottle()}
	}
	kc.table.take(n)
	if part != nil {
		part.take(n)
		kb.take(n)
	}
	if c.scaling != nil {
		c.consumed(t, kind, n)
	}
	return Decision{Admitted: true}
}

// firstUse caps a fresh table's buckets at what they started with, so that
// burst credit accrues from now on; see Model.BurstFromCreation.
func (c *TableCapacity) firstUse(now nanos, kc *kindCapacity) {
	kc.fresh = false
	kc.table.advance(now)
	kc.table.tokens = min(kc.table.tokens, kc.fill)
	if c.m.NoAdaptiveCapacity {
		share := kc.fill / MilliUnits(c.partitions)
		for i := range kc.parts {
			p := &kc.parts[i]
			p.advance(now)
			p.tokens = min(p.tokens, share)
		}
	}
}

func (c *TableCapacity) chargeOnDemand(now time.Time, t nanos, kind Kind, kc *kindCapacity, key string, n MilliUnits) Decision {
	if kc.peak.roll(now) {
		limit := c.onDemandLimit(kc, now)
		if limit != kc.table.Rate() {
			kc.table.SetRate(t, limit, limit, true)
		}
	}
	if kc.max != nil && !kc.max.can(t, n) {
		return Decision{Reason: reasonFor(kind, TableReadMaxOnDemandThroughputExceeded, TableWriteMaxOnDemandThroughputExceeded),
			Exception: ExceptionThrottling}
	}
	keyRange := Decision{Reason: reasonFor(kind, TableReadKeyRangeThroughputExceeded, TableWriteKeyRangeThroughputExceeded),
		Exception: c.m.onDemandThrottle()}
	if !kc.table.can(t, n) {
		return keyRange
	}
	if key != "" {
		kb := c.keys.bucket(t, kind, key, KeyHash(key))
		if !kb.can(t, n) {
			return keyRange
		}
		kb.take(n)
	}
	kc.table.take(n)
	if kc.max != nil {
		kc.max.take(n)
	}
	kc.peak.used += n
	return Decision{Admitted: true}
}

// keyBucket returns the per-key bucket of kind for key, creating it full.
// Keys whose buckets are all full are forgotten once the table of keys
// grows (see keyTable): a full bucket is what a new one would be. It is
// valid until the next call.
func (c *TableCapacity) keyBucket(now nanos, kind Kind, key string) keyBucket {
	return c.keys.bucket(now, kind, key, KeyHash(key))
}

// PartitionOf maps a partition key to one of n partitions by its KeyHash
// scaled to [0, n): each partition owns a contiguous hash range, so a
// split in two divides a range as DynamoDB's splits do.
func PartitionOf(key string, n int) int { return partitionOfHash(KeyHash(key), n) }

// partitionOfHash is partitionOf of the key whose keyHash is h.
func partitionOfHash(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

// Available returns the kind milli-units the table-wide bucket holds at now:
// on a provisioned table the current second's allowance plus burst credit,
// on demand what is left of the instant limit.
func (c *TableCapacity) Available(now time.Time, kind Kind) MilliUnits {
	kc := c.kind(kind)
	t := since(c.origin, now)
	if kc.fresh {
		return min(kc.table.Tokens(t), kc.fill)
	}
	return kc.table.Tokens(t)
}

// BurstCredit returns a provisioned table's kind burst credit at now: what
// it holds beyond one second at its provisioned rate. Zero on demand.
func (c *TableCapacity) BurstCredit(now time.Time, kind Kind) MilliUnits {
	if c.onDemand {
		return 0
	}
	return max(0, c.Available(now, kind)-unitsFor(c.kind(kind).table.Rate(), time.Second))
}

// Limit returns the kind milli-units per second the table serves at now:
// the provisioned rate, or on demand the instant limit max(floor, 2 × peak)
// (before any OnDemandThroughput maximum).
func (c *TableCapacity) Limit(now time.Time, kind Kind) MilliUnits {
	kc := c.kind(kind)
	if c.onDemand && kc.peak.roll(now) {
		limit := c.onDemandLimit(kc, now)
		if limit != kc.table.Rate() {
			kc.table.SetRate(since(c.origin, now), limit, limit, true)
		}
	}
	return kc.table.Rate()
}

// peakSlots is how many slots an on-demand peak window is kept in.
const peakSlots = 30

// peakTracker remembers the most units consumed in one second over a
// window, in peakSlots slots each holding the highest second it saw.
type peakTracker struct {
	width int64 // nanoseconds per slot
	sec   int64 // the second being counted, in Unix seconds
	used  MilliUnits
	slots [peakSlots]peakSlot
}

type peakSlot struct {
	idx  int64 // Unix nanoseconds / width
	peak MilliUnits
}

func newPeakTracker(window time.Duration, now time.Time) peakTracker {
	return peakTracker{width: int64(max(window/peakSlots, time.Second)), sec: now.Unix()}
}

// roll closes the second being counted when now is past it, and reports
// whether it did.
func (p *peakTracker) roll(now time.Time) bool {
	s := now.Unix()
	if s <= p.sec {
		return false
	}
	p.record(p.sec, p.used)
	p.sec, p.used = s, 0
	return true
}

// record notes u consumed in second sec.
func (p *peakTracker) record(sec int64, u MilliUnits) {
	idx := floorDiv(sec*int64(time.Second), p.width)
	sl := &p.slots[(idx%peakSlots+peakSlots)%peakSlots]
	if sl.idx != idx {
		*sl = peakSlot{idx: idx}
	}
	sl.peak = max(sl.peak, u)
}

// peak returns the highest second recorded in the window ending at now.
func (p *peakTracker) peak(now time.Time) MilliUnits {
	cur := floorDiv(now.UnixNano(), p.width)
	var m MilliUnits
	for _, sl := range p.slots {
		if sl.idx > cur-peakSlots && sl.idx <= cur {
			m = max(m, sl.peak)
		}
	}
	return m
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// KeyHash is the hash partitionOf places keys by: 64-bit FNV-1a followed
// by MurmurHash3's 64-bit finalizer. FNV-1a alone leaves its high bits,
// which pick the partition, nearly blind to a key's last bytes: 10,000 keys
// "k000000000000".."k000000009999" then fell on 26 partitions 100 to 700 a
// piece instead of about 385 each, and a uniform load throttled on the
// crowded partitions at 80 % of the table's capacity.
func KeyHash(key string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// TableQuota returns the most RCU or WCU CreateTable and UpdateTable accept
// for one table (Model.MaxTableUnits, default DefaultMaxTableUnits).
func (m Model) TableQuota() int64 { return m.maxTableUnits() }

package throttle

import (
	"strings"
	"time"
)

// Reasons for a global secondary index's limits: the Table reasons with
// "Index" in place of "Table". A GSI's TableCapacity decides as a table's
// does; ChargeAll renames its reasons.
const (
	IndexReadProvisionedThroughputExceeded  Reason = "IndexReadProvisionedThroughputExceeded"
	IndexWriteProvisionedThroughputExceeded Reason = "IndexWriteProvisionedThroughputExceeded"
	IndexReadKeyRangeThroughputExceeded     Reason = "IndexReadKeyRangeThroughputExceeded"
	IndexWriteKeyRangeThroughputExceeded    Reason = "IndexWriteKeyRangeThroughputExceeded"
	IndexReadMaxOnDemandThroughputExceeded  Reason = "IndexReadMaxOnDemandThroughputExceeded"
	IndexWriteMaxOnDemandThroughputExceeded Reason = "IndexWriteMaxOnDemandThroughputExceeded"
	IndexReadAccountLimitExceeded           Reason = "IndexReadAccountLimitExceeded"
	IndexWriteAccountLimitExceeded          Reason = "IndexWriteAccountLimitExceeded"
)

// OnIndex returns r as the reason of a global secondary index's limit:
// TableWriteProvisionedThroughputExceeded becomes
// IndexWriteProvisionedThroughputExceeded. Index reasons are returned as is.
func (r Reason) OnIndex() Reason {
	if s, ok := strings.CutPrefix(string(r), "Table"); ok {
		return Reason("Index" + s)
	}
	return r
}

// Index reports whether r is a global secondary index's reason.
func (r Reason) Index() bool { return strings.HasPrefix(string(r), "Index") }

// AccountLimit reports whether r is the account limit's reason (table or index).
func (r Reason) AccountLimit() bool { return strings.HasSuffix(string(r), "AccountLimitExceeded") }

// MaxOnDemand reports whether r is the OnDemandThroughput maximum's reason.
func (r Reason) MaxOnDemand() bool {
	return strings.HasSuffix(string(r), "MaxOnDemandThroughputExceeded")
}

// KeyRange reports whether r is a partition's or a key's reason.
func (r Reason) KeyRange() bool { return strings.HasSuffix(string(r), "KeyRangeThroughputExceeded") }

// Charge is one part of a request's cost: n milli-units of kind on the
// partition key Key ("" for none) of Capacity, a table's or, with Index
// true, a global secondary index's.
type Charge struct {
	Capacity *TableCapacity
	Kind     Kind
	Key      string
	N        MilliUnits
	Index    bool
}

// ChargeAll asks for every charge at now, all or nothing: a base-table
// write whose index writes do not fit is throttled as a whole. Charges are
// asked in order; the first refused one gives the decision (with its
// reason renamed by OnIndex for an index) and its position, and the
// charges admitted before it are given back, so a throttled request
// consumes nothing. When all are admitted it returns an admitted Decision
// and -1. The caller holds the locks of every capacity involved.
func ChargeAll(now time.Time, charges []Charge) (Decision, int) {
	return chargeAll(charges, func(c *Charge) (Decision, nanos, nanos) {
		t := since(c.Capacity.origin, now)
		var acct nanos
		if c.Capacity.account != nil {
			acct = since(c.Capacity.account.origin, now)
		}
		return c.Capacity.chargeKey(now, t, acct, c.Kind, c.Key, c.N), t, acct
	})
}

// ChargeAllAfter is ChargeAll at elapsed after the creation of every
// capacity charged, which must all have been created at one instant: the
// form for a simulation's virtual clock (see ChargeKeyAfter).
func ChargeAllAfter(elapsed time.Duration, charges []Charge) (Decision, int) {
	return chargeAll(charges, func(c *Charge) (Decision, nanos, nanos) {
		var now time.Time
		if c.Capacity.onDemand {
			now = c.Capacity.origin.Add(elapsed)
		}
		t, acct := nanos(elapsed), nanos(elapsed)+c.Capacity.accountOff
		return c.Capacity.chargeKey(now, t, acct, c.Kind, c.Key, c.N), t, acct
	})
}

func chargeAll(charges []Charge, ask func(*Charge) (Decision, nanos, nanos)) (Decision, int) {
	type taken struct{ t, acct nanos }
	var done [8]taken
	took := done[:0]
	for i := range charges {
		c := &charges[i]
		d, t, acct := ask(c)
		if !d.Admitted {
			for j := range took {
				charges[j].Capacity.refund(took[j].t, took[j].acct, charges[j].Kind, charges[j].Key, charges[j].N)
			}
			if c.Index {
				d.Reason = d.Reason.OnIndex()
			}
			return d, i
		}
		took = append(took, taken{t, acct})
	}
	return Decision{Admitted: true}, -1
}

// refund gives back n milli-units of kind on key that chargeKey took at t
// (acct on the account's clock), as if they had never been taken.
func (c *TableCapacity) refund(t, acct nanos, kind Kind, key string, n MilliUnits) {
	if n <= 0 {
		return
	}
	kc := c.kind(kind)
	kc.table.give(t, n)
	if key != "" {
		kb := c.keyBucket(t, kind, key)
		kb.l.give(n, kb.rate)
	}
	if c.onDemand {
		if kc.max != nil {
			kc.max.give(t, n)
		}
		kc.peak.used -= n
		return
	}
	if c.scaling != nil {
		c.consumed(t, kind, -n)
	}
	if key != "" {
		kc.parts[PartitionOf(key, c.partitions)].give(t, n)
	}
	if c.account != nil {
		b := c.account.read
		if kind == Write {
			b = c.account.write
		}
		if b != nil {
			c.account.mu.Lock()
			b.give(acct, n)
			c.account.mu.Unlock()
		}
	}
}

// give returns n milli-units taken at now, up to capacity.
func (b *bucket) give(now nanos, n MilliUnits) {
	b.advance(now)
	b.level.give(n, b.capacity)
}

func (l *level) give(n, capacity MilliUnits) { l.tokens = min(l.tokens+n, capacity) }

package throttle

import "time"

// Debit takes n milli-units of kind at now from every limit a request on
// key draws on, without asking: the part of a request's cost known only
// once it was served. Buckets may go negative, throttling what follows
// until they refill. The caller holds the table's lock.
func (c *TableCapacity) Debit(now time.Time, kind Kind, key string, n MilliUnits) {
	t := since(c.origin, now)
	if c.scaling != nil && !c.onDemand {
		c.rescaleAt(t)
		c.consumed(t, kind, n)
	}
	kc := c.kind(kind)
	kc.table.advance(t)
	kc.table.take(n)
	if key != "" {
		kb := c.keyBucket(t, kind, key)
		kb.advance(t)
		kb.take(n)
	}
	if c.onDemand {
		if kc.max != nil {
			kc.max.advance(t)
			kc.max.take(n)
		}
		kc.peak.used += n
		return
	}
	if key != "" {
		part := &kc.parts[PartitionOf(key, c.partitions)]
		part.advance(t)
		part.take(n)
	}
	if c.account != nil {
		c.account.debit(now, kind, n)
	}
}

// debit takes n milli-units of kind at now without asking.
func (a *Account) debit(now time.Time, kind Kind, n MilliUnits) {
	b := a.read
	if kind == Write {
		b = a.write
	}
	if b == nil {
		return
	}
	t := since(a.origin, now)
	a.mu.Lock()
	defer a.mu.Unlock()
	b.advance(t)
	b.take(n)
}

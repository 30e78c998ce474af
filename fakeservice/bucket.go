package fakeservice

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

// MilliUnits counts DynamoDB capacity in thousandths of a unit: 1000 is one
// read capacity unit (RCU) or write capacity unit (WCU), 500 is the half unit
// an eventually consistent read of up to 4 KB costs. Integer milli-units keep
// long runs free of floating-point drift.
type MilliUnits int64

// Unit is one whole capacity unit.
const Unit MilliUnits = 1000

// Units returns u in whole capacity units, as DynamoDB reports them in
// ConsumedCapacity.
func (u MilliUnits) Units() float64 { return float64(u) / float64(Unit) }

// String formats u in whole units, for example "0.5".
func (u MilliUnits) String() string {
	return strconv.FormatFloat(u.Units(), 'f', -1, 64)
}

// Bucket is a token bucket of capacity units refilled continuously at a fixed
// rate up to a capacity. Every method takes the current time, like
// rate.Limiter's AllowN, so the bucket is deterministic and tests replay
// fixed instants instead of sleeping; time that runs backwards adds nothing.
//
// Refill is exact integer arithmetic: the fraction of a milli-unit earned but
// not yet credited is carried to the next call, so while the bucket is below
// capacity the units credited over an interval are floor(interval × rate)
// however finely the calls slice it.
//
// A Bucket is not safe for concurrent use; its owner serializes calls (the
// Server holds the table's lock).
type Bucket struct {
	rate     MilliUnits // credited per second
	capacity MilliUnits
	tokens   MilliUnits // negative after an oversized request, see AllowN
	carry    uint64     // milli-unit·nanoseconds not yet worth a milli-unit; < 1e9
	last     time.Time  // instant tokens were last brought up to date
}

// NewBucket returns a bucket refilled at rate milli-units per second, holding
// at most capacity, with initial milli-units available at now. Negative
// arguments count as zero; initial is capped at capacity.
func NewBucket(rate, capacity, initial MilliUnits, now time.Time) *Bucket {
	b := newBucket(rate, capacity, initial, now)
	return &b
}

// newBucket is NewBucket's value, for buckets held in slices.
func newBucket(rate, capacity, initial MilliUnits, now time.Time) Bucket {
	rate, capacity, initial = max(rate, 0), max(capacity, 0), max(initial, 0)
	return Bucket{
		rate:     rate,
		capacity: capacity,
		tokens:   min(initial, capacity),
		last:     now,
	}
}

// Rate returns the refill rate in milli-units per second.
func (b *Bucket) Rate() MilliUnits { return b.rate }

// Capacity returns the most the bucket holds, in milli-units.
func (b *Bucket) Capacity() MilliUnits { return b.capacity }

// Tokens returns the milli-units available at now. It is negative while an
// oversized request's debt is being repaid.
func (b *Bucket) Tokens(now time.Time) MilliUnits {
	b.advance(now)
	return b.tokens
}

// AllowN reports whether n milli-units are available at now and, if so, takes
// them. When they are not, it takes nothing: a throttled request consumes no
// capacity.
//
// A request larger than the whole capacity could otherwise never pass (a
// 400 KB item is 400 WCU; a 5-WCU table with one second of capacity holds
// 5000 milli-units). Such a request is admitted when the bucket is full and
// leaves the bucket in debt, which refill repays before anything else passes,
// so the long-run rate still equals the provisioned rate.
func (b *Bucket) AllowN(now time.Time, n MilliUnits) bool {
	b.advance(now)
	if n <= 0 {
		return true
	}
	if b.tokens >= n || (n > b.capacity && b.tokens >= b.capacity) {
		b.tokens -= n
		return true
	}
	return false
}

// can reports whether AllowN(now, n) would admit n, taking nothing. Several
// buckets that must all admit a request are asked with can first and then
// charged with take, so that a refusal by one takes nothing from the others.
func (b *Bucket) can(now time.Time, n MilliUnits) bool {
	b.advance(now)
	return n <= 0 || b.tokens >= n || (n > b.capacity && b.tokens >= b.capacity)
}

// take removes n milli-units, after can admitted them at the same instant.
func (b *Bucket) take(n MilliUnits) {
	if n > 0 {
		b.tokens -= n
	}
}

// full reports whether the bucket is at capacity at now: such a bucket is
// indistinguishable from a new one, so it may be forgotten.
func (b *Bucket) full(now time.Time) bool {
	b.advance(now)
	return b.tokens >= b.capacity
}

// SetRate changes the refill rate and the capacity from now on: the refill
// earned until now is credited at the old rate first. The tokens held are
// kept, capped at the new capacity; with grow true, an increase in capacity
// is also credited at once (an on-demand table's raised limit is there
// instantly). Negative arguments count as zero.
func (b *Bucket) SetRate(now time.Time, rate, capacity MilliUnits, grow bool) {
	b.advance(now)
	rate, capacity = max(rate, 0), max(capacity, 0)
	if grow && capacity > b.capacity {
		b.tokens += capacity - b.capacity
	}
	b.rate, b.capacity = rate, capacity
	b.tokens = min(b.tokens, capacity)
	b.carry = 0
}

// advance credits the refill earned between b.last and now.
func (b *Bucket) advance(now time.Time) {
	// Sub is positive exactly when now is after b.last (both compare the
	// monotonic readings when both times have one), and saturates at
	// math.MaxInt64 ns, which fills any bucket.
	elapsed := now.Sub(b.last)
	if elapsed <= 0 {
		return
	}
	b.last = now
	if b.tokens >= b.capacity {
		b.carry = 0
		return
	}
	// earned = elapsed(ns) × rate(milli-units/s) / 1e9, in 128 bits so that
	// long gaps at high rates cannot overflow.
	hi, lo := bits.Mul64(uint64(elapsed), uint64(b.rate))
	var c uint64
	lo, c = bits.Add64(lo, b.carry, 0)
	hi += c
	room := uint64(b.capacity - b.tokens)
	if hi >= nanosPerSecond { // quotient would not fit in 64 bits: certainly full
		b.tokens, b.carry = b.capacity, 0
		return
	}
	earned, rem := bits.Div64(hi, lo, nanosPerSecond)
	if earned >= room {
		b.tokens, b.carry = b.capacity, 0
		return
	}
	b.tokens += MilliUnits(earned)
	b.carry = rem
}

const nanosPerSecond = uint64(time.Second)

// unitsFor returns how many milli-units rate (milli-units per second) earns in
// d, saturating at math.MaxInt64.
func unitsFor(rate MilliUnits, d time.Duration) MilliUnits {
	if rate <= 0 || d <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(rate), uint64(d))
	if hi >= nanosPerSecond {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, nanosPerSecond)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return MilliUnits(q)
}

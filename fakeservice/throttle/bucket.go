package throttle

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
	origin time.Time // instant zero of b's clock: its creation
	b      bucket
}

// NewBucket returns a bucket refilled at rate milli-units per second, holding
// at most capacity, with initial milli-units available at now. Negative
// arguments count as zero; initial is capped at capacity.
func NewBucket(rate, capacity, initial MilliUnits, now time.Time) *Bucket {
	return &Bucket{origin: now, b: newBucket(rate, capacity, initial, 0)}
}

// Rate returns the refill rate in milli-units per second.
func (b *Bucket) Rate() MilliUnits { return b.b.rate }

// Capacity returns the most the bucket holds, in milli-units.
func (b *Bucket) Capacity() MilliUnits { return b.b.capacity }

// Tokens returns the milli-units available at now. It is negative while an
// oversized request's debt is being repaid.
func (b *Bucket) Tokens(now time.Time) MilliUnits { return b.b.Tokens(since(b.origin, now)) }

// AllowN reports whether n milli-units are available at now and, if so, takes
// them. When they are not, it takes nothing: a throttled request consumes no
// capacity.
//
// A request larger than the whole capacity could otherwise never pass (a
// 400 KB item is 400 WCU; a 5-WCU table with one second of capacity holds
// 5000 milli-units). Such a request is admitted when the bucket is full and
// leaves the bucket in debt, which refill repays before anything else passes,
// so the long-run rate still equals the provisioned rate.
func (b *Bucket) AllowN(now time.Time, n MilliUnits) bool { return b.b.AllowN(since(b.origin, now), n) }

// SetRate changes the refill rate and the capacity from now on: the refill
// earned until now is credited at the old rate first. The tokens held are
// kept, capped at the new capacity; with grow true, an increase in capacity
// is also credited at once (an on-demand table's raised limit is there
// instantly). Negative arguments count as zero.
func (b *Bucket) SetRate(now time.Time, rate, capacity MilliUnits, grow bool) {
	b.b.SetRate(since(b.origin, now), rate, capacity, grow)
}

// nanos is an instant as nanoseconds since an origin kept by the owner of
// the buckets that use it (a Bucket, a TableCapacity, an Account): the
// model's buckets subtract integers rather than time.Time values, once per
// bucket and request, and are 16 bytes smaller.
type nanos int64

// since returns now on the clock whose instant zero is origin. It is
// now.Sub(origin): monotonic clock readings are compared when both have
// one, and instants more than 292 years from origin saturate.
func since(origin, now time.Time) nanos { return nanos(now.Sub(origin)) }

// never is the last update of a level that was never used: a full bucket,
// which any later instant finds full (see level.advance).
const never nanos = math.MinInt64

// bucket is Bucket on its owner's clock (see nanos); TableCapacity and
// Account hold these, with the clock's origin kept once.
type bucket struct {
	rate     MilliUnits // credited per second
	capacity MilliUnits
	level
}

// level is a token bucket's state without its rate and capacity, which its
// methods take: the per-key buckets, which all have their table's key
// limit, hold only this.
type level struct {
	tokens MilliUnits // negative after an oversized request, see AllowN
	last   nanos      // instant tokens were last brought up to date
	carry  uint32     // milli-unit·nanoseconds not yet worth a milli-unit; < 1e9
}

// newBucket is NewBucket's state at instant now of its owner's clock.
func newBucket(rate, capacity, initial MilliUnits, now nanos) bucket {
	rate, capacity, initial = max(rate, 0), max(capacity, 0), max(initial, 0)
	return bucket{rate: rate, capacity: capacity, level: level{tokens: min(initial, capacity), last: now}}
}

// fullLevel returns the level of a bucket of capacity that is full whenever
// it is first used, as a bucket created then would be.
func fullLevel(capacity MilliUnits) level { return level{tokens: capacity, last: never} }

// Rate, Capacity, Tokens, AllowN and SetRate are Bucket's.

func (b *bucket) Rate() MilliUnits     { return b.rate }
func (b *bucket) Capacity() MilliUnits { return b.capacity }

func (b *bucket) Tokens(now nanos) MilliUnits {
	b.advance(now)
	return b.tokens
}

func (b *bucket) AllowN(now nanos, n MilliUnits) bool {
	if b.can(now, n) {
		b.take(n)
		return true
	}
	return false
}

func (b *bucket) SetRate(now nanos, rate, capacity MilliUnits, grow bool) {
	b.advance(now)
	rate, capacity = max(rate, 0), max(capacity, 0)
	if grow && capacity > b.capacity {
		b.tokens += capacity - b.capacity
	}
	b.rate, b.capacity = rate, capacity
	b.tokens = min(b.tokens, capacity)
	b.carry = 0
}

// can reports whether AllowN(now, n) would admit n, taking nothing. Several
// buckets that must all admit a request are asked with can first and then
// charged with take, so that a refusal by one takes nothing from the others.
func (b *bucket) can(now nanos, n MilliUnits) bool { return b.level.can(now, n, b.rate, b.capacity) }

func (b *bucket) advance(now nanos) { b.level.advance(now, b.rate, b.capacity) }

// can is bucket.can for a bucket of rate and capacity.
func (l *level) can(now nanos, n, rate, capacity MilliUnits) bool {
	l.advance(now, rate, capacity)
	return n <= 0 || l.tokens >= n || (n > capacity && l.tokens >= capacity)
}

// take removes n milli-units, after can admitted them at the same instant.
func (l *level) take(n MilliUnits) {
	if n > 0 {
		l.tokens -= n
	}
}

// full reports whether a bucket of rate and capacity is at capacity at
// now: such a bucket is indistinguishable from a new one, so it may be
// forgotten.
func (l *level) full(now nanos, rate, capacity MilliUnits) bool {
	if l.last == never {
		// Unused: full, and left so, so that its first use is its
		// creation even if the clock ran backwards in between.
		return true
	}
	l.advance(now, rate, capacity)
	return l.tokens >= capacity
}

// advance credits the refill earned at rate between l.last and now, up to
// capacity.
func (l *level) advance(now nanos, rate, capacity MilliUnits) {
	if now <= l.last {
		return
	}
	// now - l.last is exact as an unsigned difference, even from never.
	elapsed := uint64(now) - uint64(l.last)
	l.last = now
	if l.tokens >= capacity {
		l.carry = 0
		return
	}
	// earned = elapsed(ns) × rate(milli-units/s) / 1e9, in 128 bits so that
	// long gaps at high rates cannot overflow.
	hi, lo := bits.Mul64(elapsed, uint64(rate))
	var c uint64
	lo, c = bits.Add64(lo, uint64(l.carry), 0)
	hi += c
	room := uint64(capacity - l.tokens)
	if hi >= nanosPerSecond { // quotient would not fit in 64 bits: certainly full
		l.tokens, l.carry = capacity, 0
		return
	}
	earned, rem := bits.Div64(hi, lo, nanosPerSecond)
	if earned >= room {
		l.tokens, l.carry = capacity, 0
		return
	}
	l.tokens += MilliUnits(earned)
	l.carry = uint32(rem)
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

package sim

import "math/bits"

// event is something that happens to operation op at virtual time at
// (nanoseconds from the start). seq breaks ties in scheduling order, so a
// run is a pure function of its inputs.
type event struct {
	at   int64
	seq  uint64
	op   int32
	kind uint8
}

// before orders events by (at, seq): a total order, as seq is unique, so
// the order events pop in does not depend on the queue's layout.
func (a *event) before(b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// The queue's two timing wheels: slots of 2^slotShift ns (about 66 µs),
// 64 of them to a block (about 4.2 ms, a network leg's order), and 64
// blocks (about 268 ms, most backoffs) ahead of the current one.
const (
	slotShift  = 16
	blockShift = slotShift + 6
	blockNanos = 1 << blockShift
	nextSpan   = 64 * blockNanos
)

// queue orders pending events by (at, seq). Most events of a simulation
// are scheduled a network leg or a backoff ahead, so it is a pair of
// timing wheels in front of two heaps: an event goes, with one append,
// into the slot that covers its instant, of the current block (near) or
// of one of the 64 blocks after it (next). When the current slot's events
// are due they move to a heap (cur), a handful; when a block's are, they
// move to near's slots. Events beyond next's span wait in another heap
// (far). One heap of every pending event spent a quarter of an overloaded
// simulation on unpredictable comparisons, and a single wheel long enough
// for backoffs spread its slots over more memory than the caches keep.
//
// Events are held by value, so scheduling allocates nothing once the slots
// have grown.
type queue struct {
	cur   heap  // events before end, the past included
	end   int64 // end of the current slot, a multiple of 2^slotShift
	block int64 // start of the current block, a multiple of blockNanos
	// near holds the events in [end, block+blockNanos) by slot; next those
	// in [block+blockNanos, block+blockNanos+nextSpan) by block. A bit of
	// the masks per non-empty slot.
	near, next         [64][]event
	nearUsed, nextUsed uint64
	n                  int  // events in near and next
	far                heap // events at or after block+blockNanos+nextSpan
	seq                uint64
}

func (q *queue) len() int { return q.cur.len() + q.n + q.far.len() }

// push schedules kind for op at at, after everything already scheduled at
// at.
func (q *queue) push(at int64, op int32, kind uint8) {
	q.seq++
	q.add(event{at: at, seq: q.seq, op: op, kind: kind})
}

func (q *queue) add(e event) {
	switch {
	case e.at < q.end:
		q.cur.push(e)
	case e.at < q.block+blockNanos:
		s := e.at >> slotShift & 63
		q.near[s] = append(q.near[s], e)
		q.nearUsed |= 1 << s
		q.n++
	case e.at-q.block < blockNanos+nextSpan:
		s := e.at >> blockShift & 63
		q.next[s] = append(q.next[s], e)
		q.nextUsed |= 1 << s
		q.n++
	default:
		q.far.push(e)
	}
}

// top returns the earliest event's time; the queue must not be empty.
func (q *queue) top() int64 {
	for q.cur.len() == 0 {
		q.advance()
	}
	return q.cur.top()
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *queue) pop() event {
	for q.cur.len() == 0 {
		q.advance()
	}
	return q.cur.pop()
}

// advance moves the next non-empty slot of the current block to cur or,
// when the block has none left, makes the next non-empty block current
// (from next, or far's earliest event's block) and spreads its events over
// near.
func (q *queue) advance() {
	if q.nearUsed != 0 {
		s := int64(bits.TrailingZeros64(q.nearUsed))
		for _, e := range q.near[s] {
			q.cur.push(e)
		}
		q.n -= len(q.near[s])
		q.near[s] = q.near[s][:0]
		q.nearUsed &^= 1 << s
		q.end = q.block + (s+1)<<slotShift
		return
	}
	if q.nextUsed == 0 {
		q.block = q.far.top() &^ (blockNanos - 1)
	} else {
		// The blocks after the current one, from its index on, wrapping.
		from := uint(q.block>>blockShift+1) & 63
		k := bits.TrailingZeros64(bits.RotateLeft64(q.nextUsed, -int(from)))
		q.block += int64(k+1) << blockShift
	}
	q.end = q.block
	s := q.block >> blockShift & 63
	b := q.next[s]
	q.n -= len(b)
	q.next[s] = b[:0]
	q.nextUsed &^= 1 << s
	for _, e := range b {
		q.add(e)
	}
	for q.far.len() > 0 && q.far.top()-q.block < blockNanos+nextSpan {
		q.add(q.far.pop())
	}
}

// heap is a 4-ary min-heap of events by (at, seq), held by value. Four
// children per node halve the depth of a binary heap; pop, the costlier
// operation, compares siblings that share a cache line.
type heap struct {
	h []event
}

func (q *heap) len() int { return len(q.h) }

// top returns the earliest event's time; the heap must not be empty.
func (q *heap) top() int64 { return q.h[0].at }

func (q *heap) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !e.before(&q.h[p]) {
			break
		}
		q.h[i] = q.h[p]
		i = p
	}
	q.h[i] = e
}

// pop removes and returns the earliest event.
func (q *heap) pop() event {
	top := q.h[0]
	n := len(q.h) - 1
	last := q.h[n]
	q.h = q.h[:n]
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < min(c+4, n); j++ {
			if q.h[j].before(&q.h[m]) {
				m = j
			}
		}
		if !q.h[m].before(&last) {
			break
		}
		q.h[i] = q.h[m]
		i = m
	}
	q.h[i] = last
	return top
}

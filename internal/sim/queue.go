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

// The queue's timing wheel: slots of 2^slotShift ns (about 66 µs), and
// enough of them to cover wheelSpan (about 4.2 ms) ahead: the network legs
// of attempts land on the wheel, most backoffs beyond it. A longer wheel
// was slower: its slots' events were scattered over more memory than the
// processor's caches keep.
const (
	slotShift = 16
	slotNanos = 1 << slotShift
	numSlots  = 1 << 6
	wheelSpan = numSlots * slotNanos
)

// queue orders pending events by (at, seq). Most events of a simulation
// are scheduled a network leg ahead, so it is a timing wheel in front of
// two heaps: such an event goes, with one append, into the slot of the
// wheel that covers its instant, and only the events of the current slot,
// a handful, are ordered in a heap (cur). Events beyond the wheel's span
// wait in another heap (far) until the wheel reaches them. One heap of
// every pending event spent a quarter of an overloaded simulation on
// unpredictable comparisons.
//
// Events are held by value, so scheduling allocates nothing once the slots
// have grown.
type queue struct {
	cur   heap  // events before end, the past included
	end   int64 // end of the current slot, a multiple of slotNanos
	slots [numSlots][]event
	used  [(numSlots + 63) / 64]uint64 // bit per non-empty slot
	inWh  int                          // events in slots: in [end, end+wheelSpan)
	far   heap                         // events at or after end+wheelSpan
	seq   uint64
}

func (q *queue) len() int { return q.cur.len() + q.inWh + q.far.len() }

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
	case e.at-q.end < wheelSpan:
		s := e.at >> slotShift & (numSlots - 1)
		q.slots[s] = append(q.slots[s], e)
		q.used[s/64] |= 1 << (s % 64)
		q.inWh++
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

// advance makes the next non-empty slot current: its events go to cur,
// and the events of far that the wheel's span now covers to their slots.
func (q *queue) advance() {
	if q.inWh == 0 {
		// Nothing on the wheel: jump to far's earliest event.
		q.end = q.far.top() &^ (slotNanos - 1)
		q.fill()
	}
	s := q.nextSlot(q.end >> slotShift & (numSlots - 1))
	// The slot's instants: the first of the wheel's span, from end on,
	// that maps to s.
	start := q.end + (s-q.end>>slotShift)&(numSlots-1)<<slotShift
	for _, e := range q.slots[s] {
		q.cur.push(e)
	}
	q.inWh -= len(q.slots[s])
	q.slots[s] = q.slots[s][:0]
	q.used[s/64] &^= 1 << (s % 64)
	q.end = start + slotNanos
	q.fill()
}

// nextSlot returns the first non-empty slot from s on, wrapping around;
// there must be one.
func (q *queue) nextSlot(s int64) int64 {
	w := s / 64
	if m := q.used[w] >> (s % 64); m != 0 {
		return s + int64(bits.TrailingZeros64(m))
	}
	for i := int64(1); i <= int64(len(q.used)); i++ {
		w := (s/64 + i) % int64(len(q.used))
		if q.used[w] != 0 {
			return w*64 + int64(bits.TrailingZeros64(q.used[w]))
		}
	}
	panic("sim: queue: no event on the wheel")
}

// fill moves the events of far that fall within the wheel's span to their
// slots.
func (q *queue) fill() {
	for q.far.len() > 0 && q.far.top()-q.end < wheelSpan {
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

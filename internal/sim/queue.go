package sim

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
// the order events pop in does not depend on the heap's shape.
func (a *event) before(b *event) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// queue is a 4-ary min-heap of events by (at, seq), held by value so that
// scheduling allocates nothing once the slice has grown. Four children per
// node halve the depth of a binary heap; pop, the costlier operation,
// compares siblings that share a cache line.
type queue struct {
	h   []event
	seq uint64
}

func (q *queue) len() int { return len(q.h) }

// push schedules kind for op at at.
func (q *queue) push(at int64, op int32, kind uint8) {
	q.seq++
	e := event{at: at, seq: q.seq, op: op, kind: kind}
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

// top returns the earliest event's time; the queue must not be empty.
func (q *queue) top() int64 { return q.h[0].at }

// pop removes and returns the earliest event.
func (q *queue) pop() event {
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

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

// queue is a binary min-heap of events by (at, seq), held by value so that
// scheduling allocates nothing once the slice has grown.
type queue struct {
	h   []event
	seq uint64
}

func (q *queue) len() int { return len(q.h) }

func (q *queue) less(i, j int) bool {
	a, b := &q.h[i], &q.h[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// push schedules kind for op at at.
func (q *queue) push(at int64, op int32, kind uint8) {
	q.seq++
	q.h = append(q.h, event{at: at, seq: q.seq, op: op, kind: kind})
	i := len(q.h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.h[i], q.h[p] = q.h[p], q.h[i]
		i = p
	}
}

// top returns the earliest event's time; the queue must not be empty.
func (q *queue) top() int64 { return q.h[0].at }

// pop removes and returns the earliest event.
func (q *queue) pop() event {
	e := q.h[0]
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.less(r, l) {
			m = r
		}
		if !q.less(m, i) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return e
}

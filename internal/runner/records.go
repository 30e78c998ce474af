package runner

import (
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Records go from the operations' goroutines to a strategy's collector in
// batches: the collector takes what has queued up every recordTick, or at
// once when recordBatch records wait. A channel with a record per send
// woke the collector for nearly every record (it drains faster than
// operations end), a goroutine wake-up per operation. recordTick is far
// below the per-second series' slack (records may arrive seconds late)
// and an observer's refresh.
const (
	recordTick  = 10 * time.Millisecond
	recordBatch = 512
	// recordCap bounds the queue: add blocks while this many records wait,
	// as a send on the former channel did when its buffer was full.
	recordCap = 4096
)

// recordQueue hands records to one collector in the order add was called,
// as a channel would. Safe for concurrent use by any number of adders and
// one collect.
type recordQueue struct {
	mu     sync.Mutex
	room   sync.Cond // the collector took the records: mu
	recs   []metrics.Record
	closed bool
	kick   chan struct{} // cap 1: a batch waits, or the queue closed
}

func newRecordQueue() *recordQueue {
	q := &recordQueue{kick: make(chan struct{}, 1)}
	q.room.L = &q.mu
	return q
}

// add queues r; it blocks while recordCap records wait.
func (q *recordQueue) add(r metrics.Record) {
	q.mu.Lock()
	for len(q.recs) >= recordCap {
		q.room.Wait()
	}
	q.recs = append(q.recs, r)
	n := len(q.recs)
	q.mu.Unlock()
	if n == recordBatch {
		q.wake()
	}
}

func (q *recordQueue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}

// close ends the queue once every add has returned: collect hands on what
// is left and returns.
func (q *recordQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wake()
}

// collect calls f with every record, in the order they were added, until
// the queue is closed and empty.
func (q *recordQueue) collect(f func(metrics.Record)) {
	tick := time.NewTicker(recordTick)
	defer tick.Stop()
	var spare []metrics.Record
	for {
		select {
		case <-q.kick:
		case <-tick.C:
		}
		q.mu.Lock()
		batch, closed := q.recs, q.closed
		q.recs = spare[:0]
		q.room.Broadcast()
		q.mu.Unlock()
		for _, r := range batch {
			f(r)
		}
		clear(batch) // let go of the attempt logs
		spare = batch
		if closed {
			return
		}
	}
}

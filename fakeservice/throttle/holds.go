package throttle

import "time"

// DefaultTransactionHold is how long an admitted TransactWriteItems holds
// its items when Model.TransactionHold is zero. AWS does not publish how
// long a transaction is in flight; 10 ms, about a transaction's service
// latency, is the model's choice.
const DefaultTransactionHold = 10 * time.Millisecond

// HoldFor is how long an admitted TransactWriteItems holds its items (see
// Holds): Model.TransactionHold, DefaultTransactionHold when zero, none
// when negative.
func (m Model) HoldFor() time.Duration {
	switch {
	case m.TransactionHold < 0:
		return 0
	case m.TransactionHold == 0:
		return DefaultTransactionHold
	}
	return m.TransactionHold
}

// Holds are the in-flight markers of transactions on items: DynamoDB's
// transaction conflicts. An admitted TransactWriteItems holds each of its
// items from the instant it is admitted for the model's TransactionHold;
// while an item is held, another TransactWriteItems or a TransactGetItems
// naming it is cancelled with the reason TransactionConflict, and a
// PutItem, UpdateItem or DeleteItem on it fails with
// TransactionConflictException. A cancelled or throttled transaction holds
// nothing. K identifies an item (the fake's primary key, the simulator's
// key index).
//
// The zero value holds nothing and is ready to use. Every method takes the
// time as an argument. Not safe for concurrent use: the owner of the items
// (a table under its lock, a simulated table) owns its Holds.
type Holds[K comparable] struct {
	until map[K]time.Time
	// queue is the holds in the order taken, for forgetting expired ones
	// in amortized O(1) per hold; an entry whose item was held again later
	// is skipped when its map entry no longer matches.
	queue []held[K]
	head  int
}

type held[K comparable] struct {
	key   K
	until time.Time
}

// Held reports whether key is held by a transaction in flight at now.
func (h *Holds[K]) Held(now time.Time, key K) bool {
	u, ok := h.until[key]
	return ok && now.Before(u)
}

// Conflicts returns the index of each of keys held at now, in order; nil
// when none is.
func (h *Holds[K]) Conflicts(now time.Time, keys []K) []int {
	if len(h.until) == 0 {
		return nil
	}
	var out []int
	for i, k := range keys {
		if h.Held(now, k) {
			out = append(out, i)
		}
	}
	return out
}

// Hold marks keys as held from now for d (nothing when d <= 0), and
// forgets the holds that ended by now.
func (h *Holds[K]) Hold(now time.Time, d time.Duration, keys []K) {
	h.expire(now)
	if d <= 0 {
		return
	}
	if h.until == nil {
		h.until = make(map[K]time.Time, len(keys))
	}
	until := now.Add(d)
	for _, k := range keys {
		if u, ok := h.until[k]; !ok || u.Before(until) {
			h.until[k] = until
		}
		h.queue = append(h.queue, held[K]{k, until})
	}
}

// Len returns how many items are marked (some possibly no longer held).
func (h *Holds[K]) Len() int { return len(h.until) }

// expire forgets the holds that ended by now, oldest first: the queue is
// in the order taken, which is the order of their ends when every hold
// lasts as long (a later hold of one item moves its end, and its old
// queue entry is then skipped).
func (h *Holds[K]) expire(now time.Time) {
	for h.head < len(h.queue) {
		e := h.queue[h.head]
		if now.Before(e.until) {
			break
		}
		if u, ok := h.until[e.key]; ok && !now.Before(u) {
			delete(h.until, e.key)
		}
		h.queue[h.head] = held[K]{}
		h.head++
	}
	if h.head == len(h.queue) {
		h.queue, h.head = h.queue[:0], 0
	} else if h.head > 1024 && h.head*2 > len(h.queue) {
		h.queue = append(h.queue[:0], h.queue[h.head:]...)
		h.head = 0
	}
}

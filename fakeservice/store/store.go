package store

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// DB is the item store: the tables, their items and capacity, and the
// operations on them. It is safe for concurrent use: each table has its own
// lock and there is no store-wide one.
type DB struct {
	now       func() time.Time
	region    string
	accountID string
	model     throttle.Model
	acct      *throttle.Account // account-level limit shared by the tables
	collLimit int64             // item collection bytes, tables with a local index

	tables sync.Map // table name -> *Table
	shared interner // repeated large values, stored once for every table
	keep   keeper   // what the tables keep of their items
	tokens tokens   // TransactWriteItems' ClientRequestTokens
	// scaling is attached to every provisioned table created; nil: none.
	scaling *AutoScaling
	// throttledAt is when (the DB's clock, Unix ns) a single-item write
	// (DB.write: PutItem, UpdateItem, DeleteItem) was last throttled, to
	// throttleHintStep, 0 never: while that is recent, a DB keeping whole
	// items scans PutItems' items and builds them only once admitted
	// (scansPuts). The hint is the DB's, not a table's: the fast lane parses
	// the Item before it knows the table.
	throttledAt atomic.Int64
}

// throttleHintStep is how far the DB's clock moves before noteThrottle
// writes throttledAt again: under overload every core throttles writes,
// and storing the same cache line each time would make them queue for it.
const throttleHintStep = 10 * time.Millisecond

// noteThrottle records a write throttled at now (see throttledAt) on a DB
// keeping whole items, the only one scansPuts asks.
func (s *DB) noteThrottle(now time.Time) {
	if s.keep.mode != KeepFull {
		return
	}
	if ns := now.UnixNano(); ns-s.throttledAt.Load() >= int64(throttleHintStep) {
		s.throttledAt.Store(ns)
	}
}

// throttleHint is how long after a throttled write a DB keeping whole
// items goes on scanning PutItems (scansPuts): under overload most writes
// are throttled, and a throttled write's item is never stored.
const throttleHint = time.Second

// scansPuts reports whether a PutItem's Item is scanned (wire.ItemScan)
// rather than built in the fast lane: always on a DB that keeps no item's
// attributes, and on one that keeps them for throttleHint after a
// throttled write, so that a throttled PutItem (the common answer under
// overload) builds no item. The item is then built under the table's lock
// once the write is admitted (DB.write's late), or before it for a table
// with indexes, whose charges read it.
func (s *DB) scansPuts() bool {
	if s.keep.mode != KeepFull {
		return true
	}
	at := s.throttledAt.Load()
	return at != 0 && s.now().UnixNano()-at < int64(throttleHint)
}

// Options configure a DB.
type Options struct {
	// Now is the clock, read once per request; required.
	Now func() time.Time
	// Region and AccountID make up table ARNs.
	Region, AccountID string
	// Model is the throttling model every table's capacity follows.
	Model throttle.Model
	// Keep is what the tables keep of each item; the zero value, KeepFull,
	// keeps every attribute.
	Keep Keep
	// Limit is a soft cap, in bytes of billed item size, on the items kept
	// in full across the tables (KeepFull): a write that would take them
	// past it keeps its item's key and size only, and Usage counts it.
	// 0 means no limit.
	Limit int64
	// ItemCollectionLimit is the most bytes an item collection of a table
	// with a local secondary index holds; zero means
	// DefaultItemCollectionLimit.
	ItemCollectionLimit int64
	// AutoScaling is target tracking attached to every provisioned table
	// (and named global index) created; nil means none. New does not
	// validate it: call AutoScaling.Validate first.
	AutoScaling *AutoScaling
}

// DefaultItemCollectionLimit is DynamoDB's item collection limit: 10 GB.
const DefaultItemCollectionLimit = 10 << 30

// New returns an empty DB.
func New(opts Options) *DB {
	limit := opts.ItemCollectionLimit
	if limit <= 0 {
		limit = DefaultItemCollectionLimit
	}
	return &DB{now: opts.Now, region: opts.Region, accountID: opts.AccountID, model: opts.Model,
		acct: opts.Model.NewAccount(opts.Now()), keep: keeper{mode: opts.Keep, limit: opts.Limit}, collLimit: limit,
		scaling: opts.AutoScaling}
}

// Model returns the throttling model the DB's tables follow.
func (s *DB) Model() throttle.Model { return s.model }

// Lookup returns the table called name, if it exists.
func (s *DB) Lookup(name string) (*Table, bool) {
	v, ok := s.tables.Load(name)
	if !ok {
		return nil, false
	}
	return v.(*Table), true
}

// Each calls f for every table until f returns false.
func (s *DB) Each(f func(*Table) bool) {
	s.tables.Range(func(_, v any) bool { return f(v.(*Table)) })
}

// Serves reports whether the DB implements the operation called name
// (PutItem, ...).
func Serves(name string) bool { return operations[name] != nil }

// Operations returns the names of the operations the DB implements, sorted.
func Operations() []string {
	names := make([]string, 0, len(operations))
	for name := range operations {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Do runs the operation called name on a request body that is valid JSON,
// or the request ParseFast made of it (nil for none), and returns the
// answer to marshal (Marshal) or a *wire.Error for the client. name must be
// one the DB Serves.
func (s *DB) Do(name string, body []byte, fast Request) (any, error) {
	if fast != nil {
		return fast.run(s)
	}
	return operations[name](s, body)
}

package sim

import (
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// txItem is one item of a simulated transaction: its index in the item
// store, its partition key and, for a write, the billed size it puts.
type txItem struct {
	item int64
	key  string
	size int32
}

// transact serves a TransactWriteItems (Puts of whole items) or a
// TransactGetItems of items at off as the fake does (store/transact.go):
// items a transaction in flight holds cancel it with TransactionConflict
// (throttle.Holds, the fake's); otherwise every item costs twice the plain
// operation (twice a strong read for a Get), index writes included, charged
// all or nothing through throttle.ChargeAllAfter, a refusal cancelling it
// with ThrottlingError on the item refused. An admitted write puts its
// items and holds them for the model's TransactionHold. It returns nil or
// the TransactionCanceledException the client sees.
func (s *service) transact(off time.Duration, write bool, items []txItem) error {
	s.advance(off)
	now := s.epoch.Add(off)
	s.txIdx = s.txIdx[:0]
	for _, it := range items {
		s.txIdx = append(s.txIdx, it.item)
	}
	if at := s.holds.Conflicts(now, s.txIdx); at != nil {
		reasons := noneReasons(len(items))
		for _, i := range at {
			reasons[i] = wire.ConflictReason()
		}
		return s.cancelled(reasons)
	}
	kind := throttle.Read
	if write {
		kind = throttle.Write
	}
	cs, owner := s.charges[:0], s.txOwner[:0]
	var tableUnits throttle.MilliUnits
	for i, it := range items {
		old := s.items.get(it.item)
		n := throttle.TransactReadCost(int(old.size))
		if write {
			n = throttle.TransactWriteCost(throttle.WriteCost(max(int(it.size), int(old.size))))
		}
		tableUnits += n
		cs = append(cs, throttle.Charge{Capacity: s.capacity, Kind: kind, Key: it.key, N: n})
		owner = append(owner, i)
		if !write {
			continue
		}
		for j := range s.indexes {
			x := &s.indexes[j]
			if u := x.writeUnits(scenario.OpPut, old, item{size: it.size}); u > 0 {
				cs = append(cs, throttle.Charge{Capacity: x.capacity, Kind: throttle.Write, Key: x.g.IndexKeyValue(it.key), N: throttle.TransactWriteCost(u), Index: true})
				owner = append(owner, i)
			}
		}
	}
	s.charges, s.txOwner = cs, owner
	d, failed := throttle.ChargeAllAfter(off, cs)
	if !d.Admitted {
		// One throttled request, as the fake counts one throttle event
		// for the item refused (store.TableStats).
		s.throttled++
		if len(s.scaled) > 0 {
			s.second(off).ThrottledRequests++
		}
		arn := s.arn
		for j := range s.indexes {
			if cs[failed].Index && s.indexes[j].capacity == cs[failed].Capacity {
				arn = s.indexes[j].arn
			}
		}
		reasons := noneReasons(len(items))
		reasons[owner[failed]] = wire.CancellationReason{Code: "ThrottlingError", Message: wire.ThrottleError(d, arn).Msg}
		return s.cancelled(reasons)
	}
	s.consumed[kind] += tableUnits
	if len(s.scaled) > 0 {
		// The table's units only: the indexes' writes are theirs, as the
		// fake's per-table series counts only the table's charges.
		s.consumeScaled(off, kind, tableUnits)
	}
	if write {
		for _, it := range items {
			s.items.set(it.item, item{size: it.size})
		}
		s.holds.Hold(now, s.hold, s.txIdx)
	}
	return nil
}

// held reports whether item is held by a transaction in flight at off: a
// plain write on it fails with errTransactionConflict.
func (s *service) held(off time.Duration, item int64) bool {
	return s.holds.Len() > 0 && s.holds.Held(s.epoch.Add(off), item)
}

func noneReasons(n int) []wire.CancellationReason {
	r := make([]wire.CancellationReason, n)
	for i := range r {
		r[i].Code = "None"
	}
	return r
}

// cancelled returns the TransactionCanceledException of reasons, as the
// client sees the fake's (wire.TransactionCanceled), one error value per
// distinct reasons.
func (s *service) cancelled(reasons []wire.CancellationReason) error {
	we := wire.TransactionCanceled(reasons)
	var b strings.Builder
	b.WriteString(we.Msg)
	for _, r := range reasons {
		b.WriteString("\x00" + r.Message)
	}
	k := b.String()
	if err, ok := s.cancels[k]; ok {
		return err
	}
	tce := &types.TransactionCanceledException{Message: aws.String(we.Msg)}
	for _, r := range reasons {
		cr := types.CancellationReason{Code: aws.String(r.Code)}
		if r.Message != "" {
			cr.Message = aws.String(r.Message)
		}
		tce.CancellationReasons = append(tce.CancellationReasons, cr)
	}
	err := responseError(http.StatusBadRequest, http.Header{}, tce)
	if s.cancels == nil {
		s.cancels = map[string]error{}
	}
	s.cancels[k] = err
	return err
}

// errTransactionConflict is a PutItem, UpdateItem or DeleteItem on an item
// a transaction in flight holds.
var errTransactionConflict = responseError(http.StatusBadRequest, http.Header{},
	&types.TransactionConflictException{Message: aws.String(wire.TransactionConflictText)})

package sim

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// service is the simulated DynamoDB table of one strategy's run: the
// fakeservice throttling model called directly (no HTTP), the item sizes
// that set each request's cost as the fake computes it, and the scenario's
// fault schedule. Not safe for concurrent use.
type service struct {
	epoch    time.Time // virtual time zero
	capacity *throttle.TableCapacity
	arn      string
	faults   *faults.Schedule
	// indexes are the table's global secondary indexes.
	indexes []simIndex
	charges []throttle.Charge // reused by charge
	// throttle errors by Decision and resource, built once: errors are
	// values the retryers only read.
	throttles smallMap[throttleKey, error]
	retryAft  time.Duration

	items itemStore

	// Transactions: the items in flight (the fake's rule), how long an
	// admitted write holds them, the cancellation errors built so far,
	// and scratch slices reused by transact.
	holds   throttle.Holds[int64]
	hold    time.Duration
	cancels map[string]error
	txIdx   []int64
	txOwner []int

	// What the fake's /stats would say.
	consumed  [2]throttle.MilliUnits
	throttled int64
	arrivals  uint64 // requests seen, numbering the fault schedule's draws

	// drain is the fake's invisible consumer of the schedule's brownouts;
	// nil when none applies.
	drain *faults.Drain
	units [2]int64 // provisioned read and write units, for drain

	// scaled are the table's (first, when scaled) and indexes' capacities
	// under auto scaling; empty without. With any, series is the fake's
	// per-second view of the table (/stats), for report.html's capacity
	// chart.
	scaled      []*scaled
	tableScaled *scaled
	series      []runner.ServerSecond
}

// simIndex is a global secondary index of the simulated table: its
// capacity, as the fake's (store.Index), created with the table.
type simIndex struct {
	capacity *throttle.TableCapacity
	arn      string
	keysOnly bool
	g        scenario.GlobalIndex
	scaled   *scaled // nil without auto scaling
}

// throttleKey identifies a throttle error: its decision and the resource,
// -1 for the table or an index's position.
type throttleKey struct {
	d     throttle.Decision
	index int
}

func newService(sc *scenario.Scenario, model throttle.Model, epoch time.Time, table string) *service {
	s := &service{
		epoch:  epoch,
		arn:    "arn:aws:dynamodb:us-east-1:000000000000:table/" + table,
		faults: sc.Faults,
	}
	onDemand := sc.Table.BillingMode == scenario.PayPerRequest
	var acct *throttle.Account
	if onDemand {
		s.capacity = model.NewOnDemand(0, 0, epoch)
	} else {
		s.capacity = model.NewProvisioned(sc.Table.ReadCapacity, sc.Table.WriteCapacity, epoch)
		acct = model.NewAccount(epoch)
		s.capacity.UseAccount(acct)
		s.tableScaled = newScaled(sc.Table.AutoScaling, s.capacity, "table/"+table, sc.Table.ReadCapacity, sc.Table.WriteCapacity, epoch)
		if s.tableScaled != nil {
			s.scaled = append(s.scaled, s.tableScaled)
		}
	}
	for _, g := range sc.Table.GlobalIndexes {
		x := simIndex{arn: s.arn + "/index/" + g.Name, keysOnly: g.Projection == scenario.ProjectKeysOnly, g: g}
		if onDemand {
			x.capacity = model.NewOnDemand(0, 0, epoch)
		} else {
			x.capacity = model.NewProvisioned(g.ReadCapacity, g.WriteCapacity, epoch)
			x.capacity.UseAccount(acct)
			x.scaled = newScaled(g.AutoScaling, x.capacity, "table/"+table+"/index/"+g.Name, g.ReadCapacity, g.WriteCapacity, epoch)
		}
		s.indexes = append(s.indexes, x)
	}
	for _, x := range s.indexes {
		if x.scaled != nil {
			s.scaled = append(s.scaled, x.scaled)
		}
	}
	if f := sc.Faults; f != nil {
		s.retryAft = time.Duration(f.RetryAfter)
		if f.Drains(table) && sc.Table.BillingMode != scenario.PayPerRequest {
			s.drain = f.NewDrain(epoch, epoch, table)
			s.units = [2]int64{sc.Table.ReadCapacity, sc.Table.WriteCapacity}
			if s.tableScaled != nil {
				s.units = s.tableScaled.units
			}
		}
	}
	w := sc.Workload
	s.items = newItemStore(w.Keys * int64(max(w.SortKeys, 1)))
	s.hold = model.HoldFor()
	return s
}

// charge asks the model for n milli-units of kind on key at off (virtual
// time since the epoch), and for a write from old to next (op names it)
// its global indexes' writes as the fake counts them (store.Index.writes),
// all or nothing, and returns nil or the throttle error the client sees.
func (s *service) charge(off time.Duration, kind throttle.Kind, key string, n throttle.MilliUnits, op string, old, next item) (throttle.Reason, error) {
	s.advance(off)
	var d throttle.Decision
	at := -1
	if kind == throttle.Read || len(s.indexes) == 0 {
		d = s.capacity.ChargeKeyAfter(off, kind, key, n)
	} else {
		cs := append(s.charges[:0], throttle.Charge{Capacity: s.capacity, Kind: kind, Key: key, N: n})
		for i := range s.indexes {
			x := &s.indexes[i]
			if u := x.writeUnits(op, old, next); u > 0 {
				cs = append(cs, throttle.Charge{Capacity: x.capacity, Kind: throttle.Write, Key: x.g.IndexKeyValue(key), N: u, Index: true})
			}
		}
		s.charges = cs
		var failed int
		if d, failed = throttle.ChargeAllAfter(off, cs); !d.Admitted && failed > 0 {
			for i := range s.indexes {
				if s.indexes[i].capacity == cs[failed].Capacity {
					at = i
				}
			}
		}
	}
	if d.Admitted {
		s.consumed[kind] += n
		if len(s.scaled) > 0 {
			s.consumeScaled(off, kind, n)
		}
		return "", nil
	}
	s.throttled++
	if len(s.scaled) > 0 {
		s.second(off).ThrottledRequests++
	}
	err, ok := s.throttles.get(throttleKey{d, at})
	if !ok {
		arn := s.arn
		if at >= 0 {
			arn = s.indexes[at].arn
		}
		err = throttleError(d, arn, s.retryAft)
		s.throttles.put(throttleKey{d, at}, err)
	}
	return d.Reason, err
}

// advance applies, before a request at off, the auto scaling changes and
// the brownout drain due by then.
func (s *service) advance(off time.Duration) {
	if len(s.scaled) > 0 {
		s.advanceScaling(s.epoch.Add(off))
	}
	if s.drain != nil {
		if now := s.epoch.Add(off); s.drain.Due(now) {
			s.drain.Apply(s.capacity, s.units[0], s.units[1], now)
		}
	}
}

// writeUnits is what a write op from old to next costs on the index, as the
// fake counts it (see fakeservice's doc, "Secondary indexes"): every item
// the workload writes carries the index key, always the same for a key, so
// an item enters the index when written first, leaves it when deleted, and
// otherwise costs the larger projected size when its projection changed:
// with ALL, an UpdateItem (its counter v changes) or a PutItem that drops
// v or changes the size; with KEYS_ONLY never. A KEYS_ONLY projection
// (keys and index key, well under 1 KB) costs one unit.
func (x *simIndex) writeUnits(op string, old, next item) throttle.MilliUnits {
	proj := func(it item) throttle.MilliUnits {
		if x.keysOnly {
			return throttle.WriteCost(1)
		}
		return throttle.WriteCost(int(it.size))
	}
	switch {
	case op == scenario.OpDelete:
		if old.size == 0 {
			return 0
		}
		return proj(old)
	case old.size == 0:
		return proj(next)
	case x.keysOnly:
		return 0
	case op == scenario.OpPut && old.v == 0 && old.size == next.size:
		return 0
	}
	return max(proj(old), proj(next))
}

// owns reports whether err is one of the service's error values.
func (s *service) owns(err error) bool {
	switch err {
	case errInternal, errUnavailable, errDropped, errConflict, errTransactionConflict:
		return true
	}
	for _, c := range s.cancels {
		if c == err {
			return true
		}
	}
	for _, t := range s.throttles.vals {
		if t == err {
			return true
		}
	}
	return false
}

// fault is what the schedule does to one request.
type fault struct {
	delay time.Duration
	err   error // nil: serve the request
}

// decide applies the fault schedule to the request arriving at off (virtual
// time since the epoch) for op: faults.Schedule.Decide, the server's own
// decision, with the same arrival numbering, so a schedule affects the same
// requests in simulation as against the fake.
func (s *service) decide(off time.Duration, op string) fault {
	s.arrivals++
	f := s.faults
	if f == nil || (len(f.Stalls)+len(f.Latency)+len(f.Drops)+len(f.Errors) == 0) {
		return fault{}
	}
	a := f.Decide(s.epoch, s.epoch.Add(off), s.arrivals, op)
	r := fault{delay: a.Delay}
	switch {
	case a.Drop:
		r.err = errDropped
	case a.Status == http.StatusServiceUnavailable:
		r.err = errUnavailable
	case a.Status != 0:
		r.err = errInternal
	}
	return r
}

// item is what the simulated table keeps of an item: its billed size and
// its "v" counter (UpdateItem's ADD).
type item struct {
	size int32 // 0: no item
	v    int32
}

// itemStore holds the items of a key space: a slice for key spaces up to
// denseItems, a map beyond.
type itemStore struct {
	dense  []item
	sparse map[int64]item
}

const denseItems = 1 << 22

func newItemStore(space int64) itemStore {
	if space > 0 && space <= denseItems {
		return itemStore{dense: make([]item, space)}
	}
	return itemStore{sparse: map[int64]item{}}
}

func (s *itemStore) get(i int64) item {
	if s.dense != nil {
		return s.dense[i]
	}
	return s.sparse[i]
}

func (s *itemStore) set(i int64, it item) {
	if s.dense != nil {
		s.dense[i] = it
		return
	}
	if it.size == 0 {
		delete(s.sparse, i)
		return
	}
	s.sparse[i] = it
}

// advanceScaling applies the auto scaling changes that took effect by now.
func (s *service) advanceScaling(now time.Time) {
	for _, x := range s.scaled {
		x.advance(now)
	}
	if s.tableScaled != nil {
		s.units = s.tableScaled.units
	}
}

// consumeScaled counts an admitted request of n milli-units of kind on the
// table in the per-second series (the scalers count it themselves: see
// throttle.TableCapacity.Scale).
func (s *service) consumeScaled(off time.Duration, kind throttle.Kind, n throttle.MilliUnits) {
	sec := s.second(off)
	if kind == throttle.Read {
		sec.ConsumedReadUnits += n.Units()
	} else {
		sec.ConsumedWriteUnits += n.Units()
	}
}

// second returns the per-second entry of the table's series for the second
// holding off, with the capacity in effect now.
func (s *service) second(off time.Duration) *runner.ServerSecond {
	t := int(off / time.Second)
	for len(s.series) <= t {
		s.series = append(s.series, runner.ServerSecond{T: len(s.series),
			ProvisionedReadUnits: float64(s.units[0]), ProvisionedWriteUnits: float64(s.units[1])})
	}
	e := &s.series[t]
	e.ProvisionedReadUnits, e.ProvisionedWriteUnits = float64(s.units[0]), float64(s.units[1])
	return e
}

// scalingActions returns every auto scaling change, in time order.
func (s *service) scalingActions() []runner.ScalingAction {
	var out []runner.ScalingAction
	for _, x := range s.scaled {
		out = append(out, x.actions(s.epoch)...)
	}
	slices.SortStableFunc(out, func(a, b runner.ScalingAction) int { return cmp.Compare(a.EffectiveS, b.EffectiveS) })
	return out
}

package sim

import (
	"net/http"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
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
	// throttle errors by Decision, built once: errors are values the
	// retryers only read.
	throttles smallMap[throttle.Decision, error]
	retryAft  time.Duration

	items itemStore

	// What the fake's /stats would say.
	consumed  [2]throttle.MilliUnits
	throttled int64
	arrivals  uint64 // requests seen, numbering the fault schedule's draws

	// drain is the fake's invisible consumer of the schedule's brownouts;
	// nil when none applies.
	drain *faults.Drain
	units [2]int64 // provisioned read and write units, for drain
}

func newService(sc *scenario.Scenario, model throttle.Model, epoch time.Time, table string) *service {
	s := &service{
		epoch:  epoch,
		arn:    "arn:aws:dynamodb:us-east-1:000000000000:table/" + table,
		faults: sc.Faults,
	}
	if sc.Table.BillingMode == scenario.PayPerRequest {
		s.capacity = model.NewOnDemand(0, 0, epoch)
	} else {
		s.capacity = model.NewProvisioned(sc.Table.ReadCapacity, sc.Table.WriteCapacity, epoch)
		s.capacity.UseAccount(model.NewAccount(epoch))
	}
	if f := sc.Faults; f != nil {
		s.retryAft = time.Duration(f.RetryAfter)
		if f.Drains(table) && sc.Table.BillingMode != scenario.PayPerRequest {
			s.drain = f.NewDrain(epoch, epoch, table)
			s.units = [2]int64{sc.Table.ReadCapacity, sc.Table.WriteCapacity}
		}
	}
	w := sc.Workload
	s.items = newItemStore(w.Keys * int64(max(w.SortKeys, 1)))
	return s
}

// charge asks the model for n milli-units of kind on key at off (virtual
// time since the epoch) and returns nil or the throttle error the client
// sees.
func (s *service) charge(off time.Duration, kind throttle.Kind, key string, n throttle.MilliUnits) (throttle.Reason, error) {
	if s.drain != nil {
		if now := s.epoch.Add(off); s.drain.Due(now) {
			s.drain.Apply(s.capacity, s.units[0], s.units[1], now)
		}
	}
	d := s.capacity.ChargeKeyAfter(off, kind, key, n)
	if d.Admitted {
		s.consumed[kind] += n
		return "", nil
	}
	s.throttled++
	err, ok := s.throttles.get(d)
	if !ok {
		err = throttleError(d, s.arn, s.retryAft)
		s.throttles.put(d, err)
	}
	return d.Reason, err
}

// owns reports whether err is one of the service's error values.
func (s *service) owns(err error) bool {
	switch err {
	case errInternal, errUnavailable, errDropped, errConflict:
		return true
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

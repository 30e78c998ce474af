package sim

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// service is the simulated DynamoDB table of one strategy's run: the
// fakeservice throttling model called directly (no HTTP), the item sizes
// that set each request's cost as the fake computes it, and the scenario's
// fault schedule. Not safe for concurrent use.
type service struct {
	epoch    time.Time // virtual time zero
	capacity *fakeservice.TableCapacity
	arn      string
	faults   *fakeservice.Faults
	// throttle errors by Decision, built once: errors are values the
	// retryers only read.
	throttles smallMap[fakeservice.Decision, error]
	retryAft  time.Duration

	items itemStore

	// What the fake's /stats would say.
	consumed  [2]fakeservice.MilliUnits
	throttled int64
	arrivals  uint64 // requests seen, numbering the fault schedule's draws

	brown *brownout
}

func newService(sc *scenario.Scenario, model fakeservice.Model, epoch time.Time, table string) *service {
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
		if len(f.Capacity) > 0 && sc.Table.BillingMode != scenario.PayPerRequest {
			s.brown = &brownout{faults: f, epoch: epoch, last: epoch, table: table,
				units: [2]int64{fakeservice.Read: sc.Table.ReadCapacity, fakeservice.Write: sc.Table.WriteCapacity}}
		}
	}
	w := sc.Workload
	s.items = newItemStore(w.Keys * int64(max(w.SortKeys, 1)))
	return s
}

// charge asks the model for n milli-units of kind on key at off (virtual
// time since the epoch) and returns nil or the throttle error the client
// sees.
func (s *service) charge(off time.Duration, kind fakeservice.Kind, key string, n fakeservice.MilliUnits) (fakeservice.Reason, error) {
	if s.brown != nil {
		s.brown.apply(s.capacity, s.epoch.Add(off))
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
// time since the epoch) for op. It
// follows fakeservice's Faults (stalls and latency add up, then a drop or
// an injected error), drawing from the same seeded hash of the arrival
// number, so a schedule's share of affected requests is the same in
// simulation as against the fake.
func (s *service) decide(off time.Duration, op string) fault {
	s.arrivals++
	f := s.faults
	if f == nil || (len(f.Stalls)+len(f.Latency)+len(f.Drops)+len(f.Errors) == 0) {
		return fault{}
	}
	seq := s.arrivals
	fires := func(stream uint64, i int, w fakeservice.Window, rate float64, ops []string) bool {
		if !inWindow(w, off) || (len(ops) > 0 && !slices.Contains(ops, op)) {
			return false
		}
		return rate == 0 || rate >= 1 || faultUniform(f.Seed, seq, stream, i, 0) < rate
	}
	var a fault
	for i, st := range f.Stalls {
		if fires(streamStall, i, st.Window, st.Rate, st.Operations) {
			a.delay += time.Duration(st.Duration)
		}
	}
	for i, l := range f.Latency {
		if fires(streamLatency, i, l.Window, l.Rate, l.Operations) {
			a.delay += l.Sample(faultUniform(f.Seed, seq, streamLatency, i, 1), faultUniform(f.Seed, seq, streamLatency, i, 2))
		}
	}
	for i, d := range f.Drops {
		if fires(streamDrop, i, d.Window, d.Rate, d.Operations) {
			a.err = errDropped
			return a
		}
	}
	for i, e := range f.Errors {
		if fires(streamError, i, e.Window, e.Rate, e.Operations) {
			a.err = errInternal
			if e.Status == http.StatusServiceUnavailable {
				a.err = errUnavailable
			}
			return a
		}
	}
	return a
}

// The fault schedule's random streams and draws (fakeservice/faults.go).
const (
	streamError uint64 = iota + 1
	streamLatency
	streamStall
	streamDrop
)

func faultUniform(seed, seq, stream uint64, rule, draw int) float64 {
	x := splitmix(seed ^ splitmix(seq^splitmix(stream<<40|uint64(rule)<<8|uint64(draw))))
	return float64(x>>11) / (1 << 53)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func inWindow(w fakeservice.Window, off time.Duration) bool {
	return off >= time.Duration(w.At) && (w.For == 0 || off < time.Duration(w.At)+time.Duration(w.For))
}

func windowEnd(w fakeservice.Window) time.Duration {
	if w.For == 0 {
		return math.MaxInt64
	}
	return time.Duration(w.At) + time.Duration(w.For)
}

// brownout is the fake's invisible consumer of Faults.Capacity: before each
// request it takes the withheld share, (1 - scale) × provisioned units per
// second, from the table-wide bucket in steps of brownoutStep, through the
// model's Withhold.
type brownout struct {
	faults *fakeservice.Faults
	epoch  time.Time
	table  string
	units  [2]int64
	last   time.Time
	carry  [2]float64
}

// brownoutStep is the fake's step (fakeservice/faults.go).
const brownoutStep = 100 * time.Millisecond

func (b *brownout) apply(c *fakeservice.TableCapacity, now time.Time) {
	from := b.last
	if !now.After(from) {
		return
	}
	b.last = now
	for from.Before(now) {
		to := from.Add(brownoutStep)
		if to.After(now) {
			to = now
		}
		if next, ok := b.nextStart(from); ok {
			if !next.Before(now) {
				return
			}
			from = next
			continue
		}
		if !b.active(from, now) {
			return
		}
		for _, kind := range []fakeservice.Kind{fakeservice.Read, fakeservice.Write} {
			owed := b.withheld(kind, from, to)*float64(b.units[kind])*float64(fakeservice.Unit) + b.carry[kind]
			take := fakeservice.MilliUnits(owed)
			b.carry[kind] = owed - float64(take)
			if take <= 0 {
				continue
			}
			if c.Withhold(to, kind, take) < take {
				b.carry[kind] = 0 // the consumer takes what is there and does not queue
			}
		}
		from = to
	}
}

func (b *brownout) applies(c fakeservice.CapacityChange) bool {
	return (c.Table == "" || c.Table == b.table) && c.Scale < 1
}

// active reports whether a change overlaps [from, to).
func (b *brownout) active(from, to time.Time) bool {
	lo, hi := from.Sub(b.epoch), to.Sub(b.epoch)
	for _, c := range b.faults.Capacity {
		if b.applies(c) && time.Duration(c.At) < hi && windowEnd(c.Window) > lo {
			return true
		}
	}
	return false
}

// nextStart returns the start of the next change when none covers from.
func (b *brownout) nextStart(from time.Time) (time.Time, bool) {
	off := from.Sub(b.epoch)
	next := time.Duration(math.MaxInt64)
	for _, c := range b.faults.Capacity {
		if !b.applies(c) {
			continue
		}
		if inWindow(c.Window, off) {
			return time.Time{}, false
		}
		if at := time.Duration(c.At); at > off {
			next = min(next, at)
		}
	}
	if next == math.MaxInt64 {
		return time.Time{}, false
	}
	return b.epoch.Add(next), true
}

// withheld is the integral of 1 - scale over [from, to), in seconds.
func (b *brownout) withheld(kind fakeservice.Kind, from, to time.Time) float64 {
	lo, hi := from.Sub(b.epoch), to.Sub(b.epoch)
	cuts := []time.Duration{lo, hi}
	for _, c := range b.faults.Capacity {
		for _, x := range []time.Duration{time.Duration(c.At), windowEnd(c.Window)} {
			if x > lo && x < hi {
				cuts = append(cuts, x)
			}
		}
	}
	slices.Sort(cuts)
	var sum float64
	for i := 1; i < len(cuts); i++ {
		seg := cuts[i] - cuts[i-1]
		if seg <= 0 {
			continue
		}
		mid := b.epoch.Add(cuts[i-1] + seg/2)
		sum += (1 - b.faults.CapacityScale(b.epoch, mid, b.table, kind)) * seg.Seconds()
	}
	return sum
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

// numberSize is the billed size of a non-negative integer as DynamoDB (and
// the fake, after dynalite) counts it.
func numberSize(v int64) int {
	if v == 0 {
		return 1
	}
	s := strconv.FormatInt(v, 10)
	exp := len(s) - 1
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	n := len(s)
	size := 1 + (n+1)/2
	if n%2 == 0 && exp%2 == 0 {
		size++
	}
	return size
}

package faults

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// Drain is one table's invisible consumer of the schedule's capacity
// changes (brownouts): before a request is served, Apply takes the withheld
// share, (1 - scale) × provisioned units per second, from the table's
// capacity through the model's Withhold, in steps of DrainStep. The server
// and the simulator both call it before every request they charge, so a
// brownout withholds the same units at the same instants in both.
//
// Due may be called without the table's lock; Apply needs it (or, in the
// simulator, a single goroutine).
type Drain struct {
	s     *Schedule
	epoch time.Time
	table string
	last  atomic.Int64 // unix nanoseconds the consumer has taken its share up to
	carry [2]float64   // fractions of a milli-unit owed, by Kind; under the table's lock
}

// DrainStep is the granularity of the invisible consumer: the model is
// exact between steps, and a bucket that fills up within one step loses at
// most one step of the withheld share.
const DrainStep = 100 * time.Millisecond

// maxCatchUp bounds the history replayed after a table was idle.
const maxCatchUp = time.Hour

// Drains reports whether some capacity change may apply to table.
func (f *Schedule) Drains(table string) bool {
	for _, c := range f.Capacity {
		if (c.Table == "" || c.Table == table) && c.Scale < 1 {
			return true
		}
	}
	return false
}

// DrainsFrom returns the offset from the epoch up to which no Drain of the
// schedule has anything to take (Due is false at every instant up to
// epoch + DrainsFrom, whatever the table): the earliest start of a capacity
// change that withholds (scale below 1); math.MaxInt64 when none does. The
// server checks it before it looks a table's Drain up.
func (f *Schedule) DrainsFrom() time.Duration {
	from := time.Duration(math.MaxInt64)
	for _, c := range f.Capacity {
		if c.Scale < 1 {
			from = min(from, time.Duration(c.At))
		}
	}
	return from
}

// NewDrain returns the consumer of table's brownouts, taking its share from
// start on; offsets count from epoch.
func (f *Schedule) NewDrain(epoch, start time.Time, table string) *Drain {
	d := &Drain{s: f, epoch: epoch, table: table}
	d.last.Store(max(epoch.UnixNano(), start.UnixNano()))
	return d
}

// Due reports whether Apply at now has anything to take: whether a change
// overlaps the stretch since the last Apply. It takes no lock.
func (d *Drain) Due(now time.Time) bool {
	from := time.Unix(0, d.last.Load())
	return now.After(from) && d.activeBetween(from, now)
}

// Apply brings the consumer up to now on c, whose provisioned units are
// readUnits and writeUnits. The caller holds the table's lock; on-demand
// tables are not affected and must not be passed.
func (d *Drain) Apply(c *throttle.TableCapacity, readUnits, writeUnits int64, now time.Time) {
	from := time.Unix(0, d.last.Load()) // another request may have advanced it
	if !now.After(from) {
		return
	}
	if oldest := now.Add(-maxCatchUp); from.Before(oldest) {
		from = oldest
	}
	units := [2]int64{throttle.Read: readUnits, throttle.Write: writeUnits}
	for from.Before(now) {
		if !d.activeBetween(from, now) {
			break
		}
		to := from.Add(DrainStep)
		if to.After(now) {
			to = now
		}
		if next, ok := d.nextStart(from); ok {
			from = next // idle stretch before a window: nothing withheld
			continue
		}
		for _, kind := range []throttle.Kind{throttle.Read, throttle.Write} {
			owed := d.withheld(kind, from, to)*float64(units[kind])*float64(throttle.Unit) + d.carry[kind]
			take := throttle.MilliUnits(owed)
			d.carry[kind] = owed - float64(take)
			if take <= 0 {
				continue
			}
			if c.Withhold(to, kind, take) < take {
				// The consumer takes what is there and does not queue.
				d.carry[kind] = 0
			}
		}
		from = to
	}
	d.last.Store(now.UnixNano())
}

// activeBetween reports whether any change for the table overlaps [from, to).
func (d *Drain) activeBetween(from, to time.Time) bool {
	lo, hi := from.Sub(d.epoch), to.Sub(d.epoch)
	for _, c := range d.s.Capacity {
		if (c.Table == "" || c.Table == d.table) && c.Scale < 1 && time.Duration(c.At) < hi && c.end() > lo {
			return true
		}
	}
	return false
}

// nextStart returns the start of the table's next window when no window
// covers from, so the caller skips stretches where nothing is withheld. ok
// is false when a window covers from or none starts later.
func (d *Drain) nextStart(from time.Time) (time.Time, bool) {
	off := from.Sub(d.epoch)
	next := time.Duration(math.MaxInt64)
	for _, c := range d.s.Capacity {
		if (c.Table != "" && c.Table != d.table) || c.Scale >= 1 {
			continue
		}
		if c.contains(off) {
			return time.Time{}, false
		}
		if at := time.Duration(c.At); at > off {
			next = min(next, at)
		}
	}
	if next == math.MaxInt64 {
		return time.Time{}, false
	}
	return d.epoch.Add(next), true
}

// withheld returns the integral over [from, to) of 1 - scale, in seconds:
// how many seconds of kind's provisioned capacity the consumer takes.
func (d *Drain) withheld(kind throttle.Kind, from, to time.Time) float64 {
	lo, hi := from.Sub(d.epoch), to.Sub(d.epoch)
	cuts := []time.Duration{lo, hi}
	for _, c := range d.s.Capacity {
		for _, x := range []time.Duration{time.Duration(c.At), c.end()} {
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
		mid := d.epoch.Add(cuts[i-1] + seg/2)
		sum += (1 - d.s.CapacityScale(d.epoch, mid, d.table, kind)) * seg.Seconds()
	}
	return sum
}

package fakeservice

import (
	"slices"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/store"
)

// brownouts applies Faults.Capacity to the server's tables at request time:
// each affected table has its faults.Drain, the invisible consumer the
// simulator uses too, brought up to the request's instant before the
// request is served. It never blocks on anything but the affected table's
// own lock, and takes none when no window is due.
type brownouts struct {
	faults *Faults
	epoch  time.Time
	all    bool          // some change names no table
	from   time.Duration // Faults.DrainsFrom: nothing is due up to epoch + from
	names  []string      // tables named by changes
	drains sync.Map      // *table -> *faults.Drain
}

func newBrownouts(f *Faults, epoch time.Time) *brownouts {
	if f == nil || len(f.Capacity) == 0 {
		return nil
	}
	b := &brownouts{faults: f, epoch: epoch, from: f.DrainsFrom()}
	for _, c := range f.Capacity {
		if c.Table == "" {
			b.all = true
		} else if !slices.Contains(b.names, c.Table) {
			b.names = append(b.names, c.Table)
		}
	}
	return b
}

// apply brings every affected table's invisible consumer up to now.
func (b *brownouts) apply(s *Server, now time.Time) {
	if now.Sub(b.epoch) <= b.from {
		return // before any window: no table to look up, no Drain to ask
	}
	if b.all {
		s.db.Each(func(t *store.Table) bool {
			b.applyTable(t, now)
			return true
		})
		return
	}
	for _, name := range b.names {
		if t, ok := s.db.Lookup(name); ok {
			b.applyTable(t, now)
		}
	}
}

func (b *brownouts) applyTable(t *store.Table, now time.Time) {
	v, ok := b.drains.Load(t)
	if !ok {
		v, _ = b.drains.LoadOrStore(t, b.faults.NewDrain(b.epoch, t.Created, t.Name))
	}
	d := v.(*faults.Drain)
	if !d.Due(now) {
		return // the common case: no lock taken
	}
	t.Mu.Lock()
	defer t.Mu.Unlock()
	if t.Deleted || t.Capacity.OnDemand() {
		return
	}
	t.Rescale(now) // a brownout takes its share of the capacity auto scaling set
	d.Apply(t.Capacity, t.ReadUnits, t.WriteUnits, now)
}

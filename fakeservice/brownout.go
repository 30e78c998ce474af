package fakeservice

import (
	"slices"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/faults"
)

// brownouts applies Faults.Capacity to the server's tables at request time:
// each affected table has its faults.Drain, the invisible consumer the
// simulator uses too, brought up to the request's instant before the
// request is served. It never blocks on anything but the affected table's
// own lock, and takes none when no window is due.
type brownouts struct {
	faults *Faults
	epoch  time.Time
	all    bool     // some change names no table
	names  []string // tables named by changes
	drains sync.Map // *table -> *faults.Drain
}

func newBrownouts(f *Faults, epoch time.Time) *brownouts {
	if f == nil || len(f.Capacity) == 0 {
		return nil
	}
	b := &brownouts{faults: f, epoch: epoch}
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
	if b.all {
		s.db.tables.Range(func(_, v any) bool {
			b.applyTable(v.(*table), now)
			return true
		})
		return
	}
	for _, name := range b.names {
		if v, ok := s.db.tables.Load(name); ok {
			b.applyTable(v.(*table), now)
		}
	}
}

func (b *brownouts) applyTable(t *table, now time.Time) {
	v, ok := b.drains.Load(t)
	if !ok {
		v, _ = b.drains.LoadOrStore(t, b.faults.NewDrain(b.epoch, t.created, t.name))
	}
	d := v.(*faults.Drain)
	if !d.Due(now) {
		return // the common case: no lock taken
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deleted || t.capacity.OnDemand() {
		return
	}
	d.Apply(t.capacity, t.readUnits, t.writeUnits, now)
}

package store

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// This file is auto scaling in the store: target tracking (throttle.Scaler,
// the simulator's too) attached to the capacity of every provisioned table
// and global index the DB creates, and the provisioned throughput it
// changes as UpdateTable would (see the package fakeservice documentation,
// "Auto scaling").

// AutoScaling is the target tracking a DB attaches to every provisioned
// table it creates (Table) and to its global secondary indexes named in
// Indexes, as Application Auto Scaling scalable targets with a target
// tracking policy would be registered for them. The zero value scales
// nothing.
type AutoScaling struct {
	Table   Scaling
	Indexes map[string]Scaling
}

// Scaling is the policies of one table's or index's read and write
// capacity; nil: that dimension is not scaled.
type Scaling struct {
	Read, Write *throttle.ScalingPolicy
}

// Validate returns an error naming the first invalid policy
// ("autoscaling.table.write.target: ..."), nil when all are valid.
func (a *AutoScaling) Validate() error {
	if a == nil {
		return nil
	}
	check := func(field string, s Scaling) error {
		for _, d := range []struct {
			name string
			p    *throttle.ScalingPolicy
		}{{"read", s.Read}, {"write", s.Write}} {
			var pe *throttle.PolicyError
			if d.p != nil && errors.As(d.p.Validate(), &pe) {
				return fmt.Errorf("autoscaling.%s.%s.%s: %s", field, d.name, pe.Field, pe.Msg)
			}
		}
		return nil
	}
	if err := check("table", a.Table); err != nil {
		return err
	}
	names := make([]string, 0, len(a.Indexes))
	for n := range a.Indexes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := check("indexes."+n, a.Indexes[n]); err != nil {
			return err
		}
	}
	return nil
}

// attach gives c, provisioned at read and write units, the scalers of s
// from now, and returns the units in effect (clamped to the policies'
// bounds at once, as registering a scalable target does).
func (s Scaling) attach(c *throttle.TableCapacity, read, write int64, now time.Time) (int64, int64) {
	if s.Read == nil && s.Write == nil {
		return read, write
	}
	var r, w *throttle.Scaler
	if s.Read != nil {
		r, _ = throttle.NewScaler(*s.Read, read, now) // validated: see AutoScaling.Validate
	}
	if s.Write != nil {
		w, _ = throttle.NewScaler(*s.Write, write, now)
	}
	c.Scale(r, w, now)
	read, write, _ = c.Rescale(now)
	return read, write
}

// scaleTable attaches the DB's auto scaling to a provisioned table just
// created at now and to its global indexes. The caller holds t.Mu.
func (s *DB) scaleTable(t *Table, now time.Time) {
	if s.scaling == nil || t.Billing != BillingProvisioned {
		return
	}
	t.ReadUnits, t.WriteUnits = s.scaling.Table.attach(t.Capacity, t.ReadUnits, t.WriteUnits, now)
	for _, x := range t.indexes {
		s.scaleIndex(x, now)
	}
}

// scaleIndex attaches the DB's auto scaling to a provisioned global index
// created at now. The caller holds its table's Mu.
func (s *DB) scaleIndex(x *Index, now time.Time) {
	if s.scaling == nil || !x.Global || x.Capacity == nil || x.Capacity.OnDemand() {
		return
	}
	if p, ok := s.scaling.Indexes[x.Name]; ok {
		x.ReadUnits, x.WriteUnits = p.attach(x.Capacity, x.ReadUnits, x.WriteUnits, now)
	}
}

// Rescale applies the auto scaling changes that took effect by now to the
// provisioned throughput of the table and its global indexes, as the
// UpdateTable of Application Auto Scaling would: DescribeTable then shows
// them, with LastIncreaseDateTime and LastDecreaseDateTime at the latest
// change's effect. The capacity itself changes at the first charge after a
// change's time (or here): this makes the description follow. The caller
// holds t.Mu.
func (t *Table) Rescale(now time.Time) {
	if t.Deleted || t.Capacity == nil || t.Billing != BillingProvisioned {
		return
	}
	if r, w, _ := t.Capacity.Rescale(now); r != t.ReadUnits || w != t.WriteUnits {
		t.ReadUnits, t.WriteUnits = r, w
		for _, a := range t.ownActions() {
			if a.New > a.Old && a.Effective.After(t.lastInc) {
				t.lastInc = a.Effective
			}
			if a.New < a.Old && a.Effective.After(t.lastDec) {
				t.lastDec = a.Effective
			}
		}
	}
	for _, x := range t.indexes {
		if x.Global && x.Capacity != nil && !x.Capacity.OnDemand() {
			x.ReadUnits, x.WriteUnits, _ = x.Capacity.Rescale(now)
		}
	}
}

// ScalingAction is one auto scaling change of a table's or global index's
// provisioned capacity that took effect.
type ScalingAction struct {
	throttle.ScalingAction
	// Resource is "table/T" or "table/T/index/I", as Application Auto
	// Scaling names a scalable target; Dimension "read" or "write".
	Resource, Dimension string
}

// ScalingActions returns the auto scaling changes that took effect on the
// table and its global indexes, by effective time. The caller holds t.Mu.
func (t *Table) ScalingActions() []ScalingAction {
	var out []ScalingAction
	out = append(out, t.ownActions()...)
	for _, x := range t.indexes {
		if x.Global && x.Capacity != nil {
			out = append(out, scalingActions(x.Capacity, "table/"+t.Name+"/index/"+x.Name)...)
		}
	}
	slices.SortStableFunc(out, func(a, b ScalingAction) int { return a.Effective.Compare(b.Effective) })
	return out
}

// ownActions returns the actions on the table itself.
func (t *Table) ownActions() []ScalingAction {
	return scalingActions(t.Capacity, "table/"+t.Name)
}

func scalingActions(c *throttle.TableCapacity, resource string) []ScalingAction {
	r, w := c.Scalers()
	var out []ScalingAction
	for k, sc := range []*throttle.Scaler{r, w} {
		if sc == nil {
			continue
		}
		for _, a := range sc.Actions() {
			out = append(out, ScalingAction{ScalingAction: a, Resource: resource, Dimension: throttle.Kind(k).String()})
		}
	}
	return out
}

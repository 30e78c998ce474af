package scenario

import (
	"errors"
	"fmt"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// AutoScaling is Application Auto Scaling target tracking on a provisioned
// table's or global index's read and write capacity (see
// throttle.Scaler). A nil dimension is not scaled.
type AutoScaling struct {
	Read  *ScalingPolicy `yaml:"read" json:"read,omitempty"`
	Write *ScalingPolicy `yaml:"write" json:"write,omitempty"`
}

// ScalingPolicy is one dimension's target tracking policy.
type ScalingPolicy struct {
	// Min and Max are the capacity units it scales between (required,
	// 1 <= min <= max); the table's (or index's) capacity is clamped to
	// them at the start.
	Min int64 `yaml:"min" json:"min"`
	Max int64 `yaml:"max" json:"max"`
	// Target is the target utilization in percent, 20 to 90 (required).
	Target float64 `yaml:"target" json:"target"`
	// ScaleOutPeriods and ScaleInPeriods are the high and low alarms'
	// evaluation periods in minutes; defaults 2 and 15 (AWS's).
	ScaleOutPeriods int `yaml:"scale_out_periods" json:"scale_out_periods,omitempty"`
	ScaleInPeriods  int `yaml:"scale_in_periods" json:"scale_in_periods,omitempty"`
	// Delay is how long a decision takes to become the capacity; default
	// 1m (AWS does not publish it).
	Delay Duration `yaml:"delay" json:"delay,omitempty"`
	// Period is the length of one datapoint; default 1m (CloudWatch's).
	// Shorter periods make a wall-clock run of the fake quick; -time-scale
	// scales it with the delay.
	Period Duration `yaml:"period" json:"period,omitempty"`
}

// Policy returns the throttle model's policy.
func (p ScalingPolicy) Policy() throttle.ScalingPolicy {
	return throttle.ScalingPolicy{Min: p.Min, Max: p.Max, Target: p.Target,
		ScaleOutPeriods: p.ScaleOutPeriods, ScaleInPeriods: p.ScaleInPeriods, Delay: time.Duration(p.Delay), Period: time.Duration(p.Period)}
}

// Scalers returns target tracking for read and write capacity of a table
// or index provisioned at readUnits and writeUnits, from now; nil for a
// dimension not scaled (or a nil AutoScaling). The policies were validated
// when the scenario was loaded.
func (a *AutoScaling) Scalers(readUnits, writeUnits int64, now time.Time) (read, write *throttle.Scaler) {
	if a == nil {
		return nil, nil
	}
	if a.Read != nil {
		read, _ = throttle.NewScaler(a.Read.Policy(), readUnits, now)
	}
	if a.Write != nil {
		write, _ = throttle.NewScaler(a.Write.Policy(), writeUnits, now)
	}
	return read, write
}

// validate checks the policies of the resource at field ("table" or
// "table.global_secondary_indexes[0]").
func (a *AutoScaling) validate(field, billing string, bad func(field, format string, args ...any) error) error {
	if a == nil {
		return nil
	}
	field += ".autoscaling"
	if billing == PayPerRequest {
		return bad(field, "not allowed on an on_demand table (auto scaling adjusts provisioned capacity)")
	}
	if a.Read == nil && a.Write == nil {
		return bad(field, "name read, write or both")
	}
	for _, d := range []struct {
		name string
		p    *ScalingPolicy
	}{{"read", a.Read}, {"write", a.Write}} {
		if d.p == nil {
			continue
		}
		if d.p.Delay < 0 {
			return bad(field+"."+d.name+".delay", "must be >= 0, got %v", time.Duration(d.p.Delay))
		}
		var pe *throttle.PolicyError
		if err := d.p.Policy().Validate(); errors.As(err, &pe) {
			return bad(fmt.Sprintf("%s.%s.%s", field, d.name, pe.Field), "%s", pe.Msg)
		}
	}
	return nil
}

// AutoScalingField returns the field of the scenario's first auto scaling
// ("table.autoscaling" or "table.global_secondary_indexes[i].autoscaling"),
// "" when it has none.
func (sc *Scenario) AutoScalingField() string {
	if sc.Table.AutoScaling != nil {
		return "table.autoscaling"
	}
	for i, g := range sc.Table.GlobalIndexes {
		if g.AutoScaling != nil {
			return fmt.Sprintf("table.global_secondary_indexes[%d].autoscaling", i)
		}
	}
	return ""
}

// scaleAutoScalingTime multiplies the policies' period and delay by f
// (their defaults first, so that a scaled run keeps the ratio of period
// to load), on copies: the scenario's other users keep theirs.
func (sc *Scenario) scaleAutoScalingTime(f float64) {
	sc.editScalingPolicies(func(q *ScalingPolicy) {
		period, delay := time.Duration(q.Period), time.Duration(q.Delay)
		if period <= 0 {
			period = throttle.DefaultScalingPeriod
		}
		if delay == 0 {
			delay = throttle.DefaultScalingDelay
		}
		q.Period = Duration(float64(period) * f)
		q.Delay = Duration(float64(delay) * f)
		if q.Delay == 0 { // zero is the default, not "at once"
			q.Delay = -1
		}
	})
}

// SetScalingTarget sets the target utilization of every auto scaling
// policy of the scenario (the table's and its global indexes', read and
// write) to pct percent, on copies. It returns an error when pct is out of
// auto scaling's range or the scenario has no auto scaling.
func (sc *Scenario) SetScalingTarget(pct float64) error {
	if err := (throttle.ScalingPolicy{Min: 1, Max: 1, Target: pct}).Validate(); err != nil {
		return err
	}
	if sc.AutoScalingField() == "" {
		return errors.New("no table.autoscaling (nor on a global index) to set the target of")
	}
	sc.editScalingPolicies(func(q *ScalingPolicy) { q.Target = pct })
	return nil
}

// editScalingPolicies applies edit to a copy of every auto scaling policy
// (the table's and its global indexes', read and write) and puts the
// copies in place of the originals, in copies of what holds them: the
// scenario's other users keep theirs.
func (sc *Scenario) editScalingPolicies(edit func(*ScalingPolicy)) {
	each := func(a *AutoScaling) *AutoScaling {
		if a == nil {
			return nil
		}
		out := *a
		for _, p := range []**ScalingPolicy{&out.Read, &out.Write} {
			if *p != nil {
				q := **p
				edit(&q)
				*p = &q
			}
		}
		return &out
	}
	sc.Table.AutoScaling = each(sc.Table.AutoScaling)
	gs := append([]GlobalIndex(nil), sc.Table.GlobalIndexes...)
	for i := range gs {
		gs[i].AutoScaling = each(gs[i].AutoScaling)
	}
	sc.Table.GlobalIndexes = gs
}

// FakeAutoScaling returns the scenario's auto scaling (table.autoscaling
// and its global indexes', by name) as the fake applies it to every
// provisioned table it creates (store.Options.AutoScaling); nil when it
// has none. The policies were validated when the scenario was loaded.
func (sc *Scenario) FakeAutoScaling() *store.AutoScaling {
	if sc.AutoScalingField() == "" {
		return nil
	}
	scaling := func(a *AutoScaling) store.Scaling {
		var s store.Scaling
		if a == nil {
			return s
		}
		if a.Read != nil {
			p := a.Read.Policy()
			s.Read = &p
		}
		if a.Write != nil {
			p := a.Write.Policy()
			s.Write = &p
		}
		return s
	}
	out := &store.AutoScaling{Table: scaling(sc.Table.AutoScaling)}
	for _, g := range sc.Table.GlobalIndexes {
		if g.AutoScaling != nil {
			if out.Indexes == nil {
				out.Indexes = make(map[string]store.Scaling)
			}
			out.Indexes[g.Name] = scaling(g.AutoScaling)
		}
	}
	return out
}

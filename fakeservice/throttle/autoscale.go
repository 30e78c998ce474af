package throttle

import (
	"fmt"
	"math"
	"time"
)

// Defaults for ScalingPolicy's zero fields.
const (
	// DefaultScaleOutPeriods is how many consecutive one-minute periods
	// consumption must stay above the target before capacity grows: the
	// high alarm Application Auto Scaling creates for DynamoDB target
	// tracking evaluates 2 datapoints of 1 minute.
	DefaultScaleOutPeriods = 2
	// DefaultScaleInPeriods is how many consecutive one-minute periods
	// consumption must stay below the target less ScaleInMargin before
	// capacity shrinks: the low alarm evaluates 15 datapoints of 1 minute.
	DefaultScaleInPeriods = 15
	// DefaultScalingDelay is how long a scaling decision takes to become
	// the table's capacity (alarm state change, the scaling activity, the
	// UpdateTable and its propagation). AWS does not publish it; one
	// minute is this model's choice.
	DefaultScalingDelay = time.Minute
	// ScaleInMargin is how far below the target utilization, in
	// percentage points, consumption must stay to scale in: the low alarm's
	// threshold is target - 20 %.
	ScaleInMargin = 20
	// FreeDecreasesPerDay is how many decreases of a table's (or index's)
	// capacity DynamoDB allows at any time in a UTC day; after them, one
	// more only when there was none in the preceding hour (at most 27 a
	// day).
	FreeDecreasesPerDay = 4
	// MinTargetUtilization and MaxTargetUtilization bound a policy's
	// target, in percent, as DynamoDB auto scaling does.
	MinTargetUtilization = 20
	MaxTargetUtilization = 90
)

// ScalingPolicy is Application Auto Scaling target tracking for one
// scalable dimension (a table's or a global index's read or write
// capacity). Min, Max and Target are required; the zero value of every
// other field means its documented default.
type ScalingPolicy struct {
	// Min and Max are the capacity units it scales between, 1 <= Min <=
	// Max.
	Min, Max int64
	// Target is the target utilization, consumed / provisioned, in
	// percent, from MinTargetUtilization (20) to MaxTargetUtilization (90).
	Target float64
	// ScaleOutPeriods is the high alarm's evaluation periods, in minutes.
	// Zero means DefaultScaleOutPeriods (2).
	ScaleOutPeriods int
	// ScaleInPeriods is the low alarm's evaluation periods, in minutes.
	// Zero means DefaultScaleInPeriods (15).
	ScaleInPeriods int
	// Delay is how long after the decision the new capacity takes effect.
	// Zero means DefaultScalingDelay (1 minute); negative means at once.
	Delay time.Duration
	// Period is the length of one datapoint, over which consumption is
	// summed. Zero means DefaultScalingPeriod (1 minute, CloudWatch's
	// for DynamoDB); shorter periods make a wall-clock test of the fake
	// quick, and scenario time scaling (bench run -time-scale) scales it.
	Period time.Duration
}

// DefaultScalingPeriod is ScalingPolicy.Period's default: CloudWatch's
// one-minute datapoints.
const DefaultScalingPeriod = time.Minute

// PolicyError is what is wrong with a ScalingPolicy: the field (as a
// scenario file spells it) and why.
type PolicyError struct {
	Field, Msg string
}

func (e *PolicyError) Error() string { return e.Field + ": " + e.Msg }

// Validate returns a *PolicyError naming what is wrong with the policy, nil
// when nothing is.
func (p ScalingPolicy) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &PolicyError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Min < 1:
		return bad("min", "must be >= 1, got %d", p.Min)
	case p.Max < p.Min:
		return bad("max", "must be >= min (%d), got %d", p.Min, p.Max)
	case math.IsNaN(p.Target) || p.Target < MinTargetUtilization || p.Target > MaxTargetUtilization:
		return bad("target", "must be from %d to %d (percent), got %v", MinTargetUtilization, MaxTargetUtilization, p.Target)
	case p.ScaleOutPeriods < 0:
		return bad("scale_out_periods", "must be >= 0, got %d", p.ScaleOutPeriods)
	case p.ScaleInPeriods < 0:
		return bad("scale_in_periods", "must be >= 0, got %d", p.ScaleInPeriods)
	case p.Period < 0:
		return bad("period", "must be >= 0, got %v", p.Period)
	}
	return nil
}

func (p ScalingPolicy) scaleOutPeriods() int {
	if p.ScaleOutPeriods <= 0 {
		return DefaultScaleOutPeriods
	}
	return p.ScaleOutPeriods
}

func (p ScalingPolicy) scaleInPeriods() int {
	if p.ScaleInPeriods <= 0 {
		return DefaultScaleInPeriods
	}
	return p.ScaleInPeriods
}

func (p ScalingPolicy) period() time.Duration {
	if p.Period <= 0 {
		return DefaultScalingPeriod
	}
	return p.Period
}

// periods says n periods in words: "2 minutes" at the default period.
func (p ScalingPolicy) periods(n int) string {
	if p.period() == time.Minute {
		return fmt.Sprintf("%d minutes", n)
	}
	return fmt.Sprintf("%d periods of %v", n, p.period())
}

func (p ScalingPolicy) delay() time.Duration {
	switch {
	case p.Delay < 0:
		return 0
	case p.Delay == 0:
		return DefaultScalingDelay
	}
	return p.Delay
}

// ScalingAction is one change of capacity a Scaler decided.
type ScalingAction struct {
	// Decided is the end of the minute whose datapoint set the alarm off;
	// Effective is when the new capacity took effect (Decided + Delay).
	Decided, Effective time.Time
	// Old and New are the provisioned units before and after.
	Old, New int64
	// Why says which alarm fired and on what, e.g. "consumed 812.5/s >
	// 70% of 1000 for 2 minutes".
	Why string
}

// Scaler is target tracking for one scalable dimension: feed it the units
// consumed (Consume) and ask it, at any instant, for the capacity in
// effect (Advance). Consumption is summed per minute from its creation, as
// CloudWatch sums ConsumedCapacityUnits, and each minute's average per
// second is compared with the provisioned capacity in effect during it:
//
//   - above Target % for ScaleOutPeriods consecutive minutes: scale out;
//   - below (Target - 20) % for ScaleInPeriods consecutive minutes: scale
//     in, if the day's decreases allow it (see FreeDecreasesPerDay);
//
// to ceil(consumed per second / Target %) of the last minute, clamped to
// [Min, Max], effective Delay after the minute's end. While a change is
// pending no other is decided, and both alarms count afresh from the
// minute it takes effect (so minutes measured against the old capacity do
// not trigger another change). A decrease counts against the UTC day of its
// decision. It is pure: time is an argument; not safe for concurrent use.
type Scaler struct {
	p           ScalingPolicy
	provisioned int64
	origin      time.Time
	minute      int64      // index of the minute being summed
	sum         MilliUnits // consumed in it
	above       int
	below       int
	pending     *ScalingAction
	day         int64     // UTC day of the decreases counted
	decreases   int       // in day
	lastDecr    time.Time // decision time of the last decrease
	actions     []ScalingAction
}

// NewScaler returns target tracking from now for a dimension provisioned
// at units (clamped to the policy's [Min, Max] at once, as registering a
// scalable target does). It returns an error if the policy is invalid.
func NewScaler(p ScalingPolicy, units int64, now time.Time) (*Scaler, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Scaler{p: p, provisioned: min(max(units, p.Min), p.Max), origin: now, day: -1}, nil
}

// Provisioned returns the capacity in effect after the last Advance.
func (s *Scaler) Provisioned() int64 { return s.provisioned }

// Policy returns the scaler's policy as given.
func (s *Scaler) Policy() ScalingPolicy { return s.p }

// Actions returns every change that took effect so far, oldest first.
func (s *Scaler) Actions() []ScalingAction { return s.actions }

// Consume adds n milli-units consumed at now. Times before the minute
// being summed count in it.
func (s *Scaler) Consume(now time.Time, n MilliUnits) {
	s.Advance(now)
	s.sum += n
}

// Advance closes every minute that ended by now, deciding on each, applies
// a pending change whose time has come, and returns the capacity in effect
// at now and whether it changed in this call.
func (s *Scaler) Advance(now time.Time) (units int64, changed bool) {
	period := s.p.period()
	cur := int64(now.Sub(s.origin) / period)
	for s.minute < cur {
		end := s.origin.Add(time.Duration(s.minute+1) * period)
		s.close(end)
		changed = s.apply(end) || changed
		s.minute++
		s.sum = 0
	}
	changed = s.apply(now) || changed
	return s.provisioned, changed
}

// apply makes a pending change the capacity if its time has come by now.
func (s *Scaler) apply(now time.Time) bool {
	if s.pending == nil || now.Before(s.pending.Effective) {
		return false
	}
	a := *s.pending
	s.pending = nil
	s.provisioned = a.New
	s.actions = append(s.actions, a)
	s.above, s.below = 0, 0
	return true
}

// close judges the minute ending at end.
func (s *Scaler) close(end time.Time) {
	if s.pending != nil {
		return
	}
	perSec := s.sum.Units() / s.p.period().Seconds()
	prov := float64(s.provisioned)
	target := s.p.Target / 100
	if perSec > target*prov {
		s.above++
	} else {
		s.above = 0
	}
	if perSec < (s.p.Target-ScaleInMargin)/100*prov {
		s.below++
	} else {
		s.below = 0
	}
	want := min(max(int64(math.Ceil(perSec/target-1e-9)), s.p.Min), s.p.Max)
	switch {
	case s.above >= s.p.scaleOutPeriods() && want > s.provisioned:
		s.decide(end, want, fmt.Sprintf("scale out: consumed %.1f/s > %g%% of %d for %s", perSec, s.p.Target, s.provisioned, s.p.periods(s.above)))
	case s.below >= s.p.scaleInPeriods() && want < s.provisioned && s.mayDecrease(end):
		s.countDecrease(end)
		s.decide(end, want, fmt.Sprintf("scale in: consumed %.1f/s < %g%% of %d for %s", perSec, s.p.Target-ScaleInMargin, s.provisioned, s.p.periods(s.below)))
	}
}

func (s *Scaler) decide(end time.Time, want int64, why string) {
	s.pending = &ScalingAction{Decided: end, Effective: end.Add(s.p.delay()), Old: s.provisioned, New: want, Why: why}
}

func utcDay(t time.Time) int64 { return floorDiv(t.Unix(), 86400) }

// mayDecrease reports whether a decrease decided at t is within DynamoDB's
// daily limit: FreeDecreasesPerDay at any time in a UTC day, then one more
// whenever none was made in the preceding hour.
func (s *Scaler) mayDecrease(t time.Time) bool {
	if utcDay(t) != s.day {
		return true
	}
	return s.decreases < FreeDecreasesPerDay || t.Sub(s.lastDecr) >= time.Hour
}

func (s *Scaler) countDecrease(t time.Time) {
	if d := utcDay(t); d != s.day {
		s.day, s.decreases = d, 0
	}
	s.decreases++
	s.lastDecr = t
}

// scaling is the target tracking attached to a TableCapacity (Scale).
type scaling struct {
	scalers [2]*Scaler // by Kind; nil: not scaled
	units   [2]int64   // provisioned in effect
}

// Scale attaches target tracking to c's read and write capacity (nil: that
// dimension is not scaled; both nil detach it). From then on every admitted
// charge (ChargeKey, ChargeAll and their After forms) and every Debit feeds
// the scaler of its kind at its instant, a charge ChargeAll gives back is
// taken out again, and every charge first applies the changes that took
// effect by its instant (Rescale), so the fake and the simulator scale one
// way. The scalers' provisioned units become c's at now. It applies to a
// provisioned table: on demand, nothing is applied.
func (c *TableCapacity) Scale(read, write *Scaler, now time.Time) {
	if read == nil && write == nil {
		c.scaling = nil
		return
	}
	x := &scaling{scalers: [2]*Scaler{read, write}, units: [2]int64{c.read.units, c.write.units}}
	for k, sc := range x.scalers {
		if sc != nil {
			x.units[k] = sc.Provisioned()
		}
	}
	c.scaling = x
	if !c.onDemand && (x.units[Read] != c.read.units || x.units[Write] != c.write.units) {
		c.SetProvisioned(x.units[Read], x.units[Write], now)
	}
}

// Scalers returns the target tracking attached by Scale, nil for a
// dimension not scaled.
func (c *TableCapacity) Scalers() (read, write *Scaler) {
	if c.scaling == nil {
		return nil, nil
	}
	return c.scaling.scalers[Read], c.scaling.scalers[Write]
}

// Rescale applies the auto scaling changes that took effect by now (see
// Scale) with SetProvisioned at now, and returns the provisioned units in
// effect and whether they changed in this call. Without scaling, or on
// demand, it changes nothing. The caller holds the table's lock.
func (c *TableCapacity) Rescale(now time.Time) (readUnits, writeUnits int64, changed bool) {
	x := c.scaling
	if x == nil || c.onDemand {
		return c.read.units, c.write.units, false
	}
	for k, sc := range x.scalers {
		if sc == nil {
			continue
		}
		if u, ch := sc.Advance(now); ch {
			x.units[k], changed = u, true
		}
	}
	if changed {
		c.SetProvisioned(x.units[Read], x.units[Write], now)
	}
	return c.read.units, c.write.units, changed
}

// rescaleAt is Rescale at t on the table's clock.
func (c *TableCapacity) rescaleAt(t nanos) {
	c.Rescale(c.origin.Add(time.Duration(t)))
}

// consumed feeds n milli-units of kind consumed at t (the table's clock;
// negative n gives back) to its scaler, if any.
func (c *TableCapacity) consumed(t nanos, kind Kind, n MilliUnits) {
	if sc := c.scaling.scalers[kind]; sc != nil {
		sc.Consume(c.origin.Add(time.Duration(t)), n)
	}
}

// follow makes the scalers start from a capacity set by other means (an
// UpdateTable): a pending change is dropped and both alarms count afresh,
// as they do after a change of their own.
func (x *scaling) follow(readUnits, writeUnits int64) {
	for k, u := range [2]int64{readUnits, writeUnits} {
		if sc := x.scalers[k]; sc != nil && sc.provisioned != u {
			sc.provisioned, sc.pending, sc.above, sc.below = u, nil, 0, 0
		}
		x.units[k] = u
	}
}

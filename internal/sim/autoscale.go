package sim

import (
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// scaled is a capacity under auto scaling: the scenario's target tracking
// (throttle.Scaler) on its read and write units, applied with
// SetProvisioned when a change takes effect.
type scaled struct {
	capacity *throttle.TableCapacity
	resource string              // "table/T" or "table/T/index/I"
	scalers  [2]*throttle.Scaler // by throttle.Kind; nil: not scaled
	units    [2]int64            // provisioned in effect
}

// newScaled returns the scalers of a capacity provisioned at read and
// write units, nil when a has none. The start capacity is clamped to the
// policies' min and max at once, as registering a scalable target does.
func newScaled(a *scenario.AutoScaling, c *throttle.TableCapacity, resource string, read, write int64, epoch time.Time) *scaled {
	r, w := a.Scalers(read, write, epoch)
	if r == nil && w == nil {
		return nil
	}
	x := &scaled{capacity: c, resource: resource, scalers: [2]*throttle.Scaler{r, w}, units: [2]int64{read, write}}
	for k, sc := range x.scalers {
		if sc != nil {
			x.units[k] = sc.Provisioned()
		}
	}
	if x.units != [2]int64{read, write} {
		c.SetProvisioned(x.units[0], x.units[1], epoch)
	}
	return x
}

// advance applies the changes that took effect by now.
func (x *scaled) advance(now time.Time) {
	changed := false
	for k, sc := range x.scalers {
		if sc == nil {
			continue
		}
		if u, ch := sc.Advance(now); ch {
			x.units[k], changed = u, true
		}
	}
	if changed {
		x.capacity.SetProvisioned(x.units[0], x.units[1], now)
	}
}

// consume counts n admitted milli-units of kind at now.
func (x *scaled) consume(now time.Time, kind throttle.Kind, n throttle.MilliUnits) {
	if sc := x.scalers[kind]; sc != nil {
		sc.Consume(now, n)
	}
}

// actions returns the changes that took effect, as run.json records them,
// with times in seconds from epoch.
func (x *scaled) actions(epoch time.Time) []runner.ScalingAction {
	var out []runner.ScalingAction
	for k, sc := range x.scalers {
		if sc == nil {
			continue
		}
		for _, a := range sc.Actions() {
			out = append(out, runner.ScalingAction{
				DecidedS: a.Decided.Sub(epoch).Seconds(), EffectiveS: a.Effective.Sub(epoch).Seconds(),
				Resource: x.resource, Dimension: throttle.Kind(k).String(), Old: a.Old, New: a.New, Why: a.Why,
			})
		}
	}
	return out
}

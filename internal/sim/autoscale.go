package sim

import (
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// scaled is a capacity under auto scaling: the scenario's target tracking
// (throttle.Scaler) attached to it (TableCapacity.Scale), which feeds it
// every admitted charge and applies its changes, as in the fake.
type scaled struct {
	capacity *throttle.TableCapacity
	resource string   // "table/T" or "table/T/index/I"
	units    [2]int64 // provisioned in effect
}

// newScaled attaches the scalers of a capacity provisioned at read and
// write units, and returns nil when a has none. The start capacity is
// clamped to the policies' min and max at once, as registering a scalable
// target does.
func newScaled(a *scenario.AutoScaling, c *throttle.TableCapacity, resource string, read, write int64, epoch time.Time) *scaled {
	r, w := a.Scalers(read, write, epoch)
	if r == nil && w == nil {
		return nil
	}
	c.Scale(r, w, epoch)
	x := &scaled{capacity: c, resource: resource}
	x.units[0], x.units[1], _ = c.Rescale(epoch)
	return x
}

// advance applies the changes that took effect by now.
func (x *scaled) advance(now time.Time) {
	x.units[0], x.units[1], _ = x.capacity.Rescale(now)
}

// actions returns the changes that took effect, as run.json records them,
// with times in seconds from epoch.
func (x *scaled) actions(epoch time.Time) []runner.ScalingAction {
	var out []runner.ScalingAction
	r, w := x.capacity.Scalers()
	for k, sc := range []*throttle.Scaler{r, w} {
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

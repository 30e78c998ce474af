package throttle

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestKeyTableSweepChangesNothing replays one random step table (reads and
// writes on many keys, some oversized, at irregular instants) against a
// table that sweeps its keys at every new key and one that never does, and
// against a reference that keeps every key's buckets in a map forever: the
// per-key limit's decisions and tokens must be identical.
func TestKeyTableSweepChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name     string
		m        Model
		onDemand bool
	}{
		{"provisioned", Model{PartitionWriteUnits: 50, PartitionReadUnits: 100}, false},
		{"provisioned-no-adaptive", Model{NoAdaptiveCapacity: true, PartitionWriteUnits: 50}, false},
		{"on-demand", Model{PartitionWriteUnits: 40, PartitionReadUnits: 90}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			mk := func(sweepAt int) *TableCapacity {
				var c *TableCapacity
				if tc.onDemand {
					c = tc.m.NewOnDemand(0, 0, t0)
				} else {
					c = tc.m.NewProvisioned(100000, 100000, t0)
				}
				c.keys.sweepAt = sweepAt
				return c
			}
			always, never := mk(1), mk(1<<30)
			ref := map[string]*Bucket{}
			rng := rand.New(rand.NewPCG(1, 2))
			now := t0
			sweeps, throttled := 0, 0
			for step := range 50000 {
				now = now.Add(time.Duration(rng.ExpFloat64() * float64(50*time.Microsecond)))
				kind := Kind(rng.IntN(2))
				key := fmt.Sprintf("k%d", rng.IntN(500))
				n := MilliUnits(rng.IntN(8)+1) * 500
				if rng.IntN(1000) == 0 {
					n = 120 * Unit // beyond the per-key capacity: debt
				}
				always.keys.sweepAt = 1 // sweep at every new key
				da := always.ChargeKey(now, kind, key, n)
				dn := never.ChargeKey(now, kind, key, n)
				if !da.Admitted {
					throttled++
				}
				if da != dn {
					t.Fatalf("step %d: %s %v %v: sweeping: %+v, not sweeping: %+v", step, key, kind, n, da, dn)
				}
				rk := key + "/" + kind.String()
				rb := ref[rk]
				if rb == nil {
					rate := units(tc.m.partitionUnits(kind))
					rb = NewBucket(rate, rate, rate, now)
					ref[rk] = rb
				}
				if len(always.keys.entries) < len(never.keys.entries) {
					sweeps++
				}
				keyTokens := func(c *TableCapacity) MilliUnits {
					t := since(c.origin, now)
					return c.keyBucket(t, kind, key).Tokens(t)
				}
				if got, want := keyTokens(always), keyTokens(never); got != want {
					t.Fatalf("step %d: %s tokens: sweeping %v, not sweeping %v", step, rk, got, want)
				}
				if da.Admitted {
					rb.AllowN(now, n)
				}
				if got, want := keyTokens(never), rb.Tokens(now); got != want {
					t.Fatalf("step %d: %s tokens: got %v, reference %v", step, rk, got, want)
				}
			}
			if sweeps == 0 || throttled == 0 {
				t.Errorf("%d sweeps that forgot keys, %d throttles: the table does not exercise the sweep", sweeps, throttled)
			}
		})
	}
}

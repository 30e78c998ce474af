package throttle

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns t0 plus ms milliseconds.
func at(ms float64) time.Time {
	return t0.Add(time.Duration(ms * float64(time.Millisecond)))
}

// bucketStep is one call on a bucket at a fixed instant.
type bucketStep struct {
	at     time.Time
	take   MilliUnits // 0: only read Tokens
	allow  bool       // want from AllowN when take > 0
	tokens MilliUnits // want from Tokens afterwards
}

func TestBucket(t *testing.T) {
	tests := []struct {
		name                    string
		rate, capacity, initial MilliUnits
		steps                   []bucketStep
	}{
		{
			name: "starts with initial and refills continuously",
			rate: 5 * Unit, capacity: 5 * Unit, initial: 5 * Unit,
			steps: []bucketStep{
				{at: at(0), take: 5 * Unit, allow: true, tokens: 0},
				{at: at(0), take: Unit, allow: false, tokens: 0},
				{at: at(100), tokens: 500},
				{at: at(199), take: Unit, allow: false, tokens: 995},
				{at: at(200), take: Unit, allow: true, tokens: 0},
			},
		},
		{
			name: "refill stops at capacity",
			rate: 10 * Unit, capacity: 10 * Unit, initial: 0,
			steps: []bucketStep{
				{at: at(0), tokens: 0},
				{at: at(500), tokens: 5 * Unit},
				{at: at(5000), tokens: 10 * Unit},
				{at: at(3_600_000), tokens: 10 * Unit},
				{at: at(3_600_000), take: 10 * Unit, allow: true, tokens: 0},
				// Time spent full earned nothing extra.
				{at: at(3_600_050), tokens: 500},
			},
		},
		{
			name: "initial capped at capacity",
			rate: Unit, capacity: Unit, initial: 7 * Unit,
			steps: []bucketStep{{at: at(0), tokens: Unit}},
		},
		{
			name: "fractions carry: 1 unit/s sliced into 3 ms steps loses nothing",
			rate: Unit, capacity: 10 * Unit, initial: 0,
			steps: func() []bucketStep {
				var s []bucketStep
				for ms := 3.0; ms <= 3000; ms += 3 {
					s = append(s, bucketStep{at: at(ms), tokens: MilliUnits(ms)})
				}
				return s
			}(),
		},
		{
			name: "sub-milli-unit steps still add up",
			rate: 7, capacity: Unit, initial: 0, // 7 milli-units per second
			steps: func() []bucketStep {
				var s []bucketStep
				for ms := 1.0; ms <= 2000; ms++ {
					s = append(s, bucketStep{at: at(ms), tokens: MilliUnits(7 * ms / 1000)})
				}
				return s
			}(),
		},
		{
			name: "clock running backwards adds nothing and loses nothing",
			rate: Unit, capacity: 10 * Unit, initial: 0,
			steps: []bucketStep{
				{at: at(1000), tokens: Unit},
				{at: at(500), tokens: Unit},
				{at: at(1500), tokens: 1500},
			},
		},
		{
			name: "throttled request consumes nothing",
			rate: Unit, capacity: 2 * Unit, initial: 1500,
			steps: []bucketStep{
				{at: at(0), take: 2 * Unit, allow: false, tokens: 1500},
				{at: at(0), take: Unit, allow: true, tokens: 500},
			},
		},
		{
			name: "request above capacity passes only when full, then repays debt",
			rate: 5 * Unit, capacity: 5 * Unit, initial: 4 * Unit,
			steps: []bucketStep{
				{at: at(0), take: 12 * Unit, allow: false, tokens: 4 * Unit},
				{at: at(200), take: 12 * Unit, allow: true, tokens: -7 * Unit},
				{at: at(1400), take: 500, allow: false, tokens: -1 * Unit},
				{at: at(1700), take: 500, allow: true, tokens: 0},
			},
		},
		{
			name: "huge gap at huge rate does not overflow",
			rate: math.MaxInt64 / 4, capacity: math.MaxInt64 / 2, initial: 0,
			steps: []bucketStep{{at: t0.Add(100 * 365 * 24 * time.Hour), tokens: math.MaxInt64 / 2}},
		},
		{
			name: "zero rate never refills",
			rate: 0, capacity: Unit, initial: 0,
			steps: []bucketStep{{at: at(1e6), take: 1, allow: false, tokens: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBucket(tt.rate, tt.capacity, tt.initial, t0)
			for i, s := range tt.steps {
				if s.take > 0 {
					if got := b.AllowN(s.at, s.take); got != s.allow {
						t.Fatalf("step %d: AllowN(%v, %v) = %v, want %v", i, s.at.Sub(t0), s.take, got, s.allow)
					}
				}
				if got := b.Tokens(s.at); got != s.tokens {
					t.Fatalf("step %d: Tokens(%v) = %d, want %d", i, s.at.Sub(t0), got, s.tokens)
				}
			}
		})
	}
}

func TestModelDefaultsAndSettings(t *testing.T) {
	tests := []struct {
		name         string
		model        Model
		units        int64
		wantCapacity MilliUnits // the table bucket: one second plus burst
		wantInitial  MilliUnits
		wantBurst    MilliUnits // burst credit at creation
	}{
		{"zero model: 300 s burst, one second's allowance, no credit", Model{}, 10, 3010 * Unit, 10 * Unit, 0},
		{"no burst", Model{Burst: -1}, 10, 10 * Unit, 10 * Unit, 0},
		{"initial burst credit", Model{InitialBurstCredit: time.Minute}, 10, 3010 * Unit, 610 * Unit, 600 * Unit},
		{"initial burst credit capped at burst", Model{Burst: 10 * time.Second, InitialBurstCredit: time.Minute}, 10, 110 * Unit, 110 * Unit, 100 * Unit},
		{"starting empty", Model{Initial: -1}, 10, 3010 * Unit, 0, 0},
		{"initial capped at one second", Model{Initial: 5 * time.Second}, 10, 3010 * Unit, 10 * Unit, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.model.NewProvisioned(tt.units, tt.units, t0)
			for _, k := range []Kind{Read, Write} {
				b := c.kind(k).table
				if got := b.Capacity(); got != tt.wantCapacity {
					t.Errorf("%v capacity = %v, want %v", k, got, tt.wantCapacity)
				}
				if got := c.Available(t0, k); got != tt.wantInitial {
					t.Errorf("%v initial = %v, want %v", k, got, tt.wantInitial)
				}
				if got := c.BurstCredit(t0, k); got != tt.wantBurst {
					t.Errorf("%v burst credit = %v, want %v", k, got, tt.wantBurst)
				}
				if got := b.Rate(); got != MilliUnits(tt.units)*Unit {
					t.Errorf("%v rate = %v, want %v", k, got, tt.units)
				}
			}
		})
	}
}

func TestPartitionCount(t *testing.T) {
	tests := []struct {
		model      Model
		rcu, wcu   int64
		partitions int
	}{
		{Model{}, 5, 5, 1},
		{Model{}, 3000, 0, 1},
		{Model{}, 3000, 1000, 2},
		{Model{}, 6000, 0, 2},
		{Model{}, 1, 1001, 2},
		{Model{}, 1, 2001, 3},
		{Model{}, 40000, 40000, 54},
		{Model{PartitionReadUnits: 10, PartitionWriteUnits: 5}, 25, 12, 5},
		{Model{PartitionReadUnits: 30, PartitionWriteUnits: 10}, 1, 40, 5},
		{Model{}, 0, 0, 1},
	}
	for _, tt := range tests {
		if got := tt.model.Partitions(tt.rcu, tt.wcu); got != tt.partitions {
			t.Errorf("%+v.Partitions(%d, %d) = %d, want %d", tt.model, tt.rcu, tt.wcu, got, tt.partitions)
		}
	}
}

// step is one request on a TableCapacity at a fixed instant.
type step struct {
	at   time.Time
	kind Kind
	key  string // partition key; empty: table-wide, as a Scan
	n    MilliUnits
	want Decision
	// Checked after the request when set.
	limit, burst, available *MilliUnits
}

func mu(u MilliUnits) *MilliUnits { return &u }

var admitted = Decision{Admitted: true}

func provisionedThrottle(k Kind) Decision {
	return Decision{Reason: reasonFor(k, TableReadProvisionedThroughputExceeded, TableWriteProvisionedThroughputExceeded), Exception: ExceptionProvisionedThroughputExceeded}
}

func keyRangeThrottle(k Kind, e Exception) Decision {
	return Decision{Reason: reasonFor(k, TableReadKeyRangeThroughputExceeded, TableWriteKeyRangeThroughputExceeded), Exception: e}
}

// repeat returns n one-unit write steps at instant at on key, all wanting want.
func repeat(n int, at time.Time, key string, want Decision) []step {
	s := make([]step, n)
	for i := range s {
		s[i] = step{at: at, kind: Write, key: key, n: Unit, want: want}
	}
	return s
}

func steps(parts ...[]step) []step { return slices.Concat(parts...) }

func runSteps(t *testing.T, c *TableCapacity, ss []step) {
	t.Helper()
	for i, s := range ss {
		if got := c.ChargeKey(s.at, s.kind, s.key, s.n); got != s.want {
			t.Fatalf("step %d: ChargeKey(%v, %v, %q, %v) = %+v, want %+v", i, s.at.Sub(t0), s.kind, s.key, s.n, got, s.want)
		}
		if s.limit != nil {
			if got := c.Limit(s.at, s.kind); got != *s.limit {
				t.Fatalf("step %d: Limit(%v) = %v, want %v", i, s.at.Sub(t0), got, *s.limit)
			}
		}
		if s.burst != nil {
			if got := c.BurstCredit(s.at, s.kind); got != *s.burst {
				t.Fatalf("step %d: BurstCredit(%v) = %v, want %v", i, s.at.Sub(t0), got, *s.burst)
			}
		}
		if s.available != nil {
			if got := c.Available(s.at, s.kind); got != *s.available {
				t.Fatalf("step %d: Available(%v) = %v, want %v", i, s.at.Sub(t0), got, *s.available)
			}
		}
	}
}

// keysInPartitions returns a key in each of the first n partitions of p.
func keysInPartitions(p, n int) []string {
	keys := make([]string, n)
	found := 0
	for i := 0; found < n; i++ {
		k := fmt.Sprintf("key%d", i)
		if part := PartitionOf(k, p); part < n && keys[part] == "" {
			keys[part] = k
			found++
		}
	}
	return keys
}

func TestTableCapacityCharge(t *testing.T) {
	sec := func(s float64) time.Time { return at(s * 1000) }
	w := Write
	tests := []struct {
		name  string
		cap   func() *TableCapacity
		steps []step
	}{
		{
			name: "reads and writes draw on separate buckets",
			cap:  func() *TableCapacity { return Model{}.NewProvisioned(2, 1, t0) },
			steps: []step{
				{at: at(0), kind: Write, n: Unit, want: admitted},
				{at: at(0), kind: Write, n: Unit, want: provisionedThrottle(Write)},
				{at: at(0), kind: Read, n: ReadCost(100, false), want: admitted},
				{at: at(0), kind: Read, n: ReadCost(100, false), want: admitted},
				{at: at(0), kind: Read, n: ReadCost(100, true), want: admitted},
				{at: at(0), kind: Read, n: ReadCost(100, false), want: provisionedThrottle(Read)},
				{at: at(250), kind: Read, n: ReadCost(0, false), want: admitted},
				{at: at(999), kind: Write, n: Unit, want: provisionedThrottle(Write)},
				{at: at(1000), kind: Write, n: Unit, want: admitted},
			},
		},
		{
			name: "burst credit accrues from unused capacity, up to 300 s, and is spent",
			cap:  func() *TableCapacity { return Model{}.NewProvisioned(1, 10, t0) },
			steps: steps(
				repeat(10, sec(0), "", admitted),
				[]step{{at: sec(0), kind: w, n: Unit, want: provisionedThrottle(w), burst: mu(0), available: mu(0)}},
				// A minute idle: 600 units earned, 590 of them burst credit.
				[]step{{at: sec(60), kind: w, n: 600 * Unit, want: admitted, burst: mu(0), available: mu(0)}},
				[]step{{at: sec(60), kind: w, n: Unit, want: provisionedThrottle(w)}},
				// An hour idle: capped at 300 s of credit plus the second.
				[]step{{at: sec(3660), kind: w, n: Unit, want: admitted, burst: mu(3000*Unit - Unit), available: mu(3009 * Unit)}},
				[]step{{at: sec(3660), kind: w, n: 3009 * Unit, want: admitted, available: mu(0)}},
				[]step{{at: sec(3660), kind: w, n: Unit, want: provisionedThrottle(w)}},
			),
		},
		{
			name: "credit accrues from the first request, not from creation",
			cap:  func() *TableCapacity { return Model{}.NewProvisioned(1, 10, t0) },
			steps: steps(
				[]step{{at: sec(60), kind: w, n: 0, want: admitted, burst: mu(0), available: mu(10 * Unit)}},
				repeat(10, sec(60), "", admitted),
				repeat(1, sec(60), "", provisionedThrottle(w)),
				[]step{{at: sec(70), kind: w, n: 0, want: admitted, burst: mu(90 * Unit), available: mu(100 * Unit)}},
			),
		},
		{
			name: "BurstFromCreation: credit accrues from creation",
			cap:  func() *TableCapacity { return Model{BurstFromCreation: true}.NewProvisioned(1, 10, t0) },
			steps: steps(
				[]step{{at: sec(60), kind: w, n: 0, want: admitted, burst: mu(600 * Unit), available: mu(610 * Unit)}},
			),
		},
		{
			name: "no burst: a bucket holds one second",
			cap:  func() *TableCapacity { return Model{Burst: -1}.NewProvisioned(1, 10, t0) },
			steps: steps(
				[]step{{at: sec(60), kind: w, n: 10 * Unit, want: admitted, burst: mu(0)}},
				[]step{{at: sec(60), kind: w, n: Unit, want: provisionedThrottle(w)}},
			),
		},
		{
			name: "on-demand serves twice its previous peak and forgets it after the window",
			cap:  func() *TableCapacity { return Model{OnDemandWriteUnits: 10}.NewOnDemand(-1, -1, t0) },
			steps: steps(
				repeat(10, sec(0), "", admitted),
				[]step{{at: sec(0), kind: w, n: Unit, want: keyRangeThrottle(w, ExceptionThrottling), limit: mu(10 * Unit)}},
				repeat(20, sec(1), "", admitted),
				[]step{{at: sec(1), kind: w, n: Unit, want: keyRangeThrottle(w, ExceptionThrottling), limit: mu(20 * Unit)}},
				repeat(40, sec(2), "", admitted),
				[]step{{at: sec(2), kind: w, n: Unit, want: keyRangeThrottle(w, ExceptionThrottling), limit: mu(40 * Unit)}},
				// Quiet for 10 minutes: the peak of 40 is remembered.
				[]step{{at: sec(602), kind: w, n: Unit, want: admitted, limit: mu(80 * Unit)}},
				// 31 minutes after the peak it is forgotten.
				[]step{{at: sec(2 + 31*60), kind: w, n: Unit, want: admitted, limit: mu(10 * Unit)}},
			),
		},
		{
			name: "on-demand maximum",
			cap:  func() *TableCapacity { return Model{OnDemandWriteUnits: 10}.NewOnDemand(-1, 15, t0) },
			steps: steps(
				repeat(10, sec(0), "", admitted),
				repeat(15, sec(1), "", admitted),
				[]step{{at: sec(1), kind: w, n: Unit, want: Decision{Reason: TableWriteMaxOnDemandThroughputExceeded, Exception: ExceptionThrottling}, limit: mu(20 * Unit)}},
			),
		},
		{
			name: "on-demand throttles answered as ProvisionedThroughputExceeded when configured",
			cap: func() *TableCapacity {
				return Model{OnDemandWriteUnits: 1, OnDemandThrottle: ExceptionProvisionedThroughputExceeded}.NewOnDemand(0, 0, t0)
			},
			steps: steps(
				repeat(1, sec(0), "", admitted),
				repeat(1, sec(0), "", keyRangeThrottle(w, ExceptionProvisionedThroughputExceeded)),
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, tt.cap(), tt.steps) })
	}
}

func TestPartitionAndKeyLimits(t *testing.T) {
	// 40 WCU with 10 WCU partitions: ceil(1/30 + 40/10) = 5 partitions.
	small := Model{PartitionReadUnits: 30, PartitionWriteUnits: 10, Burst: -1}
	keys := keysInPartitions(5, 2)
	a, b := keys[0], keys[1]
	pte := ExceptionProvisionedThroughputExceeded
	tests := []struct {
		name  string
		model Model
		steps []step
	}{
		{
			name:  "adaptive: a hot key gets the per-key limit while the table is under its total",
			model: small,
			steps: steps(
				repeat(10, at(0), a, admitted),
				[]step{{at: at(0), kind: Write, key: a, n: Unit, want: keyRangeThrottle(Write, pte), available: mu(30 * Unit)}},
				repeat(10, at(0), b, admitted),
				[]step{{at: at(0), kind: Write, key: b, n: Unit, want: keyRangeThrottle(Write, pte)}},
				repeat(20, at(0), "", admitted), // a Scan-like charge draws on the table only
				[]step{{at: at(0), kind: Write, n: Unit, want: provisionedThrottle(Write)}},
				// 100 ms later the key has earned one unit.
				repeat(1, at(100), a, admitted),
				repeat(1, at(100), a, keyRangeThrottle(Write, pte)),
			),
		},
		{
			name:  "without adaptive capacity a partition gets its even share",
			model: func() Model { m := small; m.NoAdaptiveCapacity = true; return m }(),
			steps: steps(
				repeat(8, at(0), a, admitted),
				repeat(1, at(0), a, keyRangeThrottle(Write, pte)),
				repeat(8, at(0), b, admitted),
				[]step{{at: at(0), kind: Write, key: b, n: Unit, want: keyRangeThrottle(Write, pte), available: mu(24 * Unit)}},
			),
		},
		{
			name:  "one key never exceeds the per-key limit, even with burst credit",
			model: Model{PartitionWriteUnits: 10},
			steps: steps(
				[]step{{at: at(60_000), kind: Write, key: a, n: 10 * Unit, want: admitted}},
				repeat(1, at(60_000), a, keyRangeThrottle(Write, pte)),
				repeat(1, at(60_000), b, admitted), // the table still has credit
			),
		},
		{
			name:  "on demand the per-key limit holds too",
			model: Model{PartitionWriteUnits: 10, OnDemandWriteUnits: 100},
			steps: steps(
				repeat(10, at(0), a, admitted),
				repeat(1, at(0), a, keyRangeThrottle(Write, ExceptionThrottling)),
				repeat(1, at(0), b, admitted),
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *TableCapacity
			if strings.HasPrefix(tt.name, "on demand") {
				c = tt.model.NewOnDemand(-1, -1, t0)
			} else {
				c = tt.model.NewProvisioned(1, 40, t0)
			}
			runSteps(t, c, tt.steps)
		})
	}
}

func TestAccountLimit(t *testing.T) {
	tests := []struct {
		name  string
		model Model
		want  Exception
	}{
		{"default answer", Model{AccountWriteUnits: 5}, ExceptionRequestLimitExceeded},
		{"answered as ThrottlingException", Model{AccountWriteUnits: 5, AccountThrottle: ExceptionThrottling}, ExceptionThrottling},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := tt.model.NewAccount(t0)
			x, y := tt.model.NewProvisioned(1, 5, t0), tt.model.NewProvisioned(1, 5, t0)
			x.UseAccount(acct)
			y.UseAccount(acct)
			runSteps(t, x, repeat(3, at(0), "k", admitted))
			runSteps(t, y, repeat(2, at(0), "k", admitted))
			runSteps(t, y, repeat(1, at(0), "k", Decision{Reason: TableWriteAccountLimitExceeded, Exception: tt.want}))
			// The refused request took nothing from the table.
			if got := y.Available(at(0), Write); got != 3*Unit {
				t.Errorf("table available = %v, want 3", got)
			}
			runSteps(t, x, repeat(1, at(200), "k", admitted))
		})
	}
	if a := (Model{AccountReadUnits: -1}).NewAccount(t0); a.read != nil || a.write == nil {
		t.Errorf("AccountReadUnits -1: read limit %v, write limit %v; want none and the default", a.read, a.write)
	}
}

func TestUpdateCapacity(t *testing.T) {
	t.Run("provisioned increase and decrease", func(t *testing.T) {
		c := Model{}.NewProvisioned(1, 10, t0)
		runSteps(t, c, repeat(10, at(0), "", admitted))
		c.SetProvisioned(1, 100, at(1000)) // 10 units earned at the old rate first
		runSteps(t, c, []step{
			{at: at(1000), kind: Write, n: 10 * Unit, want: admitted},
			{at: at(1000), kind: Write, n: Unit, want: provisionedThrottle(Write)},
			{at: at(1500), kind: Write, n: 0, want: admitted, available: mu(50 * Unit), limit: mu(100 * Unit)},
			// Ten minutes idle: full, 30,100 units.
			{at: at(601_500), kind: Write, n: 0, want: admitted, available: mu(30100 * Unit)},
		})
		c.SetProvisioned(1, 5, at(601_500)) // capacity 1,505: tokens capped
		runSteps(t, c, []step{{at: at(601_500), kind: Write, n: 0, want: admitted, available: mu(1505 * Unit), burst: mu(1500 * Unit)}})
	})
	t.Run("partitions split in two and never merge", func(t *testing.T) {
		m := Model{PartitionWriteUnits: 10}
		c := m.NewProvisioned(1, 10, t0)
		if got := c.Partitions(); got != 2 { // ceil(1/3000 + 10/10)
			t.Fatalf("partitions = %d, want 2", got)
		}
		c.SetProvisioned(1, 25, t0)
		if got := c.Partitions(); got != 4 {
			t.Errorf("after 25 WCU: partitions = %d, want 4", got)
		}
		c.SetProvisioned(1, 5, t0)
		if got := c.Partitions(); got != 4 {
			t.Errorf("after 5 WCU: partitions = %d, want 4", got)
		}
	})
	t.Run("switch to on demand keeps the provisioned rate", func(t *testing.T) {
		c := Model{OnDemandWriteUnits: 10}.NewProvisioned(1, 100, t0)
		c.SetOnDemand(-1, -1, at(0))
		runSteps(t, c, steps(
			[]step{{at: at(0), kind: Write, n: 100 * Unit, want: admitted, limit: mu(100 * Unit)}},
			repeat(1, at(0), "", keyRangeThrottle(Write, ExceptionThrottling)),
		))
		c.SetOnDemand(-1, 50, at(5000))
		runSteps(t, c, steps(
			[]step{{at: at(5000), kind: Write, n: 50 * Unit, want: admitted}},
			repeat(1, at(5000), "", Decision{Reason: TableWriteMaxOnDemandThroughputExceeded, Exception: ExceptionThrottling}),
		))
		c.SetProvisioned(1, 7, at(5000))
		runSteps(t, c, steps(
			repeat(7, at(5000), "", admitted),
			repeat(1, at(5000), "", provisionedThrottle(Write)),
		))
	})
}

func TestBucketSetRate(t *testing.T) {
	b := NewBucket(10*Unit, 10*Unit, 0, t0)
	b.SetRate(at(500), 20*Unit, 20*Unit, false) // 5 earned at the old rate
	if got := b.Tokens(at(500)); got != 5*Unit {
		t.Errorf("after SetRate: tokens %v, want 5", got)
	}
	if got := b.Tokens(at(1000)); got != 15*Unit {
		t.Errorf("500 ms at the new rate: tokens %v, want 15", got)
	}
	b.SetRate(at(1000), 20*Unit, 30*Unit, true)
	if got := b.Tokens(at(1000)); got != 25*Unit {
		t.Errorf("grown: tokens %v, want 25", got)
	}
	b.SetRate(at(1000), Unit, 2*Unit, false)
	if got := b.Tokens(at(1000)); got != 2*Unit {
		t.Errorf("shrunk: tokens %v, want 2", got)
	}
}

func TestCosts(t *testing.T) {
	tests := []struct {
		name string
		got  MilliUnits
		want MilliUnits
	}{
		{"write 1 byte", WriteCost(1), Unit},
		{"write 1024 bytes", WriteCost(1024), Unit},
		{"write 1025 bytes", WriteCost(1025), 2 * Unit},
		{"write 400 KB", WriteCost(MaxItemSize), 400 * Unit},
		{"write nothing still costs one", WriteCost(0), Unit},
		{"strong read missing item", ReadCost(0, true), Unit},
		{"eventual read missing item", ReadCost(0, false), 500},
		{"strong read 4096 bytes", ReadCost(4096, true), Unit},
		{"strong read 4097 bytes", ReadCost(4097, true), 2 * Unit},
		{"eventual read 4097 bytes", ReadCost(4097, false), Unit},
		{"eventual read 9000 bytes", ReadCost(9000, false), 1500},
		{"strong read 400 KB", ReadCost(MaxItemSize, true), 100 * Unit},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestMilliUnitsString(t *testing.T) {
	for u, want := range map[MilliUnits]string{0: "0", 500: "0.5", Unit: "1", 2500: "2.5", 1: "0.001"} {
		if got := u.String(); got != want {
			t.Errorf("MilliUnits(%d).String() = %q, want %q", int64(u), got, want)
		}
	}
}

// TestChargeKeyAfter replays one random sequence of requests through
// ChargeKey and through ChargeKeyAfter on twin tables (provisioned with an
// account created earlier, and on demand): the decisions must be the same.
func TestChargeKeyAfter(t *testing.T) {
	for _, tc := range []struct {
		name     string
		onDemand bool
	}{{"provisioned", false}, {"on-demand", true}} {
		t.Run(tc.name, func(t *testing.T) {
			m := Model{PartitionWriteUnits: 60, AccountWriteUnits: 150, AccountReadUnits: 200}
			created := t0.Add(90 * time.Second)
			mk := func() *TableCapacity {
				if tc.onDemand {
					return m.NewOnDemand(100, 200, created)
				}
				c := m.NewProvisioned(100, 200, created)
				c.UseAccount(m.NewAccount(t0))
				return c
			}
			byTime, byElapsed := mk(), mk()
			rng := rand.New(rand.NewPCG(5, 6))
			var elapsed time.Duration
			throttled := 0
			for step := range 20000 {
				elapsed += time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond))
				kind := Kind(rng.IntN(2))
				key := fmt.Sprintf("k%d", rng.IntN(50))
				n := MilliUnits(rng.IntN(4)+1) * 500
				got := byElapsed.ChargeKeyAfter(elapsed, kind, key, n)
				want := byTime.ChargeKey(created.Add(elapsed), kind, key, n)
				if got != want {
					t.Fatalf("step %d at %v: ChargeKeyAfter %+v, ChargeKey %+v", step, elapsed, got, want)
				}
				if !got.Admitted {
					throttled++
				}
			}
			if throttled == 0 {
				t.Error("no throttles: the sequence does not exercise the limits")
			}
		})
	}
}

// TestPartitionSpread checks that sequential keys, as load tools name them,
// spread evenly over partitions: a uniform load at 80 % of a table's
// capacity must not throttle because some partitions hold twice their
// share of keys.
func TestPartitionSpread(t *testing.T) {
	const keys = 10000
	for _, n := range []int{2, 4, 26, 100} {
		count := make([]int, n)
		for k := range keys {
			count[PartitionOf(fmt.Sprintf("k%012d", k), n)]++
		}
		mean := float64(keys) / float64(n)
		// The binomial standard deviation is below sqrt(mean); allow 5.
		limit := 5 * math.Sqrt(mean)
		for p, c := range count {
			if math.Abs(float64(c)-mean) > limit {
				t.Errorf("%d partitions: partition %d holds %d of %d keys, want %.0f ± %.0f", n, p, c, keys, mean, limit)
			}
		}
	}
}

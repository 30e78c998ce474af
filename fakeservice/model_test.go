package fakeservice

import (
	"math"
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
		wantCapacity MilliUnits
		wantInitial  MilliUnits
	}{
		{"zero model: one second, full", Model{}, 10, 10 * Unit, 10 * Unit},
		{"300 s burst starts with one second", Model{Burst: 300 * time.Second}, 10, 3000 * Unit, 10 * Unit},
		{"300 s burst starting full", Model{Burst: 300 * time.Second, Initial: 300 * time.Second}, 10, 3000 * Unit, 3000 * Unit},
		{"starting empty", Model{Initial: -1}, 10, 10 * Unit, 0},
		{"initial capped at burst", Model{Burst: 500 * time.Millisecond, Initial: 2 * time.Second}, 10, 5 * Unit, 5 * Unit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.model.NewProvisioned(tt.units, tt.units, t0)
			for _, k := range []Kind{Read, Write} {
				b := c.read
				if k == Write {
					b = c.write
				}
				if got := b.Capacity(); got != tt.wantCapacity {
					t.Errorf("%v capacity = %v, want %v", k, got, tt.wantCapacity)
				}
				if got := c.Available(t0, k); got != tt.wantInitial {
					t.Errorf("%v initial = %v, want %v", k, got, tt.wantInitial)
				}
				if got := b.Rate(); got != MilliUnits(tt.units)*Unit {
					t.Errorf("%v rate = %v, want %v", k, got, tt.units)
				}
			}
		})
	}
}

func TestTableCapacityCharge(t *testing.T) {
	type step struct {
		at   time.Time
		kind Kind
		n    MilliUnits
		want Decision
	}
	admitted := Decision{Admitted: true}
	tests := []struct {
		name  string
		cap   func() *TableCapacity
		steps []step
	}{
		{
			name: "reads and writes draw on separate buckets",
			cap:  func() *TableCapacity { return Model{}.NewProvisioned(2, 1, t0) },
			steps: []step{
				{at(0), Write, Unit, admitted},
				{at(0), Write, Unit, Decision{Reason: TableWriteProvisionedThroughputExceeded}},
				{at(0), Read, ReadCost(100, false), admitted},
				{at(0), Read, ReadCost(100, false), admitted},
				{at(0), Read, ReadCost(100, true), admitted},
				{at(0), Read, ReadCost(100, false), Decision{Reason: TableReadProvisionedThroughputExceeded}},
				{at(250), Read, ReadCost(0, false), admitted},
				{at(999), Write, Unit, Decision{Reason: TableWriteProvisionedThroughputExceeded}},
				{at(1000), Write, Unit, admitted},
			},
		},
		{
			name: "on-demand is never throttled",
			cap:  func() *TableCapacity { return Model{}.NewOnDemand() },
			steps: []step{
				{at(0), Write, 1e9 * Unit, admitted},
				{at(0), Read, 1e9 * Unit, admitted},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cap()
			for i, s := range tt.steps {
				if got := c.Charge(s.at, s.kind, s.n); got != s.want {
					t.Fatalf("step %d: Charge(%v, %v, %v) = %+v, want %+v", i, s.at.Sub(t0), s.kind, s.n, got, s.want)
				}
			}
		})
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

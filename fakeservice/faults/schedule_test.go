package faults

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const faultsYAML = `seed: 7
epoch: 2026-01-02T03:04:05Z
capacity:
  - {table: orders, kind: write, at: 10s, for: 20s, scale: 0.25}
errors:
  - {status: 503, rate: 0.05, operations: [PutItem]}
  - {status: 500, at: 1m, for: 5s}
latency:
  - {delay: 5ms}
  - {distribution: normal, mean: 10ms, stddev: 2ms, rate: 0.5}
  - {distribution: uniform, min: 1ms, max: 3ms}
  - {distribution: exponential, mean: 4ms, max: 50ms}
stalls:
  - {rate: 0.001, duration: 2s}
drops:
  - {rate: 0.002, at: 30s}
retry_after: 250ms
`

func TestParseFaults(t *testing.T) {
	f, err := Parse("faults.yaml", []byte(faultsYAML))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Schedule{
		Seed:     7,
		Epoch:    t0,
		Capacity: []CapacityChange{{Window: Window{At: Duration(10 * time.Second), For: Duration(20 * time.Second)}, Table: "orders", Kind: "write", Scale: 0.25}},
		Errors: []ErrorFault{
			{Status: 503, Rate: 0.05, Operations: []string{"PutItem"}},
			{Window: Window{At: Duration(time.Minute), For: Duration(5 * time.Second)}, Status: 500},
		},
		Latency: []LatencyFault{
			{Delay: Duration(5 * time.Millisecond)},
			{Distribution: DistNormal, Mean: Duration(10 * time.Millisecond), StdDev: Duration(2 * time.Millisecond), Rate: 0.5},
			{Distribution: DistUniform, Min: Duration(time.Millisecond), Max: Duration(3 * time.Millisecond)},
			{Distribution: DistExponential, Mean: Duration(4 * time.Millisecond), Max: Duration(50 * time.Millisecond)},
		},
		Stalls:     []StallFault{{Rate: 0.001, Duration: Duration(2 * time.Second)}},
		Drops:      []DropFault{{Window: Window{At: Duration(30 * time.Second)}, Rate: 0.002}},
		RetryAfter: Duration(250 * time.Millisecond),
	}
	if !f.Epoch.Equal(want.Epoch) {
		t.Errorf("Epoch = %v, want %v", f.Epoch, want.Epoch)
	}
	f.Epoch = want.Epoch
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", f, want)
	}

	// JSON is YAML.
	j := `{"errors": [{"status": 500, "rate": 1}], "retry_after": "1s"}`
	f, err = Parse("faults.json", []byte(j))
	if err != nil {
		t.Fatalf("Parse JSON: %v", err)
	}
	if got := len(f.Errors); got != 1 || f.Errors[0].Status != 500 || f.RetryAfter != Duration(time.Second) {
		t.Errorf("JSON faults = %+v", f)
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", "seed: 1\nbogus: 2\n", "f.yaml:2: "},
		{"bad duration", "latency:\n  - {delay: fast}\n", "f.yaml:2"},
		{"bad status", "errors:\n  - {status: 404}\n", "f.yaml:2: errors[0].status: must be 500 or 503, got 404"},
		{"bad rate", "seed: 1\ndrops:\n  - {rate: 1.5}\n", "f.yaml:3: drops[0].rate: must be in [0, 1]"},
		{"bad scale", "capacity:\n  - {scale: 2}\n", "f.yaml:2: capacity[0].scale: must be in [0, 1], got 2"},
		{"bad kind", "capacity:\n  - {kind: both, scale: 0}\n", `capacity[0].kind: must be "read", "write" or empty`},
		{"negative at", "stalls:\n  - {at: -1s, duration: 1s}\n", "stalls[0].at: must be >= 0, got -1s"},
		{"no stall duration", "stalls:\n  - {rate: 0.1}\n", "stalls[0].duration: must be > 0"},
		{"unknown op", "errors:\n  - {status: 500, operations: [PutItems]}\n", `errors[0].operations[0]: unknown operation "PutItems"`},
		{"no fixed delay", "latency:\n  - {rate: 0.1}\n", "latency[0].delay: must be > 0"},
		{"uniform max", "latency:\n  - {distribution: uniform, min: 5ms, max: 1ms}\n", "latency[0].max: must be > min (5ms), got 1ms"},
		{"bad distribution", "latency:\n  - {distribution: pareto, mean: 1ms}\n", `latency[0].distribution: must be fixed, uniform, normal or exponential, got "pareto"`},
		{"exponential mean", "latency:\n  - {distribution: exponential}\n", "latency[0].mean: must be > 0"},
		{"retry after", "retry_after: -1s\n", "retry_after: must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseFaults(f *testing.F) {
	f.Add([]byte(faultsYAML))
	f.Add([]byte(`{"errors":[{"status":500}]}`))
	f.Add([]byte("latency:\n  - !!int\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := fs.Validate(); err != nil {
			t.Fatalf("parsed faults fail Validate: %v", err)
		}
		// Every valid schedule decides without panicking.
		for i := range uint64(4) {
			fs.Decide(t0, t0.Add(time.Duration(i)*time.Second), i, "PutItem")
			fs.CapacityScale(t0, t0.Add(time.Duration(i)*time.Second), "t", throttle.Write)
		}
	})
}

func TestLatencySample(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	tests := []struct {
		name   string
		l      LatencyFault
		u1, u2 float64
		want   time.Duration
	}{
		{"fixed", LatencyFault{Delay: Duration(ms(5))}, 0.9, 0.1, ms(5)},
		{"uniform low", LatencyFault{Distribution: DistUniform, Min: Duration(ms(2)), Max: Duration(ms(6))}, 0, 0, ms(2)},
		{"uniform mid", LatencyFault{Distribution: DistUniform, Min: Duration(ms(2)), Max: Duration(ms(6))}, 0.5, 0, ms(4)},
		{"normal at mean", LatencyFault{Distribution: DistNormal, Mean: Duration(ms(10)), StdDev: Duration(ms(2))}, 1 - math.Exp(-0.5), 0, ms(12)},
		{"normal clamps at 0", LatencyFault{Distribution: DistNormal, Mean: Duration(ms(1)), StdDev: Duration(ms(10))}, 0.99, 0.5, 0},
		{"exponential median", LatencyFault{Distribution: DistExponential, Mean: Duration(ms(10))}, 0.5, 0, ms(10 * math.Ln2)},
		{"exponential capped", LatencyFault{Distribution: DistExponential, Mean: Duration(ms(10)), Max: Duration(ms(3))}, 0.99, 0, ms(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.l.Sample(tt.u1, tt.u2)
			if d := got - tt.want; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("Sample(%v, %v) = %v, want %v", tt.u1, tt.u2, got, tt.want)
			}
		})
	}
}

func TestFaultDecisions(t *testing.T) {
	f := &Schedule{
		Seed: 42,
		Errors: []ErrorFault{
			{Window: Window{At: Duration(10 * time.Second), For: Duration(10 * time.Second)}, Status: 503, Rate: 0.1},
			{Window: Window{At: Duration(30 * time.Second)}, Status: 500, Operations: []string{"GetItem"}},
		},
		Latency: []LatencyFault{{Distribution: DistUniform, Min: Duration(time.Millisecond), Max: Duration(2 * time.Millisecond)}},
		Drops:   []DropFault{{Window: Window{At: Duration(40 * time.Second), For: Duration(time.Second)}}},
	}
	count := func(at time.Duration, op string) (n503, n500, drops int, delay time.Duration) {
		for seq := range uint64(10000) {
			a := f.Decide(t0, t0.Add(at), seq, op)
			switch {
			case a.Drop:
				drops++
			case a.Status == 503:
				n503++
			case a.Status != 0:
				n500++
			}
			delay += a.Delay
		}
		return
	}
	tests := []struct {
		name            string
		at              time.Duration
		op              string
		lo503, hi503    int
		want500, wantDr int
	}{
		{"before the window", 5 * time.Second, "PutItem", 0, 0, 0, 0},
		{"10% of requests in the window", 15 * time.Second, "PutItem", 850, 1150, 0, 0},
		{"after the window", 25 * time.Second, "PutItem", 0, 0, 0, 0},
		{"rate 0 is every request, for its operation only", 35 * time.Second, "GetItem", 0, 0, 10000, 0},
		{"other operation", 35 * time.Second, "PutItem", 0, 0, 0, 0},
		{"drops win over errors", 40 * time.Second, "GetItem", 0, 0, 0, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n503, n500, drops, delay := count(tt.at, tt.op)
			if n503 < tt.lo503 || n503 > tt.hi503 {
				t.Errorf("503s = %d, want in [%d, %d]", n503, tt.lo503, tt.hi503)
			}
			if n500 != tt.want500 || drops != tt.wantDr {
				t.Errorf("500s, drops = %d, %d, want %d, %d", n500, drops, tt.want500, tt.wantDr)
			}
			if mean := delay / 10000; mean < 1400*time.Microsecond || mean > 1600*time.Microsecond {
				t.Errorf("mean delay = %v, want about 1.5ms", mean)
			}
		})
	}

	t.Run("same seed, same decisions; another seed, others", func(t *testing.T) {
		g := *f
		h := *f
		h.Seed = 43
		same, differ := true, false
		for seq := range uint64(1000) {
			now := t0.Add(15 * time.Second)
			a, b, c := f.Decide(t0, now, seq, "PutItem"), g.Decide(t0, now, seq, "PutItem"), h.Decide(t0, now, seq, "PutItem")
			same = same && reflect.DeepEqual(a, b)
			differ = differ || a.Delay != c.Delay
		}
		if !same || !differ {
			t.Errorf("same seed same = %v, other seed differs = %v; want true, true", same, differ)
		}
	})
}

func TestCapacityScale(t *testing.T) {
	f := &Schedule{Capacity: []CapacityChange{
		{Window: Window{At: Duration(10 * time.Second), For: Duration(10 * time.Second)}, Table: "a", Kind: "write", Scale: 0.5},
		{Window: Window{At: Duration(15 * time.Second), For: Duration(10 * time.Second)}, Scale: 0.25},
	}}
	tests := []struct {
		at    time.Duration
		table string
		kind  throttle.Kind
		want  float64
	}{
		{9 * time.Second, "a", throttle.Write, 1},
		{10 * time.Second, "a", throttle.Write, 0.5},
		{10 * time.Second, "a", throttle.Read, 1},
		{10 * time.Second, "b", throttle.Write, 1},
		{15 * time.Second, "a", throttle.Write, 0.25}, // overlapping: the smallest
		{15 * time.Second, "b", throttle.Read, 0.25},
		{20 * time.Second, "a", throttle.Write, 0.25},
		{25 * time.Second, "a", throttle.Write, 1},
	}
	for _, tt := range tests {
		if got := f.CapacityScale(t0, t0.Add(tt.at), tt.table, tt.kind); got != tt.want {
			t.Errorf("CapacityScale(+%v, %s, %v) = %v, want %v", tt.at, tt.table, tt.kind, got, tt.want)
		}
	}
}

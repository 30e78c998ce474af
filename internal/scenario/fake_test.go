package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/store"
)

func TestFakeAndFaults(t *testing.T) {
	const head = "table: {read_capacity: 10, write_capacity: 100}\nworkload: {rate: 80/s, duration: 30s}\nstrategies: [none]\n"
	sc, err := Parse("f.yaml", []byte(head+`fake:
  burst: 0s
  partition_write_units: 50
  adaptive_capacity: false
faults:
  seed: 3
  capacity:
    - {at: 10s, for: 10s, scale: 0.3}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := sc.Fake.Model()
	if m.Burst >= 0 || m.PartitionWriteUnits != 50 || !m.NoAdaptiveCapacity {
		t.Errorf("model %+v: want no burst, 50 partition WCU, adaptive capacity off", m)
	}
	if len(sc.Faults.Capacity) != 1 || sc.Faults.Capacity[0].Scale != 0.3 || time.Duration(sc.Faults.Capacity[0].At) != 10*time.Second {
		t.Errorf("faults %+v", sc.Faults)
	}
	for _, tt := range []struct{ body, want string }{
		{"fake:\n  burst: -1s\n", "f.yaml:5: fake.burst: must be >= 0"},
		{"fake:\n  bursty: 1s\n", `f.yaml:5: unknown field "bursty"`},
		{"fake:\n  store: some\n", `f.yaml:5: fake.store: must be full, sizes or none, got "some"`},
		{"fake:\n  transaction_hold: -5ms\n", "f.yaml:5: fake.transaction_hold: must be >= 0, got -5ms"},
		{"fake:\n  store_limit: -1MB\n", `f.yaml:5: fake.store_limit: must be >= 0, got -1048576`},
		{"faults:\n  capacity:\n    - {at: 1s, for: 1s, scale: 1.5}\n", "f.yaml:6: faults.capacity[0].scale"},
	} {
		_, err := Parse("f.yaml", []byte(head+tt.body))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("got %v, want prefix %q", err, tt.want)
		}
	}
}

// TestFakeTransactionHold checks fake.transaction_hold maps to the model:
// absent the default, 0s none, a duration itself.
func TestFakeTransactionHold(t *testing.T) {
	const head = "table: {read_capacity: 10, write_capacity: 100}\nworkload: {rate: 80/s, duration: 30s}\nstrategies: [none]\n"
	for _, tt := range []struct {
		body string
		want time.Duration
	}{{"", 10 * time.Millisecond}, {"fake: {transaction_hold: 0s}\n", 0}, {"fake: {transaction_hold: 50ms}\n", 50 * time.Millisecond}} {
		sc, err := Parse("f.yaml", []byte(head+tt.body))
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.Fake.Model().HoldFor(); got != tt.want {
			t.Errorf("%q: got hold %v, want %v", tt.body, got, tt.want)
		}
	}
}

func TestFakeKeep(t *testing.T) {
	const head = "table: {read_capacity: 10, write_capacity: 100}\nworkload: {rate: 80/s, duration: 30s}\nstrategies: [none]\n"
	for _, tt := range []struct {
		name, body string
		keep       store.Keep
		limit      int64
	}{
		{"defaults", "", store.KeepSizes, 256 << 20},
		{"full", "fake: {store: full}\n", store.KeepFull, 256 << 20},
		{"none", "fake: {store: none}\n", store.KeepNone, 256 << 20},
		{"limit", "fake: {store: full, store_limit: 1MB}\n", store.KeepFull, 1 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("f.yaml", []byte(head+tt.body))
			if err != nil {
				t.Fatal(err)
			}
			keep, limit := sc.Fake.Keep()
			if keep != tt.keep || limit != tt.limit {
				t.Errorf("got %s, %d; want %s, %d", keep, limit, tt.keep, tt.limit)
			}
		})
	}
}

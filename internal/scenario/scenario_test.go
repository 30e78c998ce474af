package scenario

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const valid = `name: t
table:
  read_capacity: 10
  write_capacity: 20
workload:
  rate: 200/s
  duration: 2s
strategies:
  - none
  - {name: full-jitter, max_attempts: 6, base: 50ms, cap: 5s}
  - name: circuit-breaker
    threshold: 3
    failure_ratio: 0.5
    window: 5s
    cool_down: 2s
  - {name: token-bucket, rate: 50/s, burst: 5}
  - {name: retry-budget, budget: 0.2, min_per_second: -1}
  - {name: sdk-legacy, quota: 100, retry_cost: 2, throttle_retry_cost: 3, timeout_retry_cost: 4}
  - {name: adaptive-throttle, k: 1.5, window: 1m}
`

func TestParseValidAppliesDefaults(t *testing.T) {
	sc, err := Parse("t.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	w := sc.Workload
	checks := []struct {
		name      string
		got, want any
	}{
		{"billing mode", sc.Table.BillingMode, Provisioned},
		{"operation", w.Operation, OpPut},
		{"rate", w.Rate, Rate(200)},
		{"duration", w.Duration, Duration(2 * time.Second)},
		{"item size", w.ItemSize, DefaultItemSize},
		{"keys", w.Keys, int64(DefaultKeys)},
		{"max in flight", w.MaxInFlight, DefaultMaxInFlight},
		{"timeout", w.Timeout, DefaultTimeout},
		{"seed", sc.Seed, int64(DefaultSeed)},
		{"strategies", len(sc.Strategies), 7},
		{"bare strategy", sc.Strategies[0], StrategySpec{Name: "none"}},
		{"strategy mapping", sc.Strategies[1], StrategySpec{Name: "full-jitter", MaxAttempts: 6, Base: Duration(50 * time.Millisecond), Cap: Duration(5 * time.Second)}},
		{"breaker params", sc.Strategies[2], StrategySpec{Name: "circuit-breaker", Threshold: 3, FailureRatio: 0.5, Window: Duration(5 * time.Second), CoolDown: Duration(2 * time.Second)}},
		{"token-bucket params", sc.Strategies[3], StrategySpec{Name: "token-bucket", Rate: 50, Burst: 5}},
		{"retry-budget params", sc.Strategies[4], StrategySpec{Name: "retry-budget", Budget: 0.2, MinPerSecond: -1}},
		{"sdk-legacy params", sc.Strategies[5], StrategySpec{Name: "sdk-legacy", Quota: 100, RetryCost: 2, ThrottleRetryCost: 3, TimeoutRetryCost: 4}},
		{"adaptive-throttle params", sc.Strategies[6], StrategySpec{Name: "adaptive-throttle", K: 1.5, Window: Duration(time.Minute)}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseErrorsNameFileLineAndField(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"negative rate", repl("rate: 200/s", "rate: -5/s"), "t.yaml:6: workload.rate: must be > 0, got -5"},
		{"bad rate unit", repl("rate: 200/s", "rate: 5/h"), "t.yaml:6: workload.rate: invalid rate \"5/h\""},
		{"bad duration", repl("duration: 2s", "duration: ten"), "t.yaml:7: workload.duration: invalid duration \"ten\""},
		{"unknown field", repl("duration: 2s", "duration: 2s\n  burst: 3"), "t.yaml:8: unknown field \"burst\""},
		{"unknown strategy field", repl("cap: 5s", "cap: 5s, jitter: 1"), "t.yaml:10: unknown field \"jitter\""},
		{"wrong type", repl("write_capacity: 20", "write_capacity: lots"), "t.yaml:4:"},
		{"missing capacity", repl("  write_capacity: 20\n", ""), "t.yaml:3: table.write_capacity: must be > 0 for a provisioned table, got 0"},
		{"bad billing mode", repl("table:\n", "table:\n  billing_mode: free\n"), "t.yaml:3: table.billing_mode: must be \"provisioned\" or \"on_demand\", got \"free\""},
		{"bad operation", repl("rate: 200/s", "rate: 200/s\n  operation: Scan"), "t.yaml:7: workload.operation: unknown operation \"Scan\" (one of GetItem, PutItem"},
		{"no strategies", func(s string) string { return s[:strings.Index(s, "strategies:")] }, "t.yaml: strategies: list at least one strategy"},
		{"duplicate strategy", repl("  - none\n", "  - none\n  - none\n"), "t.yaml:10: strategies[1].name: strategy \"none\" listed twice"},
		{"item too large", repl("duration: 2s", "duration: 2s\n  item_size: 500KB"), "t.yaml:8: workload.item_size: must be between 1B and 400KB"},
		{"rate and stages", repl("duration: 2s", "duration: 2s\n  stages: [{duration: 1s, rate: 5/s}]"), "t.yaml:8: workload.stages: give either rate and duration, or stages, not both"},
		{"closed loop with rate", repl("rate: 200/s", "rate: 200/s\n  workers: 4"), "t.yaml:7: workload.workers: a closed-loop workload (workers) takes no rate"},
		{"unknown mix op", repl("duration: 2s", "duration: 2s\n  operation: ''\n  mix: {GetItem: 1, Scan: 2}"), "t.yaml:9: workload.mix.Scan: unknown operation \"Scan\""},
		{"bad zipf", repl("duration: 2s", "duration: 2s\n  key_distribution: zipf\n  zipf_theta: 1.5"), "t.yaml:9: workload.zipf_theta: must be in (0, 1), got 1.5"},
		{"spike outside", repl("duration: 2s", "duration: 2s\n  spike: {at: 1900ms, width: 1s, rate: 9/s}"), "t.yaml:8: workload.spike.at: the spike must fit"},
		{"bad batch", repl("duration: 2s", "duration: 2s\n  operation: BatchWriteItem\n  batch_size: 30"), "t.yaml:9: workload.batch_size: must be 1 to 25 with BatchWriteItem"},
		{"too many transaction items", repl("duration: 2s", "duration: 2s\n  operation: transact_write\n  transact_items: 101"), "t.yaml:9: workload.transact_items: must be 1 to 100, got 101"},
		{"transaction items beyond the keys", repl("duration: 2s", "duration: 2s\n  mix: {TransactGetItems: 1}\n  operation: ''\n  keys: 3\n  transact_items: 4"),
			"t.yaml:11: workload.transact_items: a transaction names distinct items: at most the 3 items of the key space (keys x sort_keys), got 4"},
		{"bad process", repl("duration: 2s", "duration: 2s\n  process: bursty"), "t.yaml:8: workload.process: must be \"uniform\" or \"poisson\", got \"bursty\""},
		{"syntax error", func(string) string { return "workload: [" }, "t.yaml:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.edit(valid)))
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %q, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func repl(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestUnits(t *testing.T) {
	sizes := map[string]Size{"1KB": 1024, "512B": 512, "2MB": 2 << 20, "100": 100, "1.5KB": 1536}
	for in, want := range sizes {
		var got Size
		if err := got.UnmarshalText([]byte(in)); err != nil || got != want {
			t.Errorf("Size(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	rates := map[string]Rate{"500/s": 500, "60/m": 1, "2/ms": 2000, "7": 7}
	for in, want := range rates {
		var got Rate
		if err := got.UnmarshalText([]byte(in)); err != nil || got != want {
			t.Errorf("Rate(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	var d Duration
	if err := d.UnmarshalText([]byte("10")); err == nil {
		t.Errorf("Duration(\"10\") accepted a number without unit")
	}
}

// TestReadyScenariosLoad keeps every shipped scenario valid.
func TestReadyScenariosLoad(t *testing.T) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if len(files) == 0 {
		t.Fatal("no scenarios found")
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !os.IsNotExist(err) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("workload: {rate: 1/s}"))
	f.Add([]byte("strategies: [{name: x, base: -1s}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse("f.yaml", data)
		if err == nil && (sc.Workload.Rate <= 0 || len(sc.Strategies) == 0) {
			t.Errorf("accepted an invalid scenario: %+v", sc)
		}
	})
}

func TestParseWorkloadForms(t *testing.T) {
	const head = "table: {read_capacity: 1, write_capacity: 1}\nstrategies: [none]\nworkload:\n"
	sc, err := Parse("w.yaml", []byte(head+`  stages:
    - {duration: 5s, from: 10/s, to: 100/s}
    - {duration: 10s, rate: 100/s}
  process: poisson
  fleet: 5
  mix: {GetItem: 80, PutItem: 20}
  key_distribution: zipf
  workers: 0
`))
	if err != nil {
		t.Fatal(err)
	}
	w := sc.Workload
	if w.TotalDuration() != 15*time.Second || w.Fleet != 5 || w.ZipfTheta != DefaultZipfTheta || w.Weights()[OpGet] != 80 || w.Operation != "" {
		t.Errorf("got %+v", w)
	}
	sc, err = Parse("w.yaml", []byte(head+"  workers: 8\n  think: 10ms\n  duration: 3s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Workload.Workers != 8 || sc.Workload.Weights()[OpPut] != 1 {
		t.Errorf("got %+v", sc.Workload)
	}
}

// TestTransactOperations checks the transaction operations: their aliases
// and the default items per transaction.
func TestTransactOperations(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		weights    map[string]int
		items      int
	}{
		{"alias, default items", "  operation: transact_write\n", map[string]int{OpTransactWrite: 1}, 2},
		{"mix of aliases", "  operation: ''\n  mix: {transact_get: 3, transact_write: 1, GetItem: 2}\n  transact_items: 4\n",
			map[string]int{OpTransactGet: 3, OpTransactWrite: 1, OpGet: 2}, 4},
		{"by DynamoDB name", "  operation: TransactGetItems\n", map[string]int{OpTransactGet: 1}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := Parse("t.yaml", []byte(repl("duration: 2s\n", "duration: 2s\n"+tt.body)(valid)))
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Workload.Weights(); !maps.Equal(got, tt.weights) {
				t.Errorf("got weights %v, want %v", got, tt.weights)
			}
			if got := sc.Workload.TransactItems; got != tt.items {
				t.Errorf("got %d items per transaction, want %d", got, tt.items)
			}
		})
	}
}

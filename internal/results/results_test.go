package results

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

func TestWriteReadRoundTrip(t *testing.T) {
	sc, err := scenario.Parse("rt.yaml", []byte(`table: {read_capacity: 5, write_capacity: 7}
workload: {rate: 250/s, duration: 1500ms, item_size: 2KB}
strategies: [none, {name: full-jitter, base: 10ms}]
`))
	if err != nil {
		t.Fatal(err)
	}
	agg := metrics.NewAggregator()
	agg.Add(metrics.Record{Ended: 12 * time.Millisecond, Attempts: 2, ThrottledAttempts: 1})
	in := New(sc, "embedded fake", &runner.Result{
		Started:    time.Date(2026, 11, 28, 3, 4, 5, 0, time.UTC),
		Strategies: []runner.StrategyResult{{Name: "none", Params: map[string]any{"max_attempts": float64(1)}, Offered: 1, Summary: agg.Summary()}},
	})
	dir := Dir(t.TempDir(), in)
	if !strings.HasSuffix(dir, filepath.Join("rt", "20261128T030405Z")) {
		t.Errorf("Dir = %s, want .../rt/20261128T030405Z", dir)
	}
	path, err := Write(dir, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out.Strategies, in.Strategies) {
		t.Errorf("strategies: got %+v, want %+v", out.Strategies, in.Strategies)
	}
	if !reflect.DeepEqual(out.Scenario.Workload, in.Scenario.Workload) || !reflect.DeepEqual(out.Scenario.Strategies, in.Scenario.Strategies) {
		t.Errorf("scenario: got %+v, want %+v", out.Scenario, in.Scenario)
	}
	if out.Tool.Go == "" || out.Machine.CPUs == 0 {
		t.Errorf("tool %+v, machine %+v: want them filled", out.Tool, out.Machine)
	}
}

func TestReadRejectsUnknownSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	if err := os.WriteFile(path, []byte(`{"schema_version": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "schema_version 99") {
		t.Errorf("got %v, want a schema_version error", err)
	}
}

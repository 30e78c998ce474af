package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sampleFile() *results.File {
	return &results.File{
		SchemaVersion: results.SchemaVersion,
		Strategies: []runner.StrategyResult{
			{Name: "sdk-default", Offered: 2000, Summary: metrics.Summary{
				SuccessPct: 71.04, GoodputPerS: 85.52, AttemptsPerOp: 1.294, ThrottledAttempts: 346,
				Failed:    map[string]int64{"retry_quota_exhausted": 560, "throttled": 19},
				LatencyMs: metrics.Percentiles{P50: 1.871, P99: 2302.4, Max: 3774.9},
			}},
			{Name: "none", Offered: 2000, Summary: metrics.Summary{
				SuccessPct: 66.5, GoodputPerS: 133.1, AttemptsPerOp: 1, ThrottledAttempts: 201,
				LatencyMs: metrics.Percentiles{P50: 2.17, P99: 29.94, Max: 52.4},
			}},
		},
	}
}

func TestTableGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Table(&buf, sampleFile()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("table differs from %s:\ngot:\n%s\nwant:\n%s", golden, buf.Bytes(), want)
	}
}

package figures

import (
	"os"
	"strings"
	"testing"
)

const benchOut = `goos: linux
pkg: github.com/throttlebench/throttlebench/fakeservice
BenchmarkServeRatio-2   	   16696	    279979 ns/op	     16759 bare-req/s	     12459 fake-req/s	         0.7434 ratio
BenchmarkServeRatio-2   	   16470	    245093 ns/op	     17478 bare-req/s	     15713 fake-req/s	         0.8990 ratio
BenchmarkServeRatio-2   	   17018	    202393 ns/op	     20900 bare-req/s	     18754 fake-req/s	         0.8973 ratio
pkg: github.com/throttlebench/throttlebench/internal/sim
BenchmarkSim/fits-2         	       4	   2516207 attempts/cpu-s	         1.000 attempts/op	   2516207 ops/cpu-s
    bench_test.go:12: a log line 3 with numbers
pkg: github.com/throttlebench/throttlebench/internal/runner
BenchmarkCPUPerOp-2   	       1	20581770931 ns/op	       128.7 bare-cpu-µs/op	      8012 bare-ops/s	         1.042 cpu-ratio	       134.1 runner-cpu-µs/op	      7790 runner-ops/s
BenchmarkCPUPerOp-2   	       1	20490114005 ns/op	       125.0 bare-cpu-µs/op	      8255 bare-ops/s	         1.016 cpu-ratio	       127.0 runner-cpu-µs/op	      8153 runner-ops/s
`

// The table is made from the runs' values: median and range per metric.
func TestRenderFromBenchOutput(t *testing.T) {
	res := Results{}
	if err := res.Parse(strings.NewReader(benchOut)); err != nil {
		t.Fatal(err)
	}
	rows, err := res.Rows([]Figure{
		{Label: "ratio", Key: "fakeservice BenchmarkServeRatio", Metric: "ratio"},
		{Label: "sim", Key: "internal/sim BenchmarkSim/fits", Metric: "ops/cpu-s"},
		{Label: "runner cpu", Key: "internal/runner BenchmarkCPUPerOp", Metric: "cpu-ratio"},
		{Label: "runner µs", Key: "internal/runner BenchmarkCPUPerOp", Metric: "runner-cpu-µs/op"},
	})
	if err != nil {
		t.Fatal(err)
	}
	block := Render("2026-12-06, commit abc, linux/amd64, 2 CPUs", rows)
	for _, want := range []string{
		"| ratio | `fakeservice BenchmarkServeRatio` | ratio | 0.897 | 0.743 – 0.899 | 3 |",
		"| sim | `internal/sim BenchmarkSim/fits` | ops/cpu-s | 2.52 M | 2.52 M – 2.52 M | 1 |",
		"| runner cpu | `internal/runner BenchmarkCPUPerOp` | cpu-ratio | 1.029 | 1.016 – 1.042 | 2 |",
		"| runner µs | `internal/runner BenchmarkCPUPerOp` | runner-cpu-µs/op | 131 | 127 – 134 | 2 |",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("block lacks %q:\n%s", want, block)
		}
	}
	if err := Check("intro\n" + block + "\nafter\n"); err != nil {
		t.Errorf("Check refuses what Render wrote: %v", err)
	}
	if _, err := res.Rows([]Figure{{Key: "internal/sim BenchmarkNone", Metric: "x"}}); err == nil {
		t.Error("a figure no benchmark reported is not an error")
	}
}

// Check refuses a table edited by hand out of the format.
func TestCheckRefusesHandEdits(t *testing.T) {
	good := Render("m", []Row{{Figure: Figure{Label: "l", Key: "k B", Metric: "ratio"}, Median: 0.9, Min: 0.8, Max: 1, Runs: 3}})
	for name, doc := range map[string]string{
		"no block":       "nothing here",
		"two blocks":     good + good,
		"prose median":   strings.Replace(good, "| 0.900 |", "| about 0.9 |", 1),
		"no runs":        strings.Replace(good, "| 3 |", "| |", 1),
		"missing header": strings.Replace(good, "| figure |", "| what |", 1),
	} {
		if err := Check(doc); err == nil {
			t.Errorf("%s: Check accepted it", name)
		}
	}
	if err := Check(good); err != nil {
		t.Errorf("Check refuses Render's output: %v", err)
	}
}

// The README's performance table is in the format make figures writes,
// so it is regenerated, never hand-copied.
func TestREADMEFigures(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(string(doc)); err != nil {
		t.Errorf("README.md: %v (run make figures)", err)
	}
}

// Command figures reruns the benchmarks behind the README's performance
// table and rewrites the table (make figures), so published numbers come
// from a run on the code they describe.
//
//	go run ./tools/figures [-write README.md] [-count 3] [-memory]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/figures"
)

// runs are the benchmark invocations; count -1 means the -count flag.
var runs = []struct {
	pkg, bench, benchtime string
	count                 int
	memory                bool
}{
	{"./fakeservice/", "^(BenchmarkServeRatio|BenchmarkServeRatioSizes|BenchmarkServeThrottledRatio|BenchmarkServeThrottledRatioSizes)$", "3s", -1, false},
	{"./internal/sim/", "^BenchmarkSim$", "3x", -1, false},
	{"./internal/sim/", "^(BenchmarkFleetHour|BenchmarkBackoffExperiment)$", "1x", -1, false},
	{"./internal/runner/", "^(BenchmarkOverhead|BenchmarkCPUPerOp|BenchmarkPacing|BenchmarkPacingCalibrated)$", "1x", -1, false},
	{"./cmd/bench/", "^BenchmarkMemory$", "1x", 1, true},
}

// table is what the README shows, in order.
var table = []figures.Figure{
	{Label: "fake's request rate / bare handler's, unthrottled PutItem (goal ≥ 0.9)", Key: "fakeservice BenchmarkServeRatio", Metric: "ratio"},
	{Label: "fake's requests per CPU-second / bare handler's, unthrottled PutItem", Key: "fakeservice BenchmarkServeRatio", Metric: "cpu-ratio"},
	{Label: "the same, the fake keeping each item's key and size only (`bench run`'s default): request rate / bare handler's", Key: "fakeservice BenchmarkServeRatioSizes", Metric: "ratio"},
	{Label: "the same, the fake keeping each item's key and size only: requests per CPU-second / bare handler's", Key: "fakeservice BenchmarkServeRatioSizes", Metric: "cpu-ratio"},
	{Label: "fake's request rate / bare handler's, every PutItem throttled (goal ≥ 0.9)", Key: "fakeservice BenchmarkServeThrottledRatio", Metric: "ratio"},
	{Label: "the same, the fake keeping each item's key and size only (`bench run`'s default): request rate / bare handler's, every PutItem throttled", Key: "fakeservice BenchmarkServeThrottledRatioSizes", Metric: "ratio"},
	{Label: "runner's CPU per operation / bare SDK loop's, same embedded fake (goal ≤ 1.10)", Key: "internal/runner BenchmarkCPUPerOp", Metric: "cpu-ratio"},
	{Label: "runner's operation rate on the fake / bare SDK loop's on a handler answering `{}` (the fake's cost included: no goal)", Key: "internal/runner BenchmarkOverhead", Metric: "ratio"},
	{Label: "pacing at 1,000 ops/s: p99 start lag, ms (goal < 1 ms with ≥ 30 % idle)", Key: "internal/runner BenchmarkPacing/rate=1000", Metric: "p99-lag-ms"},
	{Label: "pacing at 1,000 ops/s: the process's idle CPU, %", Key: "internal/runner BenchmarkPacing/rate=1000", Metric: "idle-%"},
	{Label: "pacing at 2,000 ops/s: p99 start lag, ms (goal < 1 ms with ≥ 30 % idle)", Key: "internal/runner BenchmarkPacing/rate=2000", Metric: "p99-lag-ms"},
	{Label: "pacing at 2,000 ops/s: the process's idle CPU, %", Key: "internal/runner BenchmarkPacing/rate=2000", Metric: "idle-%"},
	{Label: "pacing at 5,000 ops/s: started / scheduled", Key: "internal/runner BenchmarkPacing/rate=5000", Metric: "start-rate-ratio"},
	{Label: "pacing at 5,000 ops/s: p99 start lag, ms (goal < 1 ms with ≥ 30 % idle)", Key: "internal/runner BenchmarkPacing/rate=5000", Metric: "p99-lag-ms"},
	{Label: "pacing at 5,000 ops/s: the process's idle CPU, %", Key: "internal/runner BenchmarkPacing/rate=5000", Metric: "idle-%"},
	{Label: "calibrated limit (highest PutItem rate with verdict ok, embedded fake), ops/s", Key: "internal/runner BenchmarkPacingCalibrated", Metric: "calibrated-ops/s"},
	{Label: "pacing at the calibrated limit, 5 s: p99 start lag, ms (goal < 1 ms)", Key: "internal/runner BenchmarkPacingCalibrated", Metric: "p99-lag-ms"},
	{Label: "simulated operations per CPU-second, load fits", Key: "internal/sim BenchmarkSim/fits", Metric: "ops/cpu-s"},
	{Label: "simulated operations per CPU-second, overloaded", Key: "internal/sim BenchmarkSim/overloaded", Metric: "ops/cpu-s"},
	{Label: "an hour of a 1,000-client fleet at 2,000 ops/s, seconds", Key: "internal/sim BenchmarkFleetHour", Metric: "wall-s"},
	{Label: "the backoff experiment (`bench sim -experiment backoff`), seconds", Key: "internal/sim BenchmarkBackoffExperiment", Metric: "wall-s"},
}

var memoryTable = []figures.Figure{
	{Label: "peak RSS 60 s / 10 s, 1,000 keys (goal ≤ 1.2)", Key: "cmd/bench BenchmarkMemory/keys=1000", Metric: "ratio"},
	{Label: "peak RSS 60 s / 10 s, 100,000 keys (goal ≤ 1.2)", Key: "cmd/bench BenchmarkMemory/keys=100000", Metric: "ratio"},
	{Label: "peak RSS 60 s / 10 s, 1,000,000 keys (goal ≤ 1.2)", Key: "cmd/bench BenchmarkMemory/keys=1000000", Metric: "ratio"},
	{Label: "peak RSS after 60 s at 1,000,000 keys, MiB", Key: "cmd/bench BenchmarkMemory/keys=1000000", Metric: "peak-MiB-60s"},
	{Label: "peak RSS 60 min / 6 min of a simulated 1,000-client fleet (goal ≤ 1.2)", Key: "cmd/bench BenchmarkMemory/fleet-hour", Metric: "ratio"},
	{Label: "peak RSS of an hour of a simulated 1,000-client fleet, MiB", Key: "cmd/bench BenchmarkMemory/fleet-hour", Metric: "peak-MiB-60m"},
}

func main() {
	write := flag.String("write", "", "rewrite the figures block of this file (README.md) instead of printing it")
	count := flag.Int("count", 3, "runs of each benchmark")
	memory := flag.Bool("memory", true, "include BenchmarkMemory (about 4 minutes)")
	flag.Parse()
	if err := run(*write, *count, *memory); err != nil {
		fmt.Fprintln(os.Stderr, "figures:", err)
		os.Exit(1)
	}
}

func run(write string, count int, memory bool) error {
	loadBefore := loadAverage()
	res := figures.Results{}
	for _, r := range runs {
		if r.memory && !memory {
			continue
		}
		n := r.count
		if n < 0 {
			n = count
		}
		args := []string{"test", "-run", "^$", "-bench", r.bench, "-benchtime", r.benchtime, "-count", strconv.Itoa(n), r.pkg}
		fmt.Fprintln(os.Stderr, "go", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		os.Stderr.Write(out)
		if err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		if err := res.Parse(bytes.NewReader(out)); err != nil {
			return err
		}
	}
	figs := table
	if memory {
		figs = append(figs, memoryTable...)
	}
	rows, err := res.Rows(figs)
	if err != nil {
		return err
	}
	where := machine()
	if loadBefore != "" {
		// Other processes take CPU from the benchmarks: say how busy the
		// machine was, so that the figures are read with it.
		where += fmt.Sprintf(", 1-minute load average %s at the start and %s at the end", loadBefore, loadAverage())
	}
	block := figures.Render(where, rows)
	if write == "" {
		fmt.Println(block)
		return nil
	}
	doc, err := os.ReadFile(write)
	if err != nil {
		return err
	}
	updated, err := figures.Replace(string(doc), block)
	if err != nil {
		return err
	}
	return os.WriteFile(write, []byte(updated), 0o644)
}

// machine says when, on what and at which commit the figures were taken.
func machine() string {
	commit := "unknown commit"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = "commit " + strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			commit += " plus uncommitted changes"
		}
	}
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = ", " + strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %s, %s/%s, %d CPUs%s", time.Now().UTC().Format("2006-01-02"), commit, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpu)
}

// loadAverage is the machine's 1-minute load average (Linux), empty when
// unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
)

// GoBenchPkg is the pkg: line of GoBench output.
const GoBenchPkg = "github.com/throttlebench/throttlebench"

// GoBench writes f in the Go benchmark format, so that benchstat (and any
// tool reading that format) can compare runs. A header of configuration
// lines (goos, goarch, pkg, scenario, sdk) comes first, then one line per
// trial of each strategy (the summary when the run had one trial):
//
//	BenchmarkQuickstart/strategy=full-jitter 2000 1871000 p50-ns/op ... 71.04 success-% ...
//
// The iteration count is the number of operations offered. Latencies are
// operation latencies from the intended start, in nanoseconds (benchstat
// shows them as p50-sec/op and so on). The header holds only what is the
// same for runs meant to be compared: benchstat splits tables on any
// configuration value that differs, so an SDK upgrade shows as two tables
// unless benchstat is told -col sdk (or -ignore sdk).
func GoBench(w io.Writer, f *results.File) error {
	bw := bufio.NewWriter(w)
	goos, goarch := f.Machine.OS, f.Machine.Arch
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	fmt.Fprintf(bw, "goos: %s\ngoarch: %s\npkg: %s\n", goos, goarch, GoBenchPkg)
	scenario := ""
	if f.Scenario != nil {
		scenario = f.Scenario.Name
		fmt.Fprintf(bw, "scenario: %s\n", gobenchValue(scenario))
	}
	if f.Tool.AWSSDK != "" {
		fmt.Fprintf(bw, "sdk: %s\n", gobenchValue(f.Tool.AWSSDK))
	}
	base := "Benchmark" + gobenchCamel(scenario)
	seen := map[string]int{}
	for _, s := range f.Strategies {
		seen[s.Name]++
		name := s.Name
		if n := seen[s.Name]; n > 1 {
			name = fmt.Sprintf("%s#%d", s.Name, n) // as bench compare keys repeated names
		}
		name = base + "/strategy=" + gobenchValue(name)
		trials := s.Trials
		if len(trials) == 0 {
			trials = []metrics.Summary{s.Summary}
		}
		for _, t := range trials {
			gobenchLine(bw, name, t)
		}
	}
	return bw.Flush()
}

// gobenchLine writes one benchmark result line.
func gobenchLine(w io.Writer, name string, s metrics.Summary) {
	ns := func(ms float64) string { return strconv.FormatInt(int64(math.Round(ms*1e6)), 10) }
	fmt.Fprintf(w, "%s %d", name, max(s.Ops, 1))
	for _, v := range []struct{ value, unit string }{
		{ns(s.LatencyMs.P50), "p50-ns/op"},
		{ns(s.LatencyMs.P90), "p90-ns/op"},
		{ns(s.LatencyMs.P99), "p99-ns/op"},
		{ns(s.LatencyMs.P999), "p999-ns/op"},
		{ns(s.LatencyMs.Max), "max-ns/op"},
		{gobenchNum(s.SuccessPct), "success-%"},
		{gobenchNum(s.GoodputPerS), "goodput-ops/s"},
		{gobenchNum(s.AttemptsPerOp), "attempts/op"},
		{strconv.FormatInt(s.ThrottledAttempts, 10), "throttled-attempts"},
		{gobenchNum(100 * s.RetryShare), "retry-share-%"},
	} {
		fmt.Fprintf(w, " %s %s", v.value, v.unit)
	}
	fmt.Fprintln(w)
}

// gobenchNum formats v with at most 6 significant digits, without an
// exponent.
func gobenchNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// gobenchCamel turns "steady-overload" into "SteadyOverload"; a benchmark
// name must not start with a lower-case letter after "Benchmark".
func gobenchCamel(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Run"
	}
	return b.String()
}

// gobenchValue keeps a name or configuration value on one field: no
// spaces.
func gobenchValue(s string) string {
	return strings.Join(strings.Fields(s), "_")
}

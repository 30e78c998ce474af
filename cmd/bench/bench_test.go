package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkMemory runs the built bench binary for a short and a long time
// at the same load and reports the ratio of their peak resident set sizes
// (goal: within 1.2x), so that memory growing with a run's length shows:
//
//   - keys=N: bench run for 10 s and 60 s at 1,000 PutItems/s of 1 KB
//     items against the embedded fake, over key spaces of 1,000, 100,000
//     and 1,000,000 keys, with the default fake.store (sizes). A large key
//     space adds a new item with nearly every write (about 58,000 after
//     60 s at 1,000,000 keys): kept in full, every one of them stayed in
//     memory.
//   - fleet-hour: bench sim for 6 and 60 minutes of virtual time, 1,000
//     clients offering 2,000 PutItems/s (7.2 M operations in the hour).
//
// Latencies live in histograms, not in memory per sample. Peak RSS also
// holds a backlog of in-flight operations (up to workload.max_in_flight
// connections) when the machine cannot keep up, which a busy machine
// makes vary from run to run. Run with -benchtime=1x; it takes about 4
// minutes.
func BenchmarkMemory(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	// peak runs bench with args and returns its peak RSS, MiB.
	peak := func(b *testing.B, args ...string) float64 {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bench %v: %v\n%s", args, err, out)
		}
		return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB -> MiB
	}
	scenario := func(b *testing.B, name, body string) string {
		path := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
		return path
	}
	report := func(b *testing.B, short, long float64, shortName, longName string) {
		b.ReportMetric(short, "peak-MiB-"+shortName)
		b.ReportMetric(long, "peak-MiB-"+longName)
		b.ReportMetric(long/short, "ratio")
	}
	for _, keys := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			sc := scenario(b, fmt.Sprintf("mem-%d", keys), fmt.Sprintf(`name: mem
table: {read_capacity: 1000, write_capacity: 1000}
workload: {rate: 1000/s, duration: 10s, keys: %d}
strategies: [full-jitter]
`, keys))
			run := func(d string) float64 {
				return peak(b, "run", "--quiet", "--out", filepath.Join(dir, "results"), "--duration", d, sc)
			}
			for b.Loop() {
				short, long := run("10s"), run("60s")
				report(b, short, long, "10s", "60s")
			}
		})
	}
	b.Run("fleet-hour", func(b *testing.B) {
		sc := scenario(b, "fleet", `name: fleet
table: {read_capacity: 100, write_capacity: 2500}
workload: {rate: 2000/s, duration: 1h, keys: 10000, fleet: 1000}
strategies: [full-jitter]
`)
		run := func(d string) float64 {
			return peak(b, "sim", "--out", filepath.Join(dir, "results"), "--duration", d, sc)
		}
		for b.Loop() {
			short, long := run("6m"), run("60m")
			report(b, short, long, "6m", "60m")
		}
	})
}

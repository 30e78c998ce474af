package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkMemory runs the built bench binary for 10 s and for 60 s at the
// same rate and reports the ratio of their peak resident set sizes (goal:
// within 1.2x: latencies live in histograms, not in memory per sample).
// The key space is small so that the embedded fake's stored items, which
// grow with the keys written rather than with time, stay the same size.
// Run with -benchtime=1x; it takes about 80 s.
func BenchmarkMemory(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	scenario := filepath.Join(dir, "mem.yaml")
	if err := os.WriteFile(scenario, []byte(`name: mem
table: {read_capacity: 1000, write_capacity: 1000}
workload: {rate: 1000/s, duration: 10s, keys: 1000}
strategies: [full-jitter]
`), 0o644); err != nil {
		b.Fatal(err)
	}
	peak := func(d string) float64 {
		cmd := exec.Command(bin, "run", "--quiet", "--out", filepath.Join(dir, "results"), "--duration", d, scenario)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("bench run --duration %s: %v\n%s", d, err, out)
		}
		return float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB -> MiB
	}
	for b.Loop() {
		short, long := peak("10s"), peak("60s")
		b.ReportMetric(short, "peak-MiB-10s")
		b.ReportMetric(long, "peak-MiB-60s")
		b.ReportMetric(long/short, "ratio")
	}
}

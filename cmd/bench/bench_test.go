package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkMemory runs the built bench binary for 10 s and for 60 s at the
// same rate (1,000 PutItems/s against the embedded fake) and reports the
// ratio of their peak resident set sizes (goal: within 1.2x), for key
// spaces of 1,000, 100,000 and 1,000,000 keys. Latencies live in
// histograms, not in memory per sample; what can grow with time is the
// fake's stored items, of which a large key space keeps adding new ones
// (about 45,000 after 60 s at 100,000 keys). Run with -benchtime=1x; it
// takes about 4 minutes.
func BenchmarkMemory(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "bench")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	for _, keys := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			scenario := filepath.Join(dir, fmt.Sprintf("mem-%d.yaml", keys))
			if err := os.WriteFile(scenario, []byte(fmt.Sprintf(`name: mem
table: {read_capacity: 1000, write_capacity: 1000}
workload: {rate: 1000/s, duration: 10s, keys: %d}
strategies: [full-jitter]
`, keys)), 0o644); err != nil {
				b.Fatal(err)
			}
			peak := func(d string) float64 {
				cmd := exec.Command(bin, "run", "--quiet", "--out", filepath.Join(dir, "results"), "--duration", d, scenario)
				cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true")
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
		})
	}
}

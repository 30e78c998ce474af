package sim

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// BenchmarkSim measures the simulator in simulated operations per CPU
// second (ops/cpu-s, from getrusage, so other load on the machine does not
// count) for a fleet of 1,000 clients offering 20,000 PutItems/s (Poisson)
// over 10,000 keys for 60 s of virtual time, with full jitter:
//   - fits: a table of 25,000 WCU (26 partitions of 1,000), the load at
//     80 % of it: no throttles, 1 attempt per operation;
//   - overloaded: 16,000 WCU, a fifth of the load over capacity: about
//     2.3 attempts per operation.
//
// The target is 1,000,000 ops/cpu-s. attempts/cpu-s shows the per-attempt
// cost, which is what the overloaded case's lower ops/cpu-s comes from.
func BenchmarkSim(b *testing.B) {
	for _, c := range []struct {
		name string
		wcu  int64
	}{{"fits", 25000}, {"overloaded", 16000}} {
		b.Run(c.name, func(b *testing.B) {
			sc := benchScenario(1000, 20000, c.wcu, 60*time.Second)
			st, err := strategy.New("full-jitter", strategy.Params{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var ops, attempts int64
			cpu0 := cpuTime()
			for b.Loop() {
				sr, err := RunStrategy(context.Background(), Options{Scenario: sc}, st)
				if err != nil {
					b.Fatal(err)
				}
				ops += sr.Summary.Ops
				attempts += sr.Summary.Attempts
			}
			cpu := (cpuTime() - cpu0).Seconds()
			b.ReportMetric(float64(ops)/cpu, "ops/cpu-s")
			b.ReportMetric(float64(attempts)/cpu, "attempts/cpu-s")
			b.ReportMetric(float64(attempts)/float64(ops), "attempts/op")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchScenario(fleet int, rate float64, wcu int64, d time.Duration) *scenario.Scenario {
	return &scenario.Scenario{
		Name: "bench", Seed: 1,
		Table: scenario.Table{BillingMode: scenario.Provisioned, ReadCapacity: 100, WriteCapacity: wcu},
		Workload: scenario.Workload{
			Operation: scenario.OpPut, Rate: scenario.Rate(rate), Duration: scenario.Duration(d),
			ItemSize: 1024, Keys: 10000, MaxInFlight: 1024, Timeout: scenario.Duration(30 * time.Second),
			Fleet: fleet, BatchSize: 25, QueryLimit: 100, Process: scenario.ProcessPoisson, KeyDistribution: scenario.KeysUniform,
		},
		Strategies: []scenario.StrategySpec{{Name: "full-jitter"}},
	}
}

// BenchmarkFleetHour is `bench sim` on an hour of virtual time: 1,000
// clients offering 2,000 PutItems/s (7.2 M operations) to a table that
// fits them, with full jitter. wall-s and cpu-s are per run.
func BenchmarkFleetHour(b *testing.B) {
	sc := benchScenario(1000, 2000, 2500, time.Hour)
	st, err := strategy.New("full-jitter", strategy.Params{})
	if err != nil {
		b.Fatal(err)
	}
	var runs int
	cpu0, wall0 := cpuTime(), time.Now()
	for b.Loop() {
		if _, err := RunStrategy(context.Background(), Options{Scenario: sc}, st); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(time.Since(wall0).Seconds()/float64(runs), "wall-s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(runs), "cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkBackoffExperiment is `bench sim -experiment backoff` with its
// defaults (6 strategies x N = 10..190 clients x 100 runs) on every CPU.
func BenchmarkBackoffExperiment(b *testing.B) {
	var runs int
	cpu0, wall0 := cpuTime(), time.Now()
	for b.Loop() {
		if _, err := RunExperiment(context.Background(), Experiment{}, runtime.GOMAXPROCS(0)); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(time.Since(wall0).Seconds()/float64(runs), "wall-s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(runs), "cpu-s")
	b.ReportMetric(0, "ns/op")
}

package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
	"github.com/throttlebench/throttlebench/internal/sweep"
)

// BenchmarkPacingCalibrated is BenchmarkPacing at this machine's
// calibrated limit: the highest PutItem rate (strategy none, unthrottled
// embedded fake) whose generator verdict is ok, found by bench
// calibrate's bracketing search (sweep.Search over 2 s candidates, within
// 10 %), then a 5 s run at that rate. It reports the rate (calibrated-ops/s),
// the p99 start lag there (goal: under 1 ms, which the search's verdict
// already requires of a 2 s run), the process's idle share of its cores
// (idle-%), the machine's (machine-idle-%, every process), the time its
// threads waited for a core (os-wait-ms/s, as in BenchmarkPacing) and CPU
// per started operation. No honest rate in range reports calibrated-ops/s 0
// and logs why: on a machine busy with other work that is the finding.
func BenchmarkPacingCalibrated(b *testing.B) {
	defer runner.TuneGC()()
	none, err := strategy.New("none", strategy.Params{})
	if err != nil {
		b.Fatal(err)
	}
	run := func(ctx context.Context, sc *scenario.Scenario) (*runner.Result, error) {
		srv := fakeservice.New(fakeservice.Options{})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		return runner.Run(ctx, runner.Options{
			Scenario: sc, Strategies: []strategy.Strategy{none},
			Target: runner.Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
		})
	}
	for b.Loop() {
		sc := pacingScenario(2000, 2*time.Second)
		var last *runner.Generator
		ans, err := sweep.Search(context.Background(), sweep.Options{
			Scenario: sc, Strategy: none, Lo: 250, Hi: 8000, Tolerance: 0.1, Budget: 8,
			Eval: func(ctx context.Context, sc *scenario.Scenario, _ strategy.Strategy) (metrics.Summary, error) {
				res, err := run(ctx, sc)
				if err != nil {
					return metrics.Summary{}, err
				}
				last = res.Generator
				b.Logf("%6.0f/s  %s", float64(sc.Workload.Rate), last.Summary())
				return res.Strategies[0].Summary, nil
			},
			Judge: func(metrics.Summary) []string {
				if !last.OK() {
					return last.Reasons
				}
				return nil
			},
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(ans.Runs), "search-runs")
		b.ReportMetric(ans.Value, "calibrated-ops/s")
		if ans.Value <= 0 {
			b.Logf("no honest rate down to %.0f/s (%s)", ans.Missed, ans.Status)
			continue
		}
		const secs = 5
		wait0, t0 := runner.RunDelay(), time.Now()
		res, err := run(context.Background(), pacingScenario(ans.Value, secs*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		if wait0 >= 0 {
			b.ReportMetric(1e3*(runner.RunDelay()-wait0).Seconds()/time.Since(t0).Seconds(), "os-wait-ms/s")
		}
		m, g := res.Strategies[0].Summary, res.Generator
		started := m.Ops - m.Failed["dropped"]
		b.ReportMetric(m.StartLagMs.P99, "p99-lag-ms")
		b.ReportMetric(100-g.CPUPct, "idle-%")
		if g.MachineCPUPct > 0 {
			b.ReportMetric(100-g.MachineCPUPct, "machine-idle-%")
		}
		b.ReportMetric(1e6*g.CPUS/float64(max(started, 1)), "cpu-µs/op")
		b.Logf("at %.0f/s for %d s: %s", ans.Value, secs, g.Summary())
	}
}

// pacingScenario is BenchmarkPacing's workload: 1 KB PutItem at rate on
// a table with room for it, from one client with 1,024 in flight.
func pacingScenario(rate float64, d time.Duration) *scenario.Scenario {
	return &scenario.Scenario{
		Name: "pacing", Seed: 1,
		Table: scenario.Table{BillingMode: scenario.Provisioned, ReadCapacity: 100, WriteCapacity: 40000},
		Workload: scenario.Workload{
			Operation: scenario.OpPut, Rate: scenario.Rate(rate), Duration: scenario.Duration(d),
			ItemSize: 1024, Keys: 1000, MaxInFlight: 1024, Timeout: scenario.Duration(10 * time.Second),
			Fleet: 1, BatchSize: 25, QueryLimit: 100, Process: scenario.ProcessUniform, KeyDistribution: scenario.KeysUniform,
		},
	}
}

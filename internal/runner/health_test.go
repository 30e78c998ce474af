package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// TestGeneratorVerdict drives the embedded fake far beyond what a 2-core
// machine can start on time (50,000/s from a fleet of 20 clients, under
// -race at that: by the time the run is stopped, starts are seconds
// behind), and at a low rate, with the same thresholds: the first
// must be judged saturated, with its reason and figures, the second ok.
// The overloaded run is interrupted after a few seconds (the verdict is
// computed for partial runs too), which bounds the test on a slow machine.
// The thresholds are wider than the defaults (start lag p99 1 s, CPU
// 99 %) and the ok case runs at 20/s, so that it keeps a wide margin on a
// shared CI machine under -race (on a 2-core machine running four other
// builds, 200/s under -race showed a 1.3 s start lag p99 and 50/s 120 ms:
// the verdicts were right, but a test cannot count on an idle machine);
// the overloaded run misses them by seconds.
func TestGeneratorVerdict(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	base := Thresholds{LagP99Ms: 1000, CPUPct: 99, DroppedPct: 1}
	cases := []struct {
		name  string
		rate  float64
		fleet int
		stop  time.Duration // interrupt the run after this; 0: never
		want  string
		// reason is a fragment the reasons must contain.
		reason string
		// lagCPU is Thresholds.LagCPUPct; 0: the default.
		lagCPU float64
	}{
		{name: "overloaded", rate: 50000, fleet: 20, stop: 4 * time.Second, want: VerdictSaturated, reason: "start lag p99 "},
		// LagCPUPct 100: the wake-up probe, which pauses in seconds after
		// one busier than that, machine-wide, runs whatever other tests
		// load the machine (go test runs packages side by side).
		{name: "low-rate", rate: 20, fleet: 1, want: VerdictOK, lagCPU: 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := base
			th.LagCPUPct = c.lagCPU
			sc := testScenario(40000, c.rate, 2*time.Second)
			sc.Table.ReadCapacity = 40000
			sc.Workload.Fleet = c.fleet
			sc.Workload.MaxInFlight = 1024
			sc.Workload.Timeout = scenario.Duration(30 * time.Second)
			ctx := context.Background()
			if c.stop > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.stop)
				defer cancel()
			}
			res, err := Run(ctx, Options{
				Scenario: sc, Target: startFake(t), Strategies: strategies(t, "none"), Health: th, Grace: time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			g := res.Generator
			if g == nil {
				t.Fatal("Result.Generator: got nil, want the generator's health")
			}
			t.Logf("%s: %s", c.name, g.Summary())
			if g.Verdict != c.want {
				t.Fatalf("verdict: got %q (%v), want %q", g.Verdict, g.Reasons, c.want)
			}
			if c.want == VerdictOK && len(g.Reasons) != 0 {
				t.Errorf("reasons: got %q, want none", g.Reasons)
			}
			if c.reason != "" && !strings.Contains(strings.Join(g.Reasons, "; "), c.reason) {
				t.Errorf("reasons: got %q, want one containing %q", g.Reasons, c.reason)
			}
			if g.Client == nil || g.Client.MaxIdleConnsPerHost != 1024 {
				t.Errorf("generator client: got %+v, want the clients' settings with max_idle_conns_per_host 1024", g.Client)
			}
			if want := th.WithDefaults(); g.Thresholds != want {
				t.Errorf("thresholds: got %+v, want %+v", g.Thresholds, want)
			}
			if len(g.Strategies) != 1 || g.Strategies[0].Offered == 0 || len(g.Strategies[0].Series) == 0 {
				t.Fatalf("strategies: got %+v, want one with operations and a series", g.Strategies)
			}
			if g.LoadS < 1 || g.CPUS <= 0 || g.Cores <= 0 || g.CPUPct <= 0 {
				t.Errorf("load %.2f s, CPU %.3f s on %g cores (%.1f %%): want the load's figures measured", g.LoadS, g.CPUS, g.Cores, g.CPUPct)
			}
			if s := g.Strategies[0]; s.ConnWaits == 0 || s.ConnWaitMaxMs <= 0 || s.ConnWaitMeanMs > s.ConnWaitMaxMs {
				t.Errorf("connection waits: got %d, mean %g ms, max %g ms; want every attempt's wait timed", s.ConnWaits, s.ConnWaitMeanMs, s.ConnWaitMaxMs)
			}
			var secs, lagged int
			for _, s := range g.Strategies[0].Series {
				if s.Offered > 0 {
					secs++
				}
				if s.LagP99Ms > 0 {
					lagged++
				}
			}
			// The probe sleeps in the seconds after an idle one only.
			if w := g.MachineWake; threadSleep != nil && c.want == VerdictOK && (w == nil || w.Samples < 20 || w.P50Ms > w.P99Ms || w.P99Ms > w.MaxMs) {
				t.Errorf("machine wake-ups: got %+v, want most of a second's samples (100/s) and p50 <= p99 <= max", w)
			}
			if secs < 1 || lagged == 0 {
				t.Errorf("series: %d seconds with arrivals, %d with a lag p99; want some: %+v", secs, lagged, g.Strategies[0].Series)
			}
		})
	}
}

// TestJudgeMachineWake checks that a lagging verdict says any thread wakes
// late when one sleeping outside the pacer woke late too, and only then.
func TestJudgeMachineWake(t *testing.T) {
	lagging := func(w *WakeLag) string {
		g := Generator{Cores: 2, CPUS: 1, CPUPct: 12, MachineCPUPct: 14, MachineWake: w, Thresholds: Thresholds{}.WithDefaults(),
			Strategies: []StrategyHealth{{Name: "b", Offered: 1000, LagP99Ms: 3.4, LagMaxMs: 11, Late: 24}}}
		g.judge()
		if g.Verdict != VerdictLagging {
			t.Fatalf("verdict: got %q (%q), want lagging", g.Verdict, g.Reasons)
		}
		return g.Summary()
	}
	const blame = "any thread wakes this late here, not the pacer alone"
	if s := lagging(&WakeLag{Samples: 5000, P50Ms: 0.1, P99Ms: 2.7, MaxMs: 19.7}); !strings.Contains(s, "a thread sleeping outside the pacer woke p99 2.7 ms late too (max 20 ms): "+blame) {
		t.Errorf("machine waking late: got %q, want it blamed", s)
	}
	for _, w := range []*WakeLag{nil, {Samples: 5000, P50Ms: 0.06, P99Ms: 0.2, MaxMs: 3}} {
		if s := lagging(w); strings.Contains(s, blame) {
			t.Errorf("machine wake-ups %+v: got %q, want the machine not blamed", w, s)
		}
	}
}

// TestWakeProbe checks that the probe wakes about once a period, reports
// ordered figures, and does not wake while paused.
func TestWakeProbe(t *testing.T) {
	if threadSleep == nil {
		t.Skip("no sleep outside the Go scheduler on this platform")
	}
	const period = 2 * time.Millisecond
	w := MeasureWakeLag(300*time.Millisecond, period)
	if w == nil {
		t.Fatal("MeasureWakeLag: got nil")
	}
	t.Logf("%+v", *w)
	if most := int64(300 * time.Millisecond / period); w.Samples < 10 || w.Samples > most+1 {
		t.Errorf("samples: got %d in 300 ms, want 10 to %d (one per %v at most)", w.Samples, most+1, period)
	}
	if w.P50Ms < 0 || w.P50Ms > w.P99Ms || w.P99Ms > w.MaxMs {
		t.Errorf("figures out of order: %+v", *w)
	}
	// Paused, it does not wake; resumed, it does.
	p := startWakeProbe(threadSleep, period, true)
	time.Sleep(50 * time.Millisecond)
	if n := p.h.TotalCount(); n != 0 {
		t.Errorf("paused probe: %d wake-ups, want none", n)
	}
	p.pause(false)
	time.Sleep(50 * time.Millisecond)
	p.pause(true)
	time.Sleep(10 * time.Millisecond) // the last sleep ends
	w = p.finish()
	if w == nil || w.Samples < 5 || w.Samples > 30 {
		t.Errorf("probe resumed for 50 ms: got %+v, want about 25 wake-ups", w)
	}
}

// TestJudge checks the verdict and its reasons for fixed figures.
func TestJudge(t *testing.T) {
	def := Thresholds{}.WithDefaults()
	healthy := StrategyHealth{Name: "a", Offered: 1000, LagP50Ms: 0.1, LagP99Ms: 0.5, LagMaxMs: 0.9}
	cases := []struct {
		name    string
		g       Generator
		verdict string
		reasons []string // fragments, one per reason, in order
	}{
		{"healthy", Generator{Cores: 2, CPUPct: 40, Strategies: []StrategyHealth{healthy}}, VerdictOK, nil},
		{"at the thresholds", Generator{Cores: 2, CPUPct: 90, Strategies: []StrategyHealth{{Name: "a", Offered: 1000, LagP99Ms: 1, Dropped: 1}}}, VerdictOK, nil},
		{"lag", Generator{Cores: 2, CPUPct: 97, Strategies: []StrategyHealth{healthy, {Name: "b", Offered: 1000, LagP99Ms: 14, LagMaxMs: 30, Late: 80}}},
			VerdictSaturated, []string{"start lag p99 14 ms > 1.0 ms at 97 % CPU of 2 cores (b; max 30 ms, 80 of 1000 starts late)", "CPU 97 % of 2 cores > 90 %"}},
		{"dropped", Generator{Cores: 1.5, CPUPct: 50, Strategies: []StrategyHealth{{Name: "c", Offered: 1000, Dropped: 20}}},
			VerdictSaturated, []string{"20 of 1000 arrivals dropped (2 % > 0.1 %) at a full in-flight cap (c)"}},
		{"cpu only", Generator{Cores: 2, CPUPct: 95, Strategies: []StrategyHealth{healthy}}, VerdictSaturated, []string{"CPU 95 % of 2 cores > 90 %"}},
		// make run's case: late starts with most of the CPU idle are not
		// saturation.
		{"lag with the CPU idle", Generator{Cores: 2, CPUS: 7, CPUPct: 36, MachineCPUPct: 40, Strategies: []StrategyHealth{healthy, {Name: "b", Offered: 1000, LagP99Ms: 1.6, LagMaxMs: 3, Late: 2}}},
			VerdictLagging, []string{"start lag p99 1.6 ms > 1.0 ms at 36 % CPU of 2 cores, machine 40 % busy (b; max 3.0 ms, 2 of 1000 starts late): 60 % of the CPU idle (busy <= 70 %), so late wake-ups, not a lack of CPU"}},
		{"lag with the machine busy", Generator{Cores: 2, CPUS: 4, CPUPct: 20, MachineCPUPct: 98, Strategies: []StrategyHealth{{Name: "b", Offered: 1000, LagP99Ms: 14, LagMaxMs: 30, Late: 80}}},
			VerdictSaturated, []string{"start lag p99 14 ms > 1.0 ms at 20 % CPU of 2 cores, machine 98 % busy (b; max 30 ms, 80 of 1000 starts late): the process itself used little CPU, so other processes are likely taking the cores"}},
		{"lag under a cgroup CPU quota", Generator{Cores: 0.5, CoresFrom: coresFromQuota, CPUS: 2, CPUPct: 40, MachineCPUPct: 10, Strategies: []StrategyHealth{{Name: "b", Offered: 1000, LagP99Ms: 14, LagMaxMs: 30, Late: 80}}},
			VerdictSaturated, []string{"start lag p99 14 ms > 1.0 ms at 40 % CPU of 0.5 cores, machine 10 % busy (b; max 30 ms, 80 of 1000 starts late): under a cgroup CPU quota"}},
		{"lag with the CPU idle, and drops", Generator{Cores: 2, CPUS: 7, CPUPct: 36, MachineCPUPct: 40, Strategies: []StrategyHealth{{Name: "b", Offered: 1000, LagP99Ms: 1.6, LagMaxMs: 3, Late: 2, Dropped: 20}}},
			VerdictSaturated, []string{"so late wake-ups, not a lack of CPU", "20 of 1000 arrivals dropped"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := c.g
			g.Thresholds = def
			g.judge()
			if g.Verdict != c.verdict {
				t.Fatalf("verdict: got %q (%q), want %q", g.Verdict, g.Reasons, c.verdict)
			}
			if len(g.Reasons) != len(c.reasons) {
				t.Fatalf("reasons: got %q, want %d", g.Reasons, len(c.reasons))
			}
			for i, want := range c.reasons {
				if !strings.Contains(g.Reasons[i], want) {
					t.Errorf("reason %d: got %q, want it to contain %q", i, g.Reasons[i], want)
				}
			}
			if ok := c.verdict == VerdictOK; g.OK() != ok {
				t.Errorf("OK: got %v, want %v", g.OK(), ok)
			}
			if s := g.Summary(); !strings.Contains(s, g.Verdict) && !strings.Contains(s, "SATURATED") {
				t.Errorf("summary %q does not name the verdict", s)
			}
		})
	}
}

func TestParseThresholds(t *testing.T) {
	cases := []struct {
		in      string
		want    Thresholds
		wantErr string
	}{
		{in: "", want: Thresholds{LagP99Ms: 1, DroppedPct: 0.1, CPUPct: 90, LagCPUPct: 70}},
		{in: "lag_p99=2.5ms, cpu=80%", want: Thresholds{LagP99Ms: 2.5, DroppedPct: 0.1, CPUPct: 80, LagCPUPct: 70}},
		{in: "dropped=5", want: Thresholds{LagP99Ms: 1, DroppedPct: 5, CPUPct: 90, LagCPUPct: 70}},
		{in: "lag_cpu=50%", want: Thresholds{LagP99Ms: 1, DroppedPct: 0.1, CPUPct: 90, LagCPUPct: 50}},
		{in: "lag_cpu=0", wantErr: "lag_cpu: want a percentage in (0, 100]"},
		{in: "lag_p99=-1ms", wantErr: "lag_p99: want a duration > 0"},
		{in: "cpu=150%", wantErr: "cpu: want a percentage in (0, 100]"},
		{in: "speed=1", wantErr: `unknown key "speed"`},
		{in: "lag_p99", wantErr: "want KEY=VALUE"},
	}
	for _, c := range cases {
		got, err := ParseThresholds(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseThresholds(%q): got error %v, want one containing %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseThresholds(%q): got %+v, %v; want %+v", c.in, got, err, c.want)
		}
		if back, err := ParseThresholds(got.String()); err != nil || back != got {
			t.Errorf("ParseThresholds(%q.String() = %q): got %+v, %v; want it back", c.in, got.String(), back, err)
		}
	}
}

// The cores a verdict counts are the fewest of GOMAXPROCS, the CPUs the
// process may run on and the cgroup quota: GOMAXPROCS=4 on 2 CPUs gives
// 2 cores (a run at 45 % of the machine is not 22 % of 4 cores).
func TestCores(t *testing.T) {
	noQuota := func() (float64, bool) { return 0, false }
	quota := func(q float64) func() (float64, bool) { return func() (float64, bool) { return q, true } }
	for _, tt := range []struct {
		procs, cpus int
		quota       func() (float64, bool)
		want        float64
		wantFrom    string
	}{
		{2, 2, noQuota, 2, "GOMAXPROCS"},
		{1, 2, noQuota, 1, "GOMAXPROCS"},
		{4, 2, noQuota, 2, "NumCPU"},
		{4, 2, quota(1.5), 1.5, coresFromQuota},
		{2, 8, quota(3), 2, "GOMAXPROCS"},
	} {
		got, from := cores(tt.procs, tt.cpus, tt.quota)
		if got != tt.want || from != tt.wantFrom {
			t.Errorf("cores(GOMAXPROCS %d, NumCPU %d): got %g from %s, want %g from %s", tt.procs, tt.cpus, got, from, tt.want, tt.wantFrom)
		}
	}
}

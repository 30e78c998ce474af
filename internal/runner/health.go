package runner

import (
	"context"
	"fmt"
	"math"
	"net/http/httptrace"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Verdicts of a run's generator health.
const (
	// VerdictOK: the generator kept the schedule with room to spare; the
	// results describe the target.
	VerdictOK = "ok"
	// VerdictSaturated: the generator itself was a bottleneck (starts
	// late with the CPU busy, arrivals dropped or the CPU used up); the
	// results describe this machine as much as the target.
	VerdictSaturated = "saturated"
	// VerdictLagging: operations started late (start lag over its
	// threshold) while the CPU had room (busy under Thresholds.LagCPUPct,
	// this process's share of its cores and the whole machine's): the
	// delay is in waking up on time, not a lack of CPU. The results stand
	// with that caveat; bench compare warns but does not refuse.
	VerdictLagging = "lagging"
)

// Defaults of Thresholds' zero fields.
const (
	DefaultLagP99Ms   = 1.0  // ms
	DefaultDroppedPct = 0.1  // % of offered arrivals
	DefaultCPUPct     = 90.0 // % of the cores the process may use
	DefaultLagCPUPct  = 70.0 // % busy: start lag above it is saturation
)

// Thresholds say when a run's generator counts as saturated: any one
// exceeded makes the verdict VerdictSaturated. A zero field means its
// default. Compared strictly: a figure equal to its threshold is ok.
type Thresholds struct {
	// LagP99Ms bounds any strategy's start lag p99 (intended to actual
	// start of an operation), milliseconds; default DefaultLagP99Ms.
	LagP99Ms float64 `json:"lag_p99_ms"`
	// DroppedPct bounds any strategy's arrivals dropped at a client's
	// in-flight cap, percent of those offered; default DefaultDroppedPct.
	// A scenario whose small max_in_flight means to drop should raise it.
	DroppedPct float64 `json:"dropped_pct"`
	// CPUPct bounds the process's CPU time (user + system) while load was
	// offered, percent of the wall time of the cores it may use (see
	// Generator.Cores); default DefaultCPUPct.
	CPUPct float64 `json:"cpu_pct"`
	// LagCPUPct says what start lag over LagP99Ms means: with the CPU
	// busier than this, percent (the process's share of its cores or the
	// machine's of all its CPUs, whichever is higher), VerdictSaturated;
	// below it, VerdictLagging (the CPU had room, so the lag is late
	// wake-ups, not the generator's capacity). Default DefaultLagCPUPct:
	// the pacing goal is a p99 under 1 ms wherever 30 % of the CPU is idle.
	LagCPUPct float64 `json:"lag_cpu_pct"`
}

// WithDefaults returns t with zero fields set to their defaults.
func (t Thresholds) WithDefaults() Thresholds {
	if t.LagP99Ms <= 0 {
		t.LagP99Ms = DefaultLagP99Ms
	}
	if t.DroppedPct <= 0 {
		t.DroppedPct = DefaultDroppedPct
	}
	if t.CPUPct <= 0 {
		t.CPUPct = DefaultCPUPct
	}
	if t.LagCPUPct <= 0 {
		t.LagCPUPct = DefaultLagCPUPct
	}
	return t
}

// String is the form ParseThresholds reads.
func (t Thresholds) String() string {
	return fmt.Sprintf("lag_p99=%gms,dropped=%g%%,cpu=%g%%,lag_cpu=%g%%", t.LagP99Ms, t.DroppedPct, t.CPUPct, t.LagCPUPct)
}

// ParseThresholds reads "lag_p99=1ms,dropped=0.1%,cpu=90%,lag_cpu=70%"
// (any subset, in any order; missing ones take their defaults).
func ParseThresholds(s string) (Thresholds, error) {
	var t Thresholds
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return t, fmt.Errorf("%q: want KEY=VALUE with KEY one of lag_p99, dropped, cpu, lag_cpu (e.g. lag_p99=2ms)", part)
		}
		switch strings.TrimSpace(key) {
		case "lag_p99":
			d, err := time.ParseDuration(strings.TrimSpace(val))
			if err != nil || d <= 0 {
				return t, fmt.Errorf("lag_p99: want a duration > 0 such as 2ms, got %q", val)
			}
			t.LagP99Ms = float64(d) / float64(time.Millisecond)
		case "dropped", "cpu", "lag_cpu":
			v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), "%"), 64)
			if err != nil || !(v > 0) || v > 100 {
				return t, fmt.Errorf("%s: want a percentage in (0, 100] such as 50%%, got %q", key, val)
			}
			switch key {
			case "cpu":
				t.CPUPct = v
			case "lag_cpu":
				t.LagCPUPct = v
			default:
				t.DroppedPct = v
			}
		default:
			return t, fmt.Errorf("unknown key %q: want lag_p99, dropped, cpu or lag_cpu", key)
		}
	}
	return t.WithDefaults(), nil
}

// Generator is what the load generator measured about itself during a
// run: whether it kept the schedule, and the CPU it had to do so. It is
// the "generator" section of run.json.
type Generator struct {
	// Verdict is VerdictOK or VerdictSaturated; Reasons say why a run was
	// saturated, one sentence each, with the figures and thresholds.
	Verdict    string     `json:"verdict"`
	Reasons    []string   `json:"reasons,omitempty"`
	Thresholds Thresholds `json:"thresholds"`
	// Note qualifies the figures (a simulation has none).
	Note string `json:"note,omitempty"`
	// Cores is how many CPUs the process may use: GOMAXPROCS, or the
	// cgroup's CPU quota when lower (CoresFrom says which).
	Cores      float64 `json:"cores"`
	CoresFrom  string  `json:"cores_from,omitempty"`
	NumCPU     int     `json:"num_cpu,omitempty"`
	GOMAXPROCS int     `json:"gomaxprocs,omitempty"`
	// LoadS is the wall time during which load was offered, seconds;
	// CPUS the process's CPU time (getrusage: user + system) during it,
	// and CPUPct that as a share of LoadS on Cores cores, percent. The
	// process includes the embedded fake when there is one.
	LoadS  float64 `json:"load_s"`
	CPUS   float64 `json:"cpu_s"`
	CPUPct float64 `json:"cpu_pct"`
	// MachineCPUPct is the whole machine's busy share of all its CPUs
	// during the load (every process: /proc/stat), percent; 0 where the
	// system does not say (0: the verdict goes by CPUPct alone).
	MachineCPUPct float64 `json:"machine_cpu_pct,omitempty"`
	// GCPauseMs is the total stop-the-world garbage collection pause
	// during the load, ms, GCPauseMaxMs the longest (to the resolution of
	// the runtime's histogram), GCCycles the collections, and GCCPUS the
	// runtime's estimate of CPU time spent collecting, seconds.
	GCPauseMs    float64 `json:"gc_pause_ms"`
	GCPauseMaxMs float64 `json:"gc_pause_max_ms"`
	GCCycles     int64   `json:"gc_cycles"`
	GCCPUS       float64 `json:"gc_cpu_s"`
	// MachineWake is how late a thread sleeping outside the pacer woke
	// during the load (see WakeLag); nil where not measured.
	MachineWake *WakeLag `json:"machine_wake,omitempty"`
	// FakeCPU says how much of the CPU the embedded fake took, or why it
	// is not attributed.
	FakeCPU string `json:"fake_cpu,omitempty"`
	// Client is how the SDK clients were configured (ClientSettings); nil
	// in a simulation, which has none.
	Client *ClientSettings `json:"client,omitempty"`
	// Strategies are each strategy's start lag, drops and late starts.
	Strategies []StrategyHealth `json:"strategies,omitempty"`
	// Series is the process's CPU and GC pauses per second, from the
	// first load's start.
	Series []ProcessSecond `json:"series,omitempty"`
}

// Saturated reports whether g says the generator was a bottleneck; a nil
// Generator (a file written before the section existed) is not.
func (g *Generator) Saturated() bool { return g != nil && g.Verdict == VerdictSaturated }

// OK reports whether g's verdict is VerdictOK: neither saturated nor
// lagging. A nil Generator (a file written before the section existed)
// is ok.
func (g *Generator) OK() bool { return g == nil || g.Verdict == VerdictOK }

// Summary is the verdict in one line: "generator: ok (CPU 23 % of 2
// cores, start lag p99 0.21 ms)" or "generator: saturated: REASON; ...".
func (g *Generator) Summary() string {
	if g == nil {
		return ""
	}
	switch g.Verdict {
	case VerdictSaturated:
		return "generator: SATURATED, results limited by this machine, not only the target: " + strings.Join(g.Reasons, "; ")
	case VerdictLagging:
		return "generator: lagging, operations started late though the CPU had room: " + strings.Join(g.Reasons, "; ")
	}
	if g.Note != "" {
		return "generator: " + g.Verdict + " (" + g.Note + ")"
	}
	worst := 0.0
	for _, s := range g.Strategies {
		worst = max(worst, s.LagP99Ms)
	}
	return fmt.Sprintf("generator: %s (start lag p99 %s <= %s, CPU %.0f %% of %s cores)", g.Verdict,
		fmtMs(worst), fmtMs(g.Thresholds.LagP99Ms), g.CPUPct, fmtCores(g.Cores))
}

// StrategyHealth is one strategy's schedule keeping, over all its trials
// (warm-up excluded, as in its summary).
type StrategyHealth struct {
	Name    string `json:"name"`
	Offered int64  `json:"offered"`
	// Start lag: intended to actual start, ms.
	LagP50Ms float64 `json:"lag_p50_ms"`
	LagP99Ms float64 `json:"lag_p99_ms"`
	LagMaxMs float64 `json:"lag_max_ms"`
	// Dropped arrivals met a full in-flight cap and never started; Late
	// ones started more than metrics.LateThreshold after their time.
	Dropped int64 `json:"dropped"`
	Late    int64 `json:"late"`
	// ConnWaits counts the times an attempt asked the HTTP transport for
	// a connection (all trials); ConnWaitMeanMs and ConnWaitMaxMs are the
	// time it took to get one: an idle connection at once, else a dial or
	// a wait for the pool, ms.
	ConnWaits      int64   `json:"conn_waits"`
	ConnWaitMeanMs float64 `json:"conn_wait_mean_ms"`
	ConnWaitMaxMs  float64 `json:"conn_wait_max_ms"`
	// Series is the first trial's per second (by intended start).
	Series []LagSecond `json:"series,omitempty"`
}

// LagSecond is one second of a strategy's schedule keeping; T counts
// seconds from its load's start.
type LagSecond struct {
	T        int     `json:"t"`
	Offered  int64   `json:"offered"`
	LagP50Ms float64 `json:"lag_p50_ms"`
	LagP99Ms float64 `json:"lag_p99_ms"`
	LagMaxMs float64 `json:"lag_max_ms"`
	Dropped  int64   `json:"dropped"`
	Late     int64   `json:"late"`
}

// ProcessSecond is one second of the process: T counts seconds from the
// first load's start; CPUPct is CPU time against Cores, percent.
type ProcessSecond struct {
	T         int     `json:"t"`
	CPUPct    float64 `json:"cpu_pct"`
	GCPauseMs float64 `json:"gc_pause_ms"`
}

// SimulatedGenerator is the generator section of a simulation: virtual
// time has no generator to fall behind, so the verdict is ok by
// construction.
func SimulatedGenerator() *Generator {
	return &Generator{Verdict: VerdictOK, Thresholds: Thresholds{}.WithDefaults(),
		Note: "simulated in virtual time: every operation starts exactly when scheduled"}
}

// fakeCPUNote says why the embedded fake's CPU share is not in the
// figures. The fake answers on goroutines of this process, which Go gives
// no CPU clock of their own: attributing it would take the CPU profiler
// (SIGPROF sampling with labels) running through every run. bench
// calibrate profiles, and reports the split there.
const fakeCPUNote = "not attributed per run: an embedded fake answers on this process's goroutines, which have no CPU clock of their own, and the CPU figures include it (bench calibrate profiles the split)"

// coresFromQuota is Generator.CoresFrom when a cgroup CPU quota set Cores.
const coresFromQuota = "cgroup CPU quota"

// busyCPUPct: a process lagging while it uses less than this share of its
// cores is being starved by others (or blocked), not busy itself.
const busyCPUPct = 50

// busy is the CPU's busy share that start lag is judged against: the
// process's of its cores or the machine's of all its CPUs, the higher.
func (g *Generator) busy() float64 { return max(g.CPUPct, g.MachineCPUPct) }

// judge sets g's verdict and reasons from its figures.
func (g *Generator) judge() {
	t := g.Thresholds
	g.Reasons = nil
	at := fmt.Sprintf("at %.0f %% CPU of %s cores", g.CPUPct, fmtCores(g.Cores))
	if g.MachineCPUPct > 0 {
		at += fmt.Sprintf(", machine %.0f %% busy", g.MachineCPUPct)
	}
	lagging := ""
	worst := -1
	for i, s := range g.Strategies {
		if s.LagP99Ms > t.LagP99Ms && (worst < 0 || s.LagP99Ms > g.Strategies[worst].LagP99Ms) {
			worst = i
		}
	}
	if worst >= 0 {
		s := g.Strategies[worst]
		r := fmt.Sprintf("start lag p99 %s > %s %s (%s; max %s, %d of %d starts late)",
			fmtMs(s.LagP99Ms), fmtMs(t.LagP99Ms), at, s.Name, fmtMs(s.LagMaxMs), s.Late, s.Offered-s.Dropped)
		switch {
		case g.CoresFrom == coresFromQuota:
			// Under a CPU quota the kernel stops the process for the rest
			// of each period once it used its share: the average CPU looks
			// idle while starts wait, so lag there stays saturation.
			g.Reasons = append(g.Reasons, r+": under a cgroup CPU quota, which stops the process within each period once it used its share, however idle the average looks")
		case g.CPUS > 0 && g.busy() < t.LagCPUPct:
			lagging = r + fmt.Sprintf(": %.0f %% of the CPU idle (busy <= %g %%), so late wake-ups, not a lack of CPU", 100-g.busy(), t.LagCPUPct)
			if w := g.MachineWake; w != nil && w.P99Ms > t.LagP99Ms {
				lagging += fmt.Sprintf("; a thread sleeping outside the pacer woke p99 %s late too (max %s): any thread wakes this late here, not the pacer alone (the kernel or a hypervisor, or the cores all busy at that instant)", fmtMs(w.P99Ms), fmtMs(w.MaxMs))
			}
		case g.CPUS > 0 && g.CPUPct < busyCPUPct:
			g.Reasons = append(g.Reasons, r+": the process itself used little CPU, so other processes are likely taking the cores")
		default:
			g.Reasons = append(g.Reasons, r)
		}
	}
	worst = -1
	pct := func(s StrategyHealth) float64 { return 100 * float64(s.Dropped) / float64(max(s.Offered, 1)) }
	for i, s := range g.Strategies {
		if pct(s) > t.DroppedPct && (worst < 0 || pct(s) > pct(g.Strategies[worst])) {
			worst = i
		}
	}
	if worst >= 0 {
		s := g.Strategies[worst]
		g.Reasons = append(g.Reasons, fmt.Sprintf("%d of %d arrivals dropped (%.2g %% > %g %%) at a full in-flight cap (%s)",
			s.Dropped, s.Offered, pct(s), t.DroppedPct, s.Name))
	}
	if g.CPUPct > t.CPUPct {
		g.Reasons = append(g.Reasons, fmt.Sprintf("CPU %.0f %% of %s cores > %g %% (GC pauses %s in %d cycles)",
			g.CPUPct, fmtCores(g.Cores), t.CPUPct, fmtMs(g.GCPauseMs), g.GCCycles))
	}
	g.Verdict = VerdictOK
	switch {
	case len(g.Reasons) > 0:
		g.Verdict = VerdictSaturated
		if lagging != "" {
			g.Reasons = append([]string{lagging}, g.Reasons...)
		}
	case lagging != "":
		g.Verdict, g.Reasons = VerdictLagging, []string{lagging}
	}
}

// fmtMs formats milliseconds: "14 ms", "0.21 ms".
func fmtMs(v float64) string {
	switch {
	case v >= 10:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64) + " ms"
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
}

func fmtCores(c float64) string { return strconv.FormatFloat(c, 'g', 3, 64) }

// strategyHealth reads a strategy's figures from its summary.
func strategyHealth(sr StrategyResult, series []LagSecond, conn connStats) StrategyHealth {
	m := sr.Summary
	h := StrategyHealth{
		Name: sr.Name, Offered: m.Ops,
		LagP50Ms: m.StartLagMs.P50, LagP99Ms: m.StartLagMs.P99, LagMaxMs: m.StartLagMs.Max,
		Dropped: m.Failed[metrics.Dropped.String()], Late: m.StartedLate,
		ConnWaits: conn.n, ConnWaitMaxMs: float64(conn.max) / float64(time.Millisecond),
		Series: series,
	}
	if conn.n > 0 {
		h.ConnWaitMeanMs = float64(conn.total) / float64(conn.n) / float64(time.Millisecond)
	}
	return h
}

// driveHealth is what one trial's drive learned about the generator.
type driveHealth struct {
	lag  []LagSecond
	conn connStats
}

// connStats sums the time attempts waited for a connection.
type connStats struct {
	n          int64
	total, max time.Duration
}

func (c *connStats) merge(o connStats) {
	c.n += o.n
	c.total += o.total
	c.max = max(c.max, o.max)
}

// connWatch times how long attempts wait for the HTTP transport to hand
// them a connection, through httptrace. Safe for concurrent use.
type connWatch struct {
	n, total, max atomic.Int64 // count, ns, ns
}

// trace returns ctx with a trace that times each attempt's wait for a
// connection. An operation's attempts run one after another, so the
// trace's start time needs no lock.
func (w *connWatch) trace(ctx context.Context) context.Context {
	var asked time.Time
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { asked = time.Now() },
		GotConn: func(httptrace.GotConnInfo) {
			if asked.IsZero() {
				return
			}
			d := int64(time.Since(asked))
			w.n.Add(1)
			w.total.Add(d)
			for {
				cur := w.max.Load()
				if d <= cur || w.max.CompareAndSwap(cur, d) {
					break
				}
			}
		},
	})
}

func (w *connWatch) stats() connStats {
	return connStats{n: w.n.Load(), total: time.Duration(w.total.Load()), max: time.Duration(w.max.Load())}
}

// lagSeries folds records into per-second start lag (by intended start).
// A histogram per second at 1 significant digit: about 3 KB a second.
// Not safe for concurrent use.
type lagSeries struct {
	secs []lagSec
}

type lagSec struct {
	h                      *hdrhistogram.Histogram
	offered, dropped, late int64
}

func (l *lagSeries) add(r metrics.Record) {
	i := max(int(r.Intended/time.Second), 0)
	for len(l.secs) <= i {
		l.secs = append(l.secs, lagSec{})
	}
	s := &l.secs[i]
	s.offered++
	if r.Outcome == metrics.Dropped {
		s.dropped++
		return
	}
	lag := r.Started - r.Intended
	if lag > metrics.LateThreshold {
		s.late++
	}
	if s.h == nil {
		s.h = hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 1)
	}
	_ = s.h.RecordValue(min(max(int64(lag/time.Microsecond), 1), int64(time.Hour/time.Microsecond)))
}

func (l *lagSeries) seconds() []LagSecond {
	out := make([]LagSecond, len(l.secs))
	for i, s := range l.secs {
		out[i] = LagSecond{T: i, Offered: s.offered, Dropped: s.dropped, Late: s.late}
		if s.h != nil && s.h.TotalCount() > 0 {
			out[i].LagP50Ms = float64(s.h.ValueAtQuantile(50)) / 1000
			out[i].LagP99Ms = float64(s.h.ValueAtQuantile(99)) / 1000
			out[i].LagMaxMs = float64(s.h.Max()) / 1000
		}
	}
	return out
}

// procSample is a snapshot of the process's cumulative CPU and GC figures.
type procSample struct {
	at  time.Time
	cpu time.Duration // user + system; -1 when unknown
	// machine's CPU time in ticks, busy and in all (every CPU); total
	// 0 when unknown
	machBusy, machTotal uint64
	pauseS              float64  // total GC pause, seconds (bucket midpoints)
	pauses              []uint64 // the pause histogram's counts
	cycles              uint64
	gcCPUS              float64
	buckets             []float64
}

var procMetrics = []string{"/sched/pauses/total/gc:seconds", "/gc/cycles/total:gc-cycles", "/cpu/classes/gc/total:cpu-seconds"}

func sampleProcess() procSample {
	s := procSample{at: time.Now(), cpu: processCPU()}
	s.machBusy, s.machTotal = machineCPU()
	samples := make([]rtmetrics.Sample, len(procMetrics))
	for i, n := range procMetrics {
		samples[i].Name = n
	}
	rtmetrics.Read(samples)
	if samples[0].Value.Kind() == rtmetrics.KindFloat64Histogram {
		h := samples[0].Value.Float64Histogram()
		s.pauses, s.buckets = h.Counts, h.Buckets
		for i, c := range h.Counts {
			s.pauseS += float64(c) * mid(h.Buckets[i], h.Buckets[i+1])
		}
	}
	if samples[1].Value.Kind() == rtmetrics.KindUint64 {
		s.cycles = samples[1].Value.Uint64()
	}
	if samples[2].Value.Kind() == rtmetrics.KindFloat64 {
		s.gcCPUS = samples[2].Value.Float64()
	}
	return s
}

// machineCPU reads the machine's CPU time (all CPUs, every process) from
// /proc/stat's first line, in clock ticks: busy (all but idle and
// iowait) and total. 0, 0 where there is no /proc/stat.
func machineCPU() (busy, total uint64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	var buf [512]byte
	n, _ := f.Read(buf[:])
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, v := range fields[1:] {
		x, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0
		}
		if i == 8 || i == 9 { // guest time, already counted in user and nice
			continue
		}
		total += x
		if i != 3 && i != 4 { // idle, iowait
			busy += x
		}
	}
	return busy, total
}

// mid is a histogram bucket's representative value, finite.
func mid(lo, hi float64) float64 {
	switch {
	case math.IsInf(lo, -1):
		return max(hi, 0)
	case math.IsInf(hi, 1):
		return lo
	}
	return (lo + hi) / 2
}

// maxPause is the upper bound of the highest pause bucket that grew from
// a to b, seconds.
func maxPause(a, b procSample) float64 {
	for i := len(b.pauses) - 1; i >= 0; i-- {
		var before uint64
		if i < len(a.pauses) {
			before = a.pauses[i]
		}
		if b.pauses[i] > before {
			hi := b.buckets[i+1]
			if math.IsInf(hi, 1) {
				hi = b.buckets[i]
			}
			return hi
		}
	}
	return 0
}

// monitor measures the process while loads run: CPU and GC during the
// intervals when at least one load offers work (begin/end), and a
// per-second series from the first load's start. Safe for concurrent use.
type monitor struct {
	cores     float64
	lagCPUPct float64 // the probe sleeps in seconds after one less busy

	mu       sync.Mutex
	active   int
	from     procSample // when the current interval began
	loadWall time.Duration
	cpu      time.Duration
	cpuKnown bool
	machBusy uint64 // ticks, during loads
	machAll  uint64 // ticks, 0 when unknown
	machGap  bool   // an interval without /proc/stat
	pauseS   float64
	pauseMax float64
	cycles   uint64
	gcCPUS   float64
	series   []ProcessSecond
	probe    *wakeProbe // MachineWake's, from the first load; tick pauses it

	ticking  bool
	stopTick chan struct{}
	done     sync.WaitGroup
}

func newMonitor(cores, lagCPUPct float64) *monitor {
	return &monitor{cores: cores, lagCPUPct: lagCPUPct, cpuKnown: true, stopTick: make(chan struct{})}
}

// begin marks a load's start.
func (m *monitor) begin() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active++
	if m.active > 1 {
		return
	}
	m.from = sampleProcess()
	if !m.ticking {
		m.ticking = true
		// Paused until a second says the CPU has room (tick).
		m.probe = startWakeProbe(threadSleep, runWakePeriod, true)
		m.done.Go(m.tick)
	}
}

// end marks a load's end.
func (m *monitor) end() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.active--
	if m.active > 0 {
		return
	}
	m.fold(m.from, sampleProcess())
}

// fold adds the interval from a to b to the totals; m.mu held.
func (m *monitor) fold(a, b procSample) {
	m.loadWall += b.at.Sub(a.at)
	if a.cpu < 0 || b.cpu < 0 {
		m.cpuKnown = false
	}
	m.cpu += b.cpu - a.cpu
	if a.machTotal == 0 || b.machTotal < a.machTotal {
		m.machGap = true
	} else {
		m.machBusy += b.machBusy - a.machBusy
		m.machAll += b.machTotal - a.machTotal
	}
	m.pauseS += b.pauseS - a.pauseS
	m.pauseMax = max(m.pauseMax, maxPause(a, b))
	m.cycles += b.cycles - a.cycles
	m.gcCPUS += b.gcCPUS - a.gcCPUS
}

// tick records one ProcessSecond a second until stop.
func (m *monitor) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last := sampleProcess()
	for i := 0; ; i++ {
		select {
		case <-m.stopTick:
			return
		case <-t.C:
		}
		now := sampleProcess()
		ps := ProcessSecond{T: i, GCPauseMs: 1000 * (now.pauseS - last.pauseS)}
		if wall := now.at.Sub(last.at); wall > 0 && now.cpu >= 0 && last.cpu >= 0 {
			ps.CPUPct = 100 * float64(now.cpu-last.cpu) / (float64(wall) * m.cores)
		}
		busy := ps.CPUPct
		if last.machTotal > 0 && now.machTotal > last.machTotal {
			busy = max(busy, 100*float64(now.machBusy-last.machBusy)/float64(now.machTotal-last.machTotal))
		}
		m.probe.pause(busy >= m.lagCPUPct) // see WakeLag
		m.mu.Lock()
		m.series = append(m.series, ps)
		m.mu.Unlock()
		last = now
	}
}

// stop ends the series and returns the figures (verdict not yet judged).
func (m *monitor) stop() *Generator {
	close(m.stopTick)
	m.done.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	wake := m.probe.finish()
	if m.active > 0 { // loads still running (cannot happen after Run's wait): count them so far
		m.fold(m.from, sampleProcess())
		m.from = sampleProcess()
	}
	g := &Generator{
		Cores: m.cores, LoadS: m.loadWall.Seconds(),
		GCPauseMs: 1000 * m.pauseS, GCPauseMaxMs: 1000 * m.pauseMax, GCCycles: int64(m.cycles), GCCPUS: m.gcCPUS,
		Series: m.series, MachineWake: wake,
	}
	if !m.machGap && m.machAll > 0 {
		g.MachineCPUPct = 100 * float64(m.machBusy) / float64(m.machAll)
	}
	if m.cpuKnown {
		g.CPUS = m.cpu.Seconds()
		if m.loadWall > 0 && m.cores > 0 {
			g.CPUPct = 100 * float64(m.cpu) / (float64(m.loadWall) * m.cores)
		}
	}
	return g
}

// Cores returns how many CPUs this process may use and where that comes
// from: GOMAXPROCS, the CPUs it may run on (runtime.NumCPU, when
// GOMAXPROCS is set above them: more Ps than CPUs run no faster), or the
// cgroup CPU quota (cgroup v2 cpu.max, v1 cpu.cfs_quota_us) when lower.
func Cores() (float64, string) {
	return cores(runtime.GOMAXPROCS(0), runtime.NumCPU(), cgroupQuota)
}

// cores is Cores with its sources as arguments.
func cores(gomaxprocs, numCPU int, quota func() (float64, bool)) (float64, string) {
	n, from := float64(gomaxprocs), "GOMAXPROCS"
	if c := float64(numCPU); c > 0 && c < n {
		n, from = c, "NumCPU"
	}
	if q, ok := quota(); ok && q < n {
		return q, coresFromQuota
	}
	return n, from
}

// cgroupQuota reads the process's cgroup CPU limit in CPUs.
func cgroupQuota() (float64, bool) {
	if b, err := os.ReadFile("/sys/fs/cgroup/cpu.max"); err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 && f[0] != "max" {
			q, err1 := strconv.ParseFloat(f[0], 64)
			p, err2 := strconv.ParseFloat(f[1], 64)
			if err1 == nil && err2 == nil && q > 0 && p > 0 {
				return q / p, true
			}
		}
		return 0, false
	}
	qb, err1 := os.ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
	pb, err2 := os.ReadFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
	if err1 != nil || err2 != nil {
		return 0, false
	}
	q, err1 := strconv.ParseFloat(strings.TrimSpace(string(qb)), 64)
	p, err2 := strconv.ParseFloat(strings.TrimSpace(string(pb)), 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return q / p, true
}

// Package sweep is capacity planning by search: for a strategy, the highest
// offered rate whose results meet a scenario's SLOs, or, for a target rate,
// the least provisioned capacity that does. It brackets the answer by
// doubling (or halving) from the scenario's own value, then bisects the
// bracket, evaluating each candidate with a run: a simulation by default
// (package sim), any function of the scenario in general.
//
// It assumes the SLOs are met below the answer and missed above it (for
// capacity, met above and missed below). A search that finds no candidate
// meeting them, or whose bracket is still wider than the tolerance when
// the run budget is spent, says so and reports the best bracket found:
// never a number it did not measure.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/slo"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// Defaults of Options' zero fields.
const (
	DefaultTolerance = 0.01 // bracket width relative to the answer
	DefaultBudget    = 24   // runs per strategy
)

// Eval runs sc under st and returns its summary.
type Eval func(ctx context.Context, sc *scenario.Scenario, st strategy.Strategy) (metrics.Summary, error)

// Options configure one search. Scenario, Strategy and Eval are required.
type Options struct {
	Scenario *scenario.Scenario
	Strategy strategy.Strategy
	Eval     Eval
	// SLOs to meet; nil means the scenario's that apply to the strategy.
	SLOs []slo.SLO
	// Judge, when set, decides whether a candidate passes instead of the
	// SLOs: it returns what the candidate missed, nothing when it passed.
	// It is called right after Eval returns for that candidate (bench
	// calibrate judges the generator's health this way).
	Judge func(metrics.Summary) []string
	// TargetRate, when > 0, searches the least capacity that meets the
	// SLOs at this offered rate (ops/s) instead of the highest rate.
	TargetRate float64
	// AutoScaling, when set, searches the scenario's auto scaling policy
	// (table.autoscaling, on the capacity the workload uses: write if it
	// writes, else read) at the scenario's own load, stages and all:
	// ScaleTarget the highest target utilization (percent) that meets the
	// SLOs, ScaleMin the least minimum capacity (units) that does at the
	// policy's target. Not with TargetRate.
	AutoScaling ScaleSearch
	// Lo and Hi bound the search: ops/s, or capacity units. Zero means 1
	// and 64 times the scenario's rate (rate), or 1 and 40,000 (capacity,
	// DynamoDB's table quota), 20 and 90 (ScaleTarget, the range auto
	// scaling accepts), 1 and the policy's max (ScaleMin).
	Lo, Hi float64
	// Tolerance is the relative bracket width at which the search stops;
	// zero means DefaultTolerance. Capacity also stops at one unit.
	Tolerance float64
	// Budget is the most runs; zero means DefaultBudget.
	Budget int
}

// Status says how a search ended.
type Status string

// Statuses.
const (
	// Found: the answer is known to within the tolerance.
	Found Status = "found"
	// NoneMeets: no candidate down to the range's end met the SLOs.
	NoneMeets Status = "no value in range meets the SLOs"
	// AllMeet: the SLOs held at the range's far end; the answer lies beyond.
	AllMeet Status = "SLOs met across the whole range"
	// NotConverged: the budget ran out with the bracket still wide.
	NotConverged Status = "not converged within the run budget"
)

// ScaleSearch says what an auto scaling search looks for.
type ScaleSearch string

// Auto scaling searches.
const (
	ScaleTarget ScaleSearch = "target" // the target utilization, percent
	ScaleMin    ScaleSearch = "min"    // the minimum capacity, units
)

// Point is one evaluated candidate.
type Point struct {
	X       float64         `json:"x"`
	Met     bool            `json:"met"`
	Missed  []string        `json:"missed,omitempty"` // the SLOs it missed
	Summary metrics.Summary `json:"-"`
	// Goodput and P99 (ms) are kept for charts.
	Goodput float64 `json:"goodput_per_s"`
	P99     float64 `json:"p99_ms"`
}

// Answer is a search's outcome.
type Answer struct {
	Strategy string `json:"strategy"`
	// Capacity says what X is: false, offered ops/s; true, capacity units
	// (at TargetRate).
	Capacity   bool    `json:"capacity"`
	TargetRate float64 `json:"target_rate,omitempty"`
	// AutoScaling, when set, says X is the auto scaling policy's target
	// utilization (percent) or minimum capacity (units) on Dimension
	// ("read" or "write") of the table, at the scenario's load.
	AutoScaling ScaleSearch `json:"autoscaling,omitempty"`
	Dimension   string      `json:"dimension,omitempty"`
	Status      Status      `json:"status"`
	// Value is the best candidate that met the SLOs (Found, AllMeet,
	// NotConverged with a met candidate); 0 when none did.
	Value float64 `json:"value"`
	// Met and Missed are the bracket: the closest candidates that met and
	// missed the SLOs (0 when there is none on that side).
	Met    float64 `json:"met"`
	Missed float64 `json:"missed"`
	Runs   int     `json:"runs"`
	// Points are the evaluated candidates in ascending X.
	Points []Point `json:"points"`
}

// Search runs the search of o.
func Search(ctx context.Context, o Options) (Answer, error) {
	sc := o.Scenario
	if sc == nil || o.Strategy == nil || o.Eval == nil {
		return Answer{}, errors.New("sweep: Scenario, Strategy and Eval are required")
	}
	capacity := o.TargetRate > 0 || o.AutoScaling == ScaleMin // more is safer
	integer := capacity || o.AutoScaling == ScaleTarget       // whole units or percent
	if err := checkScenario(sc, o.TargetRate > 0, o.AutoScaling); err != nil {
		return Answer{}, err
	}
	slos := o.SLOs
	if slos == nil {
		for _, s := range sc.ParsedSLOs() {
			if s.Applies(o.Strategy.Name()) {
				slos = append(slos, s)
			}
		}
	}
	if len(slos) == 0 && o.Judge == nil {
		return Answer{}, fmt.Errorf("sweep: %s: no SLO applies to strategy %s: add slos: to the scenario (e.g. \"p99 < 100ms\", \"success >= 99%%\")", sc.Name, o.Strategy.Name())
	}
	lo, hi := o.Lo, o.Hi
	if lo <= 0 {
		lo = 1
	}
	policy, dim := scalingPolicy(sc)
	if o.AutoScaling == ScaleTarget && o.Lo <= 0 {
		lo = 20
	}
	if hi <= 0 {
		hi = 64 * max(float64(sc.Workload.Rate), 1)
		switch {
		case o.AutoScaling == ScaleTarget:
			hi = 90
		case o.AutoScaling == ScaleMin:
			hi = float64(policy.Max)
		case capacity:
			hi = 40000
		}
	}
	if hi < lo {
		return Answer{}, fmt.Errorf("sweep: range [%g, %g] is empty", lo, hi)
	}
	tol := o.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	budget := o.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	ans := Answer{Strategy: o.Strategy.Name(), Capacity: o.TargetRate > 0, TargetRate: o.TargetRate}
	if o.AutoScaling != "" {
		ans.AutoScaling, ans.Dimension = o.AutoScaling, dim
	}
	if integer {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}

	eval := func(x float64) (bool, error) {
		if ans.Runs >= budget {
			return false, errBudget
		}
		ans.Runs++
		var c *scenario.Scenario
		if o.AutoScaling != "" {
			c = applyScaling(sc, o.AutoScaling, x)
		} else {
			c = apply(sc, x, o.TargetRate)
		}
		m, err := o.Eval(ctx, c, o.Strategy)
		if err != nil {
			return false, err
		}
		p := Point{X: x, Met: true, Summary: m, Goodput: m.GoodputPerS, P99: m.LatencyMs.P99}
		if o.Judge != nil {
			p.Missed = o.Judge(m)
			p.Met = len(p.Missed) == 0
			slos = nil
		}
		for _, s := range slos {
			if !s.Met(s.Measure(m)) {
				p.Met = false
				p.Missed = append(p.Missed, s.String())
			}
		}
		ans.Points = append(ans.Points, p)
		return p.Met, nil
	}
	// up is the direction in which the SLOs get missed: more rate, less
	// capacity.
	up := func(x float64) float64 { return min(hi, x*2) }
	down := func(x float64) float64 { return max(lo, x/2) }
	if capacity {
		up = func(x float64) float64 { return max(lo, math.Floor(x/2)) }
		down = func(x float64) float64 { return min(hi, x*2) }
	}
	farEnd, nearEnd := hi, lo // where up and down stop
	if capacity {
		farEnd, nearEnd = lo, hi
	}
	x := start(sc, o.TargetRate > 0, lo, hi)
	switch o.AutoScaling {
	case ScaleTarget:
		x = min(max(math.Round(policy.Target), lo), hi)
	case ScaleMin:
		x = min(max(float64(policy.Min), lo), hi)
	}
	var good, bad float64 // 0: none yet
	err := func() error {
		met, err := eval(x)
		if err != nil {
			return err
		}
		for {
			if met {
				good = x
				if x == farEnd {
					return nil
				}
				x = up(x)
			} else {
				bad = x
				if x == nearEnd {
					return nil
				}
				x = down(x)
			}
			if good != 0 && bad != 0 {
				break
			}
			if met, err = eval(x); err != nil {
				return err
			}
		}
		for !narrow(good, bad, tol, integer) {
			mid := (good + bad) / 2
			if integer {
				mid = math.Round(mid)
			}
			met, err := eval(mid)
			if err != nil {
				return err
			}
			if met {
				good = mid
			} else {
				bad = mid
			}
		}
		return nil
	}()
	ans.Met, ans.Missed, ans.Value = good, bad, good
	slices.SortFunc(ans.Points, func(a, b Point) int { return cmpFloat(a.X, b.X) })
	switch {
	case errors.Is(err, errBudget):
		ans.Status = NotConverged
	case err != nil:
		return ans, err
	case good == 0:
		ans.Status = NoneMeets
	case bad == 0:
		ans.Status = AllMeet
	default:
		ans.Status = Found
	}
	return ans, nil
}

var errBudget = errors.New("run budget spent")

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// narrow reports whether the bracket is within the tolerance.
func narrow(good, bad, tol float64, capacity bool) bool {
	d := math.Abs(bad - good)
	return d <= tol*max(good, bad) || (capacity && d <= 1)
}

// start is the first candidate: the scenario's rate, or the capacity its
// table has, within the range.
func start(sc *scenario.Scenario, capacity bool, lo, hi float64) float64 {
	x := float64(sc.Workload.Rate)
	if capacity {
		x = float64(max(sc.Table.WriteCapacity, sc.Table.ReadCapacity))
		if writes, reads := kinds(sc); !writes && reads {
			x = float64(sc.Table.ReadCapacity)
		} else if writes {
			x = float64(sc.Table.WriteCapacity)
		}
	}
	return min(max(x, lo), hi)
}

// kinds reports whether the workload writes and reads.
func kinds(sc *scenario.Scenario) (writes, reads bool) {
	for op, w := range sc.Workload.Weights() {
		if w <= 0 {
			continue
		}
		switch op {
		case scenario.OpGet, scenario.OpQuery, scenario.OpBatchGet, scenario.OpTransactGet:
			reads = true
		default:
			writes = true
		}
	}
	return writes, reads
}

func checkScenario(sc *scenario.Scenario, capacity bool, scaling ScaleSearch) error {
	w := sc.Workload
	if scaling != "" {
		p, dim := scalingPolicy(sc)
		switch {
		case capacity:
			return fmt.Errorf("sweep: %s: an auto scaling search runs at the scenario's own load: not with a target rate", sc.Name)
		case scaling != ScaleTarget && scaling != ScaleMin:
			return fmt.Errorf("sweep: %s: auto scaling search %q: want %q or %q", sc.Name, scaling, ScaleTarget, ScaleMin)
		case p == nil:
			return fmt.Errorf("sweep: %s: an auto scaling search needs table.autoscaling.%s (the workload's capacity)", sc.Name, dim)
		}
		return nil
	}
	switch {
	case w.Workers > 0:
		return fmt.Errorf("sweep: %s: a closed-loop workload (workers) has no offered rate to search", sc.Name)
	case len(w.Stages) > 0 || w.Spike != nil:
		return fmt.Errorf("sweep: %s: searches a constant rate: workload.stages and workload.spike are not supported", sc.Name)
	case capacity && sc.Table.BillingMode != scenario.Provisioned:
		return fmt.Errorf("sweep: %s: --target-rate searches provisioned capacity; the table is %s", sc.Name, sc.Table.BillingMode)
	}
	return nil
}

// apply returns a copy of sc at candidate x: the offered rate, or (at
// targetRate) the capacity. A workload that writes gets x WCU; one that
// only reads, x RCU; the other capacity keeps its ratio to the one set.
func apply(sc *scenario.Scenario, x, targetRate float64) *scenario.Scenario {
	c := *sc
	if targetRate <= 0 {
		c.Workload.Rate = scenario.Rate(x)
		return &c
	}
	c.Workload.Rate = scenario.Rate(targetRate)
	units := int64(math.Round(x))
	writes, _ := kinds(sc)
	t := sc.Table
	if writes {
		if t.WriteCapacity > 0 {
			t.ReadCapacity = max(1, int64(math.Round(float64(t.ReadCapacity)*float64(units)/float64(t.WriteCapacity))))
		}
		t.WriteCapacity = units
	} else {
		if t.ReadCapacity > 0 {
			t.WriteCapacity = max(1, int64(math.Round(float64(t.WriteCapacity)*float64(units)/float64(t.ReadCapacity))))
		}
		t.ReadCapacity = units
	}
	c.Table = t
	return &c
}

// scalingPolicy returns the table's auto scaling policy on the capacity the
// workload uses, write if it writes, else read, and that dimension's name;
// nil when it has none.
func scalingPolicy(sc *scenario.Scenario) (*scenario.ScalingPolicy, string) {
	a := sc.Table.AutoScaling
	if writes, _ := kinds(sc); writes {
		if a == nil {
			return nil, "write"
		}
		return a.Write, "write"
	}
	if a == nil {
		return nil, "read"
	}
	return a.Read, "read"
}

// applyScaling returns a copy of sc whose policy (scalingPolicy) has target
// utilization x (ScaleTarget) or minimum capacity x (ScaleMin, raising the
// maximum to it if below).
func applyScaling(sc *scenario.Scenario, what ScaleSearch, x float64) *scenario.Scenario {
	c := *sc
	a := *sc.Table.AutoScaling
	c.Table.AutoScaling = &a
	p, dim := scalingPolicy(&c)
	q := *p
	switch what {
	case ScaleTarget:
		q.Target = x
	case ScaleMin:
		q.Min = int64(math.Round(x))
		q.Max = max(q.Max, q.Min)
	}
	if dim == "write" {
		a.Write = &q
	} else {
		a.Read = &q
	}
	return &c
}

// Package harness runs throttlebench scenarios from Go tests and
// benchmarks with your own retryer: register an aws.RetryerV2 factory
// under a name, then Run a scenario against the embedded fake DynamoDB
// (wall clock, real HTTP through aws-sdk-go-v2) or Simulate it (virtual
// time, deterministic), next to the built-in strategies, and get back the
// same summary bench run reports.
//
//	harness.Register("mine", func(seed int64) aws.RetryerV2 { return myRetryer(seed) })
//	res, err := harness.Run(ctx, "scenarios/quickstart.yaml", harness.Options{Strategies: []string{"mine", "sdk-default"}})
//	// res[0].Summary.SuccessPct, res[0].Summary.LatencyMs.P99, ...
//
// Like every strategy, your retryer is installed on the DynamoDB client
// (dynamodb.Options.Retryer), so the SDK's own retry loop drives it. Each
// simulated client gets its own retryer: the factory is called once per
// fleet member with a seed to draw jitter from.
package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/sim"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// Summary is one strategy's results, as in run.json: counts, success
// rate, goodput, attempts per operation, latency percentiles (ms, from the
// intended start), throttles, and the encoded histograms.
type Summary = metrics.Summary

// RetryerFactory returns a fresh retryer for one simulated client, its
// jitter drawn from seed. It must be safe to call from several goroutines.
type RetryerFactory func(seed int64) aws.RetryerV2

// Options says what to run. The zero value runs the scenario's strategies
// as the file gives them.
type Options struct {
	// Strategies are registered names or built-in strategies (bench
	// strategies lists them); empty means the scenario's list. A built-in
	// name the scenario lists keeps the scenario's parameters.
	Strategies []string
	// Duration overrides workload.duration; zero keeps the scenario's.
	Duration time.Duration
}

// Result is one strategy's outcome.
type Result struct {
	Name    string
	Summary Summary
}

var (
	mu         sync.Mutex
	registered = map[string]strategy.Strategy{}
)

// Register makes f available under name to Run and Simulate. The name must
// be new: not a built-in strategy's, not registered before.
func Register(name string, f RetryerFactory) error {
	if name == "" || f == nil {
		return errors.New("harness: register: want a name and a factory")
	}
	return register(name, custom{name: name, f: f})
}

func register(name string, st strategy.Strategy) error {
	if name == "" {
		return errors.New("harness: register: want a name")
	}
	if slices.Contains(strategy.Names(), name) {
		return fmt.Errorf("harness: register %q: a built-in strategy has that name", name)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := registered[name]; ok {
		return fmt.Errorf("harness: register %q: already registered", name)
	}
	registered[name] = st
	return nil
}

// Run runs the scenario file's workload under each strategy against the
// embedded fake DynamoDB (a fresh one and a fresh table per strategy, one
// after another), as bench run does, and returns each strategy's summary
// in order.
func Run(ctx context.Context, scenarioPath string, o Options) ([]Result, error) {
	sc, strategies, err := load(scenarioPath, o)
	if err != nil {
		return nil, err
	}
	start := func() (runner.Target, func(), error) {
		fake := fakeservice.New(fakeservice.Options{Model: sc.Fake.Model(), Faults: sc.Faults, AutoScaling: sc.FakeAutoScaling()})
		url, err := fake.Start("127.0.0.1:0")
		if err != nil {
			return runner.Target{}, nil, fmt.Errorf("harness: start the fake: %w", err)
		}
		// The fake checks no signature: send none, so no credentials are
		// looked up.
		cfg := aws.Config{Region: fakeservice.DefaultRegion, Credentials: aws.AnonymousCredentials{}}
		return runner.Target{Endpoint: url, Config: cfg, Embedded: true}, func() { fake.Close() }, nil
	}
	t, stop, err := start()
	if err != nil {
		return nil, err
	}
	defer stop()
	t.Isolate = start
	res, err := runner.Run(ctx, runner.Options{Scenario: sc, Target: t, Strategies: strategies, Sequential: true})
	if err != nil {
		return nil, err
	}
	return results(res), nil
}

// Simulate runs the scenario in virtual time, as bench sim does: the
// same retryers and throttling model, no sockets, the same numbers for the
// same seed. A retryer must not sleep or read the wall clock to be
// simulated faithfully.
func Simulate(ctx context.Context, scenarioPath string, o Options) ([]Result, error) {
	sc, strategies, err := load(scenarioPath, o)
	if err != nil {
		return nil, err
	}
	res, err := sim.Run(ctx, sim.Options{Scenario: sc, Strategies: strategies})
	if err != nil {
		return nil, err
	}
	return results(res), nil
}

func load(path string, o Options) (*scenario.Scenario, []strategy.Strategy, error) {
	sc, err := scenario.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if o.Duration < 0 {
		return nil, nil, fmt.Errorf("harness: Duration must be >= 0, got %s", o.Duration)
	}
	if o.Duration > 0 {
		if len(sc.Workload.Stages) > 0 {
			return nil, nil, fmt.Errorf("harness: %s sets its length with workload.stages: Duration does not apply", path)
		}
		sc.Workload.Duration = scenario.Duration(o.Duration)
	}
	specs := sc.Strategies
	if len(o.Strategies) > 0 {
		specs = nil
		for _, name := range o.Strategies {
			i := slices.IndexFunc(sc.Strategies, func(s scenario.StrategySpec) bool { return s.Name == name })
			if i >= 0 {
				specs = append(specs, sc.Strategies[i])
			} else {
				specs = append(specs, scenario.StrategySpec{Name: name})
			}
		}
	}
	if len(specs) == 0 {
		return nil, nil, fmt.Errorf("harness: %s: no strategy to run", path)
	}
	var out []strategy.Strategy
	for _, spec := range specs {
		mu.Lock()
		st, ok := registered[spec.Name]
		mu.Unlock()
		if ok {
			out = append(out, st)
			continue
		}
		st, err := strategy.New(spec.Name, spec.Params())
		if err != nil {
			return nil, nil, fmt.Errorf("harness: %s: %w (register your own with Register)", path, err)
		}
		out = append(out, st)
	}
	return sc, out, nil
}

func results(r *runner.Result) []Result {
	out := make([]Result, 0, len(r.Strategies))
	for _, s := range r.Strategies {
		out = append(out, Result{Name: s.Name, Summary: s.Summary})
	}
	return out
}

// RegisterClient makes a strategy available under name to Run that
// configures each fleet member's DynamoDB client with configure (called
// after the harness's own settings, so it may set o.Retryer, timeouts, an
// HTTP client, middleware), keeping the retryer the SDK resolves unless
// configure replaces it. Simulate refuses it: the simulator builds no
// client. The name must be new, as for Register; configure must be safe
// to call from several goroutines.
func RegisterClient(name string, configure func(*dynamodb.Options)) error {
	if configure == nil {
		return errors.New("harness: register client: want a function that configures the client")
	}
	return register(name, configured{custom: custom{name: name}, configure: configure})
}

// configured is a strategy registered with RegisterClient.
type configured struct {
	custom
	configure func(*dynamodb.Options)
}

func (c configured) Describe() string                    { return "registered through harness.RegisterClient" }
func (c configured) ConfigureClient(o *dynamodb.Options) { c.configure(o) }

// custom is a registered factory as a strategy.
type custom struct {
	name string
	f    RetryerFactory
}

func (c custom) Name() string             { return c.name }
func (c custom) Describe() string         { return "registered through harness.Register" }
func (c custom) Resolved() map[string]any { return map[string]any{"registered": true} }
func (c custom) NewRetryer(seed int64) aws.RetryerV2 {
	if c.f == nil {
		return nil // RegisterClient: the client's own
	}
	return c.f(seed)
}

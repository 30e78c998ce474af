package scenario

import (
	"fmt"
	"os"
	"time"

	"github.com/throttlebench/throttlebench/internal/strategy"
)

// LoadExec is Load for bench run --exec SCENARIO -- CMD: the command
// makes the load, so the workload and strategies may be left out (the
// table, fake model, faults and SLOs still apply).
func LoadExec(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data, true)
}

// ClientSpec is an application measured from the server's side (bench run
// --exec): its command runs against the embedded fake and its traffic is
// reported like a strategy's, under Name.
type ClientSpec struct {
	// Name labels the client in results, like a strategy's name.
	Name string `yaml:"name" json:"name"`
	// Command is the program and its arguments, run without a shell (give
	// ["sh", "-c", "..."] for one). It gets AWS_ENDPOINT_URL_DYNAMODB,
	// AWS_REGION, THROTTLEBENCH_TABLE and instance-metadata credentials in
	// its environment.
	Command []string `yaml:"command" json:"command"`
}

// validateClients checks the clients list: names unique and not a
// strategy's, commands given.
func (sc *Scenario) validateClients() error {
	seen := map[string]bool{}
	for _, s := range sc.Strategies {
		seen[s.Name] = true
	}
	for i, c := range sc.Clients {
		field := fmt.Sprintf("clients[%d]", i)
		if c.Name == "" {
			return sc.Errorf(field+".name", "missing client name")
		}
		if seen[c.Name] {
			return sc.Errorf(field+".name", "name %q is listed twice (clients and strategies share names)", c.Name)
		}
		seen[c.Name] = true
		if len(c.Command) == 0 || c.Command[0] == "" {
			return sc.Errorf(field+".command", "want the program and its arguments, e.g. [python3, app.py]")
		}
	}
	return nil
}

// noWorkload reports whether the scenario gives no workload of its own,
// which only a scenario of clients may do.
// HasWorkload reports whether the scenario sets a workload of its own: a
// scenario of clients only (for bench run --exec) has none, so there is
// nothing to run with strategies, simulate or sweep.
func (sc *Scenario) HasWorkload() bool { return !sc.Workload.noWorkload() }

func (w *Workload) noWorkload() bool {
	return w.Rate == 0 && len(w.Stages) == 0 && w.Workers == 0 && w.Duration == 0 && w.Spike == nil
}

// Params returns the strategy parameters the entry sets (zero fields keep
// the strategy's defaults), for strategy.New.
func (s StrategySpec) Params() strategy.Params {
	return strategy.Params{
		MaxAttempts: s.MaxAttempts, Base: time.Duration(s.Base), Cap: time.Duration(s.Cap),
		Quota: s.Quota, RetryCost: s.RetryCost, ThrottleRetryCost: s.ThrottleRetryCost, TimeoutRetryCost: s.TimeoutRetryCost,
		Rate: float64(s.Rate), Burst: s.Burst,
		Budget: s.Budget, Window: time.Duration(s.Window), MinPerSecond: s.MinPerSecond,
		K:         s.K,
		Threshold: s.Threshold, FailureRatio: s.FailureRatio, CoolDown: time.Duration(s.CoolDown),
	}
}

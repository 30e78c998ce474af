package runner

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// startFake starts the embedded fake on a free loopback port.
func startFake(t *testing.T) Target {
	t.Helper()
	srv := fakeservice.New(fakeservice.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}}
}

func testScenario(wcu int64, rate float64, d time.Duration) *scenario.Scenario {
	return &scenario.Scenario{
		Name: "test", Seed: 1,
		Table: scenario.Table{BillingMode: scenario.Provisioned, ReadCapacity: 100, WriteCapacity: wcu},
		Workload: scenario.Workload{
			Operation: scenario.OpPut, Rate: scenario.Rate(rate), Duration: scenario.Duration(d),
			ItemSize: 1024, Keys: 1000, MaxInFlight: 256, Timeout: scenario.Duration(10 * time.Second),
			Fleet: 1, BatchSize: 25, QueryLimit: 100, Process: scenario.ProcessUniform, KeyDistribution: scenario.KeysUniform,
		},
	}
}

func strategies(t *testing.T, names ...string) []strategy.Strategy {
	t.Helper()
	var out []strategy.Strategy
	for _, n := range names {
		var p strategy.Params
		if n != "none" && n != "sdk-default" {
			p.Base = 5 * time.Millisecond // keep retries short
		}
		s, err := strategy.New(n, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestRunUnthrottledAllSucceedOnce(t *testing.T) {
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(10000, 200, time.Second), Target: startFake(t),
		Strategies: strategies(t, "none", "full-jitter"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Strategies {
		m := s.Summary
		if s.Offered != 200 || m.Ops != 200 || m.Succeeded != 200 {
			t.Errorf("%s: offered %d, ops %d, succeeded %d; want 200 each", s.Name, s.Offered, m.Ops, m.Succeeded)
		}
		if m.AttemptsPerOp != 1 || m.ThrottledAttempts != 0 {
			t.Errorf("%s: attempts/op %g, throttled %d; want 1, 0", s.Name, m.AttemptsPerOp, m.ThrottledAttempts)
		}
	}
}

// With no retry, a table of W units offered 4W writes/s for 2 s accepts
// about one second of capacity (the full bucket it starts with) plus W per
// second: 3W of 8W.
func TestRunOverloadNoRetryAcceptsCapacity(t *testing.T) {
	const w = 50
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(w, 4*w, 2*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Strategies[0].Summary
	if want := int64(3 * w); m.Succeeded < want*85/100 || m.Succeeded > want*115/100 {
		t.Errorf("succeeded %d of %d, want about %d", m.Succeeded, m.Ops, want)
	}
	if m.Failed["throttled"] != m.Ops-m.Succeeded {
		t.Errorf("failures %v, want all %d throttled", m.Failed, m.Ops-m.Succeeded)
	}
	if m.AttemptsPerOp != 1 || m.ThrottledAttempts != m.Ops-m.Succeeded {
		t.Errorf("attempts/op %g, throttled attempts %d; want 1 and %d", m.AttemptsPerOp, m.ThrottledAttempts, m.Ops-m.Succeeded)
	}
}

// Retries raise success and amplify attempts, never beyond max attempts.
func TestRunOverloadRetriesAmplify(t *testing.T) {
	const w = 50
	res, err := Run(context.Background(), Options{
		Scenario: testScenario(w, 2*w, 2*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none", "exponential"),
	})
	if err != nil {
		t.Fatal(err)
	}
	none, exp := res.Strategies[0].Summary, res.Strategies[1].Summary
	if exp.AttemptsPerOp <= 1 || exp.AttemptsPerOp > 4 {
		t.Errorf("exponential attempts/op %g, want in (1, 4]", exp.AttemptsPerOp)
	}
	if exp.Succeeded <= none.Succeeded {
		t.Errorf("exponential succeeded %d, none %d: retries should win some", exp.Succeeded, none.Succeeded)
	}
	if exp.Attempts-exp.ThrottledAttempts != exp.Succeeded {
		t.Errorf("exponential: %d attempts, %d throttled, %d succeeded: every unthrottled attempt should be a success",
			exp.Attempts, exp.ThrottledAttempts, exp.Succeeded)
	}
}

// Interrupting a run stops new arrivals but keeps what was measured.
func TestRunInterruptKeepsPartialResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	res, err := Run(ctx, Options{
		Scenario: testScenario(10000, 100, 10*time.Second), Target: startFake(t),
		Strategies: strategies(t, "none"), Grace: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Strategies[0]
	if !res.Interrupted {
		t.Errorf("Interrupted = false, want true")
	}
	if s.Offered < 50 || s.Offered > 90 {
		t.Errorf("offered %d in 0.7 s at 100/s, want about 70", s.Offered)
	}
	if s.Summary.Ops != s.Offered || s.Summary.Succeeded != s.Offered {
		t.Errorf("ops %d, succeeded %d, want all %d offered recorded and succeeded", s.Summary.Ops, s.Summary.Succeeded, s.Offered)
	}
}

package metrics

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

func TestClassify(t *testing.T) {
	throttle := &types.ProvisionedThroughputExceededException{Message: new(string)}
	tests := []struct {
		name   string
		err    error
		ctxErr error
		want   Outcome
	}{
		{"success", nil, nil, OK},
		{"throttled, no retry", &retry.MaxAttemptsError{Attempt: 1, Err: throttle}, nil, Throttled},
		{"throttled after max attempts", fmt.Errorf("operation error: %w", &retry.MaxAttemptsError{Attempt: 4, Err: throttle}), nil, Throttled},
		{"quota exhausted", errors.Join(throttle, ratelimit.QuotaExceededError{Available: 2, Requested: 5}), nil, QuotaExhausted},
		{"max attempts on 500", &retry.MaxAttemptsError{Attempt: 4, Err: &types.InternalServerError{}}, nil, MaxAttempts},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), context.DeadlineExceeded, Timeout},
		{"interrupt", errors.New("request canceled"), context.Canceled, Canceled},
		{"conditional check", &types.ConditionalCheckFailedException{}, nil, Error},
		{"budget refused a throttle retry", errors.Join(throttle, fmt.Errorf("failed to get rate limit token, %w", &strategy.RetryBudgetExhaustedError{})), nil, BudgetExhausted},
		{"rejected locally", fmt.Errorf("failed to get retry Send token, %w", &strategy.RejectedLocallyError{}), nil, RejectedLocally},
		{"circuit open after throttles", errors.Join(throttle, &strategy.CircuitOpenError{}), nil, CircuitOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err, tt.ctxErr); got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAggregatorSummary(t *testing.T) {
	a := NewAggregator()
	// 100 operations, one every 10 ms; latencies 1..100 ms; every 4th fails
	// throttled after 4 attempts, the others succeed first time.
	for i := 0; i < 100; i++ {
		r := Record{
			Intended: time.Duration(i) * 10 * time.Millisecond,
			Attempts: 1,
			Outcome:  OK,
		}
		r.Started = r.Intended
		r.Ended = r.Intended + time.Duration(i+1)*time.Millisecond
		if i%4 == 3 {
			r.Attempts, r.ThrottledAttempts, r.Outcome = 4, 4, Throttled
		}
		if i == 0 {
			r.Started += 2 * time.Millisecond // late
		}
		a.Add(r)
	}
	s := a.Summary()
	approx := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: got %g, want %g ± %g", name, got, want, tol)
		}
	}
	if s.Ops != 100 || s.Succeeded != 75 || s.Failed["throttled"] != 25 || s.StartedLate != 1 {
		t.Errorf("counts: got ops=%d ok=%d failed=%v late=%d, want 100, 75, throttled:25, 1", s.Ops, s.Succeeded, s.Failed, s.StartedLate)
	}
	approx("success %", s.SuccessPct, 75, 1e-9)
	approx("attempts/op", s.AttemptsPerOp, 1.75, 1e-9)
	approx("span", s.SpanS, 1.09, 1e-9) // last op: intended 990ms + 100ms
	approx("goodput", s.GoodputPerS, 75/1.09, 1e-9)
	approx("p50", s.LatencyMs.P50, 50, 0.1)
	approx("p99", s.LatencyMs.P99, 99, 0.1)
	approx("max", s.LatencyMs.Max, 100, 0.1)

	h, err := hdrhistogram.Decode(s.Histogram)
	if err != nil {
		t.Fatalf("decode histogram: %v", err)
	}
	if h.TotalCount() != 100 {
		t.Errorf("histogram count: got %d, want 100", h.TotalCount())
	}
	if got, want := s.AttemptsHist, map[int]int64{1: 75, 4: 25}; !maps.Equal(got, want) {
		t.Errorf("attempts histogram: got %v, want %v", got, want)
	}
}

func TestAggregatorMergeEqualsOne(t *testing.T) {
	one, a, b := NewAggregator(), NewAggregator(), NewAggregator()
	for i := 0; i < 50; i++ {
		r := Record{Intended: time.Duration(i) * time.Millisecond, Ended: time.Duration(3*i+5) * time.Millisecond, Attempts: 1 + i%3}
		one.Add(r)
		if i%2 == 0 {
			a.Add(r)
		} else {
			b.Add(r)
		}
	}
	a.Merge(b)
	got, want := a.Summary(), one.Summary()
	if got.Ops != want.Ops || got.Attempts != want.Attempts || got.LatencyMs != want.LatencyMs || got.SpanS != want.SpanS {
		t.Errorf("merged summary %+v differs from single %+v", got, want)
	}
	if !maps.Equal(got.AttemptsHist, want.AttemptsHist) {
		t.Errorf("merged attempts histogram %v, want %v", got.AttemptsHist, want.AttemptsHist)
	}
}

func TestSeries(t *testing.T) {
	s := NewSeries()
	sec := time.Second
	// Op A: intended 0.5s, started 0.5s, two attempts (1.0s throttled, 2.2s ok), ends 2.3s.
	s.Add(Record{Intended: sec / 2, Started: sec / 2, Ended: 2300 * time.Millisecond, Outcome: OK,
		AttemptLog: []Attempt{{Start: sec, Throttled: true}, {Start: 2200 * time.Millisecond}}})
	// Op B: dropped at 1.5s.
	s.Add(Record{Intended: 1500 * time.Millisecond, Outcome: Dropped})
	// Op C: 0.1s..0.2s, failed.
	s.Add(Record{Intended: 100 * time.Millisecond, Started: 100 * time.Millisecond, Ended: 200 * time.Millisecond, Outcome: Throttled,
		AttemptLog: []Attempt{{Start: 100 * time.Millisecond, Throttled: true}}})
	got := s.Seconds()
	want := []Second{
		{T: 0, Offered: 2, Started: 2, Attempts: 1, Throttled: 1, Failed: 1, InFlight: 2, P50Ms: 100, P99Ms: 100},
		{T: 1, Offered: 1, Attempts: 1, Throttled: 1, Failed: 1, InFlight: 1},
		{T: 2, Attempts: 1, Succeeded: 1, InFlight: 1, P50Ms: 1800, P99Ms: 1800},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d seconds %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g := got[i]
		g.P50Ms, g.P99Ms = math.Round(g.P50Ms/10)*10, math.Round(g.P99Ms/10)*10 // 2 significant digits per second
		if g != want[i] {
			t.Errorf("second %d: got %+v, want %+v", i, g, want[i])
		}
	}
}

func TestRecoveryTime(t *testing.T) {
	succ := []int64{100, 100, 100, 10, 10, 40, 95, 100}
	secs := make([]Second, len(succ))
	for i, n := range succ {
		secs[i] = Second{T: i, Succeeded: n}
	}
	// Drop from 3s to 5s; back to >= 90% at second 6.
	if d, ok := RecoveryTime(secs, 3*time.Second, 5*time.Second, 0.9); !ok || d != time.Second {
		t.Errorf("got %v, %v; want 1s, true", d, ok)
	}
	if _, ok := RecoveryTime(secs[:6], 3*time.Second, 5*time.Second, 0.9); ok {
		t.Errorf("recovered in a series that never recovers")
	}
}

func TestJain(t *testing.T) {
	tests := []struct {
		x    []int64
		want float64
	}{
		{[]int64{5, 5, 5, 5}, 1},
		{[]int64{10, 0, 0, 0}, 0.25},
		{[]int64{1, 3}, 16.0 / 20},
		{[]int64{7}, 1},
	}
	for _, tt := range tests {
		cs := make([]ClientCounts, len(tt.x))
		for i, v := range tt.x {
			cs[i].Succeeded = v
		}
		if got := Jain(cs); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Jain(%v) = %g, want %g", tt.x, got, tt.want)
		}
	}
}

// TestCancellations checks that cancelled transaction attempts are counted
// by reason code, an attempt under each of its codes, and that a run
// without cancellations reports none.
func TestCancellations(t *testing.T) {
	a := NewAggregator()
	add := func(codes ...[]string) {
		r := Record{Op: "TransactWriteItems", Attempts: len(codes), Outcome: Error}
		for _, c := range codes {
			r.AttemptLog = append(r.AttemptLog, Attempt{Status: 400, Cancelled: c})
		}
		a.Add(r)
	}
	if got := a.Summary().Cancellations; got != nil {
		t.Errorf("empty run: got cancellations %v, want none", got)
	}
	add([]string{"TransactionConflict"})
	add([]string{"ThrottlingError"}, []string{"TransactionConflict", "ConditionalCheckFailed"})
	add(nil)
	want := map[string]int64{"TransactionConflict": 2, "ThrottlingError": 1, "ConditionalCheckFailed": 1}
	if got := a.Summary().Cancellations; !maps.Equal(got, want) {
		t.Errorf("got cancellations %v, want %v", got, want)
	}
}

// TestCancellationCodes checks the codes read from an attempt's error: a
// TransactionCanceledException's reasons other than "None", each once,
// through the SDK's wrapping; nothing for any other error.
func TestCancellationCodes(t *testing.T) {
	tce := func(codes ...string) error {
		e := &types.TransactionCanceledException{}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("operation error DynamoDB: TransactWriteItems: %w", e)
	}
	for _, tt := range []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"a throttle", &types.ProvisionedThroughputExceededException{}, nil},
		{"a plain conflict", &types.TransactionConflictException{}, nil},
		{"one conflict", tce("None", "TransactionConflict"), []string{"TransactionConflict"}},
		{"mixed, repeated", tce("ThrottlingError", "None", "ConditionalCheckFailed", "ThrottlingError"), []string{"ThrottlingError", "ConditionalCheckFailed"}},
	} {
		if got := CancellationCodes(tt.err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

package metrics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
}

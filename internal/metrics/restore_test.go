package metrics

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// records makes n varied records starting at off: outcomes, clients,
// operations, attempts, statuses, throttle and cancellation reasons.
func records(rng *rand.Rand, n int, off time.Duration) []Record {
	var out []Record
	for i := range n {
		intended := off + time.Duration(i)*time.Millisecond
		r := Record{Client: rng.IntN(4), Op: []string{"PutItem", "GetItem"}[rng.IntN(2)], Intended: intended,
			Started: intended + time.Duration(rng.IntN(3000))*time.Microsecond}
		r.Attempts = 1 + rng.IntN(4)
		for a := range r.Attempts {
			at := Attempt{Duration: time.Duration(200+rng.IntN(5000)) * time.Microsecond, Status: 200}
			if a < r.Attempts-1 {
				at.Status, at.Reason = 400, "TableWriteProvisionedThroughputExceeded"
				r.ThrottledAttempts++
			}
			r.AttemptLog = append(r.AttemptLog, at)
			r.Sending += at.Duration
		}
		if i%5 == 0 { // a cancelled transaction: its last attempt's reasons
			r.AttemptLog[r.Attempts-1].Cancelled = [][]string{{"TransactionConflict"}, {"ThrottlingError"},
				{"TransactionConflict", "ConditionalCheckFailed"}}[i/5%3]
		}
		r.Ended = r.Started + r.Sending + time.Duration(rng.IntN(20))*time.Millisecond
		r.Outcome = []Outcome{OK, OK, OK, Throttled, Timeout, Dropped}[rng.IntN(6)]
		if r.Outcome == Dropped {
			r = Record{Client: r.Client, Op: r.Op, Intended: intended, Started: intended, Ended: intended, Outcome: Dropped}
		}
		out = append(out, r)
	}
	return out
}

// TestFromSummaryMergesExactly: summaries of two parts, rebuilt and
// merged, give the summary one aggregator of every record gives.
func TestFromSummaryMergesExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const offset = 1500 * time.Millisecond // part b started this much later
	a, b, whole := NewAggregator(), NewAggregator(), NewAggregator()
	for _, r := range records(rng, 3000, 2*time.Millisecond) {
		a.Add(r)
		whole.Add(r)
	}
	for _, r := range records(rng, 2000, 0) {
		b.Add(r)
		r.Intended += offset
		r.Started += offset
		r.Ended += offset
		whole.Add(r)
	}
	ra, missing, err := FromSummary(a.Summary(), 0)
	if err != nil || len(missing) > 0 {
		t.Fatalf("FromSummary: %v, missing %v", err, missing)
	}
	rb, _, err := FromSummary(b.Summary(), offset)
	if err != nil {
		t.Fatal(err)
	}
	ra.Merge(rb)
	got, want := ra.Summary(), whole.Summary()
	if math.Abs(got.BackoffMsPerOp-want.BackoffMsPerOp) > 1e-9*want.BackoffMsPerOp {
		t.Errorf("backoff/op %g, want %g", got.BackoffMsPerOp, want.BackoffMsPerOp)
	}
	got.BackoffMsPerOp = want.BackoffMsPerOp
	if math.Abs(got.GoodputPerS-want.GoodputPerS) > 1e-9*want.GoodputPerS || math.Abs(got.SpanS-want.SpanS) > 1e-9 {
		t.Errorf("goodput %g over %g s, want %g over %g s", got.GoodputPerS, got.SpanS, want.GoodputPerS, want.SpanS)
	}
	got.GoodputPerS, got.SpanS = want.GoodputPerS, want.SpanS
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("merged summary differs from one aggregator's:\n got %s\nwant %s", gj, wj)
	}
	if want.Ops != 5000 || want.LatencyMs.P99 == 0 || len(want.ThrottleReasons) == 0 || len(want.Cancellations) != 3 || len(want.Failed) == 0 {
		t.Fatalf("test data too thin: %+v", want)
	}
}

func TestFromSummaryRejectsInconsistent(t *testing.T) {
	a := NewAggregator()
	for _, r := range records(rand.New(rand.NewPCG(3, 4)), 50, 0) {
		a.Add(r)
	}
	for _, tc := range []struct {
		name    string
		edit    func(*Summary)
		wantErr string
	}{
		{"unknown outcome", func(s *Summary) { s.Failed["exploded"] = 1 }, `unknown outcome "exploded"`},
		{"ops disagree", func(s *Summary) { s.Ops++ }, "outcomes add up to"},
		{"bad histogram", func(s *Summary) { s.Histogram = []byte("not a histogram") }, "latency histogram"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := a.Summary()
			tc.edit(&s)
			if _, _, err := FromSummary(s, 0); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestMergeSeriesOnOneClock(t *testing.T) {
	a := []Second{{T: 0, Offered: 10, Succeeded: 9, P99Ms: 5}, {T: 1, Offered: 10, Succeeded: 10, P99Ms: 3}}
	b := []Second{{T: 0, Offered: 7, Succeeded: 7, P99Ms: 4}}
	got := MergeSeries([][]Second{a, b}, []int{0, 1})
	want := []Second{{T: 0, Offered: 10, Succeeded: 9, P99Ms: 5}, {T: 1, Offered: 17, Succeeded: 17, P99Ms: 4}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

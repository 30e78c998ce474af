package served

import (
	"fmt"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// req is one request of a step table: invocation id, attempt and max,
// arrival and answer in ms from t0, and its outcome.
type req struct {
	id             string
	attempt, max   int
	arrive, answer int
	outcome        string
	ua             string
}

func (r req) info() fakeservice.RequestInfo {
	status := 200
	throttled := false
	switch r.outcome {
	case "ok":
	case "ProvisionedThroughputExceededException":
		status, throttled = 400, true
	case "ValidationException":
		status = 400
	case "http_500":
		status = 500
	case fakeservice.OutcomeDropped:
		status = 0
	}
	ua := r.ua
	if ua == "" {
		ua = "Boto3/1.26.27 Python/3.11.2 Linux/6.1 Botocore/1.29.27"
	}
	return fakeservice.RequestInfo{
		Arrived: t0.Add(time.Duration(r.arrive) * time.Millisecond), Answered: t0.Add(time.Duration(r.answer) * time.Millisecond),
		Op: "PutItem", InvocationID: r.id, Attempt: r.attempt, MaxAttempts: r.max, UserAgent: ua,
		AccessKeyID: "ASIAFAKE", Source: "127.0.0.1:50000", Status: status, Outcome: r.outcome, Throttled: throttled,
	}
}

const thr = "ProvisionedThroughputExceededException"

func TestCollectorOperations(t *testing.T) {
	cases := []struct {
		name               string
		reqs               []req
		ops, attempts, ok  int64
		failed             map[string]int64
		noHeaders, pastMax int64
		retries            int64
		gapP50             map[int]float64 // attempt -> p50 gap ms
		p50                float64         // operation latency ms
	}{
		{name: "one attempt", reqs: []req{{"a", 1, 3, 0, 2, "ok", ""}}, ops: 1, attempts: 1, ok: 1, p50: 2},
		{name: "two throttles then success", reqs: []req{
			{"a", 1, 3, 0, 1, thr, ""}, {"a", 2, 3, 101, 102, thr, ""}, {"a", 3, 3, 302, 305, "ok", ""},
		}, ops: 1, attempts: 3, ok: 1, retries: 2, gapP50: map[int]float64{2: 100, 3: 200}, p50: 305},
		{name: "attempts run out on throttles", reqs: []req{
			{"a", 1, 2, 0, 1, thr, ""}, {"a", 2, 2, 11, 12, thr, ""},
		}, ops: 1, attempts: 2, failed: map[string]int64{"throttled": 1}, retries: 1, gapP50: map[int]float64{2: 10}, p50: 12},
		{name: "no headers: each request one operation", reqs: []req{
			{"", 0, 0, 0, 1, "ok", ""}, {"", 0, 0, 5, 6, thr, ""},
		}, ops: 2, attempts: 2, ok: 1, failed: map[string]int64{"throttled": 1}, noHeaders: 2, p50: 1},
		{name: "past the advertised max", reqs: []req{
			{"a", 1, 2, 0, 1, "http_500", ""}, {"a", 2, 2, 10, 11, "http_500", ""}, {"a", 3, 2, 20, 21, "http_500", ""},
		}, ops: 1, attempts: 3, failed: map[string]int64{"max_attempts": 1}, pastMax: 1, retries: 2, gapP50: map[int]float64{2: 9, 3: 9}, p50: 21},
		{name: "non-retryable error ends the operation", reqs: []req{
			{"a", 1, 3, 0, 1, "ValidationException", ""},
		}, ops: 1, attempts: 1, failed: map[string]int64{"error": 1}, p50: 1},
		{name: "interleaved operations", reqs: []req{
			{"a", 1, 3, 0, 1, thr, ""}, {"b", 1, 3, 0, 1, "ok", ""}, {"a", 2, 3, 50, 51, "ok", ""},
		}, ops: 2, attempts: 3, ok: 2, retries: 1, gapP50: map[int]float64{2: 49}, p50: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			col := New(Options{})
			for _, r := range c.reqs {
				col.Observe(r.info())
			}
			col.Close()
			_, res := col.Results()
			if len(res) != 1 {
				t.Fatalf("got %d groups, want 1", len(res))
			}
			s, fx := res[0].Summary, res[0].Forensics
			if s.Ops != c.ops || s.Attempts != c.attempts || s.Succeeded != c.ok {
				t.Errorf("got ops %d attempts %d succeeded %d, want %d %d %d", s.Ops, s.Attempts, s.Succeeded, c.ops, c.attempts, c.ok)
			}
			if fmt.Sprint(s.Failed) != fmt.Sprint(nonNil(c.failed)) {
				t.Errorf("got failed %v, want %v", s.Failed, c.failed)
			}
			if fx.NoHeaders != c.noHeaders || fx.PastMax != c.pastMax || fx.Retries != c.retries {
				t.Errorf("got no_headers %d past_max %d retries %d, want %d %d %d", fx.NoHeaders, fx.PastMax, fx.Retries, c.noHeaders, c.pastMax, c.retries)
			}
			for _, g := range fx.Gaps {
				want, ok := c.gapP50[g.Attempt]
				if !ok {
					t.Errorf("got gaps for attempt %d, want none", g.Attempt)
					continue
				}
				if d := g.P50Ms - want; d < -0.5 || d > 0.5 {
					t.Errorf("attempt %d: got gap p50 %.2f ms, want %.0f", g.Attempt, g.P50Ms, want)
				}
			}
			if len(fx.Gaps) != len(c.gapP50) {
				t.Errorf("got gaps for %d attempt numbers, want %d", len(fx.Gaps), len(c.gapP50))
			}
			if d := s.LatencyMs.P50 - c.p50; d < -0.5 || d > 0.5 {
				t.Errorf("got p50 %.2f ms, want %.0f", s.LatencyMs.P50, c.p50)
			}
		})
	}
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// An operation still retrying is reported, and stays open for its next
// attempt; one idle for longer than Options.Idle is final.
func TestCollectorOpenAndIdle(t *testing.T) {
	col := New(Options{Idle: time.Second})
	col.Observe(req{"a", 1, 3, 0, 1, thr, ""}.info())
	_, res := col.Results()
	if got := res[0].Summary.Failed["throttled"]; got != 1 {
		t.Fatalf("open operation: got %d throttled, want 1", got)
	}
	col.Observe(req{"a", 2, 3, 100, 101, "ok", ""}.info())
	_, res = col.Results()
	if s := res[0].Summary; s.Ops != 1 || s.Succeeded != 1 || s.Attempts != 2 {
		t.Fatalf("got ops %d succeeded %d attempts %d, want 1 1 2", s.Ops, s.Succeeded, s.Attempts)
	}
	col.Observe(req{"b", 1, 3, 200, 201, thr, ""}.info())
	col.Observe(req{"c", 1, 3, 3000, 3001, "ok", ""}.info()) // sweeps b
	col.Observe(req{"b", 2, 3, 3100, 3101, "ok", ""}.info()) // too late: a new operation
	col.Close()
	_, res = col.Results()
	if s := res[0].Summary; s.Ops != 4 || s.Succeeded != 3 {
		t.Fatalf("got ops %d succeeded %d, want 4 3", s.Ops, s.Succeeded)
	}
}

func TestCollectorGroupsByClient(t *testing.T) {
	col := New(Options{})
	col.Observe(req{"a", 1, 3, 0, 1, "ok", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 cfg/retry-mode#adaptive Botocore/1.34.0"}.info())
	col.Observe(req{"b", 1, 3, 0, 1, "ok", "aws-sdk-js/3.1178.0 ua/2.1 os/linux lang/js md/nodejs#20.20.2 api/dynamodb#3.1178.0 m/E,N"}.info())
	col.Observe(req{"c", 1, 3, 0, 1, "ok", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 cfg/retry-mode#adaptive Botocore/1.34.0"}.info())
	_, res := col.Results()
	got := map[string]int64{}
	for _, r := range res {
		got[r.Name] = r.Summary.Ops
	}
	want := map[string]int64{"boto3 adaptive": 2, "aws-sdk-js standard": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got groups %v, want %v", got, want)
	}
}

func TestClientName(t *testing.T) {
	cases := []struct{ ua, want string }{
		{"", "unknown"},
		{"Boto3/1.26.27 Python/3.11.2 Linux/6.1.0 Botocore/1.29.27", "boto3"},
		{"Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 cfg/retry-mode#standard Botocore/1.34.0", "boto3 standard"},
		{"aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off command/dynamodb.put-item", "aws-cli"},
		{"aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/dynamodb#1.50.0 m/E,g", "aws-sdk-go-v2 standard"},
		{"aws-sdk-js/3.1178.0 ua/2.1 os/linux lang/js m/F,e", "aws-sdk-js adaptive"},
		{"aws-sdk-java/2.20 m/D", "aws-sdk-java legacy"},
	}
	for _, c := range cases {
		if got := ClientName(c.ua); got != c.want {
			t.Errorf("ClientName(%q): got %q, want %q", c.ua, got, c.want)
		}
	}
}

// Retries of different operations landing in the same milliseconds are
// synchronised; spread over a second, they are not.
func TestSync(t *testing.T) {
	run := func(offset func(i int) int) Sync {
		col := New(Options{})
		for i := range 20 {
			col.Observe(req{fmt.Sprint(i), 1, 3, 0, 1, thr, ""}.info())
		}
		for i := range 20 {
			at := 101 + offset(i)
			col.Observe(req{fmt.Sprint(i), 2, 3, at, at + 1, "ok", ""}.info())
		}
		// The client keeps writing for 10 s: 20 retries in 10 s rarely
		// meet by chance.
		col.Observe(req{"last", 1, 3, 10000, 10001, "ok", ""}.info())
		_, res := col.Results()
		return res[0].Forensics.Sync
	}
	fixed := run(func(i int) int { return i % 2 })
	if !fixed.Synchronised || fixed.Share != 1 {
		t.Errorf("fixed backoff: got %+v, want synchronised, share 1", fixed)
	}
	spread := run(func(i int) int { return i * 200 })
	if spread.Synchronised || spread.Share != 0 {
		t.Errorf("spread retries: got %+v, want not synchronised, share 0", spread)
	}
}

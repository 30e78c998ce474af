package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/fakeservice/faults"
	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// manualClock is the fake server's clock, moved by the test.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// The server and the simulator share the throttling model and the fault
// schedule, not copies of them: one schedule (injected 500s and 503s,
// dropped connections, a brownout over burst credit) and one sequence of
// PutItems at fixed instants on a few hot keys give the same outcome,
// request for request, through the fake's HTTP front and through the
// simulator's service.
// startFakeAt starts the fake with o and returns a function that sends it
// one DynamoDB operation's JSON body, giving the status and the body.
func startFakeAt(t *testing.T, o fakeservice.Options) (*fakeservice.Server, func(op, body string) (int, []byte, error)) {
	t.Helper()
	srv := fakeservice.New(o)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	return srv, func(op, body string) (int, []byte, error) {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
}

func TestServerAndSimulatorDecideAlike(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	const table = "shared"
	sched := &faults.Schedule{
		Seed:     42,
		Capacity: []faults.CapacityChange{{Window: faults.Window{At: faults.Duration(4 * time.Second), For: faults.Duration(6 * time.Second)}, Kind: "write", Scale: 0.1}},
		Errors: []faults.ErrorFault{
			{Window: faults.Window{At: faults.Duration(time.Second)}, Status: 500, Rate: 0.05},
			{Window: faults.Window{At: faults.Duration(2 * time.Second), For: faults.Duration(3 * time.Second)}, Status: 503, Rate: 0.1, Operations: []string{"PutItem"}},
		},
		Drops: []faults.DropFault{{Window: faults.Window{At: faults.Duration(7 * time.Second)}, Rate: 0.03}},
	}
	if err := sched.Validate(); err != nil {
		t.Fatal(err)
	}
	model := throttle.Model{PartitionWriteUnits: 40, Burst: 5 * time.Second}
	epoch := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	sc := &scenario.Scenario{
		Table:    scenario.Table{ReadCapacity: 100, WriteCapacity: 100},
		Workload: scenario.Workload{Keys: 5},
		Faults:   sched,
	}

	clock := &manualClock{now: epoch}
	_, send := startFakeAt(t, fakeservice.Options{Now: clock.Now, Model: model, Faults: sched})
	post := func(op, body string) string {
		status, b, err := send(op, body)
		if err != nil {
			return "dropped"
		}
		if status == http.StatusOK {
			return "ok"
		}
		var e struct {
			Type    string `json:"__type"`
			Reasons []struct {
				Reason string `json:"reason"`
			} `json:"ThrottlingReasons"`
		}
		_ = json.Unmarshal(b, &e)
		if len(e.Reasons) > 0 {
			return "throttled " + e.Reasons[0].Reason
		}
		return fmt.Sprintf("%d %s", status, e.Type[strings.IndexByte(e.Type, '#')+1:])
	}
	if got := post("CreateTable", `{"TableName":"`+table+`","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":100,"WriteCapacityUnits":100}}`); got != "ok" {
		t.Fatalf("CreateTable: %s", got)
	}

	svc := newService(sc, model, epoch, table)
	svc.arrivals = 1 // the server numbered CreateTable as the first arrival
	simulate := func(off time.Duration, key string) string {
		if f := svc.decide(off, "PutItem"); f.err != nil {
			switch f.err {
			case errDropped:
				return "dropped"
			case errUnavailable:
				return "503 ServiceUnavailable"
			case errInternal:
				return "500 InternalServerError"
			}
			return f.err.Error()
		}
		reason, _ := svc.charge(off, throttle.Write, key, throttle.WriteCost(len("id")+len(key)), scenario.OpPut, item{}, item{size: int32(len("id") + len(key))})
		if reason != "" {
			return "throttled " + string(reason)
		}
		return "ok"
	}

	// 12 s of PutItems at 150 per second, faster than the table's 100 WCU
	// and, on the hottest key, than a partition key's 40: every outcome
	// occurs.
	counts := map[string]int{}
	for i := range 1800 {
		off := time.Duration(i)*(time.Second/150) + time.Duration(i%7)*time.Millisecond
		key := fmt.Sprintf("k%012d", []int{0, 0, 0, 1, 2, 3, 4}[i%7])
		clock.set(epoch.Add(off))
		server := post("PutItem", `{"TableName":"`+table+`","Item":{"id":{"S":"`+key+`"}}}`)
		sim := simulate(off, key)
		if server != sim {
			t.Fatalf("request %d at %v on %s: server %q, simulator %q", i, off, key, server, sim)
		}
		counts[server]++
	}
	for _, want := range []string{"ok", "dropped", "500 InternalServerError", "503 ServiceUnavailable",
		"throttled " + string(throttle.TableWriteProvisionedThroughputExceeded),
		"throttled " + string(throttle.TableWriteKeyRangeThroughputExceeded)} {
		if counts[want] == 0 {
			t.Errorf("no request came out %q; outcomes %v", want, counts)
		}
	}
	t.Logf("outcomes, identical in both: %v", counts)
}

// A throttled transaction counts once, in the fake's table counters (its
// /stats and the per-second series bench run reports as
// server.throttled_requests) as in the simulator's: two-item
// TransactWriteItems and TransactGetItems at fixed instants on a hot key,
// over its partition limits and the table's, come out the same, request
// for request, through the fake's HTTP front and through the simulator,
// and so do the throttled counts and the capacity consumed.
func TestServerAndSimulatorCountTransactionsAlike(t *testing.T) {
	const table = "txn"
	model := throttle.Model{PartitionWriteUnits: 10, PartitionReadUnits: 20, Burst: -1}
	epoch := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	sc := &scenario.Scenario{Table: scenario.Table{ReadCapacity: 100, WriteCapacity: 100}, Workload: scenario.Workload{Keys: 5}}

	clock := &manualClock{now: epoch}
	srv, send := startFakeAt(t, fakeservice.Options{Now: clock.Now, Model: model})
	post := func(op, body string) string {
		status, b, err := send(op, body)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		if status == http.StatusOK {
			return "ok"
		}
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"Message"`
		}
		_ = json.Unmarshal(b, &e)
		return e.Type[strings.IndexByte(e.Type, '#')+1:] + ": " + e.Message
	}
	if got := post("CreateTable", `{"TableName":"`+table+`","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":100,"WriteCapacityUnits":100}}`); got != "ok" {
		t.Fatalf("CreateTable: %s", got)
	}
	svc := newService(sc, model, epoch, table)

	pad := strings.Repeat("x", 600) // items of about 620 bytes: 1 WCU plain, 2 in a transaction
	key := func(i int64) string { return fmt.Sprintf("k%012d", i) }
	size := func(i int64) int32 { return int32(len("id") + len(key(i)) + len("p") + len(pad)) }
	counts := map[string]int{}
	throttledTx := 0
	// 6 s at 100 transactions a second, 3 writes to 1 read, two items
	// each, key 0 in half of them.
	for i := range 600 {
		off := time.Duration(i)*(10*time.Millisecond) + time.Duration(i%3)*time.Millisecond
		a, b := []int64{0, 1, 0, 2, 0, 3}[i%6], []int64{4, 2, 3, 4, 1, 0}[i%6]
		write := i%4 != 3
		var op, body string
		if write {
			op = "TransactWriteItems"
			body = `{"TransactItems":[` +
				`{"Put":{"TableName":"` + table + `","Item":{"id":{"S":"` + key(a) + `"},"p":{"S":"` + pad + `"}}}},` +
				`{"Put":{"TableName":"` + table + `","Item":{"id":{"S":"` + key(b) + `"},"p":{"S":"` + pad + `"}}}}]}`
		} else {
			op = "TransactGetItems"
			body = `{"TransactItems":[{"Get":{"TableName":"` + table + `","Key":{"id":{"S":"` + key(a) + `"}}}},` +
				`{"Get":{"TableName":"` + table + `","Key":{"id":{"S":"` + key(b) + `"}}}}]}`
		}
		clock.set(epoch.Add(off))
		server := post(op, body)
		items := []txItem{{item: a, key: key(a)}, {item: b, key: key(b)}}
		if write {
			items[0].size, items[1].size = size(a), size(b)
		}
		sim := "ok"
		if err := svc.transact(off, write, items); err != nil {
			var tce *types.TransactionCanceledException
			if !errors.As(err, &tce) {
				t.Fatalf("request %d: simulator: %v, want a TransactionCanceledException", i, err)
			}
			sim = "TransactionCanceledException: " + aws.ToString(tce.Message)
		}
		if server != sim {
			t.Fatalf("request %d (%s of %s, %s) at %v: server %q, simulator %q", i, op, key(a), key(b), off, server, sim)
		}
		counts[server]++
		if strings.Contains(server, "ThrottlingError") {
			throttledTx++
		}
	}
	for _, want := range []string{"ok",
		"TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError, None]",
		"TransactionCanceledException: Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]"} {
		if counts[want] == 0 {
			t.Errorf("no request came out %q; outcomes %v", want, counts)
		}
	}
	st := srv.Stats()[table]
	if got := st.ThrottledReads + st.ThrottledWrites; got != svc.throttled || got != int64(throttledTx) {
		t.Errorf("throttled: got server %d (reads %d, writes %d), simulator %d, want both %d (one per throttled transaction)",
			got, st.ThrottledReads, st.ThrottledWrites, svc.throttled, throttledTx)
	}
	if st.ThrottledReads == 0 || st.ThrottledWrites == 0 {
		t.Errorf("got %d throttled reads and %d writes, want some of both", st.ThrottledReads, st.ThrottledWrites)
	}
	if st.ConsumedWriteUnits != svc.consumed[throttle.Write] || st.ConsumedReadUnits != svc.consumed[throttle.Read] {
		t.Errorf("consumed: got server %v read, %v write; simulator %v read, %v write",
			st.ConsumedReadUnits, st.ConsumedWriteUnits, svc.consumed[throttle.Read], svc.consumed[throttle.Write])
	}
	t.Logf("outcomes, identical in both: %v; %d throttled", counts, throttledTx)
}

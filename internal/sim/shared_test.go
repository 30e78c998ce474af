package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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
	srv := fakeservice.New(fakeservice.Options{Now: clock.Now, Model: model, Faults: sched})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	post := func(op, body string) string {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		resp, err := client.Do(req)
		if err != nil {
			return "dropped"
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
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
		return fmt.Sprintf("%d %s", resp.StatusCode, e.Type[strings.IndexByte(e.Type, '#')+1:])
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

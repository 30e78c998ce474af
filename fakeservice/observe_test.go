package fakeservice

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func httpGet(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestMetricsEndpoint(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now, Model: Model{Burst: -1}})
	c := newClient(t, url, true, nil)
	createTable(t, c, "orders", 1, 1)
	for range 3 {
		_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: oneKBItem("a")})
	}
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("GetItem: %v", err)
	}

	code, ct, body := httpGet(t, url+"/metrics")
	if code != 200 || !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", code, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, body)
	}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		typ    dto.MetricType
		want   float64
	}{
		{"fakeservice_requests_total", map[string]string{"operation": "CreateTable", "outcome": "ok"}, dto.MetricType_COUNTER, 1},
		{"fakeservice_requests_total", map[string]string{"operation": "PutItem", "outcome": "ok"}, dto.MetricType_COUNTER, 1},
		{"fakeservice_requests_total", map[string]string{"operation": "PutItem", "outcome": "ProvisionedThroughputExceededException"}, dto.MetricType_COUNTER, 2},
		{"fakeservice_requests_total", map[string]string{"operation": "GetItem", "outcome": "ResourceNotFoundException"}, dto.MetricType_COUNTER, 1},
		{"fakeservice_consumed_capacity_units_total", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_COUNTER, 1},
		{"fakeservice_throttled_requests_total", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_COUNTER, 2},
		{"fakeservice_throttle_events_total", map[string]string{"table": "orders", "reason": "TableWriteProvisionedThroughputExceeded"}, dto.MetricType_COUNTER, 2},
		{"fakeservice_provisioned_capacity_units", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_GAUGE, 1},
		{"fakeservice_capacity_available_units", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_GAUGE, 0},
		{"fakeservice_burst_credit_units", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_GAUGE, 0},
		{"fakeservice_capacity_scale", map[string]string{"table": "orders", "kind": "write"}, dto.MetricType_GAUGE, 1},
		{"fakeservice_faults_total", map[string]string{"kind": "drop"}, dto.MetricType_COUNTER, 0},
	} {
		f := fams[tt.name]
		if f == nil {
			t.Errorf("%s: missing", tt.name)
			continue
		}
		if f.GetType() != tt.typ {
			t.Errorf("%s: got type %v, want %v", tt.name, f.GetType(), tt.typ)
		}
		got, ok := sampleValue(f, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v: got %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Errorf("no Go runtime metrics (go_goroutines)")
	}
	if t.Failed() {
		t.Log(body)
	}
}

// sampleValue returns the value of f's sample whose labels include want.
func sampleValue(f *dto.MetricFamily, want map[string]string) (float64, bool) {
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		if m.Counter != nil {
			return m.Counter.GetValue(), true
		}
		return m.Gauge.GetValue(), true
	}
	return 0, false
}

func TestStatsEndpoint(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now, Model: Model{Burst: -1}, StatsWindow: 5})
	c := newClient(t, url, true, nil)
	createTable(t, c, "orders", 10, 2)
	for sec := range 8 {
		for i := range 3 {
			_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: oneKBItem("k")})
			if sec%2 == 0 && i == 0 {
				_, _ = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k"}}})
			}
			clock.Advance(300 * time.Millisecond)
		}
		clock.Advance(100 * time.Millisecond)
	}
	clock.Advance(1500 * time.Millisecond) // an idle second, then half of one

	code, ct, body := httpGet(t, url+"/stats?seconds=3")
	if code != 200 || ct != "application/json" {
		t.Fatalf("GET /stats: %d %q %s", code, ct, body)
	}
	var rep StatsReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	tr := rep.Tables["orders"]
	if rep.Seconds != 3 || len(tr.Series) != 4 || !tr.Series[3].Partial {
		t.Fatalf("report: %d seconds, series %+v; want 3 whole seconds and a partial one", rep.Seconds, tr.Series)
	}
	// Seconds 6 (a read), 7, 8 (idle), then the partial second 9.
	now := t0.Add(9500 * time.Millisecond).Unix()
	want := []SecondStats{
		{Time: now - 3, ConsumedWriteUnits: 2, ConsumedReadUnits: 0.5, ProvisionedReadUnits: 10, ProvisionedWriteUnits: 2, Reads: 1, Writes: 2, ThrottledWrites: 1},
		{Time: now - 2, ConsumedWriteUnits: 2, ProvisionedReadUnits: 10, ProvisionedWriteUnits: 2, Writes: 2, ThrottledWrites: 1},
		{Time: now - 1, ProvisionedReadUnits: 10, ProvisionedWriteUnits: 2},
		{Time: now, ProvisionedReadUnits: 10, ProvisionedWriteUnits: 2, Partial: true},
	}
	for i, w := range want {
		if tr.Series[i] != w {
			t.Errorf("series[%d] = %+v, want %+v", i, tr.Series[i], w)
		}
	}
	if tr.Totals.Writes+tr.Totals.ThrottledWrites != 24 || tr.Totals.Reads != 4 || tr.Totals.ConsumedReadUnits != 2 {
		t.Errorf("totals = %+v, want 24 writes offered, 4 reads of 0.5 RCU", tr.Totals)
	}
	if code, _, _ := httpGet(t, url+"/stats?seconds=x"); code != 400 {
		t.Errorf("GET /stats?seconds=x: %d, want 400", code)
	}
}

// TestObserveConcurrent drives requests, /metrics and /stats at once, for
// the race detector.
func TestObserveConcurrent(t *testing.T) {
	s, url := startServer(t, Options{Faults: &Faults{
		Latency:  []LatencyFault{{Distribution: DistUniform, Max: Duration(time.Millisecond)}},
		Capacity: []CapacityChange{{Scale: 0.5}},
	}})
	c := newClient(t, url, true, nil)
	createTable(t, c, "orders", 100, 100)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				switch {
				case g == 0 && i%5 == 0:
					_ = s.WriteMetrics(io.Discard)
				case g == 1 && i%5 == 0:
					s.Report(0)
				default:
					_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: oneKBItem("k")})
				}
			}
		}()
	}
	wg.Wait()
	if st := s.Stats()["orders"]; st.Writes == 0 {
		t.Errorf("no writes admitted: %+v", st)
	}
}

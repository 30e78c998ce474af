package fakeservice

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// TestBrownoutSDK offers twice a table's capacity through the SDK at fixed
// instants and checks the writes admitted each second before, during and
// after a brownout to a quarter, and what /stats reports for those seconds.
func TestBrownoutSDK(t *testing.T) {
	clock := newFakeClock()
	faults := &Faults{Epoch: t0, Capacity: []CapacityChange{
		{Window: Window{At: Duration(2 * time.Second), For: Duration(2 * time.Second)}, Table: "tbl", Kind: "write", Scale: 0.25},
	}}
	s, url := startServer(t, Options{Now: clock.Now, Faults: faults, Model: Model{Burst: -1}})
	c := newClient(t, url, true, nil)
	createTable(t, c, "tbl", 20, 20)

	var admitted [6]int
	for sec := range admitted {
		for i := range 40 { // 40 one-KB writes per second against 20 WCU
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: oneKBItem("k" + string(rune('a'+i%26)))})
			var pt *types.ProvisionedThroughputExceededException
			switch {
			case err == nil:
				admitted[sec]++
			case !errors.As(err, &pt):
				t.Fatalf("PutItem: %v", err)
			}
			clock.Advance(25 * time.Millisecond)
		}
	}
	want := [6][2]int{{38, 40}, {19, 21}, {4, 6}, {4, 6}, {19, 22}, {19, 21}}
	for sec, w := range want {
		if admitted[sec] < w[0] || admitted[sec] > w[1] {
			t.Errorf("second %d: %d writes admitted, want %d..%d (all: %v)", sec, admitted[sec], w[0], w[1], admitted)
		}
	}

	rep := s.Report(10)
	tr, ok := rep.Tables["tbl"]
	if !ok {
		t.Fatalf("Report has no table t: %+v", rep)
	}
	bySec := map[int64]SecondStats{}
	for _, e := range tr.Series {
		bySec[e.Time-t0.Unix()] = e
	}
	for sec := int64(0); sec < 6; sec++ {
		e := bySec[sec]
		wantProv := 20.0
		if sec == 2 || sec == 3 {
			wantProv = 5
		}
		if e.ProvisionedWriteUnits != wantProv || int(e.Writes) != admitted[sec] || e.ConsumedWriteUnits != float64(admitted[sec]) ||
			e.ThrottledWrites != int64(40-admitted[sec]) {
			t.Errorf("second %d: %+v, want provisioned %v, %d writes consumed, %d throttled", sec, e, wantProv, admitted[sec], 40-admitted[sec])
		}
	}
	if tr.Totals.Writes != int64(sum(admitted[:])) || tr.ProvisionedWriteUnits != 20 {
		t.Errorf("totals = %+v, provisioned %d, want %d writes, 20 WCU", tr.Totals, tr.ProvisionedWriteUnits, sum(admitted[:]))
	}
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestFaultsSDK checks what the SDK sees of each request fault.
func TestFaultsSDK(t *testing.T) {
	faults := &Faults{
		Errors: []ErrorFault{
			{Status: 503, Operations: []string{"GetItem"}},
			{Status: 500, Operations: []string{"DescribeTable"}},
		},
		Drops:   []DropFault{{Operations: []string{"DeleteTable"}}},
		Latency: []LatencyFault{{Delay: Duration(30 * time.Millisecond), Operations: []string{"ListTables"}}},
		Stalls:  []StallFault{{Duration: Duration(5 * time.Second), Operations: []string{"UpdateTable"}}},
	}
	s, url := startServer(t, Options{Faults: faults})
	c := newClient(t, url, true, nil)
	createTable(t, c, "tbl", 5, 5)

	t.Run("503", func(t *testing.T) {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}})
		var ae smithy.APIError
		var re *awshttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceUnavailable" || !errors.As(err, &re) || re.HTTPStatusCode() != 503 {
			t.Errorf("err = %v, want ServiceUnavailable with HTTP 503", err)
		}
	})
	t.Run("500", func(t *testing.T) {
		_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
		var ise *types.InternalServerError
		if !errors.As(err, &ise) {
			t.Errorf("err = %v, want InternalServerError", err)
		}
	})
	t.Run("drop", func(t *testing.T) {
		_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("tbl")})
		var ae smithy.APIError
		if err == nil || errors.As(err, &ae) {
			t.Errorf("err = %v, want a connection error", err)
		}
		if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Errorf("after a drop: %v", err)
		}
	})
	t.Run("latency", func(t *testing.T) {
		start := time.Now()
		if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Errorf("ListTables took %v, want >= 30ms", d)
		}
	})
	t.Run("stall outlasts the client's timeout", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.UpdateTable(cctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl")})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	var b strings.Builder
	if err := s.WriteMetrics(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`fakeservice_faults_total{kind="error_503"} 1`,
		`fakeservice_faults_total{kind="error_500"} 1`,
		`fakeservice_faults_total{kind="drop"} 1`,
		`fakeservice_faults_total{kind="latency"} 2`,
		`fakeservice_requests_total{operation="GetItem",outcome="ServiceUnavailable"} 1`,
		`fakeservice_requests_total{operation="DeleteTable",outcome="ConnectionDropped"} 1`,
	} {
		if !strings.Contains(b.String(), want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	s, url := startServer(t, Options{Faults: &Faults{RetryAfter: Duration(250 * time.Millisecond)}, Model: Model{Burst: -1}})
	createTable(t, newClient(t, url, true, nil), "tbl", 1, 1)
	put := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"TableName":"tbl","Item":{"id":{"S":"a"}}}`))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := put(); r.StatusCode != 200 || r.Header.Get("x-amz-retry-after") != "" {
		t.Errorf("first put: %d, retry-after %q; want 200 and none", r.StatusCode, r.Header.Get("x-amz-retry-after"))
	}
	if r := put(); r.StatusCode != 400 || r.Header.Get("x-amz-retry-after") != "250" {
		t.Errorf("second put: %d, retry-after %q; want 400 and 250", r.StatusCode, r.Header.Get("x-amz-retry-after"))
	}
	_ = s
}

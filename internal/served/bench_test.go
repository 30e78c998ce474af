package served

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
)

// The cost target: reading each request's SDK headers and rebuilding
// operations (Options.OnRequest = Collector.Observe) must cost the fake's
// request path little. BenchmarkTapRatio serves 1 KB PutItems (with the
// headers an SDK sends: a fresh invocation id per request, attempt=1) from
// the fake without and with the collector, alternately in one run, and
// reports both rates and tapped/plain.
//
//	go test -run '^$' -bench TapRatio -benchtime 3s ./internal/served/
func BenchmarkTapRatio(b *testing.B) {
	plain := benchFake(b, nil)
	col := New(Options{})
	tapped := benchFake(b, col.Observe)
	b.ResetTimer()
	var plainRate, tappedRate float64
	const rounds = 2 // alternate, so drift in the machine's speed hits both
	for range rounds {
		plainRate += benchLoad(b, plain) / rounds
		tappedRate += benchLoad(b, tapped) / rounds
	}
	b.ReportMetric(plainRate, "plain-req/s")
	b.ReportMetric(tappedRate, "tapped-req/s")
	b.ReportMetric(tappedRate/plainRate, "ratio")
	if _, res := col.Results(); len(res) == 0 || res[0].Summary.Ops == 0 {
		b.Fatal("the collector saw no operations")
	}
}

func benchFake(b *testing.B, hook func(fakeservice.RequestInfo)) string {
	return fakeWithTable(b, hook, "bench", 40000)
}

// benchLoad sends b.N PutItems from GOMAXPROCS goroutines and returns the
// rate.
func benchLoad(b *testing.B, url string) float64 {
	const keys = 1024
	bodies := make([][]byte, keys)
	for i := range bodies {
		id := fmt.Sprintf("key-%04d", i)
		bodies[i] = []byte(`{"TableName":"bench","Item":{"id":{"S":"` + id + `"},"p":{"S":"` + strings.Repeat("x", 1024-len("idp")-len(id)) + `"}}}`)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}}
	defer client.CloseIdleConnections()
	var next, failed atomic.Uint64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[n%keys]))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
			req.Header.Set("User-Agent", "aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.26 api/dynamodb#1.50.0 m/E")
			req.Header.Set("Amz-Sdk-Invocation-Id", fmt.Sprintf("00000000-0000-4000-8000-%012x", n))
			req.Header.Set("Amz-Sdk-Request", "attempt=1; max=4")
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		}
	})
	rate := float64(b.N) / time.Since(start).Seconds()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed", n, b.N)
	}
	return rate
}

// BenchmarkHandlerRatio is the same comparison without the network: the
// fake's ServeHTTP called in-process (httptest), plain then tapped, so
// the ratio is the request path's own cost, less disturbed by a shared
// machine than loopback HTTP.
//
//	go test -run '^$' -bench HandlerRatio -count 5 ./internal/served/
func BenchmarkHandlerRatio(b *testing.B) {
	col := New(Options{})
	plain, tapped := benchServer(b, nil), benchServer(b, col.Observe)
	var bodies [1024][]byte
	for i := range bodies {
		bodies[i] = []byte(`{"TableName":"bench","Item":{"id":{"S":"key-` + fmt.Sprint(i) + `"},"p":{"S":"` + strings.Repeat("x", 1000) + `"}}}`)
	}
	run := func(h http.Handler, n int) time.Duration {
		start := time.Now()
		for i := range n {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(bodies[i%len(bodies)]))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
			req.Header.Set("User-Agent", "aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.26 api/dynamodb#1.50.0 m/E")
			req.Header.Set("Amz-Sdk-Invocation-Id", fmt.Sprintf("00000000-0000-4000-8000-%012x", i))
			req.Header.Set("Amz-Sdk-Request", "attempt=1; max=4")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("got status %d: %s", w.Code, w.Body)
			}
		}
		return time.Since(start)
	}
	b.ResetTimer()
	var p, t time.Duration
	for range 4 { // alternate, so drift in the machine's speed hits both
		p += run(plain, b.N)
		t += run(tapped, b.N)
	}
	b.ReportMetric(float64(p.Nanoseconds())/float64(4*b.N), "plain-ns/req")
	b.ReportMetric(float64(t.Nanoseconds())/float64(4*b.N), "tapped-ns/req")
	b.ReportMetric(float64(p)/float64(t), "ratio")
}

func benchServer(b *testing.B, hook func(fakeservice.RequestInfo)) *fakeservice.Server {
	// A clock that advances 1 ms per reading refills the table faster
	// than a loop without network can drain it: nothing throttles.
	var ticks atomic.Int64
	now := func() time.Time { return time.Unix(1<<30, 0).Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	srv := fakeservice.New(fakeservice.Options{OnRequest: hook, Now: now})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"TableName":"bench","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":40000,"WriteCapacityUnits":40000}}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("CreateTable: status %d: %s", w.Code, w.Body)
	}
	return srv
}

// BenchmarkObserve is the collector's own cost per request: one-attempt
// operations, and throttled operations retried once.
//
//	go test -run '^$' -bench Observe -benchmem ./internal/served/
func BenchmarkObserve(b *testing.B) {
	for _, retried := range []bool{false, true} {
		b.Run(fmt.Sprintf("retried=%v", retried), func(b *testing.B) {
			col := New(Options{})
			ids := make([]string, 4096)
			for i := range ids {
				ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012x", i)
			}
			r := fakeservice.RequestInfo{Op: "PutItem", MaxAttempts: 4, Attempt: 1, Status: 200, Outcome: "ok",
				UserAgent: "aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.26 api/dynamodb#1.50.0 m/E", Source: "127.0.0.1:40000"}
			t := time.Unix(1<<30, 0)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				t = t.Add(100 * time.Microsecond)
				r.InvocationID, r.Arrived, r.Answered = ids[i%len(ids)], t, t.Add(50*time.Microsecond)
				if retried {
					r.Attempt, r.Status, r.Outcome, r.Throttled = 1, 400, "ProvisionedThroughputExceededException", true
					col.Observe(r)
					r.Attempt, r.Status, r.Outcome, r.Throttled = 2, 200, "ok", false
					r.Arrived, r.Answered = t.Add(60*time.Microsecond), t.Add(90*time.Microsecond)
				}
				col.Observe(r)
			}
		})
	}
}

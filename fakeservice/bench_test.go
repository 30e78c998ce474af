package fakeservice

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The speed target (issue 3): the fake's handler over real loopback HTTP
// serves PutItem of 1 KB items, with every model feature on, at no less
// than 0.8x the request rate of a bare net/http handler answering {} on the
// same machine in the same run. Both are driven by the same raw net/http
// client loop (b.RunParallel) sending the same pre-built bodies and headers.
//
//	go test -run '^$' -bench 'Serve' -benchtime 3s ./fakeservice/

const benchKeys = 1024

// benchFakeOptions turns every feature on: the default model (burst
// credit, partitions, adaptive capacity, per-key limits, the account
// limit), a fault schedule whose rules are evaluated on every request but
// not yet due, a brownout on the table that is also not yet due, the
// retry-after hint, and the metrics and per-second stats (always on).
func benchFakeOptions() Options {
	later := Window{At: Duration(24 * time.Hour)}
	return Options{Faults: &Faults{
		Seed:       1,
		Capacity:   []CapacityChange{{Window: later, Table: "bench", Scale: 0.5}},
		Errors:     []ErrorFault{{Window: later, Status: 503, Rate: 0.01}},
		Latency:    []LatencyFault{{Window: later, Delay: Duration(time.Millisecond)}},
		Stalls:     []StallFault{{Window: later, Duration: Duration(time.Second), Rate: 0.001}},
		Drops:      []DropFault{{Window: later, Rate: 0.001}},
		RetryAfter: Duration(50 * time.Millisecond),
	}}
}

// benchRequests returns benchKeys PutItem bodies of 1 KB items (billed
// size 1024 bytes) for table "bench", and their headers; signed with
// testKeyID when sign is set (a signature stays valid for 15 minutes).
func benchRequests(b *testing.B, host string, sign bool) ([][]byte, []http.Header) {
	bodies := make([][]byte, benchKeys)
	hdrs := make([]http.Header, benchKeys)
	signer := v4.NewSigner()
	for i := range bodies {
		id := fmt.Sprintf("key-%04d", i)
		pad := 1024 - len("id") - len(id) - len("p")
		bodies[i] = []byte(`{"TableName":"bench","Item":{"id":{"S":"` + id + `"},"p":{"S":"` + strings.Repeat("x", pad) + `"}}}`)
		h := http.Header{}
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
		if sign {
			req, _ := http.NewRequest(http.MethodPost, "http://"+host+"/", bytes.NewReader(bodies[i]))
			req.Header = h
			sum := sha256.Sum256(bodies[i])
			creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
			if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		hdrs[i] = h
	}
	return bodies, hdrs
}

// startFake starts the fake with the bench table (40,000 RCU and WCU, the
// per-table maximum, so that nothing throttles) and returns its URL.
func startFake(b *testing.B, opts Options) string {
	return startFakeWCU(b, opts, 40000)
}

// startFakeWCU starts the fake with the bench table provisioned at 40,000
// RCU and wcu WCU, and returns its URL.
func startFakeWCU(b *testing.B, opts Options, wcu int64) string {
	_, url := startServer(b, opts)
	c := newClient(b, url, true, nil)
	if opts.Credentials != nil {
		c = dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")},
			func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	}
	createTable(b, c, "bench", 40000, wcu)
	return url
}

// startBare starts a bare net/http handler answering {} on loopback.
func startBare(b *testing.B) string { return startBareBody(b, []byte("{}")) }

// startBareBody starts a bare net/http handler answering body on loopback.
func startBareBody(b *testing.B, body []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// load sends b.N requests from GOMAXPROCS goroutines and returns the rate;
// every answer must be 200 OK.
func load(b *testing.B, url string, bodies [][]byte, hdrs []http.Header) float64 {
	return loadStatus(b, url, bodies, hdrs, http.StatusOK)
}

// loadStatus is load for answers of the given status.
func loadStatus(b *testing.B, url string, bodies [][]byte, hdrs []http.Header, status int) float64 {
	return loadMeasured(b, url, bodies, hdrs, status).rate
}

// measured is what one load round measured: requests per second of wall
// time, and the process's CPU time per request (client and server: both
// run here), 0 where the CPU time cannot be read.
type measured struct {
	rate      float64
	cpuPerReq time.Duration
}

// loadMeasured is loadStatus that also measures CPU time per request, the
// figure that holds when other processes share the machine's cores (the
// wall-clock rate then depends on what they do).
func loadMeasured(b *testing.B, url string, bodies [][]byte, hdrs []http.Header, status int) measured {
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	var next, failed atomic.Uint64
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % benchKeys
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i]))
			req.Header = hdrs[i]
			resp, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != status {
				failed.Add(1)
			}
		}
	})
	m := measured{rate: float64(b.N) / time.Since(start).Seconds()}
	if cpu1 := processCPU(); cpu0 >= 0 && cpu1 >= 0 && b.N > 0 {
		m.cpuPerReq = (cpu1 - cpu0) / time.Duration(b.N)
	}
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed or not answered %d", n, b.N, status)
	}
	return m
}

// ratioRounds runs bare and fake loads alternately (so that drift in the
// machine's speed hits both) and reports their rates, fake/bare of the
// rates ("ratio") and of requests per CPU-second ("cpu-ratio": the rate
// ratio the fake would reach if the process had the cores to itself,
// stable when other processes share them).
func ratioRounds(b *testing.B, bare, fake func() measured) {
	const rounds = 2
	var bareRate, fakeRate float64
	var bareCPU, fakeCPU time.Duration
	for range rounds {
		m := bare()
		bareRate, bareCPU = bareRate+m.rate/rounds, bareCPU+m.cpuPerReq/rounds
		m = fake()
		fakeRate, fakeCPU = fakeRate+m.rate/rounds, fakeCPU+m.cpuPerReq/rounds
	}
	b.ReportMetric(bareRate, "bare-req/s")
	b.ReportMetric(fakeRate, "fake-req/s")
	b.ReportMetric(fakeRate/bareRate, "ratio")
	if bareCPU > 0 && fakeCPU > 0 {
		b.ReportMetric(float64(bareCPU.Nanoseconds())/1e3, "bare-cpu-us/req")
		b.ReportMetric(float64(fakeCPU.Nanoseconds())/1e3, "fake-cpu-us/req")
		b.ReportMetric(float64(bareCPU)/float64(fakeCPU), "cpu-ratio")
	}
}

// BenchmarkServe measures each server alone: the bare handler, the fake,
// and the fake verifying SigV4.
func BenchmarkServe(b *testing.B) {
	cases := []struct {
		name string
		url  func(b *testing.B) string
		sign bool
	}{
		{"bare", startBare, false},
		{"putitem", func(b *testing.B) string { return startFake(b, benchFakeOptions()) }, false},
		{"putitem-sigv4", func(b *testing.B) string {
			opts := benchFakeOptions()
			opts.Credentials = NewCredentialStore(Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret})
			return startFake(b, opts)
		}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			url := c.url(b)
			bodies, hdrs := benchRequests(b, strings.TrimPrefix(url, "http://"), c.sign)
			b.ResetTimer()
			b.ReportMetric(load(b, url, bodies, hdrs), "req/s")
		})
	}
}

// BenchmarkServeRatio runs the bare handler and the fake (unsigned, every
// model feature on) alternately in the same run and reports both rates and
// fake/bare, the figure the speed target is about.
func BenchmarkServeRatio(b *testing.B) { serveRatio(b, benchFakeOptions()) }

// BenchmarkServeRatioSizes is BenchmarkServeRatio on a fake that keeps
// each item's key and billed size only (KeepSizes, what bench run's
// embedded fake keeps by default) instead of the whole item (KeepFull, the
// zero value, what bench serve keeps).
func BenchmarkServeRatioSizes(b *testing.B) {
	opts := benchFakeOptions()
	opts.Keep = KeepSizes
	serveRatio(b, opts)
}

// serveRatio runs the bare handler and the fake started with opts
// alternately and reports their rates (see ratioRounds).
func serveRatio(b *testing.B, opts Options) {
	bare, fake := startBare(b), startFake(b, opts)
	bareBodies, bareHdrs := benchRequests(b, strings.TrimPrefix(bare, "http://"), false)
	fakeBodies, fakeHdrs := benchRequests(b, strings.TrimPrefix(fake, "http://"), false)
	b.ResetTimer()
	ratioRounds(b,
		func() measured { return loadMeasured(b, bare, bareBodies, bareHdrs, http.StatusOK) },
		func() measured { return loadMeasured(b, fake, fakeBodies, fakeHdrs, http.StatusOK) })
}

// BenchmarkServeThrottledRatio is BenchmarkServeRatio for fully throttled
// traffic, the common answer under overload: the bench table has 1 WCU,
// the fake's clock stands still (so the bucket never refills) and what the
// table holds is spent before the timer starts, so every PutItem is
// answered 400 ProvisionedThroughputExceededException with
// ThrottlingReasons and x-amz-retry-after, while the bare handler answers
// {}. Any other answer fails the benchmark.
func BenchmarkServeThrottledRatio(b *testing.B) { serveThrottledRatio(b, benchFakeOptions()) }

// BenchmarkServeThrottledRatioSizes is BenchmarkServeThrottledRatio on a
// fake that keeps each item's key and billed size only (KeepSizes, bench
// run's default): a throttled PutItem's item is then read for its size and
// key, and never built.
func BenchmarkServeThrottledRatioSizes(b *testing.B) {
	opts := benchFakeOptions()
	opts.Keep = KeepSizes
	serveThrottledRatio(b, opts)
}

// serveThrottledRatio runs the bare handler and the fake started with opts,
// every PutItem of the fake's throttled (see BenchmarkServeThrottledRatio).
func serveThrottledRatio(b *testing.B, opts Options) {
	bare := startBare(b)
	frozen := time.Now()
	opts.Now = func() time.Time { return frozen }
	fake := startFakeWCU(b, opts, 1)
	bareBodies, bareHdrs := benchRequests(b, strings.TrimPrefix(bare, "http://"), false)
	fakeBodies, fakeHdrs := benchRequests(b, strings.TrimPrefix(fake, "http://"), false)
	drainWrites(b, fake, fakeBodies[0], fakeHdrs[0])
	b.ResetTimer()
	ratioRounds(b,
		func() measured { return loadMeasured(b, bare, bareBodies, bareHdrs, http.StatusOK) },
		func() measured { return loadMeasured(b, fake, fakeBodies, fakeHdrs, http.StatusBadRequest) })
}

// drainWrites sends body until the fake answers it with a throttle.
func drainWrites(b *testing.B, url string, body []byte, hdr http.Header) {
	for range 100000 {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header = hdr
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			if !bytes.Contains(msg, []byte("ProvisionedThroughputExceededException")) {
				b.Fatalf("drain: got %d %s, want a throttle", resp.StatusCode, msg)
			}
			return
		}
	}
	b.Fatal("drain: the table never throttled")
}

// BenchmarkHandlerThrottled is BenchmarkHandlerPutItem for fully throttled
// traffic (see BenchmarkServeThrottledRatio): ServeHTTP alone, every
// answer a ProvisionedThroughputExceededException.
func BenchmarkHandlerThrottled(b *testing.B) {
	opts := benchFakeOptions()
	frozen := time.Now()
	opts.Now = func() time.Time { return frozen }
	s := New(opts)
	b.Cleanup(func() { _ = s.Close() })
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	createTable(b, newClient(b, url, true, nil), "bench", 40000, 1)
	bodies, hdrs := benchRequests(b, "localhost", false)
	drainWrites(b, url, bodies[0], hdrs[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i = (i + 1) % benchKeys
		r := &http.Request{Method: http.MethodPost, URL: &neturl.URL{Path: "/"}, Header: hdrs[i],
			Body: io.NopCloser(bytes.NewReader(bodies[i])), ContentLength: int64(len(bodies[i]))}
		w := &statusWriter{h: make(http.Header, 4)}
		s.ServeHTTP(w, r)
		if w.status != http.StatusBadRequest {
			b.Fatalf("got status %d, want 400", w.status)
		}
	}
}

// statusWriter is a ResponseWriter that keeps the status only.
type statusWriter struct {
	h      http.Header
	status int
}

func (w *statusWriter) Header() http.Header { return w.h }

func (w *statusWriter) WriteHeader(status int) { w.status = status }

func (w *statusWriter) Write(b []byte) (int, error) { return len(b), nil }

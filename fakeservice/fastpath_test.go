package fakeservice

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"
)

// TestNewRequestIDUnique checks that request IDs do not repeat.
func TestNewRequestIDUnique(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		id := string(appendRequestID(nil))
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("request ID %q does not match %s", id, requestIDPattern)
		}
		if seen[id] {
			t.Fatalf("request ID %q repeated", id)
		}
		seen[id] = true
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so that
// BenchmarkHandlerPutItem measures the handler alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(int) {}

func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkHandlerPutItem measures ServeHTTP alone, without the network, on
// BenchmarkServeRatio's requests and options. The clock advances 1 ms a
// request so that nothing throttles.
func BenchmarkHandlerPutItem(b *testing.B) { handlerPutItem(b, benchFakeOptions()) }

// BenchmarkHandlerPutItemSizes is BenchmarkHandlerPutItem on a fake that
// keeps each item's key and billed size only (BenchmarkServeRatioSizes'
// options).
func BenchmarkHandlerPutItemSizes(b *testing.B) {
	opts := benchFakeOptions()
	opts.Keep = KeepSizes
	handlerPutItem(b, opts)
}

// handlerPutItem measures ServeHTTP alone on a fake started with opts
// (its clock replaced), answering BenchmarkServeRatio's requests.
func handlerPutItem(b *testing.B, opts Options) {
	clock := newFakeClock()
	opts.Now = clock.Now
	s, url := startServer(b, opts)
	createTable(b, newClient(b, url, true, nil), "bench", 40000, 40000)
	bodies, hdrs := benchRequests(b, "localhost", false)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clock.Advance(time.Millisecond)
		i = (i + 1) % benchKeys
		r := &http.Request{Method: http.MethodPost, URL: &neturl.URL{Path: "/"}, Header: hdrs[i],
			Body: io.NopCloser(bytes.NewReader(bodies[i])), ContentLength: int64(len(bodies[i]))}
		w := &discardWriter{h: make(http.Header, 4)}
		s.ServeHTTP(w, r)
	}
}

// TestRequestIDPositions checks that every position of the request ID
// takes every character, and every two neighbours independently: 2,000 IDs
// leave a given character out of a given position with probability
// 36 × (35/36)^2000, about 10^-23, and give two neighbours about 1,020 of
// the 1,296 pairs (500 is more than 30 standard deviations below).
func TestRequestIDPositions(t *testing.T) {
	// Two digits at a time gives what one at a time gave for the same draw.
	oneAtATime := func(x uint64, n int) string {
		var b []byte
		for range n {
			b = append(b, requestIDChars[x%36])
			x /= 36
		}
		return string(b)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{requestIDChunk, requestIDLen % requestIDChunk} {
		for _, x := range []uint64{0, 1, 35, 36, 36*36 - 1, 36 * 36, r.Uint64N(1 << 62), r.Uint64N(1 << 62), r.Uint64N(1 << 62)} {
			if got, want := string(appendDigits(nil, x, n)), oneAtATime(x, n); got != want {
				t.Errorf("appendDigits(%d, %d) = %q, want %q (one digit at a time)", x, n, got, want)
			}
		}
	}

	var seen [requestIDLen][36]bool
	var pairs [requestIDLen - 1]map[string]bool
	for i := range pairs {
		pairs[i] = make(map[string]bool)
	}
	for range 2000 {
		id := appendRequestID(nil)
		for i, c := range id {
			seen[i][strings.IndexByte(requestIDChars, c)] = true
			if i > 0 {
				pairs[i-1][string(id[i-1:i+1])] = true
			}
		}
	}
	for i, chars := range seen {
		for c, ok := range chars {
			if !ok {
				t.Errorf("position %d never took %q in 2,000 IDs", i, requestIDChars[c])
			}
		}
	}
	for i, p := range pairs {
		if len(p) < 500 {
			t.Errorf("positions %d and %d took %d distinct pairs in 2,000 IDs, want at least 500 of 1,296", i, i+1, len(p))
		}
	}
}

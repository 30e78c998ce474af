package fakeservice

import (
	"bytes"
	"io"
	"net/http"
	neturl "net/url"
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
func BenchmarkHandlerPutItem(b *testing.B) {
	clock := newFakeClock()
	opts := benchFakeOptions()
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

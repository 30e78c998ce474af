package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// listenLoopback listens on addr for the flag named flagName, refusing any
// address but a loopback one: what bench serves about a run (metrics, the
// dashboard) names tables, strategies and endpoints, and is for this
// machine only. "localhost" means 127.0.0.1 (no name lookup).
func listenLoopback(flagName, addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, badInput{fmt.Errorf("%s %q: want HOST:PORT on loopback, e.g. 127.0.0.1:9100 (port 0 picks one): %w", flagName, addr, err)}
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		if host == "" {
			host = "every interface"
		}
		return nil, badInput{fmt.Errorf("%s %q: %s is not a loopback address; use 127.0.0.1 or [::1]", flagName, addr, host)}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return ln, nil
}

// serveLoopback serves h on ln until the returned stop is called, which
// closes the server and its connections.
func serveLoopback(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns ErrServerClosed once stop is called
	}()
	return func() {
		srv.Close()
		<-done
	}
}

// observers fans a run out to several observers.
type observers []runner.Observer

func (os observers) Observe(strategy string, live *runner.Live) func(metrics.Record) {
	fns := make([]func(metrics.Record), len(os))
	for i, o := range os {
		fns[i] = o.Observe(strategy, live)
	}
	return func(r metrics.Record) {
		for _, f := range fns {
			f(r)
		}
	}
}

// observer returns os as one runner.Observer, or nil when there is none.
func (os observers) observer() runner.Observer {
	switch len(os) {
	case 0:
		return nil
	case 1:
		return os[0]
	}
	return os
}

// announce prints where something is served.
func announce(stderr io.Writer, what string, ln net.Listener, path string) {
	fmt.Fprintf(stderr, "bench run: %s: http://%s%s\n", what, ln.Addr(), path)
}

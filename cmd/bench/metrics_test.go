package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// syncBuffer is a bytes.Buffer safe to write from the run and read from
// the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRun runs bench with args in the background and waits until its
// stderr announces a URL matching pattern (its first group), returning
// it and a function that waits for the exit status and output.
func startRun(t *testing.T, pattern string, args ...string) (string, func() (int, string, string)) {
	t.Helper()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- bench(context.Background(), args, &stdout, &stderr) }()
	wait := func() (int, string, string) {
		code := <-done
		done <- code
		return code, stdout.String(), stderr.String()
	}
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], wait
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("bench exited %d before serving; stderr:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q in stderr:\n%s", pattern, stderr.String())
	return "", nil
}

// overloaded offers five times the table's write capacity, so strategies
// retry throttled writes while the test watches.
const overloaded = `name: overloaded
table: {read_capacity: 10, write_capacity: 20}
workload: {rate: 100/s, duration: 4s, keys: 100, item_size: 1KB}
strategies:
  - none
  - {name: exponential, base: 5ms}
`

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels
// include want, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
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
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestRunServesPrometheusMetrics(t *testing.T) {
	// 8 s, not overloaded's 4: the second scrape, 3 s in, must fall within
	// the run also when -race on a loaded machine slows the first one (a
	// 4 s run was once over by then: connection refused).
	long := strings.Replace(overloaded, "duration: 4s", "duration: 8s", 1)
	url, wait := startRun(t, `metrics: (http://127\.0\.0\.1:\d+/metrics)`,
		"run", "--quiet", "--metrics", "127.0.0.1:0", "--out", t.TempDir(), writeScenario(t, long))
	time.Sleep(1500 * time.Millisecond)
	first := scrape(t, url)
	time.Sleep(1500 * time.Millisecond)
	second := scrape(t, url)

	for _, s := range []string{"none", "exponential"} {
		ok1, _ := value(first, "throttlebench_operations_total", map[string]string{"strategy": s, "outcome": "ok"})
		ok2, _ := value(second, "throttlebench_operations_total", map[string]string{"strategy": s, "outcome": "ok"})
		if !(ok1 > 0 && ok2 > ok1) {
			t.Errorf("%s: ok operations %v then %v, want > 0 and growing during the run", s, ok1, ok2)
		}
		if v, _ := value(second, "throttlebench_attempts_total", map[string]string{"strategy": s, "outcome": "throttled"}); v == 0 {
			t.Errorf("%s: no throttled attempts at 5x the table's capacity", s)
		}
		if v, _ := value(second, "throttlebench_operation_latency_seconds", map[string]string{"strategy": s}); v == 0 {
			t.Errorf("%s: empty latency histogram", s)
		}
		for _, name := range []string{"throttlebench_operations_in_flight", "throttlebench_operations_offered_total",
			"throttlebench_start_lag_seconds", "throttlebench_arrivals_late_total", "throttlebench_arrivals_dropped_total"} {
			if _, ok := value(second, name, map[string]string{"strategy": s}); !ok {
				t.Errorf("%s: no %s", s, name)
			}
		}
	}
	// exponential retries its throttles (none never does): retry delays
	// are those of its backoff, 5 ms and up.
	if v, _ := value(second, "throttlebench_retry_delay_seconds", map[string]string{"strategy": "exponential"}); v == 0 {
		t.Errorf("exponential: no retry delays recorded")
	}
	if v, _ := value(second, "throttlebench_retry_delay_seconds", map[string]string{"strategy": "none"}); v != 0 {
		t.Errorf("none: %v retry delays, want 0 (it never retries)", v)
	}
	if second["throttlebench_operation_latency_seconds"].GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("operation latency is a %v, want a histogram", second["throttlebench_operation_latency_seconds"].GetType())
	}
	if code, _, stderr := wait(); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("metrics still served after the run ended")
	}
}

func TestLiveAddressMustBeLoopback(t *testing.T) {
	sc := writeScenario(t, tiny)
	for _, tt := range []struct{ addr, want string }{
		{":9100", "every interface is not a loopback address"},
		{"0.0.0.0:9100", "0.0.0.0 is not a loopback address"},
		{"192.0.2.1:9100", "192.0.2.1 is not a loopback address"},
		{"example.com:9100", "example.com is not a loopback address"},
		{"9100", "want HOST:PORT on loopback"},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			code, _, stderr := runBench(t, "run", "--metrics", tt.addr, sc)
			if code != exitBadInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitBadInput, tt.want)
			}
		})
	}
}

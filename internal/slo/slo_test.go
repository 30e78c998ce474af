package slo

import (
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

func TestParseAndCheck(t *testing.T) {
	m := metrics.Summary{SuccessPct: 99.95, GoodputPerS: 95, AttemptsPerOp: 1.4, RetryShare: 0.2,
		LatencyMs: metrics.Percentiles{P50: 3, P90: 20, P99: 120, P999: 400, Max: 900}}
	tests := []struct {
		text     string
		strategy string
		value    float64
		met      bool
	}{
		{"p99 < 100ms", "", 120, false},
		{"p99 <= 1.5s", "", 120, true},
		{"p50<5ms", "", 3, true},
		{"max < 900", "", 900, false},
		{"success >= 99.9%", "", 99.95, true},
		{"goodput > 100/s", "", 95, false},
		{"attempts_per_op <= 1.5", "", 1.4, true},
		{"retry_share < 10%", "", 20, false},
		{"full-jitter: p90 < 25ms", "full-jitter", 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			s, err := Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if s.Strategy != tt.strategy {
				t.Errorf("strategy %q, want %q", s.Strategy, tt.strategy)
			}
			if v := s.Measure(m); v != tt.value || s.Met(v) != tt.met {
				t.Errorf("value %g met %v; want %g %v", v, s.Met(v), tt.value, tt.met)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for text, want := range map[string]string{
		"p99 100ms":        "want METRIC OP VALUE",
		"p98 < 100ms":      `unknown metric "p98"`,
		"success >= lots":  "want a percentage",
		": p99 < 1ms":      "empty strategy",
		"goodput > fast/s": "want a rate",
	} {
		if _, err := Parse(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", text, err, want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	slos := []SLO{must(Parse("success >= 99%")), must(Parse("none: p99 < 10ms"))}
	got := Evaluate(slos, map[string]metrics.Summary{
		"none":        {SuccessPct: 50, LatencyMs: metrics.Percentiles{P99: 5}},
		"full-jitter": {SuccessPct: 99.5},
	}, []string{"none", "full-jitter"})
	want := []Check{
		{"none", "success >= 99%", 50, false},
		{"none", "none: p99 < 10ms", 5, true},
		{"full-jitter", "success >= 99%", 99.5, true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("check %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func must(s SLO, err error) SLO {
	if err != nil {
		panic(err)
	}
	return s
}

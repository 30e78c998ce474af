package strategy

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	want := []string{"sdk-default", "none", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	Names()[0] = "mutated"
	if got := Names()[0]; got != "sdk-default" {
		t.Errorf("Names()[0] after mutating a previous result = %q, want %q", got, "sdk-default")
	}
	for _, name := range want {
		if got := mustNew(t, name, Params{}).Name(); got != name {
			t.Errorf("New(%q).Name() = %q, want %q", name, got, name)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name     string
		strategy string
		p        Params
		want     string // substring of the error
	}{
		{"unknown lists names", "fibonacci", Params{}, `unknown strategy "fibonacci" (valid: sdk-default, none, exponential, full-jitter, equal-jitter, decorrelated-jitter)`},
		{"empty name", "", Params{}, `unknown strategy ""`},
		{"case matters", "Full-Jitter", Params{}, `unknown strategy "Full-Jitter"`},
		{"negative attempts", "full-jitter", Params{MaxAttempts: -1}, "strategy full-jitter: max_attempts: must be >= 1, got -1"},
		{"negative base", "exponential", Params{Base: -ms}, "strategy exponential: base: must be > 0, got -1ms"},
		{"cap below base", "equal-jitter", Params{Base: time.Second, Cap: ms}, "strategy equal-jitter: cap: must be >= base (1s), got 1ms"},
		{"cap below default base", "decorrelated-jitter", Params{Cap: ms}, "strategy decorrelated-jitter: cap: must be >= base (25ms), got 1ms"},
		{"none with attempts", "none", Params{MaxAttempts: 3}, "strategy none: takes no parameters but max_attempts 1"},
		{"none with base", "none", Params{Base: ms}, "strategy none: takes no parameters"},
		{"sdk-default with attempts", "sdk-default", Params{MaxAttempts: 3}, "strategy sdk-default: takes no parameters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.strategy, tt.p)
			if err == nil {
				t.Fatalf("New(%q, %+v) = %v, nil; want error containing %q", tt.strategy, tt.p, s.Name(), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%q, %+v) error = %q, want it to contain %q", tt.strategy, tt.p, err, tt.want)
			}
		})
	}
}

func TestResolved(t *testing.T) {
	tests := []struct {
		strategy string
		p        Params
		want     map[string]any
	}{
		{"sdk-default", Params{}, map[string]any{
			"retry_mode": "standard", "max_attempts": 4, "base": "25ms", "throttle_base": "1s", "max_backoff": "20s",
			"retry_quota_tokens": uint(500), "retry_cost": uint(14), "throttle_retry_cost": uint(5), "no_retry_increment": uint(1),
		}},
		{"none", Params{}, map[string]any{"max_attempts": 1, "retry_quota": "none"}},
		{"exponential", Params{}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "retry_quota": "none"}},
		{"full-jitter", Params{MaxAttempts: 6}, map[string]any{"max_attempts": 6, "base": "25ms", "cap": "20s", "retry_quota": "none"}},
		{"equal-jitter", Params{Base: 100 * ms}, map[string]any{"max_attempts": 4, "base": "100ms", "cap": "20s", "retry_quota": "none"}},
		{"decorrelated-jitter", Params{Base: 5 * ms, Cap: 1500 * ms}, map[string]any{"max_attempts": 4, "base": "5ms", "cap": "1.5s", "retry_quota": "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			got := mustNew(t, tt.strategy, tt.p).Resolved()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolved() = %#v, want %#v", got, tt.want)
			}
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("json.Marshal(Resolved()): %v", err)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		strategy string
		want     string
	}{
		{"sdk-default", "the DynamoDB client's own retry.Standard: U[0, min(20s, x*2^(attempt-1))), x = 1s for throttles else 25ms; 4 attempts; retry quota 500 tokens (retry 14, throttle retry 5)"},
		{"none", "no retry: 1 attempt; the first error is final"},
		{"exponential", "min(20s, 25ms*2^(attempt-1)); 4 attempts; retries what the SDK retries; no retry quota"},
		{"full-jitter", "U[0, min(20s, 25ms*2^(attempt-1))); 4 attempts; retries what the SDK retries; no retry quota"},
		{"equal-jitter", "v/2 + U[0, v/2), v = min(20s, 25ms*2^(attempt-1)); 4 attempts; retries what the SDK retries; no retry quota"},
		{"decorrelated-jitter", "min(20s, U[25ms, 3*prev)), prev = 25ms before the first retry, then the operation's previous sleep; 4 attempts; retries what the SDK retries; no retry quota"},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			if got := mustNew(t, tt.strategy, Params{}).Describe(); got != tt.want {
				t.Errorf("Describe() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestNewRetryerKinds(t *testing.T) {
	if r := mustNew(t, "sdk-default", Params{}).NewRetryer(1); r != nil {
		t.Errorf("sdk-default NewRetryer = %T, want nil (keep the client's own retryer)", r)
	}
	for _, name := range ourNames {
		s := mustNew(t, name, Params{})
		a, b := s.NewRetryer(1), s.NewRetryer(1)
		if a == nil {
			t.Fatalf("%s NewRetryer = nil, want a retryer", name)
		}
		if a == b {
			t.Errorf("%s NewRetryer returned the same retryer twice, want one per client", name)
		}
	}
}

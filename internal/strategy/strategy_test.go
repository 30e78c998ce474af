package strategy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	want := []string{"sdk-default", "sdk-standard-noquota", "sdk-adaptive", "sdk-legacy", "none", "constant", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter", "token-bucket", "retry-budget", "adaptive-throttle", "circuit-breaker"}
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
		{"unknown lists names", "fibonacci", Params{}, `unknown strategy "fibonacci" (valid: sdk-default, sdk-standard-noquota, sdk-adaptive, sdk-legacy, none, constant, exponential, full-jitter, equal-jitter, decorrelated-jitter, token-bucket, retry-budget, adaptive-throttle, circuit-breaker)`},
		{"empty name", "", Params{}, `unknown strategy ""`},
		{"case matters", "Full-Jitter", Params{}, `unknown strategy "Full-Jitter"`},
		{"negative attempts", "full-jitter", Params{MaxAttempts: -1}, "strategy full-jitter: max_attempts: must be >= 1, got -1"},
		{"negative base", "exponential", Params{Base: -ms}, "strategy exponential: base: must be > 0, got -1ms"},
		{"cap below base", "equal-jitter", Params{Base: time.Second, Cap: ms}, "strategy equal-jitter: cap: must be >= base (1s), got 1ms"},
		{"cap below default base", "decorrelated-jitter", Params{Cap: ms}, "strategy decorrelated-jitter: cap: must be >= base (25ms), got 1ms"},
		{"none with attempts", "none", Params{MaxAttempts: 3}, "strategy none: takes no parameters but max_attempts 1"},
		{"none with base", "none", Params{Base: ms}, "strategy none: takes no parameters"},
		{"sdk-default with attempts", "sdk-default", Params{MaxAttempts: 3}, "strategy sdk-default: takes no parameters"},
		{"none with rate", "none", Params{Rate: 5}, "strategy none: takes no parameters"},
		{"field of another strategy", "full-jitter", Params{Rate: 5}, "strategy full-jitter: rate: not a parameter of this strategy (it takes max_attempts, base, cap)"},
		{"constant has no cap", "constant", Params{Cap: ms}, "strategy constant: cap: not a parameter of this strategy (it takes max_attempts, base)"},
		{"noquota has no quota", "sdk-standard-noquota", Params{Quota: 10}, "strategy sdk-standard-noquota: quota: not a parameter"},
		{"adaptive negative quota", "sdk-adaptive", Params{Quota: -1}, "strategy sdk-adaptive: quota: must be > 0, got -1"},
		{"legacy cap below base", "sdk-legacy", Params{Cap: 500 * ms}, "strategy sdk-legacy: cap: must be >= base (1s), got 500ms"},
		{"legacy negative timeout cost", "sdk-legacy", Params{TimeoutRetryCost: -2}, "strategy sdk-legacy: timeout_retry_cost: must be > 0, got -2"},
		{"token-bucket negative rate", "token-bucket", Params{Rate: -1}, "strategy token-bucket: rate: must be > 0 and finite, got -1"},
		{"token-bucket negative burst", "token-bucket", Params{Burst: -1}, "strategy token-bucket: burst: must be >= 1, got -1"},
		{"budget negative", "retry-budget", Params{Budget: -0.1}, "strategy retry-budget: budget: must be > 0, got -0.1"},
		{"budget negative window", "retry-budget", Params{Window: -time.Second}, "strategy retry-budget: window: must be > 0, got -1s"},
		{"budget has no k", "retry-budget", Params{K: 2}, "strategy retry-budget: k: not a parameter"},
		{"throttle negative k", "adaptive-throttle", Params{K: -1}, "strategy adaptive-throttle: k: must be > 0 and finite, got -1"},
		{"breaker negative threshold", "circuit-breaker", Params{Threshold: -1}, "strategy circuit-breaker: threshold: must be >= 1, got -1"},
		{"breaker ratio above 1", "circuit-breaker", Params{FailureRatio: 1.5}, "strategy circuit-breaker: failure_ratio: must be in (0, 1], got 1.5"},
		{"breaker negative cool-down", "circuit-breaker", Params{CoolDown: -ms}, "strategy circuit-breaker: cool_down: must be > 0, got -1ms"},
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
		{"constant", Params{}, map[string]any{"max_attempts": 4, "base": "25ms", "retry_quota": "none"}},
		{"sdk-standard-noquota", Params{}, map[string]any{
			"retry_mode": "standard", "max_attempts": 4, "base": "25ms", "throttle_base": "1s", "cap": "20s", "retry_quota": "none",
		}},
		{"sdk-adaptive", Params{}, map[string]any{
			"retry_mode": "adaptive", "max_attempts": 4, "base": "25ms", "throttle_base": "1s", "cap": "20s",
			"quota": 500, "retry_cost": 14, "throttle_retry_cost": 5, "no_retry_increment": uint(1),
		}},
		{"sdk-legacy", Params{}, map[string]any{
			"retry_mode": "standard (before v1.48.0)", "max_attempts": 3, "base": "1s", "cap": "20s",
			"quota": 500, "retry_cost": 5, "timeout_retry_cost": 10, "throttle_retry_cost": 5, "no_retry_increment": uint(1),
		}},
		{"token-bucket", Params{}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "rate": 100.0, "burst": 10, "retry_quota": "none"}},
		{"token-bucket", Params{Rate: 5}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "rate": 5.0, "burst": 1, "retry_quota": "none"}},
		{"retry-budget", Params{}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "budget": 0.1, "window": "10s", "min_per_second": 1.0}},
		{"retry-budget", Params{MinPerSecond: -1, Budget: 0.2}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "budget": 0.2, "window": "10s", "min_per_second": 0.0}},
		{"adaptive-throttle", Params{}, map[string]any{"max_attempts": 4, "base": "25ms", "cap": "20s", "k": 2.0, "window": "2m0s"}},
		{"circuit-breaker", Params{}, map[string]any{
			"max_attempts": 4, "base": "25ms", "cap": "20s", "threshold": 5, "failure_ratio": "off", "window": "10s", "cool_down": "1s",
		}},
		{"circuit-breaker", Params{FailureRatio: 0.5}, map[string]any{
			"max_attempts": 4, "base": "25ms", "cap": "20s", "threshold": 5, "failure_ratio": 0.5, "window": "10s", "cool_down": "1s",
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%+v", tt.strategy, tt.p), func(t *testing.T) {
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
		{"constant", "25ms after every failed attempt; 4 attempts; retries what the SDK retries; no retry quota"},
		{"sdk-legacy", "retry.Standard as before v1.48.0: U[0, 1s*2^attempt) for attempt <= 4 (floor(log2(20s/1s))), else 20s without jitter; 3 attempts; retry quota 500 tokens (retry 5, timeout retry 10, throttle retry 5; every successful attempt adds 1)"},
		{"retry-budget", "U[0, min(20s, 25ms*2^(attempt-1))); 4 attempts; a retry is granted if, over the last 10s, retries+1 <= 0.1*requests + 1/s*10s (requests: first attempts), else the operation fails with RetryBudgetExhaustedError"},
		{"adaptive-throttle", "client-side throttling (Google SRE book, \"Handling Overload\"): each attempt is rejected locally, with RejectedLocallyError, with probability max(0, (requests - 2*accepts)/(requests + 1)) over the last 2m0s (accepts: attempts not throttled or failed); then U[0, min(20s, 25ms*2^(attempt-1))); 4 attempts; no retry quota"},
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

package runner

import "testing"

// StrategyOfTable finds the strategy in the names TableName gives, with
// the same cleaning: the dashboard's capacity line depends on it.
func TestStrategyOfTable(t *testing.T) {
	names := []string{"budget", "retry-budget", "sdk default", "exp/2"}
	for _, tt := range []struct {
		strategy, want string
	}{
		{"budget", "budget"},
		{"retry-budget", "retry-budget"}, // the longest match
		{"sdk default", "sdk default"},   // cleaned to sdk-default
		{"exp/2", "exp/2"},
	} {
		table := TableName("throttlebench", "quick start", tt.strategy, "20260101T000000Z")
		if got := StrategyOfTable(table, names); got != tt.want {
			t.Errorf("StrategyOfTable(%q): got %q, want %q", table, got, tt.want)
		}
	}
	if got := StrategyOfTable("someone-elses-table", names); got != "" {
		t.Errorf("a table Run did not name: got %q, want none", got)
	}
}

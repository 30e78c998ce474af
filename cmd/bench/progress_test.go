package main

import (
	"strings"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/runner"
)

// TestProgressWarnsWhenLagGrows checks the live line: quiet while starts
// keep their time, a warning with the lag when they fall behind, and
// quiet again once a second passes on time.
func TestProgressWarnsWhenLagGrows(t *testing.T) {
	live := &runner.Live{}
	steps := []struct {
		lag     time.Duration // the largest start lag in this second
		dropped int64
		want    string // "" for no warning
	}{
		{lag: 300 * time.Microsecond},
		{lag: 14 * time.Millisecond, want: "! generator behind: start lag up to 14ms, 1 late"},
		{lag: 200 * time.Microsecond},
		{lag: 500 * time.Microsecond, dropped: 3, want: "start lag up to 500µs, 1 late, 3 dropped"},
	}
	for i, s := range steps {
		live.RecordStart(s.lag)
		live.Dropped.Add(s.dropped)
		line := progressLine(live, time.Duration(i)*time.Second, 10*time.Second)
		if s.want == "" && strings.Contains(line, "!") || s.want != "" && !strings.Contains(line, s.want) {
			t.Errorf("second %d: got %q, want warning %q", i, line, s.want)
		}
	}
}

package runner

import "testing"

func TestThrottledMinutes(t *testing.T) {
	sec := func(t int, throttled int64) ServerSecond { return ServerSecond{T: t, ThrottledRequests: throttled} }
	tests := []struct {
		name                    string
		series                  []ServerSecond
		wantThrottled, wantMins int
	}{
		{"none", nil, 0, 0},
		{"one second, no throttle", []ServerSecond{sec(0, 0)}, 0, 1},
		{"two throttled seconds in one minute", []ServerSecond{sec(3, 1), sec(59, 2), sec(60, 0)}, 1, 2},
		{"minutes 0 and 2 of 3", []ServerSecond{sec(0, 5), sec(61, 0), sec(120, 1), sec(179, 0)}, 2, 3},
	}
	for _, tt := range tests {
		ts := TableStats{Series: tt.series}
		got, mins := ts.ThrottledMinutes()
		if got != tt.wantThrottled || mins != tt.wantMins {
			t.Errorf("%s: got %d throttled of %d minutes, want %d of %d", tt.name, got, mins, tt.wantThrottled, tt.wantMins)
		}
	}
}

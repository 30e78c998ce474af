package runner

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGC(t *testing.T) {
	tests := []struct {
		name, gogc, gomemlimit string
		unchanged              bool // the environment wins
	}{
		{"defaults", "", "", false},
		{"GOGC set", "150", "", true},
		{"GOMEMLIMIT set", "", "2GiB", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			t.Setenv("GOMEMLIMIT", tt.gomemlimit)
			before, beforeLimit := gcPercent(), debug.SetMemoryLimit(-1)
			restore := TuneGC()
			want, wantLimit := GCPercent, int64(GCMemoryLimit)
			if tt.unchanged {
				want, wantLimit = before, beforeLimit
			}
			if got, gotLimit := gcPercent(), debug.SetMemoryLimit(-1); got != want || gotLimit != wantLimit {
				t.Errorf("after TuneGC: got GOGC %d, limit %d; want %d, %d", got, gotLimit, want, wantLimit)
			}
			restore()
			if got, gotLimit := gcPercent(), debug.SetMemoryLimit(-1); got != before || gotLimit != beforeLimit {
				t.Errorf("after restore: got GOGC %d, limit %d; want %d, %d", got, gotLimit, before, beforeLimit)
			}
		})
	}
}

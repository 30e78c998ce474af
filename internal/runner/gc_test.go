package runner

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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

// A live heap is given GCHeadroom of growth, whatever its size, until that
// is less than the runtime's default 100 %: growth of the live heap is not
// multiplied in the heap's peak.
func TestGCPercentFor(t *testing.T) {
	const MiB = 1 << 20
	for _, tt := range []struct {
		name string
		live uint64
		want int
	}{
		{"unknown", 0, 400},
		{"small", 4 * MiB, 800},
		{"8 MiB", 8 * MiB, 400},
		{"16 MiB", 16 * MiB, 200},
		{"past half the headroom", 24 * MiB, 133},
		{"equal to the headroom", 32 * MiB, 100},
		{"large", 512 * MiB, 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := GCPercentFor(tt.live); got != tt.want {
				t.Errorf("GCPercentFor(%d MiB): got %d, want %d", tt.live/MiB, got, tt.want)
			}
		})
	}
}

// While TuneGC is in effect, a large live heap lowers GOGC; restore puts
// back the settings from before.
func TestTuneGCFollowsTheLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := gcPercent()
	restore := TuneGC()
	defer restore()
	live := make([]byte, 128<<20) // 128 MiB live: 100 %
	live[len(live)-1] = 1
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() != 100 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("with 128 MiB live: got GOGC %d, want 100", got)
	}
	runtime.KeepAlive(live)
	restore()
	if got := gcPercent(); got != before {
		t.Errorf("after restore: got GOGC %d, want %d", got, before)
	}
}

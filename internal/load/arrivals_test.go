package load

import (
	"testing"
	"time"
)

func TestConstantOffsets(t *testing.T) {
	tests := []struct {
		name      string
		c         Constant
		n         int64
		want      time.Duration
		wantOK    bool
		wantCount int64
	}{
		{"first at zero", Constant{Rate: 200, Duration: time.Second}, 0, 0, true, 200},
		{"spacing 1/rate", Constant{Rate: 200, Duration: time.Second}, 3, 15 * time.Millisecond, true, 200},
		{"last inside window", Constant{Rate: 200, Duration: time.Second}, 199, 995 * time.Millisecond, true, 200},
		{"end of window excluded", Constant{Rate: 200, Duration: time.Second}, 200, time.Second, false, 200},
		{"fractional rate", Constant{Rate: 3, Duration: 2 * time.Second}, 1, 333333333, true, 6},
		{"zero rate has nothing", Constant{Duration: time.Second}, 0, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.c.Offset(tt.n)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Offset(%d) = %v, %v; want %v, %v", tt.n, got, ok, tt.want, tt.wantOK)
			}
			if c := tt.c.Count(); c != tt.wantCount {
				t.Errorf("Count() = %d, want %d", c, tt.wantCount)
			}
		})
	}
}

func TestKeyUniformAndRepeatable(t *testing.T) {
	const keys, n = 10, 100000
	var counts [keys]int
	for i := int64(0); i < n; i++ {
		k := Key(7, i, keys)
		if k != Key(7, i, keys) {
			t.Fatalf("Key(7, %d) not repeatable", i)
		}
		counts[k]++
	}
	for k, c := range counts {
		if c < n/keys*9/10 || c > n/keys*11/10 {
			t.Errorf("key %d drawn %d times of %d, want about %d", k, c, n, n/keys)
		}
	}
	if Key(7, 1, 1<<40) == Key(8, 1, 1<<40) {
		t.Errorf("different seeds gave the same key")
	}
}

package faults

import (
	"math"
	"testing"
	"time"
)

// DrainsFrom is the last offset at which no Drain is due: Due is false
// there for every table, and true just after it for a table its earliest
// withholding change names.
func TestDrainsFrom(t *testing.T) {
	w := func(at, dur time.Duration) Window { return Window{At: Duration(at), For: Duration(dur)} }
	cases := []struct {
		name    string
		changes []CapacityChange
		want    time.Duration
		table   string // a table due just after want; "" when want is MaxInt64
	}{
		{"none", nil, math.MaxInt64, ""},
		{"scale 1 withholds nothing", []CapacityChange{{Window: w(time.Second, 0), Scale: 1}}, math.MaxInt64, ""},
		{"one table", []CapacityChange{{Window: w(10*time.Second, 20*time.Second), Table: "orders", Scale: 0.25}}, 10 * time.Second, "orders"},
		{"earliest of several", []CapacityChange{
			{Window: w(time.Hour, 0), Table: "a", Scale: 0.5},
			{Window: w(5*time.Second, time.Second), Table: "b", Scale: 0},
			{Window: w(time.Second, time.Minute), Table: "c", Scale: 1},
		}, 5 * time.Second, "b"},
		{"every table, at the epoch", []CapacityChange{{Window: w(0, time.Minute), Scale: 0.5}}, 0, "any"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Schedule{Capacity: c.changes}
			got := s.DrainsFrom()
			if got != c.want {
				t.Fatalf("DrainsFrom() = %v, want %v", got, c.want)
			}
			if got == math.MaxInt64 {
				return
			}
			for _, table := range []string{"orders", "a", "b", "c", "any"} {
				if s.NewDrain(t0, t0, table).Due(t0.Add(got)) {
					t.Errorf("table %s: Due at DrainsFrom = true, want false", table)
				}
			}
			if !s.NewDrain(t0, t0, c.table).Due(t0.Add(got + time.Nanosecond)) {
				t.Errorf("table %s: Due just after DrainsFrom = false, want true", c.table)
			}
		})
	}
}

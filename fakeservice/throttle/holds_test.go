package throttle

import (
	"slices"
	"testing"
	"time"
)

// TestHolds replays holds and checks at fixed instants: a hold covers
// [now, now+d), a later hold of an item extends it, expired holds are
// forgotten, and d <= 0 holds nothing.
func TestHolds(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	var h Holds[string]
	steps := []struct {
		name  string
		at    time.Duration
		hold  []string      // keys to hold at at, for d
		d     time.Duration // the hold's length
		check []string      // keys to check at at
		want  []int         // Conflicts of check
		len   int           // Len after the step
	}{
		{name: "nothing held", check: []string{"a"}},
		{name: "hold a, b for 10 ms", hold: []string{"a", "b"}, d: 10 * ms, check: []string{"c", "b", "a"}, want: []int{1, 2}, len: 2},
		{name: "at 9 ms still held", at: 9 * ms, check: []string{"a", "b"}, want: []int{0, 1}, len: 2},
		{name: "hold b again at 9 ms", at: 9 * ms, hold: []string{"b"}, d: 10 * ms, check: []string{"b"}, want: []int{0}, len: 2},
		{name: "at 10 ms a is free, b held to 19 ms", at: 10 * ms, check: []string{"a", "b"}, want: []int{1}, len: 2},
		{name: "a hold of length 0 forgets a", at: 10 * ms, hold: []string{"c"}, check: []string{"a", "c"}, len: 1},
		{name: "at 19 ms all free", at: 19 * ms, check: []string{"a", "b", "c"}, len: 1},
		{name: "and forgotten by the next hold", at: 19 * ms, hold: []string{"d"}, d: -1, len: 0},
	}
	for _, st := range steps {
		now := t0.Add(st.at)
		if st.hold != nil {
			h.Hold(now, st.d, st.hold)
		}
		if got := h.Conflicts(now, st.check); !slices.Equal(got, st.want) {
			t.Errorf("%s: got conflicts %v, want %v", st.name, got, st.want)
		}
		if got := h.Len(); got != st.len {
			t.Errorf("%s: got %d marked, want %d", st.name, got, st.len)
		}
	}
}

// TestHoldFor checks Model.TransactionHold's default and sign.
func TestHoldFor(t *testing.T) {
	for _, tt := range []struct {
		set, want time.Duration
	}{{0, DefaultTransactionHold}, {-1, 0}, {time.Second, time.Second}} {
		if got := (Model{TransactionHold: tt.set}).HoldFor(); got != tt.want {
			t.Errorf("TransactionHold %v: got %v, want %v", tt.set, got, tt.want)
		}
	}
}

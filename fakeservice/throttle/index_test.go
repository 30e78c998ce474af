package throttle

import (
	"testing"
	"time"
)

// TestChargeAll checks that a request charged on a table and its indexes is
// admitted whole or not at all: a refusal by one gives back what the
// others took, and names the index's reason.
func TestChargeAll(t *testing.T) {
	m := Model{AccountWriteUnits: 100}
	acct := m.NewAccount(t0)
	table := m.NewProvisioned(10, 10, t0)
	index := m.NewProvisioned(10, 1, t0)
	table.UseAccount(acct)
	index.UseAccount(acct)
	charge := func(tableN, indexN MilliUnits) []Charge {
		return []Charge{{Capacity: table, Kind: Write, Key: "k", N: tableN}, {Capacity: index, Kind: Write, Key: "g", N: indexN, Index: true}}
	}
	steps := []struct {
		name      string
		at        time.Duration
		charges   []Charge
		admitted  bool
		reason    Reason
		failed    int
		tableLeft MilliUnits
	}{
		{"both fit", 0, charge(Unit, Unit), true, "", -1, 9 * Unit},
		{"index spent: table given back", 0, charge(Unit, Unit), false, IndexWriteProvisionedThroughputExceeded, 1, 9 * Unit},
		// The table refills 10 a second: 9 + 10 - 2.
		{"a second later the index has one unit", time.Second, charge(2*Unit, Unit), true, "", -1, 17 * Unit},
		{"table refuses first", time.Second, charge(18*Unit, Unit), false, TableWriteProvisionedThroughputExceeded, 0, 17 * Unit},
	}
	for _, st := range steps {
		now := t0.Add(st.at)
		d, i := ChargeAll(now, st.charges)
		if d.Admitted != st.admitted || d.Reason != st.reason || i != st.failed {
			t.Errorf("%s: got %v %q at %d, want %v %q at %d", st.name, d.Admitted, d.Reason, i, st.admitted, st.reason, st.failed)
		}
		if got := table.Available(now, Write); got != st.tableLeft {
			t.Errorf("%s: got %v table units left, want %v", st.name, got, st.tableLeft)
		}
	}
	// The account (100 a second, holding one second) was charged for the
	// admitted units only: full again after a second, less 2+1.
	if got := acct.write.Tokens(since(acct.origin, t0.Add(time.Second))); got != 97*Unit {
		t.Errorf("got %v account units left, want 97", got)
	}
}

func TestReasonOnIndex(t *testing.T) {
	for _, tt := range []struct{ in, want Reason }{
		{TableWriteProvisionedThroughputExceeded, IndexWriteProvisionedThroughputExceeded},
		{TableReadKeyRangeThroughputExceeded, IndexReadKeyRangeThroughputExceeded},
		{TableWriteMaxOnDemandThroughputExceeded, IndexWriteMaxOnDemandThroughputExceeded},
		{TableReadAccountLimitExceeded, IndexReadAccountLimitExceeded},
		{IndexReadAccountLimitExceeded, IndexReadAccountLimitExceeded},
	} {
		if got := tt.in.OnIndex(); got != tt.want || !got.Index() {
			t.Errorf("got %s.OnIndex() = %s, want %s", tt.in, got, tt.want)
		}
	}
}

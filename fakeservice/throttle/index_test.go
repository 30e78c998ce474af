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

// TestSetWarm checks warm throughput: an on-demand table serves it at once,
// a provisioned one gets the partitions that serve it.
func TestSetWarm(t *testing.T) {
	m := Model{}
	od := m.NewOnDemand(0, 0, t0)
	if r, w := od.Warm(); r != DefaultOnDemandReadUnits || w != DefaultOnDemandWriteUnits {
		t.Errorf("new on-demand table: got warm %d/%d, want the defaults", r, w)
	}
	od.SetWarm(0, 10000, t0)
	if got := od.Limit(t0, Write); got != 10000*Unit {
		t.Errorf("on demand warmed to 10,000 WCU: got limit %v, want 10000", got)
	}
	if d := od.Charge(t0, Write, 9000*Unit); !d.Admitted {
		t.Errorf("9,000 WCU at once on a table warmed to 10,000: got %v, want admitted", d)
	}
	p := m.NewProvisioned(100, 100, t0)
	if p.Partitions() != 1 {
		t.Fatalf("got %d partitions, want 1", p.Partitions())
	}
	p.SetWarm(0, 3500, t0)
	if got := p.Partitions(); got != 4 {
		t.Errorf("warmed to 3,500 WCU: got %d partitions, want 4 (1 split twice)", got)
	}
	if r, w := p.Warm(); r != 100 || w != 3500 {
		t.Errorf("got warm %d/%d, want 100/3500", r, w)
	}
	if got := p.Limit(t0, Write); got != 100*Unit {
		t.Errorf("got limit %v, want the provisioned 100", got)
	}
}

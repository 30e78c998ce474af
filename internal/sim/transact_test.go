package sim

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// TestTransactSteps replays transactions on the simulated table at fixed
// virtual instants, with the fake's rules: a held item cancels a
// transaction with TransactionConflict and fails a plain write, the hold
// ends after the model's 10 ms, and a key over its limit cancels with
// ThrottlingError on that item, consuming nothing.
func TestTransactSteps(t *testing.T) {
	sc := testScenario(100, 10, time.Second)
	s := newService(sc, throttle.Model{PartitionWriteUnits: 10, Burst: -1}, Epoch, "t")
	kb := int32(1000)
	it := func(i int64, size int32) txItem { return txItem{item: i, key: "k" + string(rune('0'+i)), size: size} }
	ms := time.Millisecond
	steps := []struct {
		name    string
		at      time.Duration
		write   bool
		items   []txItem
		held    int64 // an item to check with held after the step, -1 none
		isHeld  bool  // what held must say
		want    string
		reasons []string
	}{
		{name: "write 0 and 1", write: true, items: []txItem{it(0, kb), it(1, kb)}, held: 1, isHeld: true},
		{name: "write 2 and 1 at 5 ms: 1 conflicts", at: 5 * ms, write: true, items: []txItem{it(2, kb), it(1, kb)}, held: 2,
			want: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]", reasons: []string{"None", "TransactionConflict"}},
		{name: "get 1 at 9 ms conflicts", at: 9 * ms, items: []txItem{it(1, 0)}, held: -1,
			want: "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]", reasons: []string{"TransactionConflict"}},
		{name: "get 1 at 10 ms: free", at: 10 * ms, items: []txItem{it(1, 0)}, held: -1},
		// Key k3's 10 WCU a second: a 5 KB put in a transaction costs 10, a
		// second one at once 10 more.
		{name: "write 3 (5 KB): 10 units", at: 20 * ms, write: true, items: []txItem{it(3, 5*kb)}, held: -1},
		{name: "write 4 and 3 again: k3 throttles", at: 40 * ms, write: true, items: []txItem{it(4, kb), it(3, 5*kb)}, held: -1,
			want:    "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]",
			reasons: []string{"None", "ThrottlingError"}},
		{name: "4 was not written: nothing held", at: 41 * ms, items: []txItem{it(4, 0)}, held: 4},
	}
	for _, st := range steps {
		err := s.transact(st.at, st.write, st.items)
		if st.held >= 0 && s.held(st.at, st.held) != st.isHeld {
			t.Errorf("%s: got held(%d) %v, want %v", st.name, st.held, s.held(st.at, st.held), st.isHeld)
		}
		if st.want == "" {
			if err != nil {
				t.Errorf("%s: got %v, want success", st.name, err)
			}
			continue
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("%s: got %v, want TransactionCanceledException", st.name, err)
		}
		if got := aws.ToString(tce.Message); got != st.want {
			t.Errorf("%s: got message %q, want %q", st.name, got, st.want)
		}
		var codes []string
		for _, r := range tce.CancellationReasons {
			codes = append(codes, aws.ToString(r.Code))
		}
		if strings.Join(codes, ",") != strings.Join(st.reasons, ",") {
			t.Errorf("%s: got reasons %v, want %v", st.name, codes, st.reasons)
		}
		if again := s.transact(st.at, st.write, st.items); again != err {
			t.Errorf("%s: the same cancellation twice gave two error values", st.name)
		}
	}
}

package runner

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
)

// TestShardsShareOneTable: three shards against one endpoint with a start
// time offer the whole schedule between them, on one table that shard 0
// creates and deletes.
func TestShardsShareOneTable(t *testing.T) {
	target := startFake(t)
	sc := testScenario(10000, 300, time.Second)
	sc.Workload.Fleet = 3
	sc.Workload.Timeout = scenario.Duration(2 * time.Second)
	startAt := time.Now().Add(1500 * time.Millisecond)
	const n = 3
	res := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res[i], errs[i] = Run(context.Background(), Options{
				Scenario: sc, Target: target, Strategies: strategies(t, "none"),
				Shard: shard.Shard{Index: i, Count: n}, StartAt: startAt, TableWait: 5 * time.Second, TableLinger: 100 * time.Millisecond,
			})
		})
	}
	wg.Wait()
	var offered, ok int64
	for i, r := range res {
		if errs[i] != nil {
			t.Fatalf("shard %d: %v", i, errs[i])
		}
		s := r.Strategies[0]
		offered += s.Offered
		ok += s.Summary.Succeeded
		if s.Offered != 100 {
			t.Errorf("shard %d offered %d, want 100 (every third of 300)", i, s.Offered)
		}
		if s.Table != res[0].Strategies[0].Table {
			t.Errorf("shard %d used table %s, shard 0 %s: want one table", i, s.Table, res[0].Strategies[0].Table)
		}
		if info := r.Shard; info == nil || info.Index != i || info.Count != n || !info.SharedTable || info.TableOwner != (i == 0) {
			t.Errorf("shard %d: info %+v, want index %d of %d, shared table, owner %v", i, info, i, n, i == 0)
		}
		if s.LoadStart == nil || !s.LoadStart.Equal(startAt.UTC()) {
			t.Errorf("shard %d: load start %v, want the agreed %v", i, s.LoadStart, startAt.UTC())
		}
		// Clients are numbered as in one process: shard i runs member i.
		for m, c := range s.Summary.ByClient {
			if (c.Ops > 0) != (m == i) {
				t.Errorf("shard %d: member %d ran %d operations", i, m, c.Ops)
			}
		}
	}
	if offered != 300 || ok != 300 {
		t.Errorf("shards offered %d, succeeded %d; want 300 each", offered, ok)
	}
	if err := waitTable(context.Background(), target, res[0].Strategies[0].Table, 300*time.Millisecond, shard.Shard{Index: 1, Count: 3}); err == nil {
		t.Errorf("table %s still exists after shard 0 finished", res[0].Strategies[0].Table)
	}
}

// TestShardWaitsForTableBounded: a shard other than 0 gives up on a table
// nobody creates, saying why.
func TestShardWaitsForTableBounded(t *testing.T) {
	_, err := Run(context.Background(), Options{
		Scenario: testScenario(1000, 10, time.Second), Target: startFake(t), Strategies: strategies(t, "none"),
		Shard: shard.Shard{Index: 1, Count: 2}, StartAt: time.Now().Add(time.Second), TableWait: 400 * time.Millisecond,
	})
	if err == nil || !strings.Contains(err.Error(), "not ACTIVE after 400ms") || !strings.Contains(err.Error(), "shard 0 creates it") {
		t.Fatalf("error %v, want the bounded wait for shard 0's table", err)
	}
}

func TestShardRefusesUnsynchronisedTrials(t *testing.T) {
	_, err := Run(context.Background(), Options{
		Scenario: testScenario(1000, 10, time.Second), Target: startFake(t), Strategies: strategies(t, "none"),
		Shard: shard.Shard{Index: 0, Count: 2}, StartAt: time.Now().Add(time.Second), Trials: 2,
	})
	if err == nil || !strings.Contains(err.Error(), "would not start together") {
		t.Fatalf("error %v, want a refusal of trials with a start time", err)
	}
}

package runner

import (
	"sync"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// The collector gets every record once, each adder's in the order it
// added them, and the ones added before close even when close comes
// before a tick.
func TestRecordQueueKeepsOrder(t *testing.T) {
	const adders, each = 8, 3000 // more than recordCap in all: adders wait for room
	q := newRecordQueue()
	var got []metrics.Record
	collected := make(chan struct{})
	go func() {
		q.collect(func(r metrics.Record) { got = append(got, r) })
		close(collected)
	}()
	var wg sync.WaitGroup
	for a := range adders {
		wg.Go(func() {
			for i := range each {
				q.add(metrics.Record{Client: a, Attempts: i})
			}
		})
	}
	wg.Wait()
	q.close()
	<-collected
	if len(got) != adders*each {
		t.Fatalf("collected %d records, want %d", len(got), adders*each)
	}
	next := make([]int, adders)
	for i, r := range got {
		if r.Attempts != next[r.Client] {
			t.Fatalf("record %d: adder %d's record %d, want its record %d (out of order)", i, r.Client, r.Attempts, next[r.Client])
		}
		next[r.Client]++
	}
}

// add waits while recordCap records wait for the collector, as a send on
// a full channel did.
func TestRecordQueueBlocksWhenFull(t *testing.T) {
	q := newRecordQueue()
	for range recordCap {
		q.add(metrics.Record{})
	}
	added := make(chan struct{})
	go func() {
		q.add(metrics.Record{Client: 1})
		close(added)
	}()
	select {
	case <-added:
		t.Fatalf("add returned with %d records waiting, want it to wait for the collector", recordCap)
	case <-time.After(50 * time.Millisecond):
	}
	n := 0
	done := make(chan struct{})
	go func() {
		q.collect(func(metrics.Record) { n++ })
		close(done)
	}()
	<-added
	q.close()
	<-done
	if n != recordCap+1 {
		t.Errorf("collected %d records, want %d", n, recordCap+1)
	}
}

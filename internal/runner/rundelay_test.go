package runner

import (
	"runtime"
	"testing"
	"time"
)

// TestRunDelay: with twice as many threads spinning as the machine has
// cores, for 100 ms, the threads' OS run-queue wait grows by about half
// their time: at least a tenth of a core's 100 ms here, and never by more
// than the wall time for each thread.
func TestRunDelay(t *testing.T) {
	if runDelay() < 0 {
		t.Skip("the kernel keeps no per-thread run-queue wait here")
	}
	n := 2 * runtime.NumCPU()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	d0, t0 := runDelay(), time.Now()
	end := t0.Add(100 * time.Millisecond)
	done := make(chan struct{})
	for range n {
		go func() {
			for time.Now().Before(end) {
			}
			done <- struct{}{}
		}()
	}
	for range n {
		<-done
	}
	grew, wall := runDelay()-d0, time.Since(t0)
	t.Logf("%d threads spinning on %d cores for %v: run delay grew %v", n, runtime.NumCPU(), wall, grew)
	if lo, hi := 10*time.Millisecond, wall*time.Duration(n+8); grew < lo || grew > hi {
		t.Errorf("%d threads spinning on %d cores for %v: run delay grew %v, want %v to %v", n, runtime.NumCPU(), wall, grew, lo, hi)
	}
}

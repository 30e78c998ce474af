package runner

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Garbage collector settings for a process that generates load with Run.
const (
	// GCPercent is the GOGC that TuneGC starts with, before it has read
	// the live heap (the runtime's default is 100). A run's live heap is
	// small (histograms, connections, the fake's per-key state: tens of
	// MiB) and every operation allocates about 37 KiB, nearly all of it in
	// the SDK, net/http and the fake; at 5,000 operations/s the default
	// collected 20 times a second, and each collection stops the world and
	// shrinks the stacks of idle goroutines that the next operation grows
	// again.
	GCPercent = 400
	// GCHeadroom is what the heap may grow by between collections, in
	// bytes, whatever the live heap (unless the live heap is larger: then
	// the runtime's 100 %). A fixed amount, not a percent: a percent
	// multiplies whatever the live heap gains over a long run (the fake's
	// items on a large key space) in the process's peak memory, five times
	// at GOGC 400 (docs/memory.md). 32 MiB lasts about a second of
	// allocation at 1,000 operations/s, a fifth of one at 5,000.
	GCHeadroom = 32 << 20 // 32 MiB
	// GCMemoryLimit is the soft limit on the Go runtime's memory (GOMEMLIMIT)
	// that comes with GCPercent: near it the collector runs as often as it
	// must, whatever GCPercent says, so the larger growth never takes the
	// heap past it unless the live heap itself does.
	GCMemoryLimit = 1 << 30 // 1 GiB
)

// gcRetune is how often TuneGC's tuner reads the live heap.
const gcRetune = 100 * time.Millisecond

// GCPercentFor returns the GOGC that TuneGC sets for a live heap of live
// bytes: the percent that grows the heap by GCHeadroom, never below 100;
// GCPercent when live is not known (0).
func GCPercentFor(live uint64) int {
	if live == 0 {
		return GCPercent
	}
	return int(max(100, GCHeadroom*100/live))
}

// TuneGC sets the collector for a process that runs load, unless the GOGC
// or GOMEMLIMIT environment variable is set: then it changes nothing, so
// the user's settings win. It sets GCMemoryLimit and GCPercent, and until
// restore is called it sets the percent for the live heap
// (GCPercentFor, checked every 100 ms after each collection). It returns a
// function that stops that and restores the previous settings. Settings
// are process-wide; call it from main (bench run does), not from a
// library.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(GCMemoryLimit)
	percent := debug.SetGCPercent(GCPercent)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tuneGC(stop)
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			<-done
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		})
	}
}

// tuneGC sets GCPercentFor the live heap after each collection until stop
// is closed.
func tuneGC(stop <-chan struct{}) {
	samples := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(gcRetune)
	defer tick.Stop()
	var cycles uint64
	set := GCPercent
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 || samples[1].Value.Kind() != metrics.KindUint64 {
			return // not measured by this runtime: keep GCPercent
		}
		if c := samples[0].Value.Uint64(); c == cycles {
			continue
		} else {
			cycles = c
		}
		if p := GCPercentFor(samples[1].Value.Uint64()); p != set {
			debug.SetGCPercent(p)
			set = p
		}
	}
}

package runner

import (
	"os"
	"runtime/debug"
)

// Garbage collector settings for a process that generates load with Run.
const (
	// GCPercent is the heap growth, in percent of the live heap, that
	// triggers a collection (the runtime's default is 100). A run's live
	// heap is small (histograms, connections, the fake's items: tens of
	// MiB) and every operation allocates about 37 KiB, nearly all of it in
	// the SDK, net/http and the fake; at 5,000 operations/s the default
	// collected 20 times a second, and each collection stops the world and
	// shrinks the stacks of idle goroutines that the next operation grows
	// again. 400 collects a quarter as often.
	GCPercent = 400
	// GCMemoryLimit is the soft limit on the Go runtime's memory (GOMEMLIMIT)
	// that comes with GCPercent: near it the collector runs as often as it
	// must, whatever GCPercent says, so the larger growth never takes the
	// heap past it unless the live heap itself does.
	GCMemoryLimit = 1 << 30 // 1 GiB
)

// TuneGC sets GCPercent and GCMemoryLimit for a process that runs load,
// unless the GOGC or GOMEMLIMIT environment variable is set: then it
// changes nothing, so the user's settings win. It returns a function
// that restores the previous settings. Settings are process-wide; call it
// from main (bench run does), not from a library.
func TuneGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(GCMemoryLimit)
	percent := debug.SetGCPercent(GCPercent)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}

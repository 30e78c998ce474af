//go:build race

package sweep

// raceEnabled: the race detector slows the simulator about tenfold, so a
// search over a 35-minute ramp takes minutes; .ci/run runs that test
// without it.
const raceEnabled = true

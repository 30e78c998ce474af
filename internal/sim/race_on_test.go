//go:build race

package sim

// raceEnabled: the race detector slows the real SDK calls of
// TestAgreement tenfold, so its real runs no longer keep their schedule.
const raceEnabled = true

// Package load decides when operations arrive, which key each touches and
// what kind of operation it is.
//
// Everything here is a pure function of a seed and the operation's index
// (or, for arrivals, of the seed and the previous arrival): nothing reads the
// clock, so every strategy in a run sees the same arrival times and the same
// key sequence, tests check exact values at fixed instants, and the same
// schedules can drive a virtual-time simulation.
//
// Open-loop arrivals follow a Profile, a piecewise-linear rate over time.
// Constant, ramp, steps, spike and staged schedules are all profiles; the
// arrival process is either Uniform (evenly spaced in expected count: the
// n-th arrival at Λ⁻¹(n), where Λ is the profile's cumulative rate) or
// Poisson (a non-homogeneous Poisson process, by the time-rescaling
// theorem: arrivals at Λ⁻¹ of the points of a unit-rate Poisson process).
package load

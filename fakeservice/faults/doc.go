// Package faults is the fault schedule: what happens to a request at an
// instant, beyond what the throttling model decides. A Schedule (a Go
// value, or a YAML/JSON file read by Load) holds capacity changes
// (brownouts), 500 and 503 answers at a rate, added latency (fixed,
// uniform, normal or exponential), stalls, dropped connections and an
// x-amz-retry-after hint on throttles.
//
// Decide says, for the n-th request at an instant and an operation, what
// the schedule does to it; Drain is a table's invisible brownout consumer,
// taking the withheld share of its provisioned capacity from the model
// (package throttle) before each request. Both are pure functions of the
// time, the seed and the arrival number: the fake server (package
// fakeservice) and the simulator (internal/sim) call them verbatim and get
// the same faults at the same instants.
//
// It may import the standard library, go-yaml and package throttle; it
// knows nothing of HTTP handlers, JSON bodies or items.
package faults

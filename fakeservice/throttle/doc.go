// Package throttle is the throttling model: the one place a DynamoDB
// throttle rule lives. Token buckets (Bucket), a table's read and write
// capacity with its partitions, per-key limits, burst credit, adaptive
// capacity and on-demand peaks (TableCapacity), the account limit
// (Account), what a request costs (ReadCost, WriteCost), and the items
// transactions in flight hold (Holds, for TransactionConflict). Model holds
// every setting; its zero value is the default model.
//
// The model is pure: every method takes the time as an argument, never
// sleeps, never reads a clock and knows nothing of HTTP, JSON or items, so
// the fake server (package fakeservice), its throttling proxy and the
// simulator (internal/sim) call the same code and replay the same instants
// to the same decisions.
//
// It may import only the standard library. Everything else in the fake
// imports it; it imports none of them.
package throttle

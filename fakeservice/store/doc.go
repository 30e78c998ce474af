// Package store is the fake's item store and its operations: tables
// (Table) with their key schema, items, per-table lock, counters and
// throttling capacity (a throttle.TableCapacity), and the DynamoDB
// operations on them (CreateTable, DescribeTable, UpdateTable,
// DeleteTable, ListTables, PutItem, GetItem, UpdateItem, DeleteItem,
// Query, Scan, BatchWriteItem, BatchGetItem), run by DB.Do on a request
// body and answered as a value to Marshal or a *wire.Error. ParseFast is
// the one-pass lane for the hot PutItem, GetItem, UpdateItem and
// BatchWriteItem; DB.ParseFast also takes large values the store already
// shares (its interner) instead of copying them out of the body, which the
// front reuses once the request is answered. A PutItem it parsed is recycled
// once it has run, with the item map of a throttled one (throttled writes
// store nothing) for the next request to parse into.
//
// Each operation charges the throttling model (package throttle) what
// DynamoDB would, evaluates expressions with package expr and speaks the
// wire format of package wire. It knows nothing of HTTP, SigV4, IAM
// policies, faults or metrics: those are the front's (package
// fakeservice), which reads tables only through Lookup, Each and the
// exported fields under Table.Mu.
//
// It may import the standard library and packages throttle, wire and expr.
package store

// Package fakeservice is an in-memory, DynamoDB-compatible HTTP service that
// throttles like provisioned DynamoDB, so that client retry strategies can be
// compared against capacity rather than random error injection. The
// unmodified aws-sdk-go-v2 DynamoDB client works against it: point its
// BaseEndpoint at the URL Start returns. Requests are not authenticated;
// anonymous credentials are fine.
//
// # Operations
//
// The JSON 1.0 protocol (POST /, X-Amz-Target: DynamoDB_20120810.<Op>,
// Content-Type application/x-amz-json-1.0 or application/json) with
// CreateTable, DescribeTable, DeleteTable, ListTables, PutItem and GetItem.
// Tables are ACTIVE as soon as CreateTable returns. ItemCount and
// TableSizeBytes are exact at every instant (DynamoDB refreshes them every
// six hours or so). Secondary indexes, conditional writes and nested
// projection paths are refused with a ValidationException that says so,
// never silently ignored. GET / answers 200, as DynamoDB's health check.
//
// Every response, errors included, carries x-amzn-RequestId (52 characters
// of [0-9A-Z]), x-amz-crc32 (the decimal CRC-32 IEEE of the exact body bytes,
// which the SDK verifies) and Content-Type application/x-amz-json-1.0. Errors
// have DynamoDB's shapes, namespaces and messages (HTTP 400, 404 for a wrong
// method or content type, 413 with an empty body above MaxRequestSize).
//
// # Capacity
//
// Capacity is counted in MilliUnits (1000 = one RCU or WCU). A write costs one
// WCU per started KB of the item, at least one; PutItem charges the larger of
// the old and the new item. A read costs one RCU per started 4 KB, at least
// one (a missing item costs one), half when not strongly consistent. Item
// size is the sum over attributes of the UTF-8 name length and the value size
// (see dynalite's itemSize); ReturnConsumedCapacity TOTAL and INDEXES report
// exactly what was charged.
//
// # Throttling
//
// A PROVISIONED table has one read and one write token Bucket refilled
// continuously at its provisioned units per second. By default a bucket holds
// one second of capacity and a new table's buckets start full at that one
// second (its per-second allowance, not burst credit); Model makes both
// settings configurable. A request its bucket cannot pay for is refused
// without consuming anything, with HTTP 400 and
// ProvisionedThroughputExceededException carrying ThrottlingReasons such as
// {"reason":"TableWriteProvisionedThroughputExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/NAME"}.
// PAY_PER_REQUEST tables are never throttled for now.
//
// The throttling model (Model, TableCapacity, Bucket) is pure: it takes the
// time as an argument, never sleeps and knows nothing of HTTP, so tests
// replay fixed instants. The Server reads Options.Now once per request, under
// the table's lock.
//
// # Concurrency
//
// A Server is safe for concurrent use. Each table has its own lock, held only
// while an item request reads or updates that table's items and buckets;
// there is no server-wide lock on the request path. Stats reads atomic
// counters and never waits for requests. TableCapacity and Bucket are not
// safe for concurrent use on their own.
package fakeservice

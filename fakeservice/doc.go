// Package fakeservice is an in-memory, DynamoDB-compatible HTTP service that
// throttles like DynamoDB, so that client retry strategies can be compared
// against capacity rather than random error injection. The unmodified
// aws-sdk-go-v2 DynamoDB client works against it: point its BaseEndpoint at
// the URL Start returns. Anonymous credentials are fine unless
// Options.Credentials turns on SigV4 verification.
//
// # Rooms
//
// This package is the HTTP front and the public entry point (New, Options,
// Server, IMDS, the proxy); every rule lives in one room below it, and the
// simulator (internal/sim) calls the same rooms instead of copies:
//
//   - throttle: the throttling model (buckets, partitions, keys, burst,
//     adaptive and on-demand capacity, the account limit, costs). Imports
//     only the standard library.
//   - faults: the fault schedule (Decide, and Drain, the brownout
//     consumer). Imports throttle and go-yaml.
//   - wire: the JSON 1.0 wire format (attribute values, numbers, sizes, the
//     fast parser, error shapes). Imports throttle.
//   - expr: conditions, updates, key conditions, projections. Imports wire.
//   - store: tables, items and the operations. Imports throttle, wire, expr.
//
// This package holds routing, SigV4 (auth.go), IAM policy (policy.go),
// faults applied per request, /metrics and /stats (observe.go), the
// throttling proxy (proxy.go) and IMDS (imds.go), over store.DB. Model,
// Faults and the other names of the rooms that were fakeservice's are
// aliases here (exports.go), so code written against fakeservice keeps
// working. TestRoomsImportOneWay holds the imports to this order;
// ARCHITECTURE.md at the repository's root draws it.
//
// # Operations
//
// The JSON 1.0 protocol (POST /, X-Amz-Target: DynamoDB_20120810.<Op>,
// Content-Type application/x-amz-json-1.0 or application/json) with
// CreateTable, DescribeTable, UpdateTable, DeleteTable, ListTables, PutItem,
// GetItem, UpdateItem, DeleteItem, Query, Scan, BatchWriteItem and
// BatchGetItem. GET / answers 200, as DynamoDB's health check.
//
// Tables are ACTIVE as soon as CreateTable returns; UpdateTable answers
// UPDATING and its change is in force for the next request. ItemCount and
// TableSizeBytes are exact at every instant (DynamoDB refreshes them every
// six hours or so).
//
// Expressions work on top-level attributes: ConditionExpression on PutItem,
// UpdateItem and DeleteItem and FilterExpression on Query and Scan
// (comparisons = <> < <= > >=, BETWEEN, IN, AND, OR, NOT, parentheses,
// attribute_exists, attribute_not_exists, attribute_type, begins_with,
// contains), UpdateExpression (SET with a + b, a - b, if_not_exists and
// list_append; REMOVE; ADD on numbers and sets; DELETE on sets),
// KeyConditionExpression (partition-key equality and at most one sort-key
// condition: = < <= > >= BETWEEN begins_with) and ProjectionExpression,
// with ExpressionAttributeNames and ExpressionAttributeValues (unused or
// undefined ones are refused as DynamoDB refuses them). A failed condition
// is ConditionalCheckFailedException ("The conditional request failed"),
// with the old item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
// Query and Scan pages stop at Limit items or after the item that reaches
// 1 MB read, with LastEvaluatedKey; Scan supports Segment/TotalSegments.
//
// Not modelled, and refused with a ValidationException that says so, never
// silently ignored: streams, replicas, SSE settings, nested document paths
// (a.b, a[0]), size(), and the legacy parameters (Expected, AttributeUpdates,
// KeyConditions, QueryFilter, ScanFilter, ConditionalOperator; and
// AttributesToGet on Query and Scan). PartiQL operations are unknown. Reserved words are accepted in expressions, where DynamoDB
// refuses them. NumberOfDecreasesToday is always 0, and decreases and
// billing-mode switches are not rate-limited.
//
// Every response, errors included, carries x-amzn-RequestId (52 characters
// of [0-9A-Z]), x-amz-crc32 (the decimal CRC-32 IEEE of the exact body bytes,
// which the SDK verifies) and Content-Type application/x-amz-json-1.0. Errors
// have DynamoDB's shapes, namespaces and messages (HTTP 400; 404 for a wrong
// method or content type; 413 with an empty body above MaxRequestSize);
// validation covers item size (400 KB), key presence, types and sizes, empty
// key strings, batch sizes (25 writes, 100 keys) and duplicate batch keys.
//
// # Capacity accounting
//
// Capacity is counted in MilliUnits (1000 = one RCU or WCU). Item size is
// the sum over attributes of the UTF-8 name length and the value size
// (dynalite's itemSize). A write costs one WCU per started KB, at least one:
// PutItem and UpdateItem charge the larger of the old and the new item,
// DeleteItem the deleted item (one unit when there was none). A write whose
// condition fails is still charged the existing item's size, one unit when
// there is none (the Developer Guide's rule; the new item's size is what a
// successful write costs). A read costs one RCU per started 4 KB, at least
// one (a missing item costs one), half when not strongly consistent. Batches
// round each item separately; Query and Scan sum the sizes of the items
// read (before FilterExpression) and round once. ReturnConsumedCapacity
// TOTAL and INDEXES report exactly what was charged (INDEXES adds the
// table's share and, for writes, each global index's); batches report one
// entry per table.
//
// # Secondary indexes
//
// CreateTable takes GlobalSecondaryIndexes (own ProvisionedThroughput on a
// provisioned table, required there and refused on demand; OnDemandThroughput
// maximums on an on-demand table) and LocalSecondaryIndexes (the table's
// partition key, a sort key), with projections KEYS_ONLY, INCLUDE
// (NonKeyAttributes) and ALL; DescribeTable lists them with IndexArn
// (arn:aws:dynamodb:REGION:ACCOUNT:table/T/index/I), ItemCount and
// IndexSizeBytes; UpdateTable's GlobalSecondaryIndexUpdates Update changes
// an index's throughput at once, Create adds an ACTIVE, already backfilled
// index, Delete removes it (no CREATING/DELETING phases or backfill cost).
// Query and Scan take IndexName: items without the index key are not in
// the index (sparse), items come in the index's order (ties between equal
// index keys by the table key's canonical bytes, which DynamoDB does not
// document), projected, with a LastEvaluatedKey of the table's and the
// index's keys. ConsistentRead on a global index is refused ("Consistent
// reads are not supported on global secondary indexes"), as is Select
// ALL_ATTRIBUTES on a global index whose projection is not ALL. Index key
// attributes of the wrong type or empty are refused on write with
// DynamoDB's messages.
//
// A write costs on each index what DynamoDB counts: nothing for an item
// without the index key before and after; a put of the projected item size
// (rounded up per KB, on its own) when it enters the index; a delete of the
// old projected size when it leaves; both when its index key changes; and
// when it stays under the same key, the larger projected size, or nothing
// when the projected attributes are unchanged (the fake's reading of
// "writes that do not affect an index cost nothing on it"). The projected
// size is the sum of the projected attributes' sizes, without the 100-byte
// per-item overhead DynamoDB adds to storage (it does not publish that it
// bills it). A failed condition writes no index. Local indexes draw on the
// table's capacity (their units are added to the table's charge); global
// ones on their own capacity, a throttle.TableCapacity of the same Model:
// buckets, burst credit, partitions and per-key limits (keyed by the index
// partition key), on-demand peaks and maximums, and the account limit. A
// base write and its index writes are charged all or nothing
// (throttle.ChargeAll, table first, then the indexes in definition order):
// when an index refuses, the table's units are given back and the write is
// throttled with the index's reason (IndexWriteProvisionedThroughputExceeded,
// IndexWriteKeyRangeThroughputExceeded, IndexWriteMaxOnDemandThroughputExceeded,
// IndexWriteAccountLimitExceeded) and the index ARN as resource; the
// provisioned message is DynamoDB's GSI one ("...for one or more global
// secondary indexes of the table was exceeded..."). Query and Scan on a
// global index draw on its read capacity, with the IndexRead reasons. Batch
// writes charge each item so, and return a refused one in UnprocessedItems.
// On a table with a local index, an item collection (the items of one
// partition key and their local index entries, by billed size) holds at
// most Options.ItemCollectionLimit bytes (default 10 GB); a write that
// would grow it past that is refused with
// ItemCollectionSizeLimitExceededException (message chosen by the fake:
// "Item collection size limit exceeded"), whatever the capacity.
//
// # Warm throughput
//
// WarmThroughput (ReadUnitsPerSecond, WriteUnitsPerSecond) on CreateTable
// and UpdateTable, for the table and for global indexes (in their
// definition, or an UpdateTable Update or Create), takes effect at once
// (throttle.TableCapacity.SetWarm): an on-demand table or index serves it
// at once, as the floor of its instant limit max(floor, 2 × peak); a
// provisioned one gets the partitions that serve it (its capacity stays
// what is provisioned). DescribeTable reports WarmThroughput with Status
// ACTIVE: on demand the floor (the Model's OnDemandReadUnits and
// OnDemandWriteUnits when none was set), provisioned the larger of the
// capacity and what was set. Warm throughput is never lowered by traffic,
// and has no cost in the fake.
//
// # Auto scaling
//
// throttle.Scaler is Application Auto Scaling target tracking for one
// dimension (a provisioned table's or global index's read or write
// capacity), pure and time-injected. TableCapacity.Scale attaches it to a
// capacity: every admitted charge (and Debit) feeds it at its instant, a
// charge ChargeAll gives back is taken out again, and every charge first
// applies the changes due by then (SetProvisioned, as UpdateTable). The
// fake attaches it to every provisioned table it creates, and to the
// global indexes named, from Options.AutoScaling (bench run: the
// scenario's table.autoscaling; bench serve -autoscaling FILE); package
// sim attaches the same. DescribeTable then shows the ProvisionedThroughput
// in effect, with LastIncreaseDateTime and LastDecreaseDateTime at the
// latest change's effect; /stats lists every change under the table's
// scaling_actions and its series the capacity per second. A manual
// UpdateTable of a scaled table's throughput becomes the scaler's capacity
// (a pending change is dropped, the alarms count afresh); through the
// throttling proxy DescribeTable is the upstream's and does not show it.
// Consumed units are summed per minute (ScalingPolicy.Period, default
// CloudWatch's minute; shorter only for quick wall-clock tests) from the
// table's creation, as CloudWatch sums ConsumedCapacityUnits; only
// admitted requests consume. The high alarm fires after ScaleOutPeriods (default 2,
// AWS's) consecutive minutes above Target % of the capacity in effect, the
// low alarm after ScaleInPeriods (default 15, AWS's) below Target - 20 %.
// The new capacity is ceil(last minute's consumed per second / Target %),
// clamped to [Min, Max]; it takes effect Delay after the minute's end
// (default 1 minute: AWS does not publish how long the alarm, the scaling
// activity and the UpdateTable take; the model's choice). While a change
// is pending no other is decided, and both alarms count afresh once it
// takes effect. Decreases follow DynamoDB's daily limit: 4 at any time in
// a UTC day, then one more whenever none was made in the preceding hour
// (27 a day at most); the model counts them per dimension (DynamoDB counts
// per table, read and write together in one UpdateTable).
// NumberOfDecreasesToday stays 0 in DescribeTable.
//
// # Transactions
//
// TransactWriteItems (Put, Update, Delete, ConditionCheck; 1-100 items, no
// item twice: "Transaction request cannot include multiple operations on
// one item") and TransactGetItems (Get) run all or nothing under the locks
// of every table involved, taken in name order. Each item costs twice what
// the same plain operation costs (a write twice its WCU, index writes
// included; a ConditionCheck twice the checked item's WCU; a Get twice a
// strongly consistent read), charged all or nothing through
// throttle.ChargeAll. A failed condition cancels the transaction with
// TransactionCanceledException, whose CancellationReasons hold, per item in
// order, "None" or "ConditionalCheckFailed" (with the item under ALL_OLD);
// a cancelled transaction consumes nothing (AWS does not say). A throttle
// cancels it likewise with "ThrottlingError" on the first item refused,
// its Message the throttle's message (the GSI one when an index refused),
// and counts as one throttled read or write (Stats, /stats: the item
// refused), as the simulator counts it.
// The message is "Transaction cancelled, please refer cancellation reasons
// for specific reasons [None, ThrottlingError]". ClientRequestToken makes
// TransactWriteItems idempotent for TokenLifetime (10 minutes): the same
// request again is answered as the first was and changes nothing; another
// request with that token gets IdempotentParameterMismatchException
// (message chosen by the fake).
//
// Conflicts are per item, in time (throttle.Holds): an admitted
// TransactWriteItems holds each of its items, ConditionCheck included, for
// Model.TransactionHold from the instant it is admitted (default 10 ms:
// AWS does not publish how long a transaction is in flight; the model's
// choice; negative: no conflicts). While an item is held, a
// TransactWriteItems or TransactGetItems naming it is cancelled with the
// reason TransactionConflict ("Transaction is ongoing for the item") for
// that item, the other items' own reasons ("None", or
// "ConditionalCheckFailed") beside it, and consumes nothing; a PutItem,
// UpdateItem or DeleteItem on it fails with TransactionConflictException
// (same message), consuming nothing. GetItem, Query, Scan and BatchGetItem
// read committed data and never conflict; BatchWriteItem is not held back
// (DynamoDB does not document its item-level behaviour); a TransactGetItems
// holds nothing, and neither does a cancelled or throttled transaction.
// The table locks still make each request atomic in the process.
//
// # Throttling
//
// Every limit is a token bucket (Bucket), and every rule a field of Model,
// whose zero value is the default model. Units below are per second.
//
//   - Provisioned tables. One read and one write bucket per table, refilled
//     at the provisioned rate. A bucket holds the current second's
//     allowance (one second at the rate) plus burst credit: capacity left
//     unused accrues, up to Model.Burst of it (default 300 s at the rate;
//     negative: none). A new table starts with its one-second allowance
//     (Model.Initial, default 1 s; negative: empty) and no burst credit
//     (Model.InitialBurstCredit, default 0), so a table of W WCU serves W
//     one-KB writes in its first second. Credit accrues from the table's
//     first read (write) request, so a table created ahead of its load
//     starts it as a new table; Model.BurstFromCreation makes it accrue
//     from creation (DynamoDB does not publish which it does).
//     TableCapacity.BurstCredit reports the credit: what the bucket holds
//     beyond one second at the rate.
//   - Partitions. A provisioned table has ceil(RCU/PartitionReadUnits +
//     WCU/PartitionWriteUnits) partitions (defaults 3,000 and 1,000; at
//     least one); partition keys are placed by a 64-bit hash (FNV-1a, then
//     MurmurHash3's finalizer), each partition owning a contiguous hash
//     range. No partition and no single partition key serves more than
//     PartitionReadUnits or PartitionWriteUnits, so a hot key throttles
//     while the table is under its total (reason
//     KeyRangeThroughputExceeded). With adaptive capacity (the default) a
//     hot partition borrows unused table capacity at once,
//     up to that limit; with Model.NoAdaptiveCapacity each partition is held
//     to an even share of the table's rate and burst. UpdateTable never
//     merges partitions and splits each in two until there are enough.
//   - On-demand tables (PAY_PER_REQUEST). The instant limit is max(floor,
//     2 × peak), where peak is the most units consumed in one second over
//     Model.OnDemandPeakWindow (default 30 minutes, kept in 30 slots) and
//     floor is Model.OnDemandReadUnits / OnDemandWriteUnits (defaults
//     12,000 / 4,000), capped at Model.MaxTableUnits (default 40,000). A
//     raised limit is available at once. A table switched from provisioned
//     starts with a peak of half its provisioned units, so it serves at
//     least those at once. OnDemandThroughput maximums (-1: none) are hard
//     limits. The per-key limit holds too; partitions otherwise split as
//     needed and are not modelled.
//   - Account. All provisioned tables of a Server share a read and a write
//     bucket of Model.AccountReadUnits / AccountWriteUnits (default 80,000;
//     negative: none) holding one second; beyond it requests get
//     RequestLimitExceeded. (In DynamoDB the 80,000 quota bounds the sum of
//     provisioned capacity; here it bounds throughput, which is what a
//     client sees.)
//   - Quotas. CreateTable and UpdateTable refuse more than
//     Model.MaxTableUnits RCU or WCU with LimitExceededException.
//
// A throttled request consumes nothing. Its answer is HTTP 400 with:
//
//   - provisioned capacity or burst spent: ProvisionedThroughputExceededException,
//     Table{Read,Write}ProvisionedThroughputExceeded;
//   - a partition or key over its limit on a provisioned table: the same
//     exception, Table{Read,Write}KeyRangeThroughputExceeded;
//   - on demand, over the instant limit or a key over its limit:
//     ThrottlingException with DynamoDB's on-demand message ("Throughput
//     exceeds the current capacity of your table or index...") and
//     Table{Read,Write}KeyRangeThroughputExceeded;
//   - over an OnDemandThroughput maximum: ThrottlingException, "Throughput
//     exceeds the maximum OnDemandThroughput configured on table or index",
//     Table{Read,Write}MaxOnDemandThroughputExceeded;
//   - over the account limit: RequestLimitExceeded with DynamoDB's message and
//     Table{Read,Write}AccountLimitExceeded.
//
// The reason rides in ThrottlingReasons, or throttlingReasons on
// ThrottlingException, as {"reason": ..., "resource": table ARN}.
// ThrottlingException uses the com.amazon.coral.availability namespace.
// Where sources disagree the choice is a setting: Model.OnDemandThrottle
// (ThrottlingException or ProvisionedThroughputExceededException for
// on-demand key-range throttles) and Model.AccountThrottle
// (RequestLimitExceeded, ThrottlingException or
// ProvisionedThroughputExceededException for the account limit).
//
// Each item of a batch is charged separately; throttled items come back in
// UnprocessedItems or UnprocessedKeys (as are BatchGetItem keys past 16 MB
// of response), and the call fails, with the first throttle's error, only
// when no item could be processed. A Scan draws on the table-wide limits
// only; a Query also on its partition key's.
//
// The throttling model (Model, TableCapacity, Account, Bucket) is pure: it
// takes the time as an argument, never sleeps and knows nothing of HTTP, so
// tests replay fixed instants. The Server reads Options.Now once per
// request, under the table's lock.
//
// # Concurrency
//
// A Server is safe for concurrent use. Each table has its own lock, held only
// while a request reads or updates that table's items and capacity; batches
// take one table's lock at a time. There is no server-wide lock on the
// request path: the account limit has its own small lock, taken only to
// check and take units. Stats reads atomic counters and never waits for
// requests. TableCapacity and Bucket are not safe for concurrent use on
// their own.
//
// # Faults
//
// Options.Faults is a schedule (a Go value, or a YAML/JSON file read by
// LoadFaults for bench serve -faults) of: capacity changes (a brownout
// scales a table's provisioned read or write capacity to a fraction for a
// window; an invisible consumer takes the withheld share through
// TableCapacity.Withhold, so clients get that fraction plus any burst
// credit left), 500 InternalServerError and 503 ServiceUnavailable answers
// at a rate, added latency (fixed, uniform, normal or exponential), stalls,
// dropped connections (hijacked and closed), and an x-amz-retry-after hint
// (milliseconds) on every throttle. Offsets count from Faults.Epoch, or the
// server's start. Each decision is a pure function of the time, the seed and
// the request's arrival number, so a schedule replays exactly for a seed;
// Faults.CapacityScale is the hook a model can consult directly.
//
// # Observability
//
// GET /metrics answers the Prometheus text format: requests by operation
// and outcome, consumed capacity and throttled requests by table and kind,
// throttling reasons by table and reason, provisioned units, the brownout
// scale, units available and burst credit left, and injected faults.
// GET /stats (and Server.Report) answers JSON: per table, totals and a
// per-second series of consumed vs provisioned (in effect) units and
// throttled requests over the last Options.StatsWindow seconds
// (?seconds=N for fewer). Counters are atomics; the series is sampled from
// them once a second by whichever request first sees the new second,
// without waiting for any lock.
//
// # Authentication
//
// With Options.Credentials set, every API request must carry a SigV4
// signature by one of the stored credentials: the server signs the received
// request again with the SDK's own signer and compares. Failures answer
// HTTP 400 MissingAuthenticationTokenException (no signature),
// UnrecognizedClientException (unknown key or session token),
// ExpiredTokenException, IncompleteSignatureException or
// InvalidSignatureException (wrong secret, altered request, scope or clock
// skew over 15 minutes). Signatures and expiry are checked against the real
// clock, as clients sign with theirs. Secrets are never logged or printed.
//
// IMDS emulates the EC2 instance metadata service (IMDSv2 token, role
// listing, role credentials that expire and rotate) on its own listener;
// sharing its CredentialStore with the Server makes the fake accept exactly
// the credentials it issued, so an SDK client with no keys anywhere and
// AWS_EC2_METADATA_SERVICE_ENDPOINT set works end to end.
//
// Options.Policy enforces an IAM policy (internal/policy's Document, as
// bench policy prints it; bench serve -policy FILE): every API request's
// action, "dynamodb:" + its operation, must be allowed on each table ARN
// it names (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, from Options;
// ListTables on table/*; the tag operations on their ResourceArn), and a
// CreateTable with Tags needs dynamodb:TagResource as well. Otherwise the
// answer is HTTP 400 com.amazon.coral.service#AccessDeniedException,
// "User: PRINCIPAL is not authorized to perform: ACTION on resource: ARN
// because no identity-based policy allows the ACTION action", PRINCIPAL
// being Options.Principal or an instance role session (DefaultPrincipal).
//
// # Throttling proxy
//
// With Options.Upstream (bench serve -upstream URL) the Server is a
// throttling proxy: the model decides, a real DynamoDB-compatible endpoint
// (dynalite, DynamoDB Local) stores and answers. A throttle the model
// decides is answered exactly as above and never reaches the upstream.
//
// Every request still passes the Server's front: faults, SigV4
// verification, the policy and the counters. Then:
//
//   - Data plane (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan and
//     the two batches). The request is charged to the model before it is
//     forwarded, with what can be known from the request alone: PutItem the
//     new item's size, UpdateItem and DeleteItem one write unit, reads the
//     minimum (one unit, half when eventually consistent). A throttled
//     request is answered by the proxy with DynamoDB's throttle error and
//     never reaches the upstream; batch items are charged one by one and
//     the throttled ones come back in UnprocessedItems/UnprocessedKeys (the
//     call fails with the first throttle only when no item was admitted).
//   - The rest of the cost is charged after the upstream answers: the
//     proxy forwards the request with ReturnConsumedCapacity TOTAL (and
//     removes ConsumedCapacity from the answer when the client did not ask
//     for it), and whatever the upstream reports beyond what was charged
//     (PutItem's max(old, new), an UpdateItem's new size, a read's item
//     sizes) is taken from the same buckets without asking, which may leave
//     them negative, as DynamoDB charges a read's size after reading it.
//     When the upstream reports no ConsumedCapacity, reads are charged from
//     the sizes of the items answered (a projection or filter makes that an
//     underestimate) and writes keep the estimate. Batch remainders draw on
//     the table only, not on a partition; Query draws on the table only.
//     An error from the upstream (a failed condition, a validation error)
//     keeps what was charged at admission.
//   - Control plane. CreateTable is checked and mirrored by the model
//     first (its quotas and what it does not model are refused there),
//     then forwarded; a table the upstream does not create is dropped from
//     the model. DeleteTable and UpdateTable are forwarded and mirrored
//     when the upstream succeeds. A table the model does not know (created
//     before the proxy started) is adopted from the upstream's
//     DescribeTable on first use. DescribeTable, ListTables, tags and every
//     other operation are forwarded unchanged and consume nothing
//     (transactions and PartiQL are therefore not throttled).
//
// Requests go to the configured URL and nowhere else: no HTTP proxy from
// the environment, no redirects followed. Headers are forwarded as
// received, so the upstream must not verify signatures (dynalite and
// DynamoDB Local do not; real DynamoDB would refuse them, the signature
// being for the proxy's host).
package fakeservice

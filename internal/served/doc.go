// Package served measures any client from the server's side. The fake's
// front hands every answered request to a Collector (fakeservice
// Options.OnRequest), which rebuilds the client's operations from the
// headers every current AWS SDK sends (amz-sdk-invocation-id, the same on
// each attempt of an operation, and amz-sdk-request: attempt=N; max=M),
// groups them per client (User-Agent family and retry mode, see
// ClientName) and folds them into the same metrics.Aggregator as bench
// run's records, so run.json, the reports, bench compare and the SLOs work
// on them unchanged.
//
// Beyond the summary it keeps retry forensics per group (Forensics): the
// backoff gaps the server saw per attempt number, how synchronised the
// retries of different operations are, retries per throttle, attempts past
// the SDK's advertised max, and requests by User-Agent, access key id and
// source address. It never sees a secret: the front passes the access key
// id only.
//
// Requests without the headers count as one-attempt operations, and
// Forensics.NoHeaders says how many there were.
package served

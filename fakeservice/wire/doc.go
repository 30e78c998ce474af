// Package wire is DynamoDB's JSON 1.0 wire format as the fake speaks it:
// attribute values (Value, Type, Number) decoded and validated as DynamoDB
// validates them (DecodeItem, and Parser/ParseAttr, the one-pass fast lane
// that decodes exactly what encoding/json would), their billed sizes
// (ItemSize, after dynalite's itemSize), number arithmetic, and the error
// shapes, namespaces and messages DynamoDB answers with (Error and its
// constructors, ThrottleError for a throttle.Decision).
//
// It may import the standard library and package throttle (for the
// Decision a throttle error reports); it knows nothing of tables, HTTP
// handlers or expressions.
package wire

// Package expr is DynamoDB's expression language on top-level attributes:
// condition and filter expressions (comparisons, BETWEEN, IN, AND, OR,
// NOT, attribute_exists, attribute_not_exists, attribute_type,
// begins_with, contains), update expressions (SET with + and -,
// if_not_exists and list_append; REMOVE; ADD; DELETE), key conditions
// checked against a key schema (KeyCondition), and projections, all parsed
// in one Context of ExpressionAttributeNames and Values so that unused
// ones are refused as DynamoDB refuses them. Errors are wire.Error values
// with DynamoDB's messages.
//
// It may import the standard library and package wire; it knows nothing
// of tables, capacity or HTTP.
package expr

package fakeservice

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

// Error namespaces of the JSON 1.0 protocol's "__type" member.
const (
	nsDynamoDB = "com.amazonaws.dynamodb.v20120810#"
	nsCoral    = "com.amazon.coral.service#"
	nsValidate = "com.amazon.coral.validate#"
	// nsAvailability is ThrottlingException's namespace, as on DynamoDB's
	// control plane; unverified for the data plane (see the package doc).
	nsAvailability = "com.amazon.coral.availability#"
)

// contentType is what every response carries.
const contentType = "application/x-amz-json-1.0"

// unknownOperationXML is DynamoDB's 404 body for a wrong method or content type.
const unknownOperationXML = "<UnknownOperationException/>\n"

// throttleMessage is DynamoDB's message for a table's provisioned throughput.
const throttleMessage = "The level of configured provisioned throughput for the table was exceeded. " +
	"Consider increasing your provisioning level with the UpdateTable API."

// Throttle messages, as DynamoDB words them.
const (
	onDemandThrottleMessage = "Throughput exceeds the current capacity of your table or index. DynamoDB is " +
		"automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a " +
		"hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
	maxOnDemandMessage   = "Throughput exceeds the maximum OnDemandThroughput configured on table or index"
	accountLimitMessage  = "Throughput exceeds the current throughput limit for your account. To request a limit increase, contact AWS Support at https://aws.amazon.com/support."
	conditionalCheckText = "The conditional request failed"
)

// apiError is an error answered to the client in DynamoDB's shape.
type apiError struct {
	status int
	typ    string // namespace#Name
	msg    string
	// upperMessage writes the message as "Message", as coral's service
	// exceptions (SerializationException) do.
	upperMessage bool
	reasons      []throttlingReason
	// lowerReasons names the reasons member "throttlingReasons", as
	// ThrottlingException does.
	lowerReasons bool
	// item is ConditionalCheckFailedException's Item (ALL_OLD on failure).
	item map[string]attrValue
}

type throttlingReason struct {
	Reason   string `json:"reason"`
	Resource string `json:"resource"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: %s", e.typ, e.msg)
}

// body returns the JSON error body; member order matches DynamoDB's.
func (e *apiError) body() []byte {
	var b struct {
		Type              string               `json:"__type"`
		Message           string               `json:"message,omitempty"`
		UpperMessage      string               `json:"Message,omitempty"`
		ThrottlingReasons []throttlingReason   `json:"ThrottlingReasons,omitempty"`
		LowerReasons      []throttlingReason   `json:"throttlingReasons,omitempty"`
		Item              map[string]attrValue `json:",omitempty"`
	}
	b.Type = e.typ
	if e.upperMessage {
		b.UpperMessage = e.msg
	} else {
		b.Message = e.msg
	}
	if e.lowerReasons {
		b.LowerReasons = e.reasons
	} else {
		b.ThrottlingReasons = e.reasons
	}
	b.Item = e.item
	out, err := json.Marshal(b)
	if err != nil { // strings, reasons and decoded items always marshal
		panic(err)
	}
	return out
}

func validationError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsValidate + "ValidationException", msg: msg}
}

func serializationError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsCoral + "SerializationException", msg: msg, upperMessage: true}
}

func unknownOperationError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsCoral + "UnknownOperationException", msg: msg, upperMessage: true}
}

func resourceNotFoundError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsDynamoDB + "ResourceNotFoundException", msg: msg}
}

func resourceInUseError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsDynamoDB + "ResourceInUseException", msg: msg}
}

func limitExceededError(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsDynamoDB + "LimitExceededException", msg: msg}
}

func internalServerError() *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: nsDynamoDB + "InternalServerError", msg: "Internal server error"}
}

// throttleError is the error for a throttled Decision on the table whose
// ARN is arn: the Decision's exception with DynamoDB's message for it and a
// ThrottlingReasons (throttlingReasons on ThrottlingException) entry.
func throttleError(d Decision, arn string) *apiError {
	e := &apiError{
		status:  http.StatusBadRequest,
		reasons: []throttlingReason{{Reason: string(d.Reason), Resource: arn}},
	}
	account := d.Reason == TableReadAccountLimitExceeded || d.Reason == TableWriteAccountLimitExceeded
	switch d.Exception {
	case ExceptionThrottling:
		e.typ, e.lowerReasons = nsAvailability+"ThrottlingException", true
		switch {
		case d.Reason == TableReadMaxOnDemandThroughputExceeded || d.Reason == TableWriteMaxOnDemandThroughputExceeded:
			e.msg = maxOnDemandMessage
		case account:
			e.msg = accountLimitMessage
		default:
			e.msg = onDemandThrottleMessage
		}
	case ExceptionRequestLimitExceeded:
		e.typ, e.msg = nsDynamoDB+"RequestLimitExceeded", accountLimitMessage
	default:
		e.typ, e.msg = nsDynamoDB+"ProvisionedThroughputExceededException", throttleMessage
	}
	return e
}

// conditionalCheckFailed is ConditionalCheckFailedException, with the old
// item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
func conditionalCheckFailed(item map[string]attrValue) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsDynamoDB + "ConditionalCheckFailedException", msg: conditionalCheckText, item: item}
}

// validator collects constraint violations into DynamoDB's message:
// "N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy
// constraint: <constraint>; ..." (at most 10).
type validator struct {
	msgs []string
}

// add records a violation; value is already quoted ('x') or null.
func (v *validator) add(value, path, constraint string) {
	if len(v.msgs) < 10 {
		v.msgs = append(v.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, path, constraint))
	}
}

func (v *validator) notNull(path string, isNil bool) {
	if isNil {
		v.add("null", path, "Member must not be null")
	}
}

// enum checks an optional string against allowed values.
func (v *validator) enum(path string, s *string, allowed ...string) {
	if s != nil && !contains(allowed, *s) {
		v.add(quote(*s), path, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	}
}

// tableName checks a table name: 3-255 characters of [a-zA-Z0-9_.-].
func (v *validator) tableName(path string, name *string, required bool) {
	if name == nil {
		v.notNull(path, required)
		return
	}
	n := *name
	if !validTableNameChars(n) {
		v.add(quote(n), path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(n) < 3 {
		v.add(quote(n), path, "Member must have length greater than or equal to 3")
	}
	if len(n) > 255 {
		v.add(quote(n), path, "Member must have length less than or equal to 255")
	}
}

func (v *validator) err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return validationError("1 validation error detected: " + v.msgs[0])
	default:
		return validationError(fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
	}
}

func validTableNameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func quote(s string) string { return "'" + s + "'" }

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Response header keys, in canonical form so that writeResponse can set
// the map directly.
var (
	headerRequestID     = http.CanonicalHeaderKey("x-amzn-RequestId")
	headerCRC32         = http.CanonicalHeaderKey("x-amz-crc32")
	headerContentType   = http.CanonicalHeaderKey("Content-Type")
	headerContentLength = http.CanonicalHeaderKey("Content-Length")
)

// crcEmptyObject is the x-amz-crc32 of {}, the most common body.
var crcEmptyObject = strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte("{}"))), 10)

// writeResponse sends body with the headers the SDK expects on every
// response: a request ID, the CRC-32 of the exact body bytes, and the JSON 1.0
// content type.
func writeResponse(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	crc := crcEmptyObject
	if string(body) != "{}" {
		crc = strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)
	}
	vals := []string{ // one allocation for the four values
		newRequestID(),
		crc,
		contentType,
		strconv.Itoa(len(body)),
	}
	h[headerRequestID] = vals[0:1:1]
	h[headerCRC32] = vals[1:2:2]
	h[headerContentType] = vals[2:3:3]
	h[headerContentLength] = vals[3:4:4]
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away
}

func writeError(w http.ResponseWriter, err *apiError) {
	writeResponse(w, err.status, err.body())
}

const requestIDChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// requestIDChunk is how many request ID characters one draw gives: 36^12 <
// 2^64.
const requestIDChunk = 12

// newRequestID returns 52 random characters of [0-9A-Z], as DynamoDB's
// x-amzn-RequestId, each uniform and independent: the digits in base 36 of
// uniform draws of 12 digits (5 draws, not 52). math/rand/v2's global
// source is safe for concurrent use.
func newRequestID() string {
	const pow = 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 // 36^requestIDChunk
	var b [52]byte
	for i := 0; i < len(b); i += requestIDChunk {
		x := rand.Uint64N(pow)
		for j := i; j < min(i+requestIDChunk, len(b)); j++ {
			b[j] = requestIDChars[x%36]
			x /= 36
		}
	}
	return string(b[:])
}

// serviceUnavailableError is the 503 an overloaded endpoint answers. Its
// namespace is not documented; the SDK retries on the status code.
func serviceUnavailableError() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, typ: nsDynamoDB + "ServiceUnavailable", msg: "Service Unavailable"}
}

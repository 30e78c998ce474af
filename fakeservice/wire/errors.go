package wire

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
)

// TargetPrefix prefixes every X-Amz-Target the service answers.
const TargetPrefix = "DynamoDB_20120810."

// Error namespaces of the JSON 1.0 protocol's "__type" member.
const (
	NSDynamoDB = "com.amazonaws.dynamodb.v20120810#"
	NSCoral    = "com.amazon.coral.service#"
	NSValidate = "com.amazon.coral.validate#"
	// nsAvailability is ThrottlingException's namespace, as on DynamoDB's
	// control plane; unverified for the data plane (see the package doc).
	NSAvailability = "com.amazon.coral.availability#"
)

// ThrottleMessage is DynamoDB's message for a table's provisioned throughput.
const ThrottleMessage = "The level of configured provisioned throughput for the table was exceeded. " +
	"Consider increasing your provisioning level with the UpdateTable API."

// IndexThrottleMessage is DynamoDB's message for a global secondary index's
// provisioned throughput.
const IndexThrottleMessage = "The level of configured provisioned throughput for one or more global secondary indexes of the table " +
	"was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with " +
	"the UpdateTable API."

// Throttle messages, as DynamoDB words them.
const (
	OnDemandThrottleMessage = "Throughput exceeds the current capacity of your table or index. DynamoDB is " +
		"automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a " +
		"hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
	MaxOnDemandMessage   = "Throughput exceeds the maximum OnDemandThroughput configured on table or index"
	AccountLimitMessage  = "Throughput exceeds the current throughput limit for your account. To request a limit increase, contact AWS Support at https://aws.amazon.com/support."
	ConditionalCheckText = "The conditional request failed"
)

// Error is an error answered to the client in DynamoDB's shape.
type Error struct {
	Status int
	Type   string // namespace#Name
	Msg    string
	// UpperMessage writes the message as "Message", as coral's service
	// exceptions (SerializationException) do.
	UpperMessage bool
	Reasons      []ThrottlingReason
	// LowerReasons names the reasons member "throttlingReasons", as
	// ThrottlingException does.
	LowerReasons bool
	// Item is ConditionalCheckFailedException's Item (ALL_OLD on failure).
	Item map[string]Value
	// Cancellation is TransactionCanceledException's CancellationReasons,
	// one per item of the transaction in order.
	Cancellation []CancellationReason

	// body is Body's answer, encoded once, for an Error shared by every
	// request that gets it (ThrottleError's); it holds only while self
	// points at the Error itself, so that a copy changed by its holder is
	// encoded afresh.
	body []byte
	crc  uint32 // the CRC-32 (IEEE) of body, which x-amz-crc32 carries
	self *Error
}

// SharedCRC32 returns the CRC-32 (IEEE) of Body, computed once, for an
// Error ThrottleError shares; ok is false for any other Error (or a copy of
// a shared one), whose caller computes it.
func (e *Error) SharedCRC32() (crc uint32, ok bool) {
	if e.self != e {
		return 0, false
	}
	return e.crc, true
}

// CancellationReason is why one item of a cancelled transaction failed:
// Code "None" when it did not, "ConditionalCheckFailed",
// "ThrottlingError" or "TransactionConflict".
type CancellationReason struct {
	Code    string           `json:"Code"`
	Message string           `json:"Message,omitempty"`
	Item    map[string]Value `json:"Item,omitempty"`
}

type ThrottlingReason struct {
	Reason   string `json:"reason"`
	Resource string `json:"resource"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Type, e.Msg)
}

// Body returns the JSON error Body; member order matches DynamoDB's.
// Errors without Item or CancellationReasons (throttles among them, the
// common answer under overload) are encoded without reflection, in the
// bytes encoding/json would write (TestErrorBodyMatchesJSON).
func (e *Error) Body() []byte {
	if e.self == e {
		return e.body
	}
	if e.Item == nil && e.Cancellation == nil {
		n := 48 + len(e.Type) + len(e.Msg) // the members' names and punctuation
		for _, r := range e.Reasons {
			n += 32 + len(r.Reason) + len(r.Resource)
		}
		return e.appendJSON(make([]byte, 0, n))
	}
	return e.marshalJSON()
}

// appendJSON appends the body of an error without Item or
// CancellationReasons, as marshalJSON writes it.
func (e *Error) appendJSON(b []byte) []byte {
	b = append(b, `{"__type":`...)
	b = appendJSONString(b, e.Type)
	if e.Msg != "" {
		if e.UpperMessage {
			b = append(b, `,"Message":`...)
		} else {
			b = append(b, `,"message":`...)
		}
		b = appendJSONString(b, e.Msg)
	}
	if len(e.Reasons) > 0 {
		if e.LowerReasons {
			b = append(b, `,"throttlingReasons":[`...)
		} else {
			b = append(b, `,"ThrottlingReasons":[`...)
		}
		for i, r := range e.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"reason":`...)
			b = appendJSONString(b, r.Reason)
			b = append(b, `,"resource":`...)
			b = appendJSONString(b, r.Resource)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendJSONString appends s quoted as encoding/json quotes it: printable
// ASCII other than '"', backslash, '<', '>' and '&' as it is; any other string
// through json.Marshal, which escapes those and control characters and
// replaces invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if jsonSpecial[s[i]] {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonSpecial marks the bytes appendJSONString leaves to json.Marshal: one
// table lookup a byte instead of seven comparisons (item values of a
// kilobyte are common in GetItem answers).
var jsonSpecial = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&'
	}
	return t
}()

// marshalJSON is Body through encoding/json, for every shape.
func (e *Error) marshalJSON() []byte {
	var b struct {
		Type              string               `json:"__type"`
		Message           string               `json:"message,omitempty"`
		UpperMessage      string               `json:"Message,omitempty"`
		ThrottlingReasons []ThrottlingReason   `json:"ThrottlingReasons,omitempty"`
		LowerReasons      []ThrottlingReason   `json:"throttlingReasons,omitempty"`
		Item              map[string]Value     `json:",omitempty"`
		Cancellation      []CancellationReason `json:"CancellationReasons,omitempty"`
	}
	b.Type = e.Type
	if e.UpperMessage {
		b.UpperMessage = e.Msg
	} else {
		b.Message = e.Msg
	}
	if e.LowerReasons {
		b.LowerReasons = e.Reasons
	} else {
		b.ThrottlingReasons = e.Reasons
	}
	b.Item = e.Item
	b.Cancellation = e.Cancellation
	out, err := json.Marshal(b)
	if err != nil { // strings, reasons and decoded items always marshal
		panic(err)
	}
	return out
}

func ValidationError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSValidate + "ValidationException", Msg: msg}
}

func SerializationError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSCoral + "SerializationException", Msg: msg, UpperMessage: true}
}

func UnknownOperationError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSCoral + "UnknownOperationException", Msg: msg, UpperMessage: true}
}

func ResourceNotFoundError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "ResourceNotFoundException", Msg: msg}
}

func ResourceInUseError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "ResourceInUseException", Msg: msg}
}

func LimitExceededError(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "LimitExceededException", Msg: msg}
}

func InternalServerError() *Error {
	return &Error{Status: http.StatusInternalServerError, Type: NSDynamoDB + "InternalServerError", Msg: "Internal server error"}
}

// ThrottleError is the error for a throttled throttle.Decision on the table
// or index whose ARN is arn: the throttle.Decision's exception with
// DynamoDB's message for it and a ThrottlingReasons (throttlingReasons on
// ThrottlingException) entry. An index's reason (throttle.Reason.Index)
// gets the global secondary index message. Throttles are the common
// answer under overload: each distinct one is made and encoded once and
// then shared, so the Error returned, its Reasons and its Body must not be
// modified (a copy of the Error may be).
func ThrottleError(d throttle.Decision, arn string) *Error {
	k := throttleKey{d.Exception, d.Reason, arn}
	if e, ok := throttles.Load(k); ok {
		return e.(*Error)
	}
	e := newThrottleError(d, arn)
	e.body = e.Body()
	e.crc = crc32.ChecksumIEEE(e.body)
	e.self = e
	if throttleCount.Add(1) <= maxThrottles { // tables come and go: bounded
		throttles.Store(k, e)
	}
	return e
}

// throttles holds the Errors ThrottleError made, by throttleKey; up to
// maxThrottles of them (counted by throttleCount), past which new ones are
// made per request.
var (
	throttles     sync.Map
	throttleCount atomic.Int64
)

const maxThrottles = 4096

// throttleKey is what a throttle's Error depends on.
type throttleKey struct {
	exception throttle.Exception
	reason    throttle.Reason
	arn       string
}

// IsThrottleName reports whether an error's short name ("Name" of
// "ns#Name") is one of DynamoDB's throttles.
func IsThrottleName(name string) bool {
	return name == "ProvisionedThroughputExceededException" || name == "ThrottlingException" || name == "RequestLimitExceeded"
}

// IsThrottle reports whether e is one of DynamoDB's throttles: the request
// was refused before anything was stored or read.
func (e *Error) IsThrottle() bool {
	return IsThrottleName(e.Type[strings.LastIndexByte(e.Type, '#')+1:])
}

// newThrottleError makes the Error ThrottleError answers.
func newThrottleError(d throttle.Decision, arn string) *Error {
	// One allocation for the error and its reason.
	er := &struct {
		Error
		reason [1]ThrottlingReason
	}{reason: [1]ThrottlingReason{{Reason: string(d.Reason), Resource: arn}}}
	e := &er.Error
	e.Status, e.Reasons = http.StatusBadRequest, er.reason[:]
	account := d.Reason.AccountLimit()
	switch d.Exception {
	case throttle.ExceptionThrottling:
		e.Type, e.LowerReasons = NSAvailability+"ThrottlingException", true
		switch {
		case d.Reason.MaxOnDemand():
			e.Msg = MaxOnDemandMessage
		case account:
			e.Msg = AccountLimitMessage
		default:
			e.Msg = OnDemandThrottleMessage
		}
	case throttle.ExceptionRequestLimitExceeded:
		e.Type, e.Msg = NSDynamoDB+"RequestLimitExceeded", AccountLimitMessage
	default:
		e.Type, e.Msg = NSDynamoDB+"ProvisionedThroughputExceededException", ThrottleMessage
		if d.Reason.Index() && !account {
			e.Msg = IndexThrottleMessage
		}
	}
	return e
}

// ConditionalCheckFailed is ConditionalCheckFailedException, with the old
// item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
func ConditionalCheckFailed(item map[string]Value) *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "ConditionalCheckFailedException", Msg: ConditionalCheckText, Item: item}
}

// ServiceUnavailableError is the 503 an overloaded endpoint answers. Its
// namespace is not documented; the SDK retries on the status code.
func ServiceUnavailableError() *Error {
	return &Error{Status: http.StatusServiceUnavailable, Type: NSDynamoDB + "ServiceUnavailable", Msg: "Service Unavailable"}
}

// TransactionCanceled is TransactionCanceledException with one reason per
// item, and DynamoDB's message listing their codes.
func TransactionCanceled(reasons []CancellationReason) *Error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
	}
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "TransactionCanceledException",
		Msg:          "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		Cancellation: reasons}
}

// TransactionConflictText is DynamoDB's message for an item a transaction
// in flight holds: TransactionConflictException's, and the Message of a
// TransactionConflict cancellation reason.
const TransactionConflictText = "Transaction is ongoing for the item"

// TransactionConflict is the error of a PutItem, UpdateItem or DeleteItem
// on an item that a transaction in flight holds.
func TransactionConflict() *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "TransactionConflictException", Msg: TransactionConflictText}
}

// ConflictReason is the cancellation reason of a transaction's item that
// another transaction in flight holds.
func ConflictReason() CancellationReason {
	return CancellationReason{Code: "TransactionConflict", Message: TransactionConflictText}
}

// IdempotentParameterMismatch is the error for a ClientRequestToken reused
// with another request within its 10 minutes.
func IdempotentParameterMismatch() *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "IdempotentParameterMismatchException",
		Msg: "Request with the same client token was already used with different parameters"}
}

// ItemCollectionSizeLimitExceeded is the error for a write that would grow
// an item collection of a table with a local secondary index past its
// limit. DynamoDB's message is not documented; this one is the fake's.
func ItemCollectionSizeLimitExceeded() *Error {
	return &Error{Status: http.StatusBadRequest, Type: NSDynamoDB + "ItemCollectionSizeLimitExceededException",
		Msg: "Item collection size limit exceeded"}
}

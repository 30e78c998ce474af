package fakeservice

import (
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// contentType is what every response carries.
const contentType = "application/x-amz-json-1.0"

// unknownOperationXML is DynamoDB's 404 body for a wrong method or content type.
const unknownOperationXML = "<UnknownOperationException/>\n"

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
		return wire.ValidationError("1 validation error detected: " + v.msgs[0])
	default:
		return wire.ValidationError(fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
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

func writeError(w http.ResponseWriter, err *wire.Error) {
	writeResponse(w, err.Status, err.Body())
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

package fakeservice

import (
	"hash/crc32"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// contentType is what every response carries.
const contentType = "application/x-amz-json-1.0"

// unknownOperationXML is DynamoDB's 404 body for a wrong method or content type.
const unknownOperationXML = "<UnknownOperationException/>\n"

// Response header keys, in canonical form so that writeResponse can set
// the map directly.
var (
	headerRequestID     = http.CanonicalHeaderKey("x-amzn-RequestId")
	headerCRC32         = http.CanonicalHeaderKey("x-amz-crc32")
	headerContentType   = http.CanonicalHeaderKey("Content-Type")
	headerContentLength = http.CanonicalHeaderKey("Content-Length")
	headerRetryAfter    = http.CanonicalHeaderKey("x-amz-retry-after")
	headerTarget        = http.CanonicalHeaderKey("X-Amz-Target")
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
	if rec, ok := w.(*recorder); ok {
		rec.err = err // the front counts it without parsing its body
	}
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

package fakeservice

import (
	"hash/crc32"
	"math/rand/v2"
	"net/http"
	"strconv"
	"unsafe"

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
// content type; and its Content-Length, so that net/http sends header and
// body in one write, without chunking.
func writeResponse(w http.ResponseWriter, status int, body []byte) {
	writeResponseCRC(w, status, body, 0, false)
}

// writeResponseCRC is writeResponse given body's CRC-32 when known (a
// shared throttle's: wire.Error.SharedCRC32).
func writeResponseCRC(w http.ResponseWriter, status int, body []byte, crc uint32, known bool) {
	h := w.Header()
	// One allocation for the header's values: net/http copies the map at
	// WriteHeader and only reads the values, which are never changed.
	v := new(headerValues)
	t := appendRequestID(v.text[:0])
	idEnd := len(t)
	if string(body) == "{}" {
		t = append(t, crcEmptyObject...)
	} else {
		if !known {
			crc = crc32.ChecksumIEEE(body)
		}
		t = strconv.AppendUint(t, uint64(crc), 10)
	}
	crcEnd := len(t)
	t = strconv.AppendInt(t, int64(len(body)), 10)
	text := unsafe.String(unsafe.SliceData(t), len(t)) // t is v.text, written once, above
	v.vals = [4]string{text[:idEnd], text[idEnd:crcEnd], contentType, text[crcEnd:]}
	h[headerRequestID] = v.vals[0:1:1]
	h[headerCRC32] = v.vals[1:2:2]
	h[headerContentType] = v.vals[2:3:3]
	h[headerContentLength] = v.vals[3:4:4]
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away
}

// headerValues is the storage of one response's header values: the slices
// of vals are the header's, and the request ID, CRC-32 and length are
// strings over text.
type headerValues struct {
	vals [4]string
	text [requestIDLen + 10 + 20]byte // ID, CRC-32 (uint32), length (int64)
}

func writeError(w http.ResponseWriter, err *wire.Error) {
	if rec, ok := w.(*recorder); ok {
		rec.err = err // the front counts it without parsing its body
	}
	crc, known := err.SharedCRC32()
	writeResponseCRC(w, err.Status, err.Body(), crc, known)
}

const requestIDChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// requestIDLen is the length of DynamoDB's x-amzn-RequestId.
const requestIDLen = 52

// requestIDChunk is how many request ID characters one draw gives: 36^12 <
// 2^64.
const requestIDChunk = 12

// appendRequestID appends 52 random characters of [0-9A-Z], as DynamoDB's
// x-amzn-RequestId, each uniform and independent: the digits in base 36 of
// uniform draws of 12 digits (5 draws, not 52), taken two at a time
// (requestIDPairs: half the divisions). math/rand/v2's global source is
// safe for concurrent use.
func appendRequestID(b []byte) []byte {
	const pow = 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36 // 36^requestIDChunk
	for i := 0; i < requestIDLen; i += requestIDChunk {
		b = appendDigits(b, rand.Uint64N(pow), min(requestIDChunk, requestIDLen-i))
	}
	return b
}

// appendDigits appends the n (even) lowest base-36 digits of x, the lowest
// first, two at a time.
func appendDigits(b []byte, x uint64, n int) []byte {
	for range n / 2 {
		p := &requestIDPairs[x%(36*36)]
		b = append(b, p[0], p[1])
		x /= 36 * 36
	}
	return b
}

// requestIDPairs holds, for each n < 36², its two base-36 digits, the
// lower first (the order in which one digit at a time would give them).
var requestIDPairs = func() (t [36 * 36][2]byte) {
	for n := range t {
		t[n] = [2]byte{requestIDChars[n%36], requestIDChars[n/36]}
	}
	return t
}()

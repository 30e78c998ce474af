package fakeservice

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// RequestInfo is what the front saw of one API request (one attempt of an
// SDK operation), handed to Options.OnRequest once it is answered. It holds
// the SDK's retry headers, who sent it and how it ended; never a secret or a
// signature.
type RequestInfo struct {
	// Arrived is when the request reached the front, Answered when its
	// answer was written (or the connection dropped or the client left),
	// both on Options.Now.
	Arrived, Answered time.Time
	// Op is the operation the X-Amz-Target header names, or "unknown".
	Op string
	// InvocationID is the amz-sdk-invocation-id header: one per logical
	// operation, the same on each of its attempts. Empty when absent.
	InvocationID string
	// Attempt and MaxAttempts come from amz-sdk-request: attempt=N; max=M;
	// 0 when absent (some SDKs send no max).
	Attempt, MaxAttempts int
	// UserAgent is the User-Agent header (X-Amz-User-Agent when that is
	// longer, as browsers' SDKs send it).
	UserAgent string
	// AccessKeyID is the key id of the SigV4 Credential scope, empty for an
	// unsigned request. The secret and the signature are never read here.
	AccessKeyID string
	// Source is the client's address, host:port.
	Source string
	// Status is the HTTP status answered, 0 when none was (dropped
	// connection, client gone).
	Status int
	// Outcome is "ok", the DynamoDB error's short name (for example
	// "ProvisionedThroughputExceededException"), "http_<status>" for other
	// failures, "ConnectionDropped" or "ClientGone".
	Outcome string
	// Throttled is set for throttling errors and for batch answers that
	// came back with unprocessed items or keys.
	Throttled bool
}

// Outcomes of RequestInfo without an HTTP answer.
const (
	OutcomeDropped    = "ConnectionDropped"
	OutcomeClientGone = "ClientGone"
)

// serveTapped answers r like front, then reports it to Options.OnRequest.
// It only runs when the hook is set, so the request path of a Server
// without one is unchanged.
func (s *Server) serveTapped(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.front(w, r) // /metrics, /stats, health checks: not API traffic
		return
	}
	info := RequestInfo{
		Arrived:      s.now(),
		Op:           opLabel(headerValue(r.Header, headerTarget)),
		InvocationID: r.Header.Get("Amz-Sdk-Invocation-Id"),
		UserAgent:    r.Header.Get("User-Agent"),
		AccessKeyID:  accessKeyID(r.Header.Get("Authorization")),
		Source:       r.RemoteAddr,
	}
	if ua := r.Header.Get("X-Amz-User-Agent"); len(ua) > len(info.UserAgent) {
		info.UserAgent = ua
	}
	info.Attempt, info.MaxAttempts = ParseSDKRequest(r.Header.Get("Amz-Sdk-Request"))
	t := &tap{w: w, op: info.Op}
	reported := false
	report := func() {
		if reported {
			return
		}
		reported = true
		info.Answered = s.now()
		info.Status = t.status
		switch {
		case t.hijacked:
			info.Status, info.Outcome = 0, OutcomeDropped
		case t.status == 0:
			info.Outcome = OutcomeClientGone
		case t.outcome == "":
			info.Outcome, info.Throttled = answerOutcome(info.Op, t.status, nil)
		default:
			info.Outcome, info.Throttled = t.outcome, t.throttled
		}
		s.onRequest(info)
	}
	// Reported as the answer is written, before the client can read it:
	// so an attempt is always reported before the client's next one.
	t.answered = report
	defer func() {
		if v := recover(); v != nil {
			if !reported && t.status == 0 {
				t.hijacked = true // the connection is closed without an answer
			}
			report()
			panic(v) // http.ErrAbortHandler: the server closes the connection
		}
		report()
	}()
	s.front(t, r)
}

// ParseSDKRequest reads an amz-sdk-request header, "attempt=N; max=M"
// (either part may be missing); 0 for what is absent or malformed.
func ParseSDKRequest(v string) (attempt, maxAttempts int) {
	for v != "" {
		var part string
		part, v, _ = strings.Cut(v, ";")
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || n < 0 {
			continue
		}
		switch strings.TrimSpace(k) {
		case "attempt":
			attempt = n
		case "max":
			maxAttempts = n
		}
	}
	return attempt, maxAttempts
}

// accessKeyID returns the key id of a SigV4 Authorization header's
// Credential scope ("AWS4-HMAC-SHA256 Credential=AKID/date/region/...").
// It stops at the first '/', so no other part of the header is kept.
func accessKeyID(authz string) string {
	_, rest, ok := strings.Cut(authz, "Credential=")
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok || len(id) > 128 {
		return ""
	}
	return id
}

// tap passes a response through, noting its status and the error type of
// its body. Dropped connections go through Hijack.
type tap struct {
	w         http.ResponseWriter
	op        string
	status    int
	outcome   string
	throttled bool
	hijacked  bool
	seen      bool   // the body's first write was inspected
	answered  func() // called once the first write is inspected
}

func (t *tap) Header() http.Header { return t.w.Header() }

func (t *tap) WriteHeader(status int) {
	if t.status == 0 {
		t.status = status
	}
	t.w.WriteHeader(status)
}

func (t *tap) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if !t.seen {
		t.seen = true
		t.outcome, t.throttled = answerOutcome(t.op, t.status, b)
		t.answered()
	}
	return t.w.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (t *tap) Unwrap() http.ResponseWriter { return t.w }

// Hijack is how the front drops a connection (dropConnection).
func (t *tap) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := t.w.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	t.hijacked = true
	return hj.Hijack()
}

// answerOutcome names how an answer ended, from its status and body: "ok",
// the error type's short name, or "http_<status>"; throttled for throttling
// errors and for batch answers with unprocessed items or keys.
func answerOutcome(op string, status int, body []byte) (outcome string, throttled bool) {
	if status < 300 {
		if (op == "BatchWriteItem" && bytes.Contains(body, []byte(`"UnprocessedItems":{"`))) ||
			(op == "BatchGetItem" && bytes.Contains(body, []byte(`"UnprocessedKeys":{"`))) {
			return "ok", true
		}
		return "ok", false
	}
	name := bodyErrorName(body)
	if name == "" {
		return "http_" + strconv.Itoa(status), false
	}
	return name, wire.IsThrottleName(name)
}

// bodyErrorName returns the short name of the __type of a DynamoDB error
// body, or "" when it has none.
func bodyErrorName(body []byte) string {
	const key = `"__type":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return errorName(string(rest[:j]))
}

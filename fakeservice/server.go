package fakeservice

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// Now returns the current time; nil means time.Now. All throttling
	// decisions use it (tests inject a fake clock), as do CreationDateTime
	// values. The HTTP Date header stays on the real clock.
	Now func() time.Time
	// Region is used in ARNs. Empty means "us-east-1".
	Region string
	// AccountID is used in ARNs. Empty means "000000000000".
	AccountID string
	// Model is the throttling model; its zero value is the default model
	// (see Model).
	Model Model
	// ItemCollectionLimit is the most bytes one item collection (the items
	// of one partition key, with their local secondary index entries) of a
	// table with a local index holds; a write beyond it is refused with
	// ItemCollectionSizeLimitExceededException. Zero means DynamoDB's
	// 10 GB (store.DefaultItemCollectionLimit).
	ItemCollectionLimit int64
	// AutoScaling, when non-nil, is Application Auto Scaling target
	// tracking attached to every provisioned table created (and to its
	// global indexes named in it): see the package documentation, Auto
	// scaling. New does not validate it: call AutoScaling.Validate first.
	AutoScaling *AutoScaling
	// Faults is a schedule of injected faults (see Faults); nil means
	// none. New does not validate it: call Faults.Validate first.
	Faults *Faults
	// Credentials, when non-nil, turns on SigV4 verification: every API
	// request must be signed by one of them (see CredentialStore).
	Credentials *CredentialStore
	// StatsWindow is how many seconds of per-second history GET /stats
	// keeps; zero means DefaultStatsWindow.
	StatsWindow int
	// Policy, when non-nil, is enforced on every API request: the
	// operation's action ("dynamodb:" + operation) must be allowed on
	// every table it names, else AccessDeniedException (see the package
	// documentation, Authentication).
	Policy Policy
	// Principal names the caller in AccessDeniedException messages;
	// empty means DefaultPrincipal in AccountID.
	Principal string
	// Keep is what the item store keeps of each item: KeepFull (the zero
	// value) every attribute, KeepSizes the key and billed size, KeepNone
	// nothing (see store.Keep for what each answers to reads and
	// conditions). Throttling is the same whatever is kept.
	Keep Keep
	// StoreLimit is a soft cap, in bytes of billed item size, on the items
	// kept in full: past it, new items are kept as their key and size only
	// and StoreUsage counts them. Zero means no limit.
	StoreLimit int64
	// Upstream, when set, makes the Server a throttling proxy in front of
	// the DynamoDB-compatible endpoint at that base URL: the model decides
	// what to throttle and the upstream stores and answers (see the package
	// documentation, Throttling proxy).
	// New does not validate it: call CheckUpstream first.
	Upstream string
	// OnRequest, when set, is called once per API request (POST) after it
	// is answered, with what the front saw of it: the SDK's invocation id
	// and attempt headers, User-Agent, access key id, source and outcome
	// (see RequestInfo). It runs on the request's goroutine, concurrently
	// with other requests: it must be quick and safe for concurrent use.
	OnRequest func(RequestInfo)
}

// Defaults for Options' zero fields.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// MaxRequestSize is the largest request body accepted, in bytes: 16 MiB.
// Larger bodies are answered 413 with an empty body.
const MaxRequestSize = 16 << 20

// Server is an in-memory DynamoDB-compatible service speaking the JSON 1.0
// protocol. It is safe for concurrent use; see the package documentation.
type Server struct {
	now       func() time.Time
	region    string
	accountID string
	db        *store.DB         // the tables and operations (package store)
	fr        *front            // faults, SigV4 and metrics around serveAPI (observe.go)
	proxy     *proxy            // nil unless Options.Upstream is set (proxy.go)
	onRequest func(RequestInfo) // nil: no hook (traffic.go)

	mu   sync.Mutex // guards srv and done, for Start and Close
	srv  *http.Server
	done chan struct{} // closed when srv.Serve returns
}

// New returns a Server configured by opts, with no tables.
func New(opts Options) *Server {
	s := &Server{
		now:       opts.Now,
		region:    opts.Region,
		accountID: opts.AccountID,
		onRequest: opts.OnRequest,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.region == "" {
		s.region = DefaultRegion
	}
	if s.accountID == "" {
		s.accountID = DefaultAccountID
	}
	s.db = store.New(store.Options{Now: s.now, Region: s.region, AccountID: s.accountID, Model: opts.Model,
		Keep: opts.Keep, Limit: opts.StoreLimit, ItemCollectionLimit: opts.ItemCollectionLimit,
		AutoScaling: opts.AutoScaling})
	s.fr = newFront(s, opts)
	if opts.Upstream != "" {
		s.proxy = newProxy(opts.Upstream)
	}
	return s
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background until Close. It returns the base URL, such as
// "http://127.0.0.1:PORT", to use as the SDK's BaseEndpoint.
func (s *Server) Start(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("fakeservice: start: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fakeservice: start: %w", err)
	}
	srv := &http.Server{
		Handler: s,
		// A client that stalls must not pin a goroutine forever.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	s.srv, s.done = srv, done
	return "http://" + ln.Addr().String(), nil
}

// Close stops the listener started by Start, closes its connections and
// waits for the server to stop. It returns nil when the server was not
// started. The tables are kept; Start may be called again.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	<-s.done
	s.srv, s.done = nil, nil
	if err != nil {
		return fmt.Errorf("fakeservice: close: %w", err)
	}
	return nil
}

// ServeHTTP answers one request: GET /metrics and GET /stats, else the fault
// schedule and SigV4 verification (observe.go), then serveAPI.
// With Options.OnRequest set, API requests go through serveTapped (traffic.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.onRequest != nil {
		s.serveTapped(w, r)
		return
	}
	s.front(w, r)
}

// serveAPI answers one request in DynamoDB's wire format. Checks run in
// DynamoDB's order: method and content type, JSON syntax, target, empty body,
// then the operation's own validation, table lookup and capacity.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug must cost one request, not the process.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			writeError(w, wire.InternalServerError())
		}
	}()

	if r.Method == http.MethodGet && r.URL.Path == "/" {
		writeResponse(w, http.StatusOK, []byte("healthy: dynamodb."+s.region+".amazonaws.com "))
		return
	}
	if r.Method != http.MethodPost {
		writeResponse(w, http.StatusNotFound, []byte(unknownOperationXML))
		return
	}
	var body []byte
	if r.Body != nil {
		// The body's buffer is recycled when the answer is written: nothing
		// below keeps the body (store.ParseFast and the operations copy
		// what they keep) save the proxy, whose upstream request may still
		// be reading it.
		var buf *[]byte
		if s.proxy == nil {
			buf = bodyBuffers.Get().(*[]byte)
			defer putBodyBuffer(buf)
		}
		var err error
		body, err = readBody(w, r.Body, r.ContentLength, buf)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeResponse(w, http.StatusRequestEntityTooLarge, nil)
				return
			}
			writeError(w, wire.SerializationError("could not read request body: "+err.Error()))
			return
		}
	}
	if len(body) > 0 && !jsonContentType(headerValue(r.Header, headerContentType)) {
		writeResponse(w, http.StatusNotFound, []byte(unknownOperationXML))
		return
	}
	target := headerValue(r.Header, headerTarget)
	// The hot requests are parsed in one pass that also checks their syntax
	// (DB.ParseFast); nil for the others, which are checked here.
	fast := s.db.ParseFast(target, body)
	if len(body) > 0 && fast == nil && !json.Valid(body) {
		writeError(w, wire.SerializationError(""))
		return
	}
	name, ok := strings.CutPrefix(target, wire.TargetPrefix)
	if s.proxy != nil && ok && name != "" && len(body) > 0 {
		s.proxy.serve(s, w, r, name, body)
		return
	}
	if !ok || !store.Serves(name) {
		msg := ""
		if ok && name != "" {
			msg = "fakeservice does not implement " + name
		}
		writeError(w, wire.UnknownOperationError(msg))
		return
	}
	if len(body) == 0 {
		writeError(w, wire.SerializationError(""))
		return
	}
	out, err := s.db.Do(name, body, fast)
	if err != nil {
		ae, ok := err.(*wire.Error) // the common case, throttles among them: no reflection
		if !ok {
			ae = wrappedError(err)
		}
		writeError(w, ae)
		return
	}
	b, err := store.Marshal(out)
	if err != nil {
		writeError(w, wire.InternalServerError())
		return
	}
	writeResponse(w, http.StatusOK, b)
}

// wrappedError returns the *wire.Error err wraps, or InternalServerError.
// A function of its own: the variable errors.As fills is allocated, and
// only this rare path pays for it.
func wrappedError(err error) *wire.Error {
	var ae *wire.Error
	if !errors.As(err, &ae) {
		ae = wire.InternalServerError()
	}
	return ae
}

// jsonContentType reports whether ct is one the service accepts:
// application/x-amz-json-1.0 or application/json.
func jsonContentType(ct string) bool {
	if ct == contentType || ct == "application/json" {
		return true // what SDKs send; ParseMediaType would allocate
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/x-amz-json-1.0" || mt == "application/json")
}

// Stats returns the counters of every table that exists, by table name.
// Counters start at zero when a table is created and go when it is deleted.
// It is safe to call while requests are being served, and never blocks them.
func (s *Server) Stats() map[string]store.TableStats { return s.db.Stats() }

// readBody reads r, a request's body, to the end: through
// http.MaxBytesReader(w, r, MaxRequestSize), which refuses more than
// MaxRequestSize bytes, unless size (the request's Content-Length, -1 if
// unknown) is known and not above 1 MiB: net/http then stops the body at
// size bytes, and the wrapper is only put on for what comes beyond (a
// handler called directly). Such a body is read into *buf when buf is not
// nil (growing it), else into a buffer of its own, in one allocation when
// size is right; a client announcing more than 1 MiB must send it before
// it costs that much memory.
func readBody(w http.ResponseWriter, r io.ReadCloser, size int64, buf *[]byte) ([]byte, error) {
	if size <= 0 || size > 1<<20 {
		return io.ReadAll(http.MaxBytesReader(w, r, MaxRequestSize))
	}
	var b []byte
	if buf != nil {
		b = (*buf)[:0]
	}
	if int64(cap(b)) <= size { // +1: room to see EOF without growing
		b = make([]byte, 0, size+1)
		if buf != nil {
			*buf = b
		}
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if int64(len(b)) > size {
			// Longer than announced: the rest under the same limit.
			rest, err := io.ReadAll(http.MaxBytesReader(w, r, MaxRequestSize-int64(len(b))))
			return append(b, rest...), err
		}
	}
}

// bodyBuffers recycles request bodies' buffers (*[]byte): a body of the
// speed target's 1 KB PutItems would otherwise be the largest allocation
// of a request.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody is the largest buffer kept for reuse, in bytes: one large
// request must not pin its buffer for the rest of the run.
const maxPooledBody = 64 << 10

// putBodyBuffer returns buf to bodyBuffers once its request is answered.
func putBodyBuffer(buf *[]byte) {
	if cap(*buf) > maxPooledBody {
		*buf = nil
	}
	bodyBuffers.Put(buf)
}

// headerValue returns h's first value for key, which must be in canonical
// form: what h.Get(key) returns, without canonicalising key again (net/http
// stores a request's header keys canonicalised).
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// StoreUsage reports what the item store keeps and whether
// Options.StoreLimit was reached. Safe for concurrent use.
func (s *Server) StoreUsage() StoreUsage { return s.db.Usage() }

package fakeservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// CheckUpstream checks an Options.Upstream value: an http or https base URL
// with a host and no path, query or user information.
func CheckUpstream(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("upstream %q: want a base URL like http://127.0.0.1:4567", raw)
	}
	return nil
}

// maxUpstreamAnswer bounds an upstream answer read into memory: a
// BatchGetItem returns at most 16 MB of items.
const maxUpstreamAnswer = 64 << 20

// proxy forwards admitted requests to the upstream. It is safe for
// concurrent use.
type proxy struct {
	base   string // upstream base URL, no trailing slash
	client *http.Client
	adopt  sync.Mutex // one adoption of an unknown table at a time
}

func newProxy(raw string) *proxy {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the configured URL, never an HTTP_PROXY
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	return &proxy{
		base: strings.TrimRight(raw, "/"),
		client: &http.Client{
			Transport:     tr,
			Timeout:       time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// upstreamAnswer is the upstream's status and body.
type upstreamAnswer struct {
	status int
	body   []byte
}

// errorType returns the short name of the answer's error type; "" for a
// success or a body without one.
func (a upstreamAnswer) errorType() string {
	if a.status < 300 {
		return ""
	}
	var e struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(a.body, &e)
	return errorName(e.Type)
}

// hopHeaders are not forwarded: the transport writes its own.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Accept-Encoding"}

// forward sends op with body to the upstream with r's headers.
func (p *proxy) forward(r *http.Request, op string, body []byte) (upstreamAnswer, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.base+"/", bytes.NewReader(body))
	if err != nil {
		return upstreamAnswer{}, err
	}
	req.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		req.Header.Del(h)
	}
	req.Header.Set("X-Amz-Target", wire.TargetPrefix+op)
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return upstreamAnswer{}, fmt.Errorf("fakeservice: upstream %s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamAnswer))
	if err != nil {
		return upstreamAnswer{}, fmt.Errorf("fakeservice: upstream %s: %w", op, err)
	}
	return upstreamAnswer{status: resp.StatusCode, body: b}, nil
}

// serve answers one API request in proxy mode; body is valid JSON.
func (p *proxy) serve(s *Server, w http.ResponseWriter, r *http.Request, op string, body []byte) {
	var err error
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem":
		err = p.item(s, w, r, op, body, Write)
	case "GetItem", "Query", "Scan":
		err = p.item(s, w, r, op, body, Read)
	case "BatchWriteItem":
		err = p.batchWrite(s, w, r, body)
	case "BatchGetItem":
		err = p.batchGet(s, w, r, body)
	case "CreateTable":
		err = p.createTable(s, w, r, body)
	case "DeleteTable", "UpdateTable":
		err = p.mirrorAfter(s, w, r, op, body)
	default:
		err = p.pass(w, r, op, body)
	}
	if err != nil {
		// The upstream is unreachable or the client went away: a 500,
		// which clients retry.
		writeError(w, wire.InternalServerError())
	}
}

// pass forwards a request unchanged and relays the answer.
func (p *proxy) pass(w http.ResponseWriter, r *http.Request, op string, body []byte) error {
	a, err := p.forward(r, op, body)
	if err != nil {
		return err
	}
	writeResponse(w, a.status, a.body)
	return nil
}

// lookup returns the model's table name, adopting it from the upstream
// when the model does not know it. With a nil table, the answer (if any)
// is the model's refusal to mirror it; with neither, the upstream does not
// know the table either and the request is best passed on for the
// upstream to answer in its words.
func (p *proxy) lookup(s *Server, r *http.Request, name string) (*store.Table, *wire.Error, error) {
	if t, ok := s.db.Lookup(name); ok {
		return t, nil, nil
	}
	p.adopt.Lock()
	defer p.adopt.Unlock()
	if t, ok := s.db.Lookup(name); ok {
		return t, nil, nil
	}
	req, _ := json.Marshal(store.TableNameInput{TableName: &name})
	a, err := p.forward(r, "DescribeTable", req)
	if err != nil || a.status != http.StatusOK {
		return nil, nil, err
	}
	var d struct {
		Table struct {
			KeySchema             json.RawMessage
			AttributeDefinitions  json.RawMessage
			BillingModeSummary    *store.BillingModeSummary
			ProvisionedThroughput *store.ProvisionedThroughputDescription
			OnDemandThroughput    json.RawMessage
		}
	}
	if err := json.Unmarshal(a.body, &d); err != nil {
		return nil, nil, fmt.Errorf("fakeservice: upstream DescribeTable %s: %w", name, err)
	}
	in := map[string]any{"TableName": name, "KeySchema": d.Table.KeySchema, "AttributeDefinitions": d.Table.AttributeDefinitions}
	pt := d.Table.ProvisionedThroughput
	if (d.Table.BillingModeSummary != nil && d.Table.BillingModeSummary.BillingMode == store.BillingPayPerRequest) || pt == nil || pt.ReadCapacityUnits == 0 {
		in["BillingMode"] = store.BillingPayPerRequest
		if store.Present(d.Table.OnDemandThroughput) {
			in["OnDemandThroughput"] = d.Table.OnDemandThroughput
		}
	} else {
		in["ProvisionedThroughput"] = map[string]int64{"ReadCapacityUnits": pt.ReadCapacityUnits, "WriteCapacityUnits": pt.WriteCapacityUnits}
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.db.CreateTable(b); err != nil {
		return nil, asAPIError(err), nil
	}
	t, _ := s.db.Lookup(name)
	return t, nil, nil
}

func asAPIError(err error) *wire.Error {
	var ae *wire.Error
	if !errors.As(err, &ae) {
		ae = wire.InternalServerError()
	}
	return ae
}

// charge asks the model for n of kind on t's partition key hash at now.
func (p *proxy) charge(s *Server, t *store.Table, kind Kind, hash string, n MilliUnits) Decision {
	t.Mu.Lock()
	defer t.Mu.Unlock()
	if t.Deleted {
		return Decision{Admitted: true} // the upstream will say it is gone
	}
	return t.Charge(s.now(), kind, hash, n)
}

// debit takes the part of an admitted request's cost learnt from the
// upstream's answer.
func (p *proxy) debit(s *Server, t *store.Table, kind Kind, hash string, n MilliUnits) {
	if n <= 0 {
		return
	}
	t.Mu.Lock()
	defer t.Mu.Unlock()
	if t.Deleted {
		return
	}
	t.Debit(s.now(), kind, hash, n)
}

// askConsumed returns body asking for ReturnConsumedCapacity TOTAL, and
// whether it was added (so the answer's ConsumedCapacity is to be removed).
func askConsumed(body []byte, mode *string) ([]byte, bool) {
	if mode != nil && *mode != "NONE" {
		return body, false
	}
	b, err := setMembers(body, map[string]any{"ReturnConsumedCapacity": "TOTAL"})
	if err != nil {
		return body, false
	}
	return b, true
}

// setMembers returns the JSON object body with members set; a nil value
// removes the member.
func setMembers(body []byte, set map[string]any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	for k, v := range set {
		if v == nil {
			delete(m, k)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m)
}

// milli converts a ConsumedCapacity value to milli-units.
func milli(units float64) MilliUnits {
	return MilliUnits(math.Round(units * float64(Unit)))
}

// itemRequest is what the proxy reads of a single-item request, a Query or
// a Scan.
type itemRequest struct {
	TableName              *string
	Key, Item              map[string]json.RawMessage
	ConsistentRead         *bool
	ReturnConsumedCapacity *string
}

// item serves GetItem, PutItem, UpdateItem, DeleteItem, Query and Scan.
func (p *proxy) item(s *Server, w http.ResponseWriter, r *http.Request, op string, body []byte, kind Kind) error {
	var in itemRequest
	if json.Unmarshal(body, &in) != nil || in.TableName == nil {
		return p.pass(w, r, op, body) // the upstream refuses it in its words
	}
	t, refused, err := p.lookup(s, r, *in.TableName)
	switch {
	case err != nil:
		return err
	case refused != nil:
		writeError(w, refused)
		return nil
	case t == nil:
		return p.pass(w, r, op, body)
	}
	consistent := in.ConsistentRead != nil && *in.ConsistentRead
	var hash string
	est := ReadCost(0, consistent) // reads: the least a read costs
	switch op {
	case "PutItem":
		item, err := wire.DecodeItem(in.Item)
		if err != nil {
			return p.pass(w, r, op, body)
		}
		k, err := t.KeyOfItem(item)
		if err != nil {
			return p.pass(w, r, op, body)
		}
		hash, est = k.Hash, WriteCost(wire.ItemSize(item))
	case "GetItem", "UpdateItem", "DeleteItem":
		key, err := wire.DecodeItem(in.Key)
		if err != nil {
			return p.pass(w, r, op, body)
		}
		k, err := t.KeyOfKey(key)
		if err != nil {
			return p.pass(w, r, op, body)
		}
		hash = k.Hash
		if kind == Write {
			est = WriteCost(0)
		}
	}
	if d := p.charge(s, t, kind, hash, est); !d.Admitted {
		writeError(w, wire.ThrottleError(d, t.ARN))
		return nil
	}
	fwd, added := askConsumed(body, in.ReturnConsumedCapacity)
	a, err := p.forward(r, op, fwd)
	if err != nil {
		return err
	}
	if a.status == http.StatusOK {
		var out struct {
			ConsumedCapacity *struct{ CapacityUnits float64 }
			Item             map[string]json.RawMessage
			Items            []map[string]json.RawMessage
		}
		_ = json.Unmarshal(a.body, &out)
		used := est
		switch {
		case out.ConsumedCapacity != nil:
			used = milli(out.ConsumedCapacity.CapacityUnits)
		case kind == Read && op == "GetItem":
			used = ReadCost(rawItemSize(out.Item), consistent)
		case kind == Read:
			size := 0
			for _, it := range out.Items {
				size += rawItemSize(it)
			}
			used = ReadCost(size, consistent)
		}
		p.debit(s, t, kind, hash, used-est)
		if added {
			if b, err := setMembers(a.body, map[string]any{"ConsumedCapacity": nil}); err == nil {
				a.body = b
			}
		}
	}
	writeResponse(w, a.status, a.body)
	return nil
}

// rawItemSize is the billed size of an item in DynamoDB JSON; 0 when it
// does not decode.
func rawItemSize(raw map[string]json.RawMessage) int {
	if raw == nil {
		return 0
	}
	item, err := wire.DecodeItem(raw)
	if err != nil {
		return 0
	}
	return wire.ItemSize(item)
}

// tableCapacityUnits is one entry of a batch's ConsumedCapacity.
type tableCapacityUnits struct {
	TableName     string
	CapacityUnits float64
}

// batchItem is one request of a batch: its raw form, partition key and
// estimated cost.
type batchItem struct {
	raw  json.RawMessage
	key  map[string]json.RawMessage // BatchGetItem
	hash string
	est  MilliUnits
}

// batchTables resolves the tables a batch names, in name order; with a
// nil slice the caller passes the request on (or answers refused).
func (p *proxy) batchTables(s *Server, r *http.Request, names []string) ([]*store.Table, *wire.Error, error) {
	slices.Sort(names)
	ts := make([]*store.Table, len(names))
	for i, n := range names {
		t, refused, err := p.lookup(s, r, n)
		if err != nil || refused != nil || t == nil {
			return nil, refused, err
		}
		ts[i] = t
	}
	return ts, nil, nil
}

func (p *proxy) batchWrite(s *Server, w http.ResponseWriter, r *http.Request, body []byte) error {
	const op = "BatchWriteItem"
	var in struct {
		RequestItems           map[string][]json.RawMessage
		ReturnConsumedCapacity *string
	}
	if json.Unmarshal(body, &in) != nil || len(in.RequestItems) == 0 {
		return p.pass(w, r, op, body)
	}
	names := make([]string, 0, len(in.RequestItems))
	for n := range in.RequestItems {
		names = append(names, n)
	}
	tables, refused, err := p.batchTables(s, r, names)
	switch {
	case err != nil:
		return err
	case refused != nil:
		writeError(w, refused)
		return nil
	case tables == nil:
		return p.pass(w, r, op, body)
	}
	// Read every request before charging any, so that one the upstream
	// will refuse costs nothing.
	work := make([][]batchItem, len(tables))
	for i, t := range tables {
		for _, raw := range in.RequestItems[t.Name] {
			var wr store.WriteRequest
			if json.Unmarshal(raw, &wr) != nil {
				return p.pass(w, r, op, body)
			}
			var k store.Key
			var err error
			est := WriteCost(0)
			switch {
			case wr.PutRequest != nil && wr.DeleteRequest == nil:
				var item map[string]wire.Value
				if item, err = wire.DecodeItem(wr.PutRequest.Item); err == nil {
					k, err = t.KeyOfItem(item)
					est = WriteCost(wire.ItemSize(item))
				}
			case wr.DeleteRequest != nil && wr.PutRequest == nil:
				var key map[string]wire.Value
				if key, err = wire.DecodeItem(wr.DeleteRequest.Key); err == nil {
					k, err = t.KeyOfKey(key)
				}
			default:
				err = errors.New("not one of PutRequest or DeleteRequest")
			}
			if err != nil {
				return p.pass(w, r, op, body)
			}
			work[i] = append(work[i], batchItem{raw: raw, hash: k.Hash, est: est})
		}
	}
	admitted := map[string][]json.RawMessage{}
	left := map[string][]json.RawMessage{}
	charged := map[string]MilliUnits{}
	var first store.BatchThrottle
	for i, t := range tables {
		for _, it := range work[i] {
			if d := p.charge(s, t, Write, it.hash, it.est); d.Admitted {
				admitted[t.Name] = append(admitted[t.Name], it.raw)
				charged[t.Name] += it.est
			} else {
				first.Note(d, t.ARN)
				left[t.Name] = append(left[t.Name], it.raw)
			}
		}
	}
	if len(admitted) == 0 {
		writeError(w, wire.ThrottleError(first.D, first.ARN))
		return nil
	}
	fwd, added := askConsumed(body, in.ReturnConsumedCapacity)
	if fwd, err = setMembers(fwd, map[string]any{"RequestItems": admitted}); err != nil {
		return err
	}
	a, err := p.forward(r, op, fwd)
	if err != nil {
		return err
	}
	if a.status == http.StatusOK {
		var out struct {
			UnprocessedItems map[string][]json.RawMessage
			ConsumedCapacity []tableCapacityUnits
		}
		_ = json.Unmarshal(a.body, &out)
		p.reconcile(s, tables, Write, charged, out.ConsumedCapacity)
		if out.UnprocessedItems == nil {
			out.UnprocessedItems = map[string][]json.RawMessage{}
		}
		for name, reqs := range left {
			out.UnprocessedItems[name] = append(out.UnprocessedItems[name], reqs...)
		}
		set := map[string]any{"UnprocessedItems": out.UnprocessedItems}
		if added {
			set["ConsumedCapacity"] = nil
		}
		if b, err := setMembers(a.body, set); err == nil {
			a.body = b
		}
	}
	writeResponse(w, a.status, a.body)
	return nil
}

// reconcile charges each table what the upstream reports it consumed
// beyond what was charged at admission, on the table only.
func (p *proxy) reconcile(s *Server, tables []*store.Table, kind Kind, charged map[string]MilliUnits, used []tableCapacityUnits) {
	for _, c := range used {
		for _, t := range tables {
			if t.Name == c.TableName {
				p.debit(s, t, kind, "", milli(c.CapacityUnits)-charged[t.Name])
			}
		}
	}
}

func (p *proxy) batchGet(s *Server, w http.ResponseWriter, r *http.Request, body []byte) error {
	const op = "BatchGetItem"
	var in struct {
		RequestItems           map[string]*store.KeysAndAttributes
		ReturnConsumedCapacity *string
	}
	if json.Unmarshal(body, &in) != nil || len(in.RequestItems) == 0 {
		return p.pass(w, r, op, body)
	}
	names := make([]string, 0, len(in.RequestItems))
	for n, ka := range in.RequestItems {
		if ka == nil {
			return p.pass(w, r, op, body)
		}
		names = append(names, n)
	}
	tables, refused, err := p.batchTables(s, r, names)
	switch {
	case err != nil:
		return err
	case refused != nil:
		writeError(w, refused)
		return nil
	case tables == nil:
		return p.pass(w, r, op, body)
	}
	work := make([][]batchItem, len(tables))
	for i, t := range tables {
		ka := in.RequestItems[t.Name]
		consistent := ka.ConsistentRead != nil && *ka.ConsistentRead
		for _, raw := range ka.Keys {
			key, err := wire.DecodeItem(raw)
			if err != nil {
				return p.pass(w, r, op, body)
			}
			k, err := t.KeyOfKey(key)
			if err != nil {
				return p.pass(w, r, op, body)
			}
			work[i] = append(work[i], batchItem{key: raw, hash: k.Hash, est: ReadCost(0, consistent)})
		}
	}
	admitted := map[string]*store.KeysAndAttributes{}
	left := map[string]*store.KeysAndAttributes{}
	charged := map[string]MilliUnits{}
	var first store.BatchThrottle
	for i, t := range tables {
		ka := in.RequestItems[t.Name]
		for _, it := range work[i] {
			to := admitted
			if d := p.charge(s, t, Read, it.hash, it.est); d.Admitted {
				charged[t.Name] += it.est
			} else {
				first.Note(d, t.ARN)
				to = left
			}
			if to[t.Name] == nil {
				cp := *ka
				cp.Keys = nil
				to[t.Name] = &cp
			}
			to[t.Name].Keys = append(to[t.Name].Keys, it.key)
		}
	}
	if len(admitted) == 0 {
		writeError(w, wire.ThrottleError(first.D, first.ARN))
		return nil
	}
	fwd, added := askConsumed(body, in.ReturnConsumedCapacity)
	if fwd, err = setMembers(fwd, map[string]any{"RequestItems": admitted}); err != nil {
		return err
	}
	a, err := p.forward(r, op, fwd)
	if err != nil {
		return err
	}
	if a.status == http.StatusOK {
		var out struct {
			Responses        map[string][]map[string]json.RawMessage
			UnprocessedKeys  map[string]*store.KeysAndAttributes
			ConsumedCapacity []tableCapacityUnits
		}
		_ = json.Unmarshal(a.body, &out)
		used := out.ConsumedCapacity
		if used == nil {
			// No report: each item returned costs its size.
			for _, t := range tables {
				ka := in.RequestItems[t.Name]
				consistent := ka.ConsistentRead != nil && *ka.ConsistentRead
				u := charged[t.Name]
				for _, it := range out.Responses[t.Name] {
					u += ReadCost(rawItemSize(it), consistent) - ReadCost(0, consistent)
				}
				used = append(used, tableCapacityUnits{TableName: t.Name, CapacityUnits: u.Units()})
			}
		}
		p.reconcile(s, tables, Read, charged, used)
		if out.UnprocessedKeys == nil {
			out.UnprocessedKeys = map[string]*store.KeysAndAttributes{}
		}
		for name, ka := range left {
			if prev := out.UnprocessedKeys[name]; prev != nil {
				prev.Keys = append(prev.Keys, ka.Keys...)
				continue
			}
			out.UnprocessedKeys[name] = ka
		}
		set := map[string]any{"UnprocessedKeys": out.UnprocessedKeys}
		if added {
			set["ConsumedCapacity"] = nil
		}
		if b, err := setMembers(a.body, set); err == nil {
			a.body = b
		}
	}
	writeResponse(w, a.status, a.body)
	return nil
}

// createTable mirrors a new table in the model, then creates it upstream.
func (p *proxy) createTable(s *Server, w http.ResponseWriter, r *http.Request, body []byte) error {
	const op = "CreateTable"
	var in store.TableNameInput
	if json.Unmarshal(body, &in) != nil || in.TableName == nil {
		return p.pass(w, r, op, body)
	}
	name := *in.TableName
	if _, known := s.db.Lookup(name); known {
		// The upstream says whether it still exists; if it did not, the
		// model's table was stale and is replaced.
		a, err := p.forward(r, op, body)
		if err != nil {
			return err
		}
		if a.status == http.StatusOK {
			s.db.Drop(name)
			_, _ = s.db.CreateTable(body)
		}
		writeResponse(w, a.status, a.body)
		return nil
	}
	// The model first: its quotas, and what it does not model, are refused
	// before the upstream creates anything.
	if _, err := s.db.CreateTable(body); err != nil {
		writeError(w, asAPIError(err))
		return nil
	}
	a, err := p.forward(r, op, body)
	if err != nil || a.status != http.StatusOK {
		s.db.Drop(name)
	}
	if err != nil {
		return err
	}
	writeResponse(w, a.status, a.body)
	return nil
}

// mirrorAfter forwards DeleteTable or UpdateTable and applies it to the
// model when the upstream did.
func (p *proxy) mirrorAfter(s *Server, w http.ResponseWriter, r *http.Request, op string, body []byte) error {
	a, err := p.forward(r, op, body)
	if err != nil {
		return err
	}
	var in store.TableNameInput
	_ = json.Unmarshal(body, &in)
	switch {
	case in.TableName == nil:
	case op == "DeleteTable" && (a.status == http.StatusOK || a.errorType() == "ResourceNotFoundException"):
		s.db.Drop(*in.TableName)
	case op == "UpdateTable" && a.status == http.StatusOK:
		// The upstream accepted it; the model follows as far as it can.
		_, _ = s.db.UpdateTable(body)
	}
	writeResponse(w, a.status, a.body)
	return nil
}

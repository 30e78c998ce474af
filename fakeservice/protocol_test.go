package fakeservice

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var requestIDPattern = regexp.MustCompile(`^[0-9A-Z]{52}$`)

// checkHeaders checks the headers every response must carry.
func checkHeaders(t *testing.T, h http.Header, body []byte) {
	t.Helper()
	if id := h.Get("x-amzn-RequestId"); !requestIDPattern.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want 52 characters of [0-9A-Z]", id)
	}
	if got, want := h.Get("x-amz-crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); got != want {
		t.Errorf("x-amz-crc32 = %q, want %q", got, want)
	}
	if got := h.Get("Content-Type"); got != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type = %q, want application/x-amz-json-1.0", got)
	}
}

// rawCall sends one request to the server at url.
func rawCall(t *testing.T, url, method, target, contentType, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

const amzJSON = "application/x-amz-json-1.0"

func TestRawProtocol(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	op := func(name string) string { return "DynamoDB_20120810." + name }
	setup := []string{
		`{"TableName":"things","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
			`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],` +
			`"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
	}
	for _, body := range setup {
		if code, _, b := rawCall(t, url, "POST", op("CreateTable"), amzJSON, body); code != 200 {
			t.Fatalf("setup: %d %s", code, b)
		}
	}
	bigItem := `{"TableName":"things","Item":{"id":{"S":"k"},"p":{"S":"` + strings.Repeat("x", MaxItemSize) + `"}}}`

	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		wantStatus  int
		wantBody    string
	}{
		{
			name: "health", method: "GET",
			wantStatus: 200, wantBody: "healthy: dynamodb.us-east-1.amazonaws.com ",
		},
		{
			name: "wrong method", method: "PUT", target: op("ListTables"), contentType: amzJSON, body: "{}",
			wantStatus: 404, wantBody: "<UnknownOperationException/>\n",
		},
		{
			name: "wrong content type", method: "POST", target: op("ListTables"), contentType: "text/plain", body: "{}",
			wantStatus: 404, wantBody: "<UnknownOperationException/>\n",
		},
		{
			name: "application/json is accepted", method: "POST", target: op("ListTables"), contentType: "application/json", body: "{}",
			wantStatus: 200, wantBody: `{"TableNames":["things"]}`,
		},
		{
			name: "malformed JSON", method: "POST", target: op("ListTables"), contentType: amzJSON, body: `{"TableName":`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#SerializationException"}`,
		},
		{
			name: "malformed JSON beats unknown target", method: "POST", target: "nope", contentType: amzJSON, body: `{`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#SerializationException"}`,
		},
		{
			name: "unknown target", method: "POST", target: "DynamoDB_20111205.ListTables", contentType: amzJSON, body: "{}",
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#UnknownOperationException"}`,
		},
		{
			name: "missing target", method: "POST", contentType: amzJSON, body: "{}",
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#UnknownOperationException"}`,
		},
		{
			name: "operation not implemented", method: "POST", target: op("ExecuteStatement"), contentType: amzJSON, body: "{}",
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#UnknownOperationException","Message":"fakeservice does not implement ExecuteStatement"}`,
		},
		{
			name: "empty body", method: "POST", target: op("ListTables"), contentType: amzJSON,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#SerializationException"}`,
		},
		{
			name: "wrong JSON type", method: "POST", target: op("DescribeTable"), contentType: amzJSON, body: `{"TableName":5}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#SerializationException","Message":"Unexpected number value for TableName"}`,
		},
		{
			name: "body not an object", method: "POST", target: op("DescribeTable"), contentType: amzJSON, body: `[1]`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.service#SerializationException","Message":"Start of structure or map found where not expected."}`,
		},
		{
			name: "missing table", method: "POST", target: op("GetItem"), contentType: amzJSON,
			body:       `{"TableName":"nothere","Key":{"id":{"S":"k"}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`,
		},
		{
			name: "describe missing table", method: "POST", target: op("DescribeTable"), contentType: amzJSON,
			body:       `{"TableName":"nothere"}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: nothere not found"}`,
		},
		{
			name: "wrong key", method: "POST", target: op("GetItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Key":{"other":{"S":"k"}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided key element does not match the schema"}`,
		},
		{
			name: "key with extra attribute", method: "POST", target: op("GetItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Key":{"id":{"S":"k"},"x":{"S":"k"}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided key element does not match the schema"}`,
		},
		{
			name: "item missing its key", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Item":{"x":{"S":"k"}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Missing the key id in the item"}`,
		},
		{
			name: "empty key string", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Item":{"id":{"S":""}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"}`,
		},
		{
			name: "item too large", method: "POST", target: op("PutItem"), contentType: amzJSON, body: bigItem,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"Item size has exceeded the maximum allowed size"}`,
		},
		{
			name: "validation messages", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"a!","ReturnConsumedCapacity":"ALL"}`,
			wantStatus: 400,
			wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"4 validation errors detected: ` +
				`Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; ` +
				`Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; ` +
				`Value null at 'item' failed to satisfy constraint: Member must not be null; ` +
				`Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"}`,
		},
		{
			name: "legacy conditions are refused, not ignored", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Item":{"id":{"S":"k"}},"Expected":{"id":{"Exists":false}}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"fakeservice does not support the legacy Expected and ConditionalOperator parameters; use ConditionExpression"}`,
		},
		{
			name: "create existing table", method: "POST", target: op("CreateTable"), contentType: amzJSON, body: setup[0],
			wantStatus: 400, wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"Table already exists: things"}`,
		},
		{
			name: "create with PAY_PER_REQUEST and throughput", method: "POST", target: op("CreateTable"), contentType: amzJSON,
			body: `{"TableName":"odd","BillingMode":"PAY_PER_REQUEST","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
				`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"}`,
		},
		{
			name: "create with undefined key attribute", method: "POST", target: op("CreateTable"), contentType: amzJSON,
			body: `{"TableName":"odd","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
				`"AttributeDefinitions":[{"AttributeName":"x","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			wantStatus: 400, wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [x]"}`,
		},
		{
			name: "put within capacity", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Item":{"id":{"S":"k"}},"ReturnConsumedCapacity":"TOTAL"}`,
			wantStatus: 200, wantBody: `{"ConsumedCapacity":{"TableName":"things","CapacityUnits":1}}`,
		},
		{
			name: "throttled put", method: "POST", target: op("PutItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Item":{"id":{"S":"k"}}}`,
			wantStatus: 400,
			wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
				`"message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",` +
				`"ThrottlingReasons":[{"reason":"TableWriteProvisionedThroughputExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/things"}]}`,
		},
		{
			name: "get within capacity", method: "POST", target: op("GetItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Key":{"id":{"S":"k"}},"ConsistentRead":true}`,
			wantStatus: 200, wantBody: `{"Item":{"id":{"S":"k"}}}`,
		},
		{
			name: "throttled get", method: "POST", target: op("GetItem"), contentType: amzJSON,
			body:       `{"TableName":"things","Key":{"id":{"S":"missing"}}}`,
			wantStatus: 400,
			wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
				`"message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",` +
				`"ThrottlingReasons":[{"reason":"TableReadProvisionedThroughputExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/things"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := rawCall(t, url, tt.method, tt.target, tt.contentType, tt.body)
			if code != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %s\nwant %d %s", code, body, tt.wantStatus, tt.wantBody)
			}
			checkHeaders(t, h, body)
		})
	}
}

func TestRawMissingItemIsEmptyObject(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	_, _, _ = rawCall(t, url, "POST", "DynamoDB_20120810.CreateTable", amzJSON,
		`{"TableName":"things","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],`+
			`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"}`)
	code, _, body := rawCall(t, url, "POST", "DynamoDB_20120810.GetItem", amzJSON, `{"TableName":"things","Key":{"id":{"N":"1"}}}`)
	if code != 200 || string(body) != "{}" {
		t.Errorf("got %d %s, want 200 {}", code, body)
	}
}

func TestRawBodyTooLarge(t *testing.T) {
	s := New(Options{})
	body := bytes.Repeat([]byte(" "), MaxRequestSize+1)
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", amzJSON)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || rec.Body.Len() != 0 {
		t.Errorf("got %d with %d body bytes, want 413 and empty", rec.Code, rec.Body.Len())
	}
	checkHeaders(t, rec.Header(), rec.Body.Bytes())

	// Exactly MaxRequestSize bytes are read and judged on their content.
	req = httptest.NewRequest("POST", "/", bytes.NewReader(body[:MaxRequestSize]))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Content-Type", amzJSON)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("%d bytes of spaces: got %d, want 400", MaxRequestSize, rec.Code)
	}
}

// TestReadBody checks that a body is read whole whatever its announced
// size and whatever the recycled buffer held, and that more than
// MaxRequestSize bytes are refused even when fewer were announced (a
// handler called directly: net/http stops a body at its Content-Length).
func TestReadBody(t *testing.T) {
	body := []byte(`{"TableName":"t","Item":{"id":{"S":"a"}}}`)
	tests := []struct {
		name string
		body []byte
		size int64
		buf  []byte // the recycled buffer's contents; nil: no buffer
	}{
		{"announced", body, int64(len(body)), nil},
		{"unknown size", body, -1, nil},
		{"fewer announced", body, 5, nil},
		{"more announced", body, int64(len(body)) + 10, nil},
		{"recycled larger buffer", body, int64(len(body)), bytes.Repeat([]byte("#"), 4096)},
		{"recycled smaller buffer", body, int64(len(body)), []byte("##")},
		{"recycled, fewer announced", body, 5, bytes.Repeat([]byte("#"), 10)},
		{"above 1 MiB", bytes.Repeat([]byte(" "), 1<<20+1), 1<<20 + 1, make([]byte, 0, 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf *[]byte
			if tt.buf != nil {
				b := bytes.Clone(tt.buf)
				buf = &b
			}
			got, err := readBody(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(tt.body)), tt.size, buf)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Errorf("got %d bytes %.40q, %v; want %d bytes %.40q, nil", len(got), got, err, len(tt.body), tt.body)
			}
		})
	}
	for _, size := range []int64{-1, 5, 1 << 20} {
		var tooLarge *http.MaxBytesError
		big := io.NopCloser(bytes.NewReader(make([]byte, MaxRequestSize+1)))
		if _, err := readBody(httptest.NewRecorder(), big, size, new([]byte)); !errors.As(err, &tooLarge) {
			t.Errorf("%d bytes announced as %d: got error %v, want *http.MaxBytesError", MaxRequestSize+1, size, err)
		}
	}
}

func TestStartClose(t *testing.T) {
	s := New(Options{})
	if err := s.Close(); err != nil {
		t.Errorf("Close before Start = %v, want nil", err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("url = %q, want http://127.0.0.1:PORT", url)
	}
	if _, err := s.Start("127.0.0.1:0"); err == nil {
		t.Errorf("second Start succeeded, want an error")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	resp.Body.Close()
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("GET after Close succeeded, want an error")
	}
}

// TestConcurrentTables runs item requests on several tables at once with
// -race watching, and checks no request is lost or double counted.
func TestConcurrentTables(t *testing.T) {
	s := New(Options{})
	names := []string{"aaa", "bbb", "ccc"}
	post := func(target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		req.Header.Set("Content-Type", amzJSON)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	for _, n := range names {
		rec := post("CreateTable", `{"TableName":"`+n+`","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],`+
			`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}`)
		if rec.Code != 200 {
			t.Fatalf("CreateTable: %d %s", rec.Code, rec.Body)
		}
	}
	const perWorker = 50
	done := make(chan struct{})
	for w := range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			n := names[w%len(names)]
			for i := range perWorker {
				if i%2 == 0 {
					post("PutItem", `{"TableName":"`+n+`","Item":{"id":{"S":"k`+strconv.Itoa(i)+`"}}}`)
				} else {
					post("GetItem", `{"TableName":"`+n+`","Key":{"id":{"S":"k"}}}`)
				}
				_ = s.Stats()
			}
		}()
	}
	for range 6 {
		<-done
	}
	var total int64
	for _, st := range s.Stats() {
		total += st.Served() + st.ThrottledReads + st.ThrottledWrites
		if st.ConsumedWriteUnits != MilliUnits(st.Writes)*Unit || st.ConsumedReadUnits != MilliUnits(st.Reads)*500 {
			t.Errorf("Stats %+v: consumed units disagree with request counts", st)
		}
	}
	if total != 6*perWorker {
		t.Errorf("requests counted = %d, want %d", total, 6*perWorker)
	}
	var list struct{ TableNames []string }
	if err := json.Unmarshal(post("ListTables", "{}").Body.Bytes(), &list); err != nil || len(list.TableNames) != 3 {
		t.Errorf("ListTables = %v, %v; want 3 tables", list.TableNames, err)
	}
}

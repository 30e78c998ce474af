package fakeservice

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The fast lanes of GetItem, UpdateItem and BatchWriteItem against the
// bare handler, as BenchmarkServeRatio does for PutItem: the same raw
// net/http client loop, the same bodies to both servers, alternating
// rounds, every model feature on and nothing throttled.

// opRequests returns benchKeys bodies of the operation op, body(i) for the
// i-th, with their unsigned headers.
func opRequests(op string, body func(i int) string) ([][]byte, []http.Header) {
	bodies := make([][]byte, benchKeys)
	hdrs := make([]http.Header, benchKeys)
	for i := range bodies {
		bodies[i] = []byte(body(i))
		h := http.Header{}
		h.Set("Content-Type", contentType)
		h.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		hdrs[i] = h
	}
	return bodies, hdrs
}

// opRatio reports the rates of the bare handler (answering bare) and of
// the fake (started by startFake, then prepared) for the bodies of op, and
// fake/bare.
func opRatio(b *testing.B, op string, body func(i int) string, bare []byte, prepare func(url string)) {
	bareURL, fake := startBareBody(b, bare), startFake(b, benchFakeOptions())
	if prepare != nil {
		prepare(fake)
	}
	bodies, hdrs := opRequests(op, body)
	b.ResetTimer()
	ratioRounds(b,
		func() measured { return loadMeasured(b, bareURL, bodies, hdrs, http.StatusOK) },
		func() measured { return loadMeasured(b, fake, bodies, hdrs, http.StatusOK) })
}

// benchItemJSON is the 1 KB item of benchRequests for key i, as an item.
func benchItemJSON(i int) string {
	id := fmt.Sprintf("key-%04d", i)
	return `{"id":{"S":"` + id + `"},"p":{"S":"` + strings.Repeat("x", 1024-len("id")-len(id)-len("p")) + `"}}`
}

// BenchmarkServeGetItemRatio: eventually consistent GetItem of the 1 KB
// items BenchmarkServeRatio writes (written first). The bare handler
// answers the same bytes the fake answers for an item, so that both
// write the same response.
func BenchmarkServeGetItemRatio(b *testing.B) {
	key := func(i int) string { return fmt.Sprintf(`{"TableName":"bench","Key":{"id":{"S":"key-%04d"}}}`, i) }
	opRatio(b, "GetItem", key, []byte(`{"Item":`+benchItemJSON(0)+`}`), func(url string) {
		bodies, hdrs := benchRequests(b, "", false)
		for i := range bodies {
			send(b, url, bodies[i], hdrs[i])
		}
	})
}

// BenchmarkServeUpdateItemRatio: UpdateItem setting a 1 KB attribute
// from ExpressionAttributeValues (SET p = :p) on benchKeys keys.
func BenchmarkServeUpdateItemRatio(b *testing.B) {
	pad := strings.Repeat("x", 1000)
	upd := func(i int) string {
		return fmt.Sprintf(`{"TableName":"bench","Key":{"id":{"S":"key-%04d"}},"UpdateExpression":"SET p = :p",`+
			`"ExpressionAttributeValues":{":p":{"S":"%s"}}}`, i, pad)
	}
	opRatio(b, "UpdateItem", upd, []byte("{}"), nil)
}

// BenchmarkServeBatchWriteRatio: BatchWriteItem of 10 PutRequests of
// 100-byte items (1 WCU each), all processed.
func BenchmarkServeBatchWriteRatio(b *testing.B) {
	pad := strings.Repeat("x", 80)
	batch := func(i int) string {
		reqs := make([]string, 10)
		for j := range reqs {
			reqs[j] = fmt.Sprintf(`{"PutRequest":{"Item":{"id":{"S":"key-%04d-%d"},"p":{"S":"%s"}}}}`, i, j, pad)
		}
		return `{"RequestItems":{"bench":[` + strings.Join(reqs, ",") + `]}}`
	}
	opRatio(b, "BatchWriteItem", batch, []byte(`{"UnprocessedItems":{}}`), nil)
}

// send sends one request, which must be answered 200 OK.
func send(b *testing.B, url string, body []byte, hdr http.Header) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("got %d %s, want 200", resp.StatusCode, msg)
	}
}

package fakeservice

import (
	"bytes"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// FuzzHandler drives ServeHTTP with arbitrary targets, content types and
// bodies. Whatever arrives, the handler must answer (never panic, never 500,
// which is what a recovered panic becomes) with a request ID and the right
// x-amz-crc32.
func FuzzHandler(f *testing.F) {
	const create = `{"TableName":"fuzz","KeySchema":[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"n","KeyType":"RANGE"}],` +
		`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"}],` +
		`"ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":3}}`
	seeds := []struct{ target, body string }{
		{"CreateTable", create},
		{"CreateTable", `{"TableName":"od","BillingMode":"PAY_PER_REQUEST","KeySchema":[{"AttributeName":"b","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"b","AttributeType":"B"}]}`},
		{"CreateTable", `{"TableName":"x","KeySchema":[{}],"AttributeDefinitions":[null],"ProvisionedThroughput":{}}`},
		{"DescribeTable", `{"TableName":"fuzz"}`},
		{"DeleteTable", `{"TableName":"fuzz"}`},
		{"ListTables", `{"Limit":1,"ExclusiveStartTableName":"a.b"}`},
		{"PutItem", `{"TableName":"fuzz","Item":{"id":{"S":"a"},"n":{"N":"-1.5e3"},"l":{"L":[{"M":{"x":{"NS":["1","2"]}}},{"NULL":true}]},"b":{"BS":["AAE="]}},"ReturnConsumedCapacity":"INDEXES","ReturnValues":"ALL_OLD"}`},
		{"PutItem", `{"TableName":"od","Item":{"b":{"B":"AAE="},"s":{"SS":["a","a"]}}}`},
		{"GetItem", `{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"-1500"}},"ConsistentRead":true,"ProjectionExpression":"#a, l","ExpressionAttributeNames":{"#a":"id"}}`},
		{"GetItem", `{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"1e999"}},"AttributesToGet":["x","x"]}`},
		{"GetItem", `{"TableName":"fuzz","Key":{"id":{"L":[{"L":[{"L":[]}]}]}}}`},
		{"Query", `{}`},
		{"Query", `{"TableName":"fuzz","KeyConditionExpression":"id = :a AND n BETWEEN :x AND :y","FilterExpression":"attribute_exists(l) OR NOT (#b <> :x)","ExpressionAttributeNames":{"#b":"b"},"ExpressionAttributeValues":{":a":{"S":"a"},":x":{"N":"1"},":y":{"N":"9"}},"Limit":2,"ScanIndexForward":false,"ExclusiveStartKey":{"id":{"S":"a"},"n":{"N":"3"}},"ReturnConsumedCapacity":"TOTAL"}`},
		{"Query", `{"TableName":"fuzz","KeyConditionExpression":"begins_with(id, :a)","ExpressionAttributeValues":{":a":{"S":"a"}},"ProjectionExpression":"a.b[1]"}`},
		{"Scan", `{"TableName":"fuzz","Segment":1,"TotalSegments":3,"Limit":1,"Select":"COUNT","ConsistentRead":true}`},
		{"UpdateItem", `{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"-1500"}},"UpdateExpression":"SET v = if_not_exists(v, :z) + :o, l2 = list_append(:l, :l) REMOVE b ADD s :ss DELETE t :ss","ConditionExpression":"v = :z OR attribute_not_exists(v)","ExpressionAttributeValues":{":z":{"N":"0"},":o":{"N":"1e125"},":l":{"L":[]},":ss":{"SS":["x"]}},"ReturnValues":"UPDATED_NEW"}`},
		{"UpdateItem", `{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"1"}},"UpdateExpression":"SET = :x","ExpressionAttributeValues":{":x":{"S":""}}}`},
		{"DeleteItem", `{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"-1500"}},"ConditionExpression":"attribute_exists(id) AND n IN (:a, :b)","ExpressionAttributeValues":{":a":{"N":"1"},":b":{"N":"-1500"}},"ReturnValues":"ALL_OLD","ReturnValuesOnConditionCheckFailure":"ALL_OLD"}`},
		{"BatchWriteItem", `{"RequestItems":{"fuzz":[{"PutRequest":{"Item":{"id":{"S":"b"},"n":{"N":"2"}}}},{"DeleteRequest":{"Key":{"id":{"S":"a"},"n":{"N":"1"}}}},{}]},"ReturnConsumedCapacity":"INDEXES"}`},
		{"BatchGetItem", `{"RequestItems":{"fuzz":{"Keys":[{"id":{"S":"b"},"n":{"N":"2"}},{"id":{"S":"b"},"n":{"N":"2.0"}}],"ConsistentRead":true,"ProjectionExpression":"#x","ExpressionAttributeNames":{"#x":"id"}}}}`},
		{"UpdateTable", `{"TableName":"fuzz","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":50}}`},
		{"UpdateTable", `{"TableName":"od","BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":{"MaxReadRequestUnits":-1,"MaxWriteRequestUnits":2}}`},
		{"CreateTable", `{"TableName":"gsi","KeySchema":[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"n","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"n","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":3},"GlobalSecondaryIndexes":[{"IndexName":"byg","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["x"]},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}],"LocalSecondaryIndexes":[{"IndexName":"byx","KeySchema":[{"AttributeName":"id","KeyType":"HASH"},{"AttributeName":"g","KeyType":"RANGE"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}`},
		{"CreateTable", `{"TableName":"bad","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{},{"IndexName":"x","KeySchema":[],"Projection":{}}],"LocalSecondaryIndexes":[null]}`},
		{"PutItem", `{"TableName":"gsi","Item":{"id":{"S":"a"},"n":{"N":"1"},"g":{"S":"v"},"x":{"S":"y"}},"ReturnConsumedCapacity":"INDEXES"}`},
		{"Query", `{"TableName":"gsi","IndexName":"byg","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"v"}},"Limit":1,"ExclusiveStartKey":{"id":{"S":"a"},"n":{"N":"1"},"g":{"S":"v"}},"Select":"ALL_PROJECTED_ATTRIBUTES"}`},
		{"Scan", `{"TableName":"gsi","IndexName":"byx","ConsistentRead":true}`},
		{"UpdateTable", `{"TableName":"gsi","AttributeDefinitions":[{"AttributeName":"h","AttributeType":"N"}],"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"byg","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}}},{"Create":{"IndexName":"byh","KeySchema":[{"AttributeName":"h","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}},{"Delete":{"IndexName":"nope"}},{}]}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"gsi","Item":{"id":{"S":"b"},"n":{"N":"2"},"g":{"S":"w"}}}},{"Update":{"TableName":"fuzz","Key":{"id":{"S":"a"},"n":{"N":"1"}},"UpdateExpression":"ADD c :one","ExpressionAttributeValues":{":one":{"N":"1"}}}},{"ConditionCheck":{"TableName":"gsi","Key":{"id":{"S":"a"},"n":{"N":"1"}},"ConditionExpression":"attribute_exists(id)"}},{"Delete":{"TableName":"fuzz","Key":{"id":{"S":"z"},"n":{"N":"1"}}}}],"ClientRequestToken":"t1","ReturnConsumedCapacity":"INDEXES"}`},
		{"TransactWriteItems", `{"TransactItems":[{},{"Put":{},"Delete":{}},null]}`},
		{"TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"gsi","Key":{"id":{"S":"a"},"n":{"N":"1"}},"ProjectionExpression":"g"}},{"Get":null}],"ReturnConsumedCapacity":"TOTAL"}`},
		{"PutItem", `{"TableName":"fuzz","Item":{"id":{"S":5}}}`},
		{"PutItem", `[`},
		{"PutItem", ``},
		{"PutItem", `null`},
	}
	for _, s := range seeds {
		f.Add("DynamoDB_20120810."+s.target, "application/x-amz-json-1.0", []byte(s.body))
	}
	f.Add("", "application/json", []byte("{}"))
	f.Add("DynamoDB_20120810.ListTables", "text/plain", []byte("{}"))

	clock := newFakeClock()
	s := New(Options{Now: clock.Now})
	f.Fuzz(func(t *testing.T, target, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		clock.Advance(100e6) // let capacity refill now and then

		if rec.Code < 200 || rec.Code >= 500 {
			t.Fatalf("status %d for %q %q %q: %s", rec.Code, target, contentType, body, rec.Body)
		}
		h := rec.Header()
		if got, want := h.Get("x-amz-crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10); got != want {
			t.Fatalf("x-amz-crc32 = %q, want %q", got, want)
		}
		if !requestIDPattern.MatchString(h.Get("x-amzn-RequestId")) {
			t.Fatalf("x-amzn-RequestId = %q", h.Get("x-amzn-RequestId"))
		}
	})
}

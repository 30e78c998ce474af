package fakeservice

import "testing"

// DynamoDB answers a batch with nothing left over with empty maps,
// UnprocessedItems {} and UnprocessedKeys {}, never null: the AWS CLI's
// --query UnprocessedItems prints {} for them, and a script resubmitting
// what is left stops on it.
func TestBatchBodiesNothingLeft(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	op := func(name string) string { return "DynamoDB_20120810." + name }
	create := `{"TableName":"bbb","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
		`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`
	if code, _, b := rawCall(t, url, "POST", op("CreateTable"), amzJSON, create); code != 200 {
		t.Fatalf("CreateTable: %d %s", code, b)
	}
	for _, tt := range []struct {
		name, target, body, want string
	}{
		{"BatchWriteItem", op("BatchWriteItem"),
			`{"RequestItems":{"bbb":[{"PutRequest":{"Item":{"id":{"S":"1"}}}},{"PutRequest":{"Item":{"id":{"S":"2"}}}}]}}`,
			`{"UnprocessedItems":{}}`},
		{"BatchGetItem", op("BatchGetItem"),
			`{"RequestItems":{"bbb":{"Keys":[{"id":{"S":"1"}}]}}}`,
			`{"Responses":{"bbb":[{"id":{"S":"1"}}]},"UnprocessedKeys":{}}`},
	} {
		code, h, b := rawCall(t, url, "POST", tt.target, amzJSON, tt.body)
		if code != 200 || string(b) != tt.want {
			t.Errorf("%s: got %d %s, want 200 %s", tt.name, code, b, tt.want)
		}
		checkHeaders(t, h, b)
	}
}

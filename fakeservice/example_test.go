package fakeservice_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
)

// A Bucket is deterministic: each call takes the time.
func ExampleBucket() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// 5 WCU: refilled at 5 units per second, holding one second, starting full.
	b := fakeservice.NewBucket(5*fakeservice.Unit, 5*fakeservice.Unit, 5*fakeservice.Unit, start)

	fmt.Println(b.AllowN(start, 5*fakeservice.Unit)) // the first second's allowance
	fmt.Println(b.AllowN(start, fakeservice.Unit))   // nothing left: throttled, nothing taken
	fmt.Println(b.Tokens(start.Add(300 * time.Millisecond)))
	// Output:
	// true
	// false
	// 1.5
}

// The unmodified SDK client talks to the fake service; a table of 1 WCU
// accepts one 1-KB write per second.
func ExampleServer() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := fakeservice.New(fakeservice.Options{Now: func() time.Time { return now }})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client := dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
		func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(url)
			o.Retryer = aws.NopRetryer{} // see each throttle
		})
	ctx := context.Background()
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("example"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
	})
	if err != nil {
		log.Fatal(err)
	}
	item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}
	for range 3 {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("example"), Item: item})
		fmt.Println(err == nil)
	}
	st := srv.Stats()["example"]
	fmt.Printf("writes %d, throttled %d, consumed %v WCU\n", st.Writes, st.ThrottledWrites, st.ConsumedWriteUnits)
	// Output:
	// true
	// false
	// false
	// writes 1, throttled 2, consumed 1 WCU
}

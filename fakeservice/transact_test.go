package fakeservice

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

func txPut(table string, item map[string]types.AttributeValue, cond string) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(table), Item: item}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}
}

func txWrite(token string, items ...types.TransactWriteItem) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		in := &dynamodb.TransactWriteItemsInput{TransactItems: items, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}
		if token != "" {
			in.ClientRequestToken = aws.String(token)
		}
		out, err := c.TransactWriteItems(ctx, in)
		if err != nil {
			return nil, err
		}
		if len(out.ConsumedCapacity) != 1 {
			return nil, errors.New("want one ConsumedCapacity entry")
		}
		return &out.ConsumedCapacity[0], nil
	}
}

// counter reads item id's counter n (0 when absent) through a
// TransactGetItems, which must cost twice a strong read: 2 units.
func counter(t *testing.T, c *dynamodb.Client, id string) int {
	t.Helper()
	out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s(id)}}}}})
	if err != nil {
		t.Fatalf("TransactGetItems: %v", err)
	}
	if got := aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits); got != 2 {
		t.Errorf("TransactGetItems: got %v units, want 2", got)
	}
	it := out.Responses[0].Item
	if it == nil {
		return 0
	}
	v, _ := it["n"].(*types.AttributeValueMemberN)
	if v == nil {
		return 0
	}
	var n int
	for _, c := range v.Value {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestTransactions replays transactions at fixed instants on a table of 10
// WCU whose index gsi has 2: double cost, cancellation by condition and by
// throttle (nothing written, nothing consumed), idempotency tokens. The
// model holds no item, so steps at one instant do not conflict.
func TestTransactions(t *testing.T) {
	const cancelled = `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",` +
		`"message":"Transaction cancelled, please refer cancellation reasons for specific reasons [%s]","CancellationReasons":[%s]}`
	incr := types.TransactWriteItem{Update: &types.Update{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s("c")},
		UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}}
	steps := []indexStep{
		{name: "two puts, one into gsi: 2 x (1 + 1) + 2 x 1", call: txWrite("", txPut("tbl", map[string]types.AttributeValue{"id": s("a"), "g": s("x")}, ""),
			txPut("tbl", map[string]types.AttributeValue{"id": s("b")}, "")), wantUnits: [4]float64{6, 4, 2, 0}},
		{name: "a failed condition cancels the transaction", call: txWrite("", txPut("tbl", map[string]types.AttributeValue{"id": s("d")}, ""),
			txPut("tbl", map[string]types.AttributeValue{"id": s("a")}, "attribute_not_exists(id)")),
			wantBody: fmt.Sprintf(cancelled, "None, ConditionalCheckFailed", `{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}`)},
		{name: "the cancelled put was not written", call: func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
			if counter(t, c, "d") != 0 {
				return nil, errors.New("item d exists")
			}
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s("d")}})
			if err == nil && out.Item != nil {
				return nil, errors.New("item d exists")
			}
			return nil, err
		}},
		// gsi (2 WCU) spent its second's 2 units on item a; a second later it has 2 again.
		{name: "the index has 2 of the 4 it needs: ThrottlingError on the second item", at: time.Second,
			call: txWrite("", txPut("tbl", map[string]types.AttributeValue{"id": s("e"), "g": s("y")}, ""), txPut("tbl", map[string]types.AttributeValue{"id": s("f"), "g": s("z")}, "")),
			wantBody: fmt.Sprintf(cancelled, "None, ThrottlingError", `{"Code":"None"},{"Code":"ThrottlingError","Message":"The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. `+
				`Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API."}`)},
		{name: "nothing was consumed: the first alone fits", at: time.Second,
			call:      txWrite("", txPut("tbl", map[string]types.AttributeValue{"id": s("e"), "g": s("y")}, "")),
			wantUnits: [4]float64{4, 2, 2, 0}},
		{name: "an increment with a token", at: 3 * time.Second, call: txWrite("tok-1", incr), wantUnits: [4]float64{2, 2, 0, 0}},
		{name: "the same token again: answered, not applied", at: 3 * time.Second, call: func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
			if _, err := txWrite("tok-1", incr)(c); err != nil {
				return nil, err
			}
			if got := counter(t, c, "c"); got != 1 {
				t.Errorf("got counter %d after the same token twice, want 1", got)
			}
			return nil, nil
		}},
		{name: "the token with another request", at: 3 * time.Second, call: txWrite("tok-1", txPut("tbl", map[string]types.AttributeValue{"id": s("z")}, "")),
			wantBody: `{"__type":"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException","message":"Request with the same client token was already used with different parameters"}`},
		{name: "after 10 minutes the token is new", at: 3*time.Second + 10*time.Minute, call: txWrite("tok-1", incr), wantUnits: [4]float64{2, 2, 0, 0}},
		{name: "one item twice", at: 3*time.Second + 10*time.Minute, call: txWrite("", incr, incr),
			wantBody: `{"__type":"com.amazon.coral.validate#ValidationException","message":"Transaction request cannot include multiple operations on one item"}`},
	}
	// Conflicts off: several steps touch one item at one instant (see
	// TestTransactionConflict for the holds).
	runIndexSteps(t, Options{Model: Model{TransactionHold: -1}}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 10, 2, 0) }, steps)
}

// TestTransactionCanceledThroughSDK checks the SDK sees the cancellation
// reasons as a typed TransactionCanceledException, which it does not retry.
func TestTransactionCanceledThroughSDK(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, false, nil)
	createTable(t, c, "tbl", 1, 1)
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"id": s("a")}, ConditionExpression: aws.String("attribute_exists(id)")}}}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 1 || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" {
		t.Fatalf("got %v, want TransactionCanceledException with ConditionalCheckFailed", err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "TransactionCanceledException" {
		t.Errorf("got code %s", ae.ErrorCode())
	}
}

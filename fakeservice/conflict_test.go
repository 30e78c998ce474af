package fakeservice

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func txGet(ids ...string) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		in := &dynamodb.TransactGetItemsInput{ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}
		for _, id := range ids {
			in.TransactItems = append(in.TransactItems, types.TransactGetItem{Get: &types.Get{TableName: aws.String("tbl"), Key: item{"id": s(id)}}})
		}
		out, err := c.TransactGetItems(ctx, in)
		if err != nil {
			return nil, err
		}
		return &out.ConsumedCapacity[0], nil
	}
}

func deleteID(id string) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		out, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: item{"id": s(id)}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			return nil, err
		}
		return out.ConsumedCapacity, nil
	}
}

func updateID(id string) func(*dynamodb.Client) (*types.ConsumedCapacity, error) {
	return func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"id": s(id)},
			UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: item{":one": n("1")},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			return nil, err
		}
		return out.ConsumedCapacity, nil
	}
}

// TestTransactionConflict replays requests at fixed instants through the
// SDK against the default model, whose admitted TransactWriteItems holds
// its items for 10 ms: another transaction on a held item is cancelled
// with TransactionConflict (the other items "None"), a plain write on one
// gets TransactionConflictException, a plain read does not conflict, a
// cancelled transaction holds nothing, and the hold ends at 10 ms.
func TestTransactionConflict(t *testing.T) {
	const (
		cancelled = `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",` +
			`"message":"Transaction cancelled, please refer cancellation reasons for specific reasons [%s]","CancellationReasons":[%s]}`
		conflict       = `{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}`
		conflictError  = `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}`
		conditionCheck = `{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}`
	)
	ms := time.Millisecond
	steps := []indexStep{
		{name: "a transaction on a and b: 2 x 1 each", call: txWrite("", txPut("tbl", item{"id": s("a")}, ""), txPut("tbl", item{"id": s("b")}, "")),
			wantUnits: [4]float64{4, 4, 0, 0}},
		{name: "another on c and b at 5 ms: b conflicts", at: 5 * ms,
			call:     txWrite("", txPut("tbl", item{"id": s("c")}, ""), txPut("tbl", item{"id": s("b")}, "")),
			wantBody: fmt.Sprintf(cancelled, "None, TransactionConflict", `{"Code":"None"},`+conflict)},
		{name: "a conflict and a failed condition are both reported", at: 5 * ms,
			call:     txWrite("", txPut("tbl", item{"id": s("a")}, ""), txPut("tbl", item{"id": s("z")}, "attribute_exists(id)")),
			wantBody: fmt.Sprintf(cancelled, "TransactionConflict, ConditionalCheckFailed", conflict+","+conditionCheck)},
		{name: "PutItem on held a", at: 5 * ms, call: put(item{"id": s("a")}), wantBody: conflictError},
		{name: "UpdateItem on held b", at: 5 * ms, call: updateID("b"), wantBody: conflictError},
		{name: "DeleteItem on held b", at: 9*ms + 999*time.Microsecond, call: deleteID("b"), wantBody: conflictError},
		{name: "TransactGetItems of c and a: a conflicts", at: 5 * ms, call: txGet("c", "a"),
			wantBody: fmt.Sprintf(cancelled, "None, TransactionConflict", `{"Code":"None"},`+conflict)},
		{name: "GetItem of held a does not conflict", at: 5 * ms, call: func(c *dynamodb.Client) (*types.ConsumedCapacity, error) {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"id": s("a")}})
			if err == nil && out.Item == nil {
				return nil, fmt.Errorf("GetItem of a: no item, want the transaction's")
			}
			return nil, err
		}},
		{name: "c, in the cancelled transaction only, is not held", at: 5 * ms, call: put(item{"id": s("c")}), wantUnits: [4]float64{1, 1, 0, 0}},
		{name: "the hold ends at 10 ms", at: 10 * ms, call: updateID("a"), wantUnits: [4]float64{1, 1, 0, 0}},
		{name: "a transaction after it holds again", at: 10 * ms, call: txWrite("", txPut("tbl", item{"id": s("b")}, "")), wantUnits: [4]float64{2, 2, 0, 0}},
		{name: "b held from 10 ms", at: 15 * ms, call: txGet("b"),
			wantBody: fmt.Sprintf(cancelled, "TransactionConflict", conflict)},
		{name: "and free at 20 ms: a read is twice a strong read", at: 20 * ms, call: txGet("b"), wantUnits: [4]float64{2, 2, 0, 0}},
	}
	runIndexSteps(t, Options{}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 100, 0) }, steps)
}

// TestTransactionHoldSetting checks Model.TransactionHold: a longer hold
// conflicts later, a negative one never.
func TestTransactionHoldSetting(t *testing.T) {
	const conflictError = `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","message":"Transaction is ongoing for the item"}`
	tx := txWrite("", txPut("tbl", item{"id": s("a")}, ""))
	for _, tt := range []struct {
		name  string
		hold  time.Duration
		steps []indexStep
	}{
		{"100 ms", 100 * time.Millisecond, []indexStep{
			{name: "transaction", call: tx, wantUnits: [4]float64{2, 2, 0, 0}},
			{name: "put at 99 ms", at: 99 * time.Millisecond, call: put(item{"id": s("a")}), wantBody: conflictError},
			{name: "put at 100 ms", at: 100 * time.Millisecond, call: put(item{"id": s("a")}), wantUnits: [4]float64{1, 1, 0, 0}},
		}},
		{"none", -1, []indexStep{
			{name: "transaction", call: tx, wantUnits: [4]float64{2, 2, 0, 0}},
			{name: "put at once", call: put(item{"id": s("a")}), wantUnits: [4]float64{1, 1, 0, 0}},
			{name: "transaction at once", call: tx, wantUnits: [4]float64{2, 2, 0, 0}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			runIndexSteps(t, Options{Model: Model{TransactionHold: tt.hold}}, func(t *testing.T, c *dynamodb.Client) { createIndexed(t, c, 100, 100, 0) }, tt.steps)
		})
	}
}

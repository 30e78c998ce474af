package fakeservice

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestWarmThroughput: with a new on-demand table serving 10 WCU, a table
// created warm at 30 serves 30 one-KB writes in its first second, a cold
// one 10; DescribeTable reports both, and UpdateTable warms a table at once.
func TestWarmThroughput(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now, Model: Model{OnDemandWriteUnits: 10, OnDemandReadUnits: 10}})
	c := newClient(t, url, true, nil)
	create := func(name string, warm *types.WarmThroughput) {
		_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(name),
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			BillingMode:          types.BillingModePayPerRequest,
			WarmThroughput:       warm,
		})
		if err != nil {
			t.Fatalf("CreateTable %s: %v", name, err)
		}
	}
	create("cold", nil)
	create("warm", &types.WarmThroughput{WriteUnitsPerSecond: aws.Int64(30)})
	admitted := func(table string) int {
		for i := range 100 {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: oneKBItem(fmt.Sprint("k", i))}); err != nil {
				return i
			}
		}
		return 100
	}
	tests := []struct {
		table             string
		wantRead, wantWrt int64
		wantAdmitted      int
	}{
		{"cold", 10, 10, 10},
		{"warm", 10, 30, 30},
	}
	for _, tt := range tests {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tt.table)})
		if err != nil {
			t.Fatal(err)
		}
		w := d.Table.WarmThroughput
		if w == nil || aws.ToInt64(w.ReadUnitsPerSecond) != tt.wantRead || aws.ToInt64(w.WriteUnitsPerSecond) != tt.wantWrt || w.Status != types.TableStatusActive {
			t.Errorf("%s: got WarmThroughput %+v, want %d/%d ACTIVE", tt.table, w, tt.wantRead, tt.wantWrt)
		}
		if got := admitted(tt.table); got != tt.wantAdmitted {
			t.Errorf("%s: got %d one-KB writes admitted at once, want %d", tt.table, got, tt.wantAdmitted)
		}
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("cold"), WarmThroughput: &types.WarmThroughput{WriteUnitsPerSecond: aws.Int64(50)}}); err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	if got := admitted("cold"); got != 40 {
		t.Errorf("cold warmed to 50 in the same second, 10 spent: got %d admitted, want 40", got)
	}
}

package fakeservice

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// allowList is a Policy allowing exactly the listed "action resource" pairs.
type allowList map[string]bool

func (a allowList) Allows(action, resource string) bool { return a[action+" "+resource] }

func TestPolicyEnforced(t *testing.T) {
	const arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/"
	allow := allowList{
		"dynamodb:CreateTable " + arn + "tbl":   true,
		"dynamodb:PutItem " + arn + "tbl":       true,
		"dynamodb:BatchGetItem " + arn + "tbl":  true,
		"dynamodb:DescribeTable " + arn + "tbl": true,
	}
	_, url := startServer(t, Options{Policy: allow, Region: "eu-west-1", AccountID: "123456789012"})
	c := dynamodb.NewFromConfig(aws.Config{Region: "eu-west-1", Credentials: aws.AnonymousCredentials{}},
		func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	ctx := context.Background()
	create := func(tags []types.Tag) error {
		_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("tbl"),
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			BillingMode:          types.BillingModePayPerRequest,
			Tags:                 tags,
		})
		return err
	}
	item := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}
	key := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}
	denied := func(action, table string) string {
		return "User: arn:aws:sts::123456789012:assumed-role/throttlebench-role/i-0f00d5e7c0ffee123 is not authorized to perform: " +
			action + " on resource: " + arn + table + " because no identity-based policy allows the " + action + " action"
	}
	tests := []struct {
		name string
		call func() error
		want string // the AccessDeniedException message; "" for allowed
	}{
		{"CreateTable with tags needs TagResource", func() error {
			return create([]types.Tag{{Key: aws.String("created-by"), Value: aws.String("x")}})
		}, denied("dynamodb:TagResource", "tbl")},
		{"CreateTable without tags", func() error { return create(nil) }, ""},
		{"PutItem allowed", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item})
			return err
		}, ""},
		{"GetItem not listed", func() error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: key})
			return err
		}, denied("dynamodb:GetItem", "tbl")},
		{"PutItem on another table", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("other"), Item: item})
			return err
		}, denied("dynamodb:PutItem", "other")},
		{"BatchGetItem checks every table", func() error {
			_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				"tbl": {Keys: []map[string]types.AttributeValue{key}}, "uuu": {Keys: []map[string]types.AttributeValue{key}},
			}})
			return err
		}, denied("dynamodb:BatchGetItem", "uuu")},
		{"TransactWriteItems of Puts on the table allowed", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("tbl"), Item: item}},
			}})
			return err
		}, ""},
		{"TransactWriteItems needs PutItem on every item's table", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("tbl"), Item: item}},
				{Put: &types.Put{TableName: aws.String("other"), Item: item}},
			}})
			return err
		}, denied("dynamodb:PutItem", "other")},
		{"TransactWriteItems Update needs UpdateItem", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: aws.String("tbl"), Key: key, UpdateExpression: aws.String("SET v = :v"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: "1"}}}},
			}})
			return err
		}, denied("dynamodb:UpdateItem", "tbl")},
		{"TransactWriteItems Delete needs DeleteItem", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "b"}}}},
				{Delete: &types.Delete{TableName: aws.String("tbl"), Key: key}},
			}})
			return err
		}, denied("dynamodb:DeleteItem", "tbl")},
		{"TransactWriteItems ConditionCheck needs ConditionCheckItem", func() error {
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tbl"), Key: key, ConditionExpression: aws.String("attribute_exists(id)")}},
			}})
			return err
		}, denied("dynamodb:ConditionCheckItem", "tbl")},
		{"TransactGetItems needs GetItem", func() error {
			_, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: aws.String("tbl"), Key: key}},
			}})
			return err
		}, denied("dynamodb:GetItem", "tbl")},
		{"ListTables on table/*", func() error {
			_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}, denied("dynamodb:ListTables", "*")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
				t.Fatalf("got %v, want AccessDeniedException", err)
			}
			if ae.ErrorMessage() != tt.want {
				t.Errorf("message\n got %q\nwant %q", ae.ErrorMessage(), tt.want)
			}
		})
	}
}

// The error is DynamoDB's shape: HTTP 400, coral namespace.
func TestAccessDeniedShape(t *testing.T) {
	e := accessDenied("P", "dynamodb:PutItem", "R")
	if e.Status != 400 || !strings.HasPrefix(e.Type, "com.amazon.coral.service#AccessDeniedException") {
		t.Errorf("got %d %s, want 400 com.amazon.coral.service#AccessDeniedException", e.Status, e.Type)
	}
	if got := string(e.Body()); !strings.Contains(got, `"message":"User: P is not authorized to perform: dynamodb:PutItem on resource: R`) {
		t.Errorf("body %s", got)
	}
}

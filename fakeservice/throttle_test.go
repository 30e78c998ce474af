package fakeservice

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// drain calls put until it fails and returns how many succeeded and the
// error that stopped it.
func drain(t *testing.T, put func() error) (int, error) {
	t.Helper()
	for n := 0; ; n++ {
		if err := put(); err != nil {
			return n, err
		}
		if n > 100000 {
			t.Fatalf("never throttled")
		}
	}
}

// throttleShape is what a throttle looks like through the SDK.
type throttleShape struct {
	code, message, reason string
}

func shapeOf(t *testing.T, err error) throttleShape {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an API error", err)
	}
	var reasons []types.ThrottlingReason
	var pte *types.ProvisionedThroughputExceededException
	var te *types.ThrottlingException
	var rle *types.RequestLimitExceeded
	switch {
	case errors.As(err, &pte):
		reasons = pte.ThrottlingReasons
	case errors.As(err, &te):
		reasons = te.ThrottlingReasons
	case errors.As(err, &rle):
		reasons = rle.ThrottlingReasons
	}
	s := throttleShape{code: ae.ErrorCode(), message: ae.ErrorMessage()}
	if len(reasons) == 1 {
		s.reason = aws.ToString(reasons[0].Reason)
		if got, want := aws.ToString(reasons[0].Resource), "arn:aws:dynamodb:us-east-1:000000000000:table/"; len(got) <= len(want) || got[:len(want)] != want {
			t.Errorf("resource = %q, want a table ARN", got)
		}
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("%s is not a throttle to the SDK", ae.ErrorCode())
	}
	return s
}

var (
	provisionedWrite = throttleShape{"ProvisionedThroughputExceededException", wire.ThrottleMessage, "TableWriteProvisionedThroughputExceeded"}
	keyRangeWrite    = throttleShape{"ProvisionedThroughputExceededException", wire.ThrottleMessage, "TableWriteKeyRangeThroughputExceeded"}
	onDemandWrite    = throttleShape{"ThrottlingException", wire.OnDemandThrottleMessage, "TableWriteKeyRangeThroughputExceeded"}
	maxOnDemandWrite = throttleShape{"ThrottlingException", wire.MaxOnDemandMessage, "TableWriteMaxOnDemandThroughputExceeded"}
	accountWrite     = throttleShape{"RequestLimitExceeded", wire.AccountLimitMessage, "TableWriteAccountLimitExceeded"}
)

// TestSDKThrottlingRules drives each rule through the SDK at fixed instants:
// at each instant, one-KB writes are sent until one is throttled.
func TestSDKThrottlingRules(t *testing.T) {
	type instant struct {
		advance time.Duration // before this instant's writes
		key     string        // "": a new key for every write
		Update  *dynamodb.UpdateTableInput
		want    int // writes accepted
		shape   throttleShape
	}
	ppr := types.BillingModePayPerRequest
	threeKeys := keysInPartitions(3, 3)
	tests := []struct {
		name     string
		model    Model
		create   func(c *dynamodb.Client)
		instants []instant
	}{
		{
			name:  "burst credit accrues while idle and is spent",
			model: Model{},
			instants: []instant{
				{want: 5, shape: provisionedWrite},
				{advance: 10 * time.Second, want: 50, shape: provisionedWrite},
				{advance: 200 * time.Millisecond, want: 1, shape: provisionedWrite},
				// An hour idle: 300 s of credit plus the second, 1,505 units, but
				// one partition serves at most 1,000 WCU per second.
				{advance: time.Hour, want: 1000, shape: keyRangeWrite},
				{advance: time.Second, want: 510, shape: provisionedWrite},
			},
		},
		{
			name:  "no burst credit when Burst is negative",
			model: Model{Burst: -1},
			instants: []instant{
				{want: 5, shape: provisionedWrite},
				{advance: 10 * time.Second, want: 5, shape: provisionedWrite},
			},
		},
		{
			name:  "a hot key is held to the per-key limit while the table has capacity",
			model: Model{PartitionWriteUnits: 2},
			instants: []instant{ // 3 partitions
				{key: threeKeys[0], want: 2, shape: keyRangeWrite},
				{key: threeKeys[1], want: 2, shape: keyRangeWrite},
				{key: threeKeys[2], want: 1, shape: provisionedWrite}, // the table's fifth unit
			},
		},
		{
			name:  "UpdateTable: more capacity from now on, then on demand, then provisioned again",
			model: Model{OnDemandWriteUnits: 4},
			instants: []instant{
				{want: 5, shape: provisionedWrite},
				{Update: &dynamodb.UpdateTableInput{ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(20)}},
					advance: time.Second, want: 20, shape: provisionedWrite},
				// On demand: a peak of half the provisioned 20 WCU, so 20 at once.
				{Update: &dynamodb.UpdateTableInput{BillingMode: ppr}, want: 20, shape: onDemandWrite},
				{advance: time.Second, want: 40, shape: onDemandWrite},
				{Update: &dynamodb.UpdateTableInput{OnDemandThroughput: &types.OnDemandThroughput{MaxWriteRequestUnits: aws.Int64(3)}},
					advance: time.Second, want: 3, shape: maxOnDemandWrite},
				{Update: &dynamodb.UpdateTableInput{BillingMode: types.BillingModeProvisioned,
					ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(2)}},
					want: 2, shape: provisionedWrite},
			},
		},
		{
			name:  "on-demand doubles its previous peak",
			model: Model{OnDemandWriteUnits: 10},
			create: func(c *dynamodb.Client) {
				_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
					TableName: aws.String("tbl"), BillingMode: ppr,
					KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
					AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
				})
				if err != nil {
					panic(err)
				}
			},
			instants: []instant{
				{want: 10, shape: onDemandWrite},
				{advance: time.Second, want: 20, shape: onDemandWrite},
				{advance: time.Second, want: 40, shape: onDemandWrite},
				{advance: time.Second, want: 80, shape: onDemandWrite},
				{advance: 31 * time.Minute, want: 10, shape: onDemandWrite},
			},
		},
		{
			name:  "on-demand maximum",
			model: Model{},
			create: func(c *dynamodb.Client) {
				_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
					TableName: aws.String("tbl"), BillingMode: ppr,
					KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
					AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
					OnDemandThroughput:   &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(-1), MaxWriteRequestUnits: aws.Int64(3)},
				})
				if err != nil {
					panic(err)
				}
			},
			instants: []instant{
				{want: 3, shape: maxOnDemandWrite},
				{advance: time.Second, want: 3, shape: maxOnDemandWrite},
			},
		},
		{
			name:  "account limit across tables",
			model: Model{AccountWriteUnits: 3},
			instants: []instant{
				{want: 3, shape: accountWrite},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			_, url := startServer(t, Options{Now: clock.Now, Model: tt.model})
			c := newClient(t, url, true, nil)
			if tt.create != nil {
				tt.create(c)
			} else {
				createTable(t, c, "tbl", 1, 5)
			}
			seq := 0
			for i, in := range tt.instants {
				if in.Update != nil {
					u := *in.Update
					u.TableName = aws.String("tbl")
					if _, err := c.UpdateTable(ctx, &u); err != nil {
						t.Fatalf("instant %d: UpdateTable: %v", i, err)
					}
				}
				clock.Advance(in.advance)
				got, err := drain(t, func() error {
					key := in.key
					if key == "" {
						seq++
						key = "k" + strconv.Itoa(seq)
					}
					_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: oneKBItem(key)})
					return err
				})
				if got != in.want {
					t.Errorf("instant %d: accepted %d writes, want %d", i, got, in.want)
				}
				if shape := shapeOf(t, err); shape != in.shape {
					t.Errorf("instant %d: throttle %+v, want %+v", i, shape, in.shape)
				}
			}
		})
	}
}

func TestSDKAdaptiveCapacity(t *testing.T) {
	// 40 WCU with 10-WCU partitions: 5 partitions, an even share of 8 each.
	keys := keysInPartitions(5, 1)
	tests := []struct {
		name     string
		adaptive bool
		want     int
	}{
		{"on: a hot partition borrows up to the per-partition limit", true, 10},
		{"off: a partition is held to its share", false, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv, url := startServer(t, Options{Now: clock.Now, Model: Model{PartitionReadUnits: 30, PartitionWriteUnits: 10, NoAdaptiveCapacity: !tt.adaptive}})
			c := newClient(t, url, true, nil)
			createTable(t, c, "tbl", 1, 40)
			got, err := drain(t, func() error {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: oneKBItem(keys[0])})
				return err
			})
			if got != tt.want {
				t.Errorf("accepted %d writes on one key, want %d", got, tt.want)
			}
			if shape := shapeOf(t, err); shape != keyRangeWrite {
				t.Errorf("throttle %+v, want %+v", shape, keyRangeWrite)
			}
			if st := srv.Stats()["tbl"]; st.WriteThrottles != (store.ReasonCounts{KeyRangeThroughput: 1}) {
				t.Errorf("WriteThrottles = %+v, want one KeyRangeThroughput", st.WriteThrottles)
			}
		})
	}
}

func TestSDKUpdateTable(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)
	createTable(t, c, "tbl", 1, 5)
	clock.Advance(time.Minute)
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(2), WriteCapacityUnits: aws.Int64(7)}})
	if err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	d := out.TableDescription
	if d.TableStatus != types.TableStatusUpdating || aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits) != 7 ||
		!aws.ToTime(d.ProvisionedThroughput.LastIncreaseDateTime).Equal(t0.Add(time.Minute)) {
		t.Errorf("UpdateTable answered %v, %d WCU, last increase %v; want UPDATING, 7, %v", d.TableStatus,
			aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits), aws.ToTime(d.ProvisionedThroughput.LastIncreaseDateTime), t0.Add(time.Minute))
	}
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
	if err != nil || desc.Table.TableStatus != types.TableStatusActive {
		t.Fatalf("DescribeTable: %v, %v; want ACTIVE", err, desc.Table.TableStatus)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"), BillingMode: types.BillingModePayPerRequest,
		OnDemandThroughput: &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(100)}})
	if err != nil {
		t.Fatalf("UpdateTable to PAY_PER_REQUEST: %v", err)
	}
	desc, _ = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
	wantOD := &types.OnDemandThroughput{MaxReadRequestUnits: aws.Int64(100), MaxWriteRequestUnits: aws.Int64(-1)}
	if desc.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest || !reflect.DeepEqual(desc.Table.OnDemandThroughput, wantOD) {
		t.Errorf("after switch: %v, OnDemandThroughput %+v; want PAY_PER_REQUEST, %+v", desc.Table.BillingModeSummary.BillingMode, desc.Table.OnDemandThroughput, wantOD)
	}
	errs := []struct {
		name string
		in   dynamodb.UpdateTableInput
		code string
		msg  string
	}{
		{"nothing to change", dynamodb.UpdateTableInput{}, "ValidationException",
			"At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"},
		{"throughput on demand", dynamodb.UpdateTableInput{ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}, "ValidationException",
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"provisioned without throughput", dynamodb.UpdateTableInput{BillingMode: types.BillingModeProvisioned}, "ValidationException",
			"One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED"},
		{"above the table quota", dynamodb.UpdateTableInput{BillingMode: types.BillingModeProvisioned, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(40001)}}, "LimitExceededException",
			"Subscriber limit exceeded: Provisioned throughput for a table cannot exceed 40000 read or write capacity units"},
		{"delete a missing index", dynamodb.UpdateTableInput{GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("gsi")}}}}, "ResourceNotFoundException",
			"Requested resource not found: Index: gsi not found"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.TableName = aws.String("tbl")
			_, err := c.UpdateTable(ctx, &in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}})
	if err != nil {
		t.Fatalf("back to provisioned: %v", err)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("tbl"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}})
	wantAPIError(t, err, "ValidationException", "The provisioned throughput for the table will not change. The requested value equals the current value. "+
		"Current ReadCapacityUnits provisioned for the table: 3. Requested ReadCapacityUnits: 3. Current WriteCapacityUnits provisioned for the table: 3. "+
		"Requested WriteCapacityUnits: 3. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")
}

// TestRawThrottleShapes checks the exact JSON of each throttle exception.
func TestRawThrottleShapes(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now, Model: Model{AccountWriteUnits: 2}})
	op := func(name string) string { return "DynamoDB_20120810." + name }
	for _, body := range []string{
		`{"TableName":"prov","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":5}}`,
		`{"TableName":"odt","BillingMode":"PAY_PER_REQUEST","OnDemandThroughput":{"MaxWriteRequestUnits":1},"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]}`,
	} {
		if code, _, b := rawCall(t, url, "POST", op("CreateTable"), amzJSON, body); code != 200 {
			t.Fatalf("CreateTable: %d %s", code, b)
		}
	}
	put := func(table, id string) (int, string) {
		code, h, b := rawCall(t, url, "POST", op("PutItem"), amzJSON, `{"TableName":"`+table+`","Item":{"id":{"S":"`+id+`"}}}`)
		checkHeaders(t, h, b)
		return code, string(b)
	}
	put("odt", "a")
	put("prov", "a")
	put("prov", "b")
	tests := []struct {
		name, table, want string
	}{
		{"on-demand maximum", "odt", `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"` + wire.MaxOnDemandMessage +
			`","throttlingReasons":[{"reason":"TableWriteMaxOnDemandThroughputExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/odt"}]}`},
		{"account limit", "prov", `{"__type":"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded","message":"` + wire.AccountLimitMessage +
			`","ThrottlingReasons":[{"reason":"TableWriteAccountLimitExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/prov"}]}`},
	}
	for _, tt := range tests {
		if code, body := put(tt.table, "c"); code != 400 || body != tt.want {
			t.Errorf("%s: got %d %s\nwant 400 %s", tt.name, code, body, tt.want)
		}
	}
}

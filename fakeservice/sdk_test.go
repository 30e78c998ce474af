package fakeservice

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/throttlebench/throttlebench/fakeservice/store"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

var ctx = context.Background()

// TestSDKTableLifecycle drives every operation through the SDK client.
func TestSDKTableLifecycle(t *testing.T) {
	clock := newFakeClock()
	_, url := startServer(t, Options{Now: clock.Now})
	c := newClient(t, url, true, nil)

	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("orders"),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("sessions"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeB}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable on-demand: %v", err)
	}
	createTable(t, c, "accounts", 1, 1)

	t.Run("CreateTable of an existing table", func(t *testing.T) {
		_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:             aws.String("orders"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		})
		var inUse *types.ResourceInUseException
		if !errors.As(err, &inUse) {
			t.Fatalf("err = %v, want ResourceInUseException", err)
		}
		if got, want := inUse.ErrorMessage(), "Table already exists: orders"; got != want {
			t.Errorf("message = %q, want %q", got, want)
		}
	})

	t.Run("DescribeTable", func(t *testing.T) {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		d := out.Table
		checks := []struct {
			name      string
			got, want any
		}{
			{"TableStatus", d.TableStatus, types.TableStatusActive},
			{"TableArn", aws.ToString(d.TableArn), "arn:aws:dynamodb:us-east-1:000000000000:table/orders"},
			{"CreationDateTime", aws.ToTime(d.CreationDateTime).UTC(), t0},
			{"KeySchema", d.KeySchema, []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
			}},
			{"AttributeDefinitions", d.AttributeDefinitions, []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			}},
			{"ReadCapacityUnits", aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits), int64(10)},
			{"WriteCapacityUnits", aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits), int64(5)},
			{"BillingMode", d.BillingModeSummary.BillingMode, types.BillingModeProvisioned},
			{"ItemCount", aws.ToInt64(d.ItemCount), int64(0)},
		}
		for _, ch := range checks {
			if !reflect.DeepEqual(ch.got, ch.want) {
				t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
			}
		}
		out, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("sessions")})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		if got := out.Table.BillingModeSummary.BillingMode; got != types.BillingModePayPerRequest {
			t.Errorf("sessions BillingMode = %v, want PAY_PER_REQUEST", got)
		}
	})

	t.Run("ListTables pages", func(t *testing.T) {
		var pages [][]string
		var start *string
		for {
			out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: start})
			if err != nil {
				t.Fatalf("ListTables: %v", err)
			}
			pages = append(pages, out.TableNames)
			if out.LastEvaluatedTableName == nil {
				break
			}
			start = out.LastEvaluatedTableName
		}
		want := [][]string{{"accounts", "orders"}, {"sessions"}}
		if !reflect.DeepEqual(pages, want) {
			t.Errorf("pages = %v, want %v", pages, want)
		}
	})

	t.Run("PutItem and GetItem round-trip every type", func(t *testing.T) {
		item := map[string]types.AttributeValue{
			"pk":   &types.AttributeValueMemberS{Value: "customer#1"},
			"sk":   &types.AttributeValueMemberN{Value: "42"},
			"b":    &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
			"ok":   &types.AttributeValueMemberBOOL{Value: true},
			"none": &types.AttributeValueMemberNULL{Value: true},
			"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
			"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
			"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"nested": &types.AttributeValueMemberN{Value: "-1"},
			}},
		}
		put, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("orders"), Item: item, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatalf("PutItem: %v", err)
		}
		if got := aws.ToFloat64(put.ConsumedCapacity.CapacityUnits); got != 1 {
			t.Errorf("PutItem CapacityUnits = %v, want 1", got)
		}
		get, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("orders"),
			// "42.0" is the same number as "42".
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "customer#1"},
				"sk": &types.AttributeValueMemberN{Value: "42.0"},
			},
			ConsistentRead:         aws.Bool(true),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
		})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		if !reflect.DeepEqual(get.Item, item) {
			t.Errorf("GetItem item = %#v, want %#v", get.Item, item)
		}
		cc := get.ConsumedCapacity
		if aws.ToFloat64(cc.CapacityUnits) != 1 || aws.ToString(cc.TableName) != "orders" ||
			cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != 1 {
			t.Errorf("GetItem ConsumedCapacity = %+v, want 1 unit on orders with Table", cc)
		}

		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		if got := aws.ToInt64(out.Table.ItemCount); got != 1 {
			t.Errorf("ItemCount = %d, want 1", got)
		}
	})

	t.Run("GetItem of a missing item", func(t *testing.T) {
		get, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("orders"),
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "nobody"},
				"sk": &types.AttributeValueMemberN{Value: "1"},
			},
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		if get.Item != nil {
			t.Errorf("Item = %v, want nil", get.Item)
		}
		if got := aws.ToFloat64(get.ConsumedCapacity.CapacityUnits); got != 0.5 {
			t.Errorf("CapacityUnits = %v, want 0.5 (eventually consistent, missing item)", got)
		}
	})

	t.Run("projection", func(t *testing.T) {
		get, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("orders"),
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "customer#1"},
				"sk": &types.AttributeValueMemberN{Value: "42"},
			},
			ProjectionExpression:     aws.String("ok, #n"),
			ExpressionAttributeNames: map[string]string{"#n": "none"},
		})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		want := map[string]types.AttributeValue{
			"ok":   &types.AttributeValueMemberBOOL{Value: true},
			"none": &types.AttributeValueMemberNULL{Value: true},
		}
		if !reflect.DeepEqual(get.Item, want) {
			t.Errorf("Item = %#v, want %#v", get.Item, want)
		}
	})

	t.Run("ReturnConsumedCapacity NONE and ALL_OLD", func(t *testing.T) {
		put, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:    aws.String("accounts"),
			Item:         map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}},
			ReturnValues: types.ReturnValueAllOld,
		})
		if err != nil {
			t.Fatalf("PutItem: %v", err)
		}
		if put.ConsumedCapacity != nil || put.Attributes != nil {
			t.Errorf("first put: ConsumedCapacity %v, Attributes %v, want both nil", put.ConsumedCapacity, put.Attributes)
		}
		clock.Advance(time.Second)
		put, err = c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:    aws.String("accounts"),
			Item:         map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}, "v": &types.AttributeValueMemberN{Value: "2"}},
			ReturnValues: types.ReturnValueAllOld,
		})
		if err != nil {
			t.Fatalf("PutItem: %v", err)
		}
		want := map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}}
		if !reflect.DeepEqual(put.Attributes, want) {
			t.Errorf("Attributes = %#v, want %#v", put.Attributes, want)
		}
	})

	t.Run("validation errors", func(t *testing.T) {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("orders"),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}},
		})
		wantAPIError(t, err, "ValidationException", "The provided key element does not match the schema")

		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("orders"),
			Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "x"},
				"sk": &types.AttributeValueMemberS{Value: "not a number"},
			},
		})
		wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S")

		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("sessions"),
			Item: map[string]types.AttributeValue{
				"id":  &types.AttributeValueMemberB{Value: []byte("k")},
				"big": &types.AttributeValueMemberS{Value: strings.Repeat("x", MaxItemSize)},
			},
		})
		wantAPIError(t, err, "ValidationException", "Item size has exceeded the maximum allowed size")
	})

	t.Run("on-demand table is never throttled", func(t *testing.T) {
		for i := range 200 {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("sessions"),
				Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberB{Value: []byte{byte(i)}}},
			})
			if err != nil {
				t.Fatalf("PutItem %d: %v", i, err)
			}
		}
	})

	t.Run("DeleteTable", func(t *testing.T) {
		out, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("orders")})
		if err != nil {
			t.Fatalf("DeleteTable: %v", err)
		}
		if got := out.TableDescription.TableStatus; got != types.TableStatusDeleting {
			t.Errorf("TableStatus = %v, want DELETING", got)
		}
		_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("DescribeTable after delete: err = %v, want ResourceNotFoundException", err)
		}
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: oneKBItem("x")})
		if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found" {
			t.Fatalf("PutItem after delete: err = %v, want ResourceNotFoundException: Requested resource not found", err)
		}
	})
}

// wantAPIError checks err's code and message as the SDK reports them.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("got %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// TestSDKThrottleError checks the throttle is the modelled SDK error, with
// its reasons, and that the SDK's retry classification sees a throttle.
func TestSDKThrottleError(t *testing.T) {
	clock := newFakeClock()
	s, url := startServer(t, Options{Now: clock.Now, Region: "eu-west-1", AccountID: "123456789012"})
	c := newClient(t, url, true, nil)
	createTable(t, c, "tbl1", 1, 1)

	put := func() error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl1"), Item: oneKBItem("k")})
		return err
	}
	get := func() error {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("tbl1"), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k"}},
		})
		return err
	}
	tests := []struct {
		name   string
		call   func() error
		reason string
	}{
		{"write", put, "TableWriteProvisionedThroughputExceeded"},
		{"read", get, "TableReadProvisionedThroughputExceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Fatalf("first call within capacity: %v", err)
			}
			err := tt.call()
			var pte *types.ProvisionedThroughputExceededException
			if !errors.As(err, &pte) {
				t.Fatalf("err = %v, want *types.ProvisionedThroughputExceededException", err)
			}
			if got, want := pte.ErrorMessage(), wire.ThrottleMessage; got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			want := []types.ThrottlingReason{{
				Reason:   aws.String(tt.reason),
				Resource: aws.String("arn:aws:dynamodb:eu-west-1:123456789012:table/tbl1"),
			}}
			if !reflect.DeepEqual(pte.ThrottlingReasons, want) {
				t.Errorf("ThrottlingReasons = %+v, want %+v", pte.ThrottlingReasons, want)
			}
			if got := retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err); got != aws.TrueTernary {
				t.Errorf("IsErrorThrottle = %v, want TrueTernary", got)
			}
			if !retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool() {
				t.Errorf("IsErrorRetryable = false, want true")
			}
		})
	}
	st := s.Stats()["tbl1"]
	want := store.TableStats{
		ConsumedReadUnits: Unit, ConsumedWriteUnits: Unit,
		Reads: 1, Writes: 1, ThrottledReads: 1, ThrottledWrites: 1,
		ThrottledReadUnits: Unit, ThrottledWriteUnits: Unit,
		ReadThrottles: store.ReasonCounts{ProvisionedThroughput: 1}, WriteThrottles: store.ReasonCounts{ProvisionedThroughput: 1},
	}
	if st != want {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
	clock.Advance(time.Second)
	if err := put(); err != nil {
		t.Errorf("put after one second: %v", err)
	}
}

// TestSDKSteadyStateVirtualTime checks a table serves its provisioned rate:
// virtual time advances in small steps and at each step the client sends
// requests until one is throttled.
func TestSDKSteadyStateVirtualTime(t *testing.T) {
	const seconds = 5
	tests := []struct {
		name       string
		units      int64
		step       time.Duration
		kind       Kind
		consistent bool
		perUnit    float64 // requests per unit per second
	}{
		{name: "100 WCU, 1 KB writes, 10 ms steps", units: 100, step: 10 * time.Millisecond, kind: Write, perUnit: 1},
		{name: "37 WCU, 1 KB writes, 13 ms steps", units: 37, step: 13 * time.Millisecond, kind: Write, perUnit: 1},
		{name: "50 RCU, eventually consistent reads", units: 50, step: 7 * time.Millisecond, kind: Read, perUnit: 2},
		{name: "50 RCU, strongly consistent reads", units: 50, step: 7 * time.Millisecond, kind: Read, consistent: true, perUnit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			s, url := startServer(t, Options{Now: clock.Now})
			c := newClient(t, url, true, nil)
			createTable(t, c, "load", tt.units, tt.units)
			call := func() error {
				if tt.kind == Write {
					_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("load"), Item: oneKBItem("k")})
					return err
				}
				_, err := c.GetItem(ctx, &dynamodb.GetItemInput{
					TableName: aws.String("load"), ConsistentRead: aws.Bool(tt.consistent),
					Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k"}},
				})
				return err
			}
			drain := func() int {
				n := 0
				for {
					err := call()
					if err == nil {
						n++
						continue
					}
					var pte *types.ProvisionedThroughputExceededException
					if !errors.As(err, &pte) {
						t.Fatalf("call: %v", err)
					}
					return n
				}
			}

			// The first instant spends the one second a new table starts with.
			if got, want := drain(), int(float64(tt.units)*tt.perUnit); got != want {
				t.Errorf("accepted at creation = %d, want %d", got, want)
			}
			accepted, throttled := 0, 1
			var elapsed time.Duration
			for elapsed < seconds*time.Second {
				clock.Advance(tt.step)
				elapsed += tt.step
				accepted += drain()
				throttled++
			}
			want := float64(tt.units) * tt.perUnit * elapsed.Seconds()
			if math.Abs(float64(accepted)-want) > math.Max(1, 0.02*want) {
				t.Errorf("accepted over %v = %d, want %.1f ± 2%%", elapsed, accepted, want)
			}
			t.Logf("accepted %d in %v of virtual time (%.1f/s), throttled %d", accepted, elapsed, float64(accepted)/elapsed.Seconds(), throttled)

			st := s.Stats()["load"]
			total := int64(accepted) + int64(tt.units*int64(tt.perUnit))
			served, throttledGot := st.Writes, st.ThrottledWrites
			if tt.kind == Read {
				served, throttledGot = st.Reads, st.ThrottledReads
			}
			if served != total || throttledGot != int64(throttled) {
				t.Errorf("Stats served %d throttled %d, want %d and %d", served, throttledGot, total, throttled)
			}
		})
	}
}

// TestSDKSteadyStateWallClock hammers a table from several goroutines on the
// real clock and checks the accepted writes match the provisioned rate.
func TestSDKSteadyStateWallClock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for 2 s of wall-clock time")
	}
	const (
		units    = 50
		workers  = 4
		duration = 2 * time.Second
	)
	s, url := startServer(t, Options{})
	c := newClient(t, url, true, nil)
	begin := time.Now()
	createTable(t, c, "wall", 1, units)
	var accepted, throttled atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for time.Since(begin) < duration {
				_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("wall"), Item: oneKBItem(string(rune('a' + w)))})
				var pte *types.ProvisionedThroughputExceededException
				switch {
				case err == nil:
					accepted.Add(1)
				case errors.As(err, &pte):
					throttled.Add(1)
				default:
					t.Errorf("PutItem: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	// The table starts with one second of capacity and earns units per second.
	upper := units * (1 + elapsed.Seconds())
	lower := 0.9 * units * (1 + duration.Seconds())
	got := float64(accepted.Load())
	if got > upper+1 || got < lower {
		t.Errorf("accepted %v writes in %v, want between %.0f and %.0f", got, elapsed, lower, upper)
	}
	if throttled.Load() == 0 {
		t.Errorf("no write was throttled; the load did not exceed capacity")
	}
	if st := s.Stats()["wall"]; st.Writes != accepted.Load() || st.ThrottledWrites != throttled.Load() {
		t.Errorf("Stats = %+v, want %d writes, %d throttled", st, accepted.Load(), throttled.Load())
	}
	t.Logf("accepted %v, throttled %d in %v", got, throttled.Load(), elapsed)
}

// TestSDKNoChecksumWarnings checks that the SDK logs no WARN, in particular
// about x-amz-crc32, on successes and errors; and, as a control, that the
// same logger does catch the WARN when the header is wrong.
func TestSDKNoChecksumWarnings(t *testing.T) {
	exercise := func(t *testing.T, c *dynamodb.Client) {
		createTable(t, c, "warn", 1, 1)
		for range 3 { // success, then throttles
			_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("warn"), Item: oneKBItem("a")})
			_, _ = c.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String("warn"),
				Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}},
			})
		}
		_, _ = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("missing")})
		_, _ = c.ListTables(ctx, &dynamodb.ListTablesInput{})
	}

	t.Run("fake service", func(t *testing.T) {
		clock := newFakeClock()
		_, url := startServer(t, Options{Now: clock.Now})
		exercise(t, newClient(t, url, true, warnLogger(t)))
	})

	t.Run("control: a wrong checksum is caught", func(t *testing.T) {
		clock := newFakeClock()
		s := New(Options{Now: clock.Now})
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("x-amz-crc32", "12345")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}))
		defer bad.Close()
		var warns atomic.Int64
		logger := logging.LoggerFunc(func(c logging.Classification, _ string, _ ...any) {
			if c == logging.Warn {
				warns.Add(1)
			}
		})
		exercise(t, newClient(t, bad.URL, true, logger))
		if warns.Load() == 0 {
			t.Errorf("no WARN with a wrong x-amz-crc32; the detector would miss a real problem")
		}
	})
}

package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/load"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// DefaultGrace is how long an interrupted run lets in-flight operations
// finish before canceling them.
const DefaultGrace = 5 * time.Second

// Options configure a comparison run.
type Options struct {
	Scenario *scenario.Scenario
	Target   Target
	// Strategies to run, each against its own fresh table.
	Strategies []strategy.Strategy
	// Sequential runs one strategy after another; by default all run at
	// once, each against its own table, so a comparison takes one
	// scenario duration instead of one per strategy.
	Sequential bool
	// Grace is how long in-flight operations may finish after ctx is
	// canceled (Ctrl-C) before they are canceled too; 0 means DefaultGrace.
	Grace time.Duration
	// TablePrefix names the tables the run creates; default "throttlebench".
	TablePrefix string
}

// StrategyResult is one strategy's outcome.
type StrategyResult struct {
	Name    string          `json:"name"`
	Params  map[string]any  `json:"params"`
	Table   string          `json:"table"`
	Offered int64           `json:"offered"`
	Summary metrics.Summary `json:"summary"`
}

// Result is a whole comparison.
type Result struct {
	Started     time.Time        `json:"started"`
	Interrupted bool             `json:"interrupted"`
	Strategies  []StrategyResult `json:"strategies"`
}

// Run drives the scenario's workload under each strategy and returns what
// was measured. When ctx is canceled it stops offering load, lets in-flight
// operations finish within the grace period, and returns the results
// gathered so far with Interrupted set.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.TablePrefix == "" {
		o.TablePrefix = "throttlebench"
	}
	res := &Result{Started: time.Now().UTC(), Strategies: make([]StrategyResult, len(o.Strategies))}
	stamp := strconv.FormatInt(res.Started.UnixMilli(), 36)
	for i, st := range o.Strategies {
		res.Strategies[i] = StrategyResult{
			Name:   st.Name(),
			Params: st.Resolved(),
			Table:  tableName(o.TablePrefix, o.Scenario.Name, st.Name(), stamp),
		}
	}
	// Tables first, so every strategy starts offering load at the same time.
	for i := range o.Strategies {
		if err := createTable(ctx, o.Target, o.Scenario.Table, res.Strategies[i].Table); err != nil {
			return nil, err
		}
	}
	runOne := func(i int) {
		sr := &res.Strategies[i]
		sr.Offered, sr.Summary = drive(ctx, o, o.Strategies[i], sr.Table)
	}
	if o.Sequential {
		for i := range o.Strategies {
			if ctx.Err() != nil {
				break
			}
			runOne(i)
		}
	} else {
		var wg sync.WaitGroup
		for i := range o.Strategies {
			wg.Go(func() { runOne(i) })
		}
		wg.Wait()
	}
	res.Interrupted = ctx.Err() != nil
	return res, nil
}

// drive offers the workload to one strategy's client and aggregates the
// records. It returns the number of operations offered and their summary.
func drive(ctx context.Context, o Options, st strategy.Strategy, table string) (int64, metrics.Summary) {
	sc := o.Scenario
	w := sc.Workload
	arrivals := load.Constant{Rate: float64(w.Rate), Duration: time.Duration(w.Duration)}
	retryer := st.NewRetryer(sc.Seed)
	client := newClient(o.Target, retryer, w.MaxInFlight)
	scoped, _ := retryer.(strategy.OperationScoped)
	op := newOperation(client, table, sc, scoped)

	// In-flight operations get their own context: an interrupt stops new
	// arrivals at once but cancels what is in flight only after the grace.
	opsCtx, cancelOps := context.WithCancel(context.Background())
	defer cancelOps()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.NewTimer(o.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelOps()
		case <-opsCtx.Done():
		}
	})
	defer stopGrace()

	records := make(chan metrics.Record, 1024)
	agg := metrics.NewAggregator()
	collected := make(chan struct{})
	go func() {
		for r := range records {
			agg.Add(r)
		}
		close(collected)
	}()

	slots := make(chan struct{}, w.MaxInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	timer := time.NewTimer(0)
	<-timer.C
	var offered int64
schedule:
	for n := int64(0); ; n++ {
		off, ok := arrivals.Offset(n)
		if !ok {
			break
		}
		if wait := time.Until(start.Add(off)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				break schedule
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break schedule
		}
		offered++
		wg.Go(func() {
			defer func() { <-slots }()
			records <- op.do(opsCtx, start, off, n, time.Duration(w.Timeout))
		})
	}
	wg.Wait()
	close(records)
	<-collected
	stopGrace()
	return offered, agg.Summary()
}

// operation issues one kind of request against one table.
type operation struct {
	client  *dynamodb.Client
	table   string
	kind    string
	seed    int64
	keys    int64
	payload []byte
	consist bool
	scoped  strategy.OperationScoped
}

func newOperation(c *dynamodb.Client, table string, sc *scenario.Scenario, scoped strategy.OperationScoped) *operation {
	w := sc.Workload
	return &operation{
		client: c, table: table, kind: w.Operation, seed: sc.Seed, keys: w.Keys,
		payload: make([]byte, payloadSize(int64(w.ItemSize))), consist: w.ConsistentRead, scoped: scoped,
	}
}

// Item layout: "pk" (S, "k" + decimal key index, padded to keyDigits) and
// "data" (B). payloadSize makes the whole item the workload's item size as
// DynamoDB counts it (attribute names included).
const keyDigits = 12

func payloadSize(itemSize int64) int64 {
	fixed := int64(len("pk") + 1 + keyDigits + len("data"))
	return max(itemSize-fixed, 0)
}

func keyString(k int64) string {
	s := strconv.FormatInt(k, 10)
	return "k" + strings.Repeat("0", max(keyDigits-len(s), 0)) + s
}

// do runs operation n, intended to start at start+intended, and returns its
// record.
func (op *operation) do(ctx context.Context, start time.Time, intended time.Duration, n int64, timeout time.Duration) metrics.Record {
	st := &opState{}
	ctx, cancel := context.WithTimeout(withOpState(ctx, st), timeout)
	defer cancel()
	var optFns []func(*dynamodb.Options)
	if op.scoped != nil {
		r := op.scoped.ForOperation()
		optFns = append(optFns, func(o *dynamodb.Options) { o.Retryer = r })
	}
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: keyString(load.Key(op.seed, n, op.keys))},
	}
	started := time.Since(start)
	var err error
	switch op.kind {
	case scenario.OpGet:
		_, err = op.client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: &op.table, Key: key, ConsistentRead: aws.Bool(op.consist),
		}, optFns...)
	default:
		key["data"] = &types.AttributeValueMemberB{Value: op.payload}
		_, err = op.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &op.table, Item: key}, optFns...)
	}
	return metrics.Record{
		Intended:          intended,
		Started:           started,
		Ended:             time.Since(start),
		Attempts:          st.attempts,
		ThrottledAttempts: st.throttled,
		Sending:           st.sending,
		Outcome:           metrics.Classify(err, ctx.Err()),
	}
}

// tableName builds a valid, unique DynamoDB table name.
func tableName(prefix, scenarioName, strategyName, stamp string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
				return r
			}
			return '-'
		}, s)
	}
	name := clean(prefix + "-" + scenarioName + "-" + strategyName + "-" + stamp)
	if len(name) > 255 {
		name = name[:255]
	}
	return name
}

// createTable creates a table for one strategy and waits until it is ACTIVE.
func createTable(ctx context.Context, t Target, spec scenario.Table, name string) error {
	c := newClient(t, nil, 4)
	in := &dynamodb.CreateTableInput{
		TableName:            &name,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		Tags:                 []types.Tag{{Key: aws.String("created-by"), Value: aws.String("throttlebench")}},
	}
	if spec.BillingMode == scenario.PayPerRequest {
		in.BillingMode = types.BillingModePayPerRequest
	} else {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(spec.ReadCapacity),
			WriteCapacityUnits: aws.Int64(spec.WriteCapacity),
		}
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	return nil
}

// DeleteTables removes the tables a run created; errors are joined.
func DeleteTables(ctx context.Context, t Target, res *Result) error {
	c := newClient(t, nil, 4)
	var errs []error
	for _, s := range res.Strategies {
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.Table)}); err != nil {
			errs = append(errs, fmt.Errorf("delete table %s: %w", s.Table, err))
		}
	}
	return errors.Join(errs...)
}

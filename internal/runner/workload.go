package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/load"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// Streams of load.Uniform64 per operation, so each decision about an
// operation is independent of the others.
// The key streams are load.StreamKeys and load.StreamSort.
const (
	streamOp   = 10
	streamSize = 11
)

// workload turns an operation index into a request: which operation, which
// key, how large an item. Every decision is a function of (seed, n), so
// every strategy sees the same sequence. Immutable; safe for concurrent use.
type workload struct {
	seed     int64
	w        scenario.Workload
	keys     load.Keys
	ops      []string
	cum      []int // cumulative weights, same order as ops
	payload  []byte
	sortKeys int
	indexes  []scenario.GlobalIndex // every item carries each one's key
	// consistentRead and queryLimit are the reads' ConsistentRead and
	// Query's Limit, made once: the SDK only reads its inputs, so every
	// operation shares them (made per operation, they cost an allocation each).
	consistentRead *bool
	queryLimit     *int32
}

func newWorkload(sc *scenario.Scenario) (*workload, error) {
	w := sc.Workload
	wl := &workload{seed: sc.Seed, w: w, sortKeys: w.SortKeys, indexes: sc.Table.GlobalIndexes,
		consistentRead: aws.Bool(w.ConsistentRead), queryLimit: aws.Int32(int32(w.QueryLimit))}
	switch w.KeyDistribution {
	case scenario.KeysZipf:
		z, err := load.NewZipf(w.Keys, w.ZipfTheta)
		if err != nil {
			return nil, err
		}
		wl.keys = z
	case scenario.KeysHot:
		wl.keys = load.HotKeys{N: w.Keys, Hot: w.HotKeys, Fraction: w.HotFraction}
	default:
		wl.keys = load.UniformKeys{N: w.Keys}
	}
	total := 0
	for _, op := range scenario.Operations { // fixed order: deterministic mix
		if weight := w.Weights()[op]; weight > 0 {
			total += weight
			wl.ops = append(wl.ops, op)
			wl.cum = append(wl.cum, total)
		}
	}
	wl.payload = make([]byte, max(int64(w.ItemSize), int64(w.ItemSizeMax)))
	return wl, nil
}

// op is the operation of index n.
func (wl *workload) op(n int64) string {
	if len(wl.ops) == 1 {
		return wl.ops[0]
	}
	x := int(load.Uniform64(wl.seed, n, streamOp) % uint64(wl.cum[len(wl.cum)-1]))
	for i, c := range wl.cum {
		if x < c {
			return wl.ops[i]
		}
	}
	return wl.ops[len(wl.ops)-1]
}

// itemKey is the primary key of key index k (and sort key sk when the
// table has one).
func (wl *workload) itemKey(k int64, sk int) map[string]types.AttributeValue {
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: keyString(k)}}
	if wl.sortKeys > 0 {
		key["sk"] = &types.AttributeValueMemberN{Value: strconv.Itoa(sk)}
	}
	return key
}

// key returns the primary key of operation n's i-th item.
func (wl *workload) key(n int64, i int) (int64, int) {
	it := load.ItemOf(wl.keys, wl.seed, n, i, wl.sortKeys)
	return it.K, it.SK
}

// item returns a whole item for key (k, sk) of the workload's size for n.
func (wl *workload) item(n int64, k int64, sk int) map[string]types.AttributeValue {
	size := int64(wl.w.ItemSize)
	if mx := int64(wl.w.ItemSizeMax); mx > size {
		size += int64(load.Uniform64(wl.seed, n, streamSize) % uint64(mx-size+1))
	}
	it := wl.itemKey(k, sk)
	pad := payloadSize(size, wl.sortKeys > 0, sk) - int64(scenario.Table{GlobalIndexes: wl.indexes}.IndexAttrSize())
	it["data"] = &types.AttributeValueMemberB{Value: wl.payload[:max(pad, 0)]}
	wl.addIndexKeys(it, k)
	return it
}

// addIndexKeys sets the global indexes' key attributes of the item of key
// index k.
func (wl *workload) addIndexKeys(it map[string]types.AttributeValue, k int64) {
	for _, g := range wl.indexes {
		it[g.Key] = &types.AttributeValueMemberS{Value: g.IndexKeyValue(keyString(k))}
	}
}

// Item layout: "pk" (S, "k" + the key index padded to keyDigits), "sk" (N)
// when the table has a sort key, and "data" (B). payloadSize makes the
// whole item the wanted size as DynamoDB counts it, attribute names
// included (a number's size is about one byte per two digits plus one).
const keyDigits = 12

func payloadSize(itemSize int64, hasSort bool, sk int) int64 {
	fixed := int64(len("pk") + 1 + keyDigits + len("data"))
	if hasSort {
		fixed += int64(len("sk") + (len(strconv.Itoa(sk))+1)/2 + 1)
	}
	return max(itemSize-fixed, 0)
}

func keyString(k int64) string {
	s := strconv.FormatInt(k, 10)
	if pad := keyDigits - len(s); pad > 0 {
		return "k" + "000000000000"[:pad] + s
	}
	return "k" + s
}

// errUnprocessed is a batch's outcome when items stayed unprocessed after
// every resubmission: DynamoDB throttled them, so it classes as a throttle.
var errUnprocessed = &types.ProvisionedThroughputExceededException{
	Message: aws.String("throttlebench: batch items still unprocessed after every resubmission"),
}

// call is one client's way of running an operation.
type call struct {
	client  *dynamodb.Client
	retryer aws.Retryer // for batch resubmission delays; the client's own when the strategy installs none
	optFns  []func(*dynamodb.Options)
	st      *opState
}

// run issues operation n (of kind op) against table through c.
func (wl *workload) run(ctx context.Context, c call, tableName, op string, n int64) error {
	table := aws.String(tableName)
	switch op {
	case scenario.OpGet:
		k, sk := wl.key(n, 0)
		_, err := c.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: wl.itemKey(k, sk), ConsistentRead: wl.consistentRead}, c.optFns...)
		return err
	case scenario.OpPut:
		k, sk := wl.key(n, 0)
		_, err := c.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: wl.item(n, k, sk)}, c.optFns...)
		return err
	case scenario.OpUpdate:
		k, sk := wl.key(n, 0)
		it := wl.item(n, k, sk)
		set, names := "SET #d = :d", map[string]string{"#d": "data", "#v": "v"}
		values := map[string]types.AttributeValue{":d": it["data"], ":one": &types.AttributeValueMemberN{Value: "1"}}
		for i, g := range wl.indexes { // an item the update creates is in the indexes too
			set += fmt.Sprintf(", #g%d = :g%d", i, i)
			names[fmt.Sprintf("#g%d", i)] = g.Key
			values[fmt.Sprintf(":g%d", i)] = it[g.Key]
		}
		_, err := c.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: table, Key: wl.itemKey(k, sk),
			UpdateExpression:          aws.String(set + " ADD #v :one"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
		}, c.optFns...)
		return err
	case scenario.OpDelete:
		k, sk := wl.key(n, 0)
		_, err := c.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: wl.itemKey(k, sk)}, c.optFns...)
		return err
	case scenario.OpQuery:
		k, _ := wl.key(n, 0)
		_, err := c.client.Query(ctx, &dynamodb.QueryInput{
			TableName: table, ConsistentRead: wl.consistentRead, Limit: wl.queryLimit,
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: keyString(k)}},
		}, c.optFns...)
		return err
	case scenario.OpBatchWrite:
		reqs := make([]types.WriteRequest, 0, wl.w.BatchSize)
		for _, ks := range wl.distinctKeys(n, wl.w.BatchSize) {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: wl.item(n, ks.K, ks.SK)}})
		}
		pending := map[string][]types.WriteRequest{tableName: reqs}
		return resubmit(ctx, c, func() (int, error) {
			out, err := c.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending}, c.optFns...)
			if err != nil {
				return 0, err
			}
			pending = out.UnprocessedItems
			return len(pending[tableName]), nil
		})
	case scenario.OpBatchGet:
		keys := make([]map[string]types.AttributeValue, 0, wl.w.BatchSize)
		for _, ks := range wl.distinctKeys(n, wl.w.BatchSize) {
			keys = append(keys, wl.itemKey(ks.K, ks.SK))
		}
		pending := map[string]types.KeysAndAttributes{tableName: {Keys: keys, ConsistentRead: wl.consistentRead}}
		return resubmit(ctx, c, func() (int, error) {
			out, err := c.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending}, c.optFns...)
			if err != nil {
				return 0, err
			}
			pending = out.UnprocessedKeys
			return len(pending[tableName].Keys), nil
		})
	case scenario.OpTransactWrite:
		items := wl.distinctKeys(n, wl.w.TransactItems)
		tx := make([]types.TransactWriteItem, len(items))
		for i, ks := range items {
			tx[i].Put = &types.Put{TableName: table, Item: wl.item(n, ks.K, ks.SK)}
		}
		_, err := c.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx}, c.optFns...)
		return err
	case scenario.OpTransactGet:
		items := wl.distinctKeys(n, wl.w.TransactItems)
		tx := make([]types.TransactGetItem, len(items))
		for i, ks := range items {
			tx[i].Get = &types.Get{TableName: table, Key: wl.itemKey(ks.K, ks.SK)}
		}
		_, err := c.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: tx}, c.optFns...)
		return err
	}
	return fmt.Errorf("unknown operation %q", op)
}

// distinctKeys returns size distinct items for operation n (DynamoDB
// refuses a batch or a transaction that names an item twice), or all items
// when the key space is smaller.
func (wl *workload) distinctKeys(n int64, size int) []load.Item {
	return load.DistinctItems(wl.keys, wl.seed, n, size, wl.sortKeys, wl.w.Keys)
}

// resubmit calls send until nothing is left unprocessed, sleeping the
// strategy's backoff between calls as an application must, for at most the
// strategy's attempt limit. A call that leaves items unprocessed counts as
// a throttled attempt (CloudWatch counts such a request as throttled too).
func resubmit(ctx context.Context, c call, send func() (left int, err error)) error {
	limit := c.retryer.MaxAttempts()
	if limit <= 0 {
		limit = 10
	}
	for attempt := 1; ; attempt++ {
		left, err := send()
		if err != nil || left == 0 {
			return err
		}
		if n := len(c.st.log); n > 0 {
			c.st.log[n-1].Throttled = true
			c.st.throttled++
		}
		if attempt >= limit {
			return errUnprocessed
		}
		d, err := c.retryer.RetryDelay(attempt, errUnprocessed)
		if err != nil {
			return errors.Join(errUnprocessed, err)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

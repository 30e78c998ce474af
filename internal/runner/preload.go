package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// preloadUnits is the write capacity a provisioned table is raised to while
// it is preloaded.
const preloadUnits = 10000

// preload writes every key (and sort key) once, so reads find items. A
// provisioned table is raised to preloadUnits write units for the load and
// set back afterwards, so the measured run starts at the scenario's
// capacity. On real DynamoDB capacity decreases are limited per day; use
// preload there sparingly.
func preload(ctx context.Context, t Target, sc *scenario.Scenario, wl *workload, table string) error {
	w := sc.Workload
	c := newClient(t, retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 20
		o.RateLimiter = ratelimit.None
	}), 64)
	provisioned := sc.Table.BillingMode == scenario.Provisioned
	if provisioned {
		if err := setCapacity(ctx, c, table, sc.Table.ReadCapacity, max(sc.Table.WriteCapacity, preloadUnits)); err != nil {
			return err
		}
	}
	sortKeys := max(w.SortKeys, 1)
	total := w.Keys * int64(sortKeys)
	const workers, batch = 16, 25
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	next := int64(0)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				lo := next
				next += batch
				stop := firstErr != nil
				mu.Unlock()
				if lo >= total || stop || ctx.Err() != nil {
					return
				}
				reqs := make([]types.WriteRequest, 0, batch)
				for i := lo; i < min(lo+batch, total); i++ {
					k, sk := i/int64(sortKeys), int(i%int64(sortKeys))
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: wl.item(i, k, sk)}})
				}
				pending := map[string][]types.WriteRequest{table: reqs}
				for tries := 0; len(pending[table]) > 0; tries++ {
					out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
					if err == nil && tries > 50 {
						err = fmt.Errorf("items still unprocessed after %d tries", tries)
					}
					if err != nil {
						mu.Lock()
						firstErr = fmt.Errorf("preload %s: %w", table, err)
						mu.Unlock()
						return
					}
					pending = out.UnprocessedItems
					if len(pending[table]) > 0 {
						time.Sleep(50 * time.Millisecond)
					}
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if provisioned && sc.Table.WriteCapacity < preloadUnits {
		return setCapacity(ctx, c, table, sc.Table.ReadCapacity, sc.Table.WriteCapacity)
	}
	return nil
}

// setCapacity changes a provisioned table's capacity and waits for ACTIVE.
func setCapacity(ctx context.Context, c *dynamodb.Client, table string, rcu, wcu int64) error {
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:             aws.String(table),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu)},
	})
	if err != nil {
		return fmt.Errorf("set capacity of %s to %d RCU / %d WCU: %w", table, rcu, wcu, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 10*time.Minute)
}

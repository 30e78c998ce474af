package runner

import (
	"context"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// TableName builds a valid DynamoDB table name from its parts, as Run
// names the tables it creates.
func TableName(prefix, scenarioName, strategyName, stamp string) string {
	return tableName(prefix, scenarioName, strategyName, stamp)
}

// CreateTable creates the scenario's table (key schema, capacity, tag) on
// t under name, as Run does for each strategy, and waits until it is
// ACTIVE.
func CreateTable(ctx context.Context, t Target, sc *scenario.Scenario, name string) error {
	return createTable(ctx, t, sc, name)
}

package runner

import (
	"context"
	"strings"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// TableName builds a valid DynamoDB table name from its parts, as Run
// names the tables it creates.
func TableName(prefix, scenarioName, strategyName, stamp string) string {
	return tableName(prefix, scenarioName, strategyName, stamp)
}

// StrategyOfTable returns the strategy of names whose table Run named
// table (see TableName: the strategy's name, cleaned, between dashes): the
// longest that matches, so retry-budget wins over budget; "" for none.
func StrategyOfTable(table string, names []string) string {
	best := ""
	for _, n := range names {
		if len(n) > len(best) && strings.Contains(table, "-"+cleanTableName(n)+"-") {
			best = n
		}
	}
	return best
}

// CreateTable creates the scenario's table (key schema, capacity, tag) on
// t under name, as Run does for each strategy, and waits until it is
// ACTIVE.
func CreateTable(ctx context.Context, t Target, sc *scenario.Scenario, name string) error {
	return createTable(ctx, t, sc, name)
}

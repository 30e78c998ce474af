package sim

import (
	"context"
	"math"
	"testing"

	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// The ready gsi-backpressure scenario's base table has ten times its
// index's capacity: writes succeed at the index's rate (a third of the
// offered 300/s without retries), and at the offered rate once the index
// has the table's capacity.
func TestGlobalIndexThrottlesBaseWrites(t *testing.T) {
	tests := []struct {
		name       string
		indexUnits int64
		want       float64 // success %, strategy none
	}{
		{"index at a tenth of the table", 100, 100.0 / 3},
		{"index with the table's capacity", 1000, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := scenario.Load("../../scenarios/gsi-backpressure.yaml")
			if err != nil {
				t.Fatal(err)
			}
			sc.ScaleTime(0.2)
			sc.Table.GlobalIndexes[0].WriteCapacity = tt.indexUnits
			st, err := strategy.New("none", strategy.Params{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), Options{Scenario: sc, Strategies: []strategy.Strategy{st}})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Strategies[0].Summary.SuccessPct
			if math.Abs(got-tt.want) > 2 {
				t.Errorf("got success %.2f%%, want %.2f%% ± 2", got, tt.want)
			}
		})
	}
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// List prices of DynamoDB Standard tables in us-east-1, US dollars. They
// change and differ by region: the estimate says so.
const (
	pricePerWCUHour = 0.00065
	pricePerRCUHour = 0.00013
	pricePerMWRU    = 0.625 // on-demand, per million write request units
	pricePerMRRU    = 0.125 // on-demand, per million read request units
)

// estimate says what a run on real DynamoDB consumes and about what it
// costs: provisioned tables bill per started hour, on-demand per request
// unit (here every attempt of every operation, as an upper bound).
func estimate(sc *scenario.Scenario, strategies, trials int) (usage string, dollars float64) {
	tables := strategies * trials
	d := sc.Workload.TotalDuration()
	if sc.Table.BillingMode == scenario.Provisioned {
		hours := math.Ceil(d.Hours())
		dollars = float64(tables) * hours * (float64(sc.Table.WriteCapacity)*pricePerWCUHour + float64(sc.Table.ReadCapacity)*pricePerRCUHour)
		return fmt.Sprintf("%d tables of %d RCU / %d WCU for %s each (billed per started hour)",
			tables, sc.Table.ReadCapacity, sc.Table.WriteCapacity, d), dollars
	}
	ops := float64(sc.Workload.Rate) * d.Seconds()
	if sc.Workload.Workers > 0 {
		ops = float64(sc.Workload.Workers) * d.Seconds() * 1000 // closed loop: at most ~1000 ops/s a worker
	}
	units := ops * float64(tables) * 10 * math.Ceil(float64(max(sc.Workload.ItemSize, sc.Workload.ItemSizeMax))/1024) // up to 10 attempts
	dollars = units / 1e6 * pricePerMWRU
	return fmt.Sprintf("%d on-demand tables, at most %.0f write request units", tables, units), dollars
}

// confirmCost prints the estimate and, unless yes, asks on a terminal; a
// run that is not interactive needs -yes.
func confirmCost(sc *scenario.Scenario, strategies, trials int, yes bool, in *os.File, stderr io.Writer) error {
	usage, dollars := estimate(sc, strategies, trials)
	fmt.Fprintf(stderr, "bench run: on real DynamoDB this run uses %s: about $%.2f at us-east-1 list prices (check your region's)\n", usage, dollars)
	if yes {
		return nil
	}
	if !isTerminal(in) {
		return badInput{errors.New("a run on real DynamoDB needs -yes when not interactive")}
	}
	fmt.Fprint(stderr, "Proceed? [y/N] ")
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return errors.New("not confirmed")
	}
	return nil
}

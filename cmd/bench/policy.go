package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/throttlebench/throttlebench/internal/policy"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// policyMain prints the least-privilege IAM policy a scenario's run needs.
func policyMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var o policy.Options
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	fs.StringVar(&o.Region, "region", "", "region in the table ARN (default *)")
	fs.StringVar(&o.Account, "account", "", "account ID in the table ARN (default *)")
	fs.StringVar(&o.ExistingTable, "table", "", "the existing table given to bench run -table")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench policy [flags] SCENARIO.yaml")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench policy [flags] SCENARIO.yaml)", len(rest))}
	}
	sc, err := scenario.Load(rest[0])
	if err != nil {
		return badInput{err}
	}
	b, err := json.MarshalIndent(policy.ForScenario(sc, o), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

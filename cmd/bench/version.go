package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/throttlebench/throttlebench/internal/results"
)

// versionMain prints the versions recorded in every results file.
func versionMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if _, err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	v := results.CurrentVersions()
	fmt.Fprintf(stdout, "throttlebench %s\n%s\naws-sdk-go-v2 %s\naws-sdk-go-v2/service/dynamodb %s\nsmithy-go %s\n",
		v.Throttlebench, v.Go, v.AWSSDK, v.DynamoDB, v.SmithyGo)
	return nil
}

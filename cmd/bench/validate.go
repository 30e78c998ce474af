package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/throttlebench/throttlebench/internal/scenario"
)

// validateMain checks each scenario file as bench run would, without
// running it: one line per file, "ok NAME" or the error.
func validateMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), "usage: bench validate SCENARIO.yaml...") }
	files, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return badInput{errors.New("want at least one scenario file (usage: bench validate SCENARIO.yaml...)")}
	}
	bad := 0
	for _, f := range files {
		sc, err := scenario.Load(f)
		if err == nil {
			_, err = resolveStrategies(sc, "")
		}
		if err != nil {
			bad++
			fmt.Fprintln(stdout, err)
			continue
		}
		fmt.Fprintf(stdout, "ok %s\n", f)
	}
	if bad > 0 {
		return badInput{fmt.Errorf("%d of %d scenario files are invalid", bad, len(files))}
	}
	return nil
}

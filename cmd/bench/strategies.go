package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/throttlebench/throttlebench/internal/strategy"
)

// strategiesMain lists every strategy with its formula and resolved defaults.
func strategiesMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("strategies", flag.ContinueOnError)
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return badInput{fmt.Errorf("unexpected argument %q", rest[0])}
	}
	for _, name := range strategy.Names() {
		s, err := strategy.New(name, strategy.Params{})
		if err != nil {
			return err
		}
		params := s.Resolved()
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s=%v", k, params[k]))
		}
		fmt.Fprintf(stdout, "%s\n    %s\n    defaults: %s\n", name, s.Describe(), strings.Join(kv, " "))
	}
	return nil
}

// Command bench compares DynamoDB client retry strategies under throttling.
//
// Usage:
//
//	bench run [flags] SCENARIO.yaml   compare strategies on a scenario
//	bench compare [flags] BASE.json CUR.json   diff two runs; --fail-on rules gate CI
//	bench report [flags] RUN.json     re-render a run: table, csv, md, html, gobench
//	bench serve [flags]               run the fake DynamoDB service
//	bench policy SCENARIO.yaml        print the IAM policy a scenario needs
//	bench validate SCENARIO.yaml...   check scenario files without running
//	bench strategies                  list the retry strategies
//	bench sim [flags] SCENARIO.yaml   run a scenario in virtual time (-experiment backoff: the classic experiment)
//	bench sweep [flags] SCENARIO.yaml find each strategy's highest rate (or least capacity) meeting the SLOs
//	bench merge [flags] SHARD.json... join a sharded run's parts exactly; SLOs on the merge
//	bench collect [-dir DIR] [LOG...] extract shards' run.json files from pod logs
//	bench k8s -shards N -image IMAGE SCENARIO.yaml   print an Indexed Job running N shards
//	bench calibrate [flags] SCENARIO.yaml  this machine's highest honest rate, CPU per operation
//	bench version                     print tool and SDK versions
//
// Exit status: 0 success; 1 the run failed, or a compare --fail-on rule
// was broken; 2 bad input (a flag, a scenario file, a strategy name, a
// run.json file, a rule); 3 a scenario SLO was missed (results are
// written); 130 interrupted (partial results are still written).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/slo"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitBadInput    = 2
	exitSLOMissed   = 3
	exitInterrupted = 130
)

// command is one subcommand: it parses its own arguments and does its work.
type command struct {
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	summary string
}

var commands = map[string]command{
	"run":        {runMain, "compare retry strategies on a scenario"},
	"compare":    {compareMain, "diff two run.json files; exit 1 when a --fail-on rule is broken"},
	"report":     {reportMain, "re-render a saved run.json as table, csv, md, html or gobench"},
	"policy":     {policyMain, "print the least-privilege IAM policy a scenario needs"},
	"serve":      {serveMain, "run the fake DynamoDB service"},
	"strategies": {strategiesMain, "list the retry strategies with their formulas and defaults"},
	"validate":   {validateMain, "check scenario files without running them"},
	"version":    {versionMain, "print tool, SDK and Go versions"},
	"sim":        {simMain, "run a scenario in virtual time (deterministic); -experiment backoff"},
	"sweep":      {sweepMain, "find each strategy's highest rate (or least capacity) meeting the SLOs"},
	"merge":      {mergeMain, "join the run.json files of a sharded run (bench run -shard I/N) exactly"},
	"collect":    {collectMain, "extract shards' run.json files from pod logs (bench run -emit-result)"},
	"k8s":        {k8sMain, "print Kubernetes manifests running a scenario as N shards of an Indexed Job"},
	"calibrate":  {calibrateMain, "find this machine's highest honest rate for a scenario, with its CPU per operation"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(bench(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// bench runs the command line args and returns the exit status.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitBadInput
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "bench: unknown command %q (commands: %s)\n", args[0], strings.Join(commandNames(), ", "))
		return exitBadInput
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		fmt.Fprintf(stderr, "bench %s: %v\n", args[0], err)
		return exitInterrupted
	case errors.Is(err, errSLOMissed):
		fmt.Fprintf(stderr, "bench %s: %v\n", args[0], err)
		return exitSLOMissed
	case isBadInput(err):
		fmt.Fprintf(stderr, "bench %s: %v\n", args[0], err)
		return exitBadInput
	}
	fmt.Fprintf(stderr, "bench %s: %v\n", args[0], err)
	return exitFailed
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: bench COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, name := range commandNames() {
		fmt.Fprintf(w, "  %-11s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'bench COMMAND -h' for a command's flags.")
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// errInterrupted marks a run stopped by a signal; its results are written.
var errInterrupted = errors.New("interrupted")

// errSLOMissed marks a run whose results miss a scenario SLO.
var errSLOMissed = errors.New("SLO missed")

// badInput wraps errors caused by what the user typed or wrote.
type badInput struct{ err error }

func (b badInput) Error() string { return b.err.Error() }
func (b badInput) Unwrap() error { return b.err }

func isBadInput(err error) bool {
	var b badInput
	return errors.As(err, &b)
}

// parseFlags parses args with flags and positional arguments in any order.
// Errors are one line and mark bad input; -h prints the flags.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stderr)
				fs.Usage()
				return nil, err
			}
			return nil, badInput{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// printScaling prints, for every strategy whose table was auto scaled, its
// scaling actions, the capacity they reached and the minutes in which the
// endpoint throttled (from run.json's server view).
func printScaling(w io.Writer, f *results.File) {
	for _, s := range f.Strategies {
		srv := s.Server
		if srv == nil || len(srv.ScalingActions) == 0 {
			continue
		}
		peak := map[string]int64{}
		var order []string
		for _, a := range srv.ScalingActions {
			k := a.Resource + " " + a.Dimension
			if _, ok := peak[k]; !ok {
				order = append(order, k)
				peak[k] = a.Old
			}
			peak[k] = max(peak[k], a.New)
		}
		var caps []string
		for _, k := range order {
			caps = append(caps, fmt.Sprintf("%s peak %d", k, peak[k]))
		}
		throttled, minutes := srv.ThrottledMinutes()
		fmt.Fprintf(w, "auto scaling: %s: %d actions (%s); throttled in %d of %d minutes\n",
			s.Name, len(srv.ScalingActions), strings.Join(caps, ", "), throttled, minutes)
	}
}

// printMissedSLOs prints a line for every check that failed and returns
// how many did.
func printMissedSLOs(w io.Writer, checks []slo.Check) int {
	missed := 0
	for _, c := range checks {
		if !c.Met {
			missed++
			fmt.Fprintf(w, "SLO missed: %s: %s (measured %.4g)\n", c.Strategy, c.SLO, c.Value)
		}
	}
	return missed
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/report"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/served"
)

// servedFile assembles the run.json of traffic the fake measured from its
// side: one strategy per client group, params(name) as its parameters, and
// the groups' forensics.
func servedFile(sc *scenario.Scenario, target string, start time.Time, res []served.Result, interrupted bool, params func(name string) map[string]any) *results.File {
	r := &runner.Result{Started: start, Interrupted: interrupted}
	var fx []served.Forensics
	for _, g := range res {
		r.Strategies = append(r.Strategies, runner.StrategyResult{
			Name: g.Name, Params: params(g.Name), Offered: g.Summary.Ops, Summary: g.Summary, Series: g.Series,
		})
		fx = append(fx, g.Forensics)
	}
	f := results.New(sc, target, r)
	f.Served = fx
	return f
}

// writeServed writes f's run.json, summary.csv, summary.md, report.html
// and forensics.md under root/<scenario>/<start>/ and returns run.json's
// path.
func writeServed(root string, f *results.File) (string, error) {
	path, err := results.Write(results.Dir(root, f), f)
	if err != nil {
		return "", err
	}
	if err := writeReports(path, f); err != nil {
		return "", err
	}
	err = writeRendered(filepath.Join(filepath.Dir(path), "forensics.md"), func(w io.Writer, f *results.File) error {
		return served.WriteForensics(w, f.Served)
	}, f)
	return path, err
}

// execRun is bench run --exec: each client (the command after --, else
// the scenario's clients:) runs against its own embedded fake with the
// scenario's table, model and fault schedule, its traffic is measured from
// the server's side, and the clients are reported side by side like
// strategies. It returns errSLOMissed when an SLO is missed and
// errCommandFailed when a command exited non-zero (that first).
func execRun(ctx context.Context, o runOptions, args, cmd []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return badInput{fmt.Errorf("want one scenario, got %d arguments before -- (usage: bench run --exec SCENARIO.yaml [-- CMD [ARG...]])", len(args))}
	}
	sc, err := scenario.LoadExec(args[0])
	if err != nil {
		return badInput{err}
	}
	clients := sc.Clients
	if len(cmd) > 0 {
		clients = []scenario.ClientSpec{{Name: filepath.Base(cmd[0]), Command: cmd}}
	}
	if len(clients) == 0 {
		return badInput{fmt.Errorf("--exec: give a command after -- or a clients: list in %s", args[0])}
	}
	switch {
	case o.trials < 1:
		return badInput{fmt.Errorf("-trials must be >= 1, got %d", o.trials)}
	case !(o.timeScale > 0):
		return badInput{fmt.Errorf("-time-scale must be > 0, got %g", o.timeScale)}
	case o.target.aws || o.target.endpoint != "":
		return badInput{errors.New("--exec runs the command against the embedded fake; -aws and -endpoint do not apply")}
	}
	if o.timeScale != 1 {
		sc.ScaleTime(o.timeScale)
	}
	fmt.Fprintf(stderr, "bench run --exec: %s: %d client(s) against the embedded fake (SigV4 verified, credentials from its instance metadata emulator); table %s %d RCU / %d WCU\n",
		sc.Name, len(clients), sc.Table.BillingMode, sc.Table.ReadCapacity, sc.Table.WriteCapacity)

	started := time.Now()
	r := &runner.Result{Started: started}
	var fx []served.Forensics
	var failed []string
	for _, c := range clients {
		group := served.Options{Group: func(fakeservice.RequestInfo) string { return c.Name }}
		// Like the runner's trials: each trial's times count from its own
		// start, the summary merges the trials' aggregates and the series
		// is the first trial's. The forensics see every trial.
		all, merged := served.New(group), metrics.NewAggregator()
		sr := runner.StrategyResult{Name: c.Name, Params: map[string]any{"command": strings.Join(c.Command, " ")}}
		for trial := range o.trials {
			one := served.New(group)
			table, cmdErr, err := execOnce(ctx, sc, c, o.grace, func(ri fakeservice.RequestInfo) { all.Observe(ri); one.Observe(ri) }, stderr)
			if err != nil {
				return err
			}
			sr.Table = table
			if cmdErr != nil {
				failed = append(failed, fmt.Sprintf("%s (trial %d): %v", c.Name, trial+1, cmdErr))
			}
			one.Close()
			if _, res := one.Results(); len(res) > 0 {
				merged.Merge(res[0].Aggregator)
				if trial == 0 {
					sr.Series = res[0].Series
				}
				if o.trials > 1 {
					sr.Trials = append(sr.Trials, res[0].Summary)
				}
			} else {
				fmt.Fprintf(stderr, "bench run --exec: warning: %s (trial %d) sent no request to the fake\n", c.Name, trial+1)
			}
			if ctx.Err() != nil {
				r.Interrupted = true
				break
			}
		}
		all.Close()
		sr.Summary = merged.Summary()
		sr.Offered = sr.Summary.Ops
		r.Strategies = append(r.Strategies, sr)
		forensics := served.Forensics{Client: c.Name}
		if _, res := all.Results(); len(res) > 0 {
			forensics = res[0].Forensics
		}
		fx = append(fx, forensics)
		if r.Interrupted {
			break
		}
	}
	f := results.New(sc, "embedded fake (bench run --exec: clients measured from the server's side)", r)
	f.Credentials = "EC2 instance role " + fakeservice.DefaultIMDSRole + " (the embedded fake's metadata emulator)"
	f.Served = fx
	path, err := writeServed(o.out, f)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := report.Table(stdout, f); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := served.WriteForensics(stdout, f.Served); err != nil {
		return err
	}
	missed := printMissedSLOs(stdout, f.SLOs)
	fmt.Fprintf(stdout, "results: %s\n", path)
	switch {
	case r.Interrupted:
		return fmt.Errorf("%w: partial results written to %s", errInterrupted, path)
	case len(failed) > 0:
		return fmt.Errorf("command failed: %s", strings.Join(failed, "; "))
	case missed > 0:
		return fmt.Errorf("%w: %d of %d checks", errSLOMissed, missed, len(f.SLOs))
	}
	return nil
}

// execOnce runs one client's command once against a fresh embedded fake
// and its metadata emulator, reporting every request of the command (not
// bench's own, which sign with a key of their own) to observe. It returns
// the table's name, the command's failure (nil when it exited 0) and an
// error when the fake could not be set up.
func execOnce(ctx context.Context, sc *scenario.Scenario, c scenario.ClientSpec, grace time.Duration, observe func(fakeservice.RequestInfo), stderr io.Writer) (string, error, error) {
	store := fakeservice.NewCredentialStore()
	own, err := ownCredential()
	if err != nil {
		return "", nil, err
	}
	store.Add(own)
	imds := fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store})
	imdsURL, err := imds.Start("127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	defer imds.Close()
	fake := fakeservice.New(fakeservice.Options{
		Model: sc.Fake.Model(), Faults: sc.Faults, Credentials: store, AutoScaling: sc.FakeAutoScaling(),
		OnRequest: func(ri fakeservice.RequestInfo) {
			if ri.AccessKeyID != own.AccessKeyID {
				observe(ri)
			}
		},
	})
	url, err := fake.Start("127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("start embedded fake: %w", err)
	}
	defer fake.Close()
	table := runner.TableName("throttlebench", sc.Name, c.Name, time.Now().UTC().Format("20060102T150405Z"))
	tgt := runner.Target{Endpoint: url, Config: aws.Config{
		Region:      fakeservice.DefaultRegion,
		Credentials: credentials.NewStaticCredentialsProvider(own.AccessKeyID, own.SecretAccessKey, ""),
	}}
	if err := runner.CreateTable(ctx, tgt, sc, table); err != nil {
		return "", nil, err
	}
	home := filepath.Join(os.TempDir(), "throttlebench-exec-no-credentials")
	cmd := exec.CommandContext(ctx, c.Command[0], c.Command[1:]...)
	cmd.Env = execEnv(os.Environ(), map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":         url,
		"AWS_REGION":                        fakeservice.DefaultRegion,
		"AWS_DEFAULT_REGION":                fakeservice.DefaultRegion,
		"THROTTLEBENCH_TABLE":               table,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imdsURL,
		"AWS_EC2_METADATA_DISABLED":         "false",
		// No keys but the instance role's: nothing from the environment
		// or the user's files.
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
	})
	cmd.Stdout, cmd.Stderr = stderr, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = grace
	fmt.Fprintf(stderr, "bench run --exec: %s: %s (table %s)\n", c.Name, strings.Join(c.Command, " "), table)
	cmdErr := cmd.Run()
	if ctx.Err() != nil {
		cmdErr = nil // interrupted: the run says so
	}
	return table, cmdErr, nil
}

// scrubbed are environment variables a command under --exec does not
// inherit: every way to hand it keys, a profile or another endpoint.
var scrubbed = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_EC2_METADATA_V1_DISABLED",
}

// execEnv returns env without the scrubbed variables and with set.
func execEnv(env []string, set map[string]string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := set[k]; ok || slices.Contains(scrubbed, k) {
			continue
		}
		out = append(out, kv)
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		out = append(out, k+"="+set[k])
	}
	return out
}

// ownCredential is a random key for bench's own requests to the fake
// (creating the table); it never leaves the process.
func ownCredential() (fakeservice.Credential, error) {
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		return fakeservice.Credential{}, err
	}
	id := "AKIATB" + strings.ToUpper(hex.EncodeToString(b[:7]))
	return fakeservice.Credential{AccessKeyID: id, SecretAccessKey: base64.StdEncoding.EncodeToString(b[7:]), Source: "bench run --exec"}, nil
}

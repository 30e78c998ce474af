package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/served"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// TestMain lets the test binary be bench itself (asBench, for the shard
// processes) or a client under bench run --exec:
// "TESTBINARY throttlebench-client STRATEGY N" writes N items at once
// through aws-sdk-go-v2 with a strategy's retryer, everything else
// (endpoint, region, table, credentials from instance metadata) from the
// environment --exec sets.
func TestMain(m *testing.M) {
	asBench()
	if len(os.Args) == 4 && os.Args[1] == "throttlebench-client" {
		if err := goClient(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "go client:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func goClient(name, count string) error {
	params := map[string]strategy.Params{
		"constant":    {Base: 500 * time.Millisecond, MaxAttempts: 4},
		"full-jitter": {Base: time.Second, MaxAttempts: 3},
	}
	st, err := strategy.New(name, params[name])
	if err != nil {
		return err
	}
	var n int
	if _, err := fmt.Sscan(count, &n); err != nil {
		return err
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx) // credentials: the metadata emulator
	if err != nil {
		return err
	}
	table := os.Getenv("THROTTLEBENCH_TABLE")
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		c := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.Retryer = st.NewRetryer(int64(i)) })
		// Connect first, so that the burst starts together.
		if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
			return err
		}
		wg.Go(func() {
			<-gate
			_, _ = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table),
				Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprint("k", i)}}})
		})
	}
	close(gate)
	wg.Wait()
	return nil
}

// runExec runs bench run --exec with args and returns its exit status,
// output and run.json.
func runExec(t *testing.T, args ...string) (int, string, *results.File) {
	t.Helper()
	noKeys(t, "")
	var stdout, stderr strings.Builder
	out := t.TempDir()
	code := bench(context.Background(), append([]string{"run", "--exec", "-out", out}, args...), &stdout, &stderr)
	text := stdout.String() + stderr.String()
	m := regexp.MustCompile(`results: (\S+run\.json)`).FindStringSubmatch(stdout.String())
	if m == nil {
		return code, text, nil
	}
	f, err := results.Read(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return code, text, f
}

// Two builds of an application in a clients: list are compared side by
// side like strategies: one with a fixed backoff, flagged as synchronised,
// one with full jitter, not.
func TestExecClientsSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two clients for a few seconds")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sc := writeScenario(t, fmt.Sprintf(`name: two-builds
table: {read_capacity: 1, write_capacity: 1}
fake: {burst: 0s}
clients:
  - {name: fixed, command: [%q, throttlebench-client, constant, "10"]}
  - {name: jittered, command: [%q, throttlebench-client, full-jitter, "10"]}
slos: ["success >= 1%%"]
`, self, self))
	code, out, f := runExec(t, sc)
	if code != exitOK || f == nil {
		t.Fatalf("got exit %d, want 0: %s", code, out)
	}
	if len(f.Strategies) != 2 || f.Strategies[0].Name != "fixed" || f.Strategies[1].Name != "jittered" {
		t.Fatalf("got %d strategies, want fixed and jittered: %s", len(f.Strategies), out)
	}
	for i, want := range []bool{true, false} {
		s, fx := f.Strategies[i], f.Served[i]
		if got := s.Summary.ByOperation["PutItem"].Ops; got != 10 {
			t.Errorf("%s: got %d PutItem operations, want 10 (CreateTable by bench must not count)", s.Name, got)
		}
		t.Logf("%s: sync %+v", s.Name, fx.Sync)
		if fx.Sync.Synchronised != want {
			t.Errorf("%s: got synchronised %v (%+v), want %v", s.Name, fx.Sync.Synchronised, fx.Sync, want)
		}
		if len(fx.AccessKeys) != 1 || fx.AccessKeys[""] != 0 {
			t.Errorf("%s: got access keys %v, want one, the instance role's", s.Name, fx.AccessKeys)
		}
		if !strings.HasPrefix(served.ClientName(firstKey(fx.UserAgents)), "aws-sdk-go-v2") {
			t.Errorf("%s: got user agents %v, want aws-sdk-go-v2", s.Name, fx.UserAgents)
		}
	}
	if !strings.Contains(out, "│ fixed") || !strings.Contains(out, "│ jittered") {
		t.Errorf("want both clients in the table, got:\n%s", out)
	}
}

func firstKey(m map[string]int64) string {
	for k := range m {
		return k
	}
	return ""
}

func TestExecExitStatus(t *testing.T) {
	sc := writeScenario(t, "table: {read_capacity: 1, write_capacity: 1}\nslos: [\"success >= 99%\"]\n")
	cases := []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"command fails", []string{sc, "--", "sh", "-c", "exit 4"}, exitFailed, "command failed: sh (trial 1): exit status 4"},
		{"SLO missed", []string{sc, "--", "true"}, exitSLOMissed, "SLO missed: true: success >= 99%"},
		{"no command", []string{sc}, exitBadInput, "give a command after -- or a clients: list"},
		{"endpoint", []string{"-endpoint", "http://127.0.0.1:1", sc, "--", "true"}, exitBadInput, "-aws and -endpoint do not apply"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := runExec(t, c.args...)
			if code != c.want || !strings.Contains(out, c.msg) {
				t.Errorf("got exit %d, want %d with %q:\n%s", code, c.want, c.msg, out)
			}
		})
	}
}

// The environment of the command: where the fake is, the table, and
// instance metadata; no keys from bench's own environment.
func TestExecEnvironment(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAOUTSIDE")
	env := execEnv([]string{"AWS_ACCESS_KEY_ID=AKIAOUTSIDE", "AWS_PROFILE=prod", "PATH=/bin", "AWS_REGION=eu-west-1"},
		map[string]string{"AWS_REGION": "us-east-1", "THROTTLEBENCH_TABLE": "t"})
	got := strings.Join(env, " ")
	if want := "PATH=/bin AWS_REGION=us-east-1 THROTTLEBENCH_TABLE=t"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// requireClient skips (or, under CI=true, fails) when a client program
// nobody here wrote is not installed: probe is a command that fails then.
func requireClient(t *testing.T, what string, probe ...string) {
	t.Helper()
	if err := exec.Command(probe[0], probe[1:]...).Run(); err != nil {
		missingClient(t, fmt.Sprintf("%s is not installed (%s: %v); .ci/run installs it", what, strings.Join(probe, " "), err))
	}
}

// missingClient skips with msg, or fails with it under CI=true, where
// every client must be installed.
func missingClient(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// --trials runs the command once per trial, each against a fresh fake:
// the summary merges them, each trial's own summary is kept for compare.
func TestExecTrials(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sc := writeScenario(t, "table: {read_capacity: 5, write_capacity: 5}\n")
	code, out, f := runExec(t, "--trials", "2", sc, "--", self, "throttlebench-client", "full-jitter", "4")
	if code != exitOK || f == nil {
		t.Fatalf("got exit %d, want 0: %s", code, out)
	}
	s := f.Strategies[0]
	puts := func(sum metrics.Summary) int64 { return sum.ByOperation["PutItem"].Ops }
	if len(s.Trials) != 2 || puts(s.Summary) != 8 || puts(s.Trials[0]) != 4 || puts(s.Trials[1]) != 4 {
		t.Errorf("got %d trials, %d PutItems, want 2 trials of 4, 8 in all", len(s.Trials), puts(s.Summary))
	}
}

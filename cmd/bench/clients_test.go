package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/served"
)

// Clients nobody here wrote, run by bench run --exec against the embedded
// fake with SigV4 verification on and credentials from the metadata
// emulator only. .ci/run installs them (Debian python3-boto3 and awscli,
// npm @aws-sdk/client-dynamodb into .ci/node).

// ownOverloaded is a table that admits 10 one-KB writes a second, with no
// burst credit: 40 writes 8 at a time must be retried.
const ownOverloaded = `name: own-client
table: {read_capacity: 5, write_capacity: 10}
fake: {burst: 0s}
`

// checkClient checks what every SDK client must show: n PutItem
// operations, all with the headers, retried (attempts/op > 1) and never
// past the advertised max.
func checkClient(t *testing.T, f *results.File, n int64, wantMax int) (served.Forensics, int) {
	t.Helper()
	if f == nil || len(f.Strategies) != 1 || len(f.Served) != 1 {
		t.Fatalf("want one client's results, got %v", f)
	}
	s, fx := f.Strategies[0].Summary, f.Served[0]
	if got := s.ByOperation["PutItem"].Ops; got != n {
		t.Errorf("got %d PutItem operations, want %d", got, n)
	}
	if s.AttemptsPerOp <= 1 {
		t.Errorf("got %.2f attempts/op, want > 1 (the table admits 10 writes/s)", s.AttemptsPerOp)
	}
	if fx.NoHeaders != 0 {
		t.Errorf("got %d requests without amz-sdk-invocation-id, want 0", fx.NoHeaders)
	}
	if fx.MaxAdvertised != wantMax || fx.PastMax != 0 {
		t.Errorf("got advertised max %d and %d attempts past it, want %d and 0", fx.MaxAdvertised, fx.PastMax, wantMax)
	}
	most := 0
	for k := range s.AttemptsHist {
		most = max(most, k)
	}
	if most > wantMax {
		t.Errorf("got an operation of %d attempts, want at most %d", most, wantMax)
	}
	return fx, most
}

// checkFullJitter checks the first retries' gaps against full jitter
// U[0, 1s) (boto3's and the JavaScript SDK's standard backoff for a
// throttle's first retry): never longer than 1 s plus the client's own
// time to send, spread over the interval, centred near 500 ms.
func checkFullJitter(t *testing.T, fx served.Forensics) {
	t.Helper()
	i := slices.IndexFunc(fx.Gaps, func(g served.Gap) bool { return g.Attempt == 2 })
	if i < 0 {
		t.Fatalf("no gaps before second attempts: %+v", fx.Gaps)
	}
	g := fx.Gaps[i]
	switch {
	case g.Count < 10:
		t.Errorf("got %d second attempts, want >= 10", g.Count)
	case g.MaxMs > 1300:
		t.Errorf("got a gap of %.0f ms before a second attempt, want <= 1000 (+ the client's send time)", g.MaxMs)
	case g.MeanMs < 200 || g.MeanMs > 800:
		t.Errorf("got mean gap %.0f ms, want about 500 (uniform on [0, 1 s))", g.MeanMs)
	case g.P90Ms-g.P10Ms < 400:
		t.Errorf("got p10 %.0f and p90 %.0f ms, want them about 800 ms apart (uniform on [0, 1 s))", g.P10Ms, g.P90Ms)
	}
}

func TestBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("runs boto3 for several seconds")
	}
	requireClient(t, "boto3 (Debian python3-boto3)", "/usr/bin/python3", "-c", "import boto3")
	sc := writeScenario(t, ownOverloaded)
	for _, mode := range []string{"standard", "adaptive"} {
		t.Run(mode, func(t *testing.T) {
			code, out, f := runExec(t, sc, "--", "/usr/bin/python3", "../../scenarios/clients/boto3_put.py", mode, "40", "3")
			if code != exitOK {
				t.Fatalf("got exit %d, want 0:\n%s", code, out)
			}
			// botocore's max_attempts counts retries: 3 retries, 4 attempts.
			fx, _ := checkClient(t, f, 40, 4)
			if !strings.HasPrefix(served.ClientName(firstKey(fx.UserAgents)), "boto3") {
				t.Errorf("got user agents %v, want Boto3/...", fx.UserAgents)
			}
			if mode == "standard" {
				checkFullJitter(t, fx)
			}
		})
	}
}

func TestJavaScriptSDK(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the JavaScript SDK for several seconds")
	}
	modules, err := filepath.Abs("../../.ci/node/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NODE_PATH", modules)
	requireClient(t, "the AWS SDK for JavaScript v3 (npm @aws-sdk/client-dynamodb in .ci/node)", "node", "-e", `require("@aws-sdk/client-dynamodb")`)
	sc := writeScenario(t, ownOverloaded)
	for _, mode := range []string{"standard", "adaptive"} {
		t.Run(mode, func(t *testing.T) {
			code, out, f := runExec(t, sc, "--", "node", "../../scenarios/clients/js_put.js", mode, "40", "3")
			if code != exitOK {
				t.Fatalf("got exit %d, want 0:\n%s", code, out)
			}
			fx, _ := checkClient(t, f, 40, 3)
			if got, want := served.ClientName(firstKey(fx.UserAgents)), "aws-sdk-js "+mode; got != want {
				t.Errorf("got client %q (%v), want %q", got, fx.UserAgents, want)
			}
			if mode == "standard" {
				checkFullJitter(t, fx)
			}
		})
	}
}

// awsCLIv2 returns the path of an AWS CLI v2, or "".
func awsCLIv2() string {
	for _, p := range []string{"/usr/bin/aws", "aws"} {
		out, err := exec.Command(p, "--version").Output()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2.") {
			return p
		}
	}
	return ""
}

// The AWS CLI v2's command-line flow: put-item, get-item, and a
// batch-write-item whose unprocessed items are resubmitted.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the AWS CLI")
	}
	cli := awsCLIv2()
	if cli == "" {
		missingClient(t, "the AWS CLI v2 (Debian awscli) is not installed; .ci/run installs it")
	}
	t.Setenv("AWS_CLI", cli)
	sc := writeScenario(t, ownOverloaded)
	code, out, f := runExec(t, sc, "--", "sh", "../../scenarios/clients/cli_flow.sh")
	if code != exitOK || f == nil {
		t.Fatalf("got exit %d, want 0:\n%s", code, out)
	}
	s, fx := f.Strategies[0].Summary, f.Served[0]
	for op, want := range map[string]int64{"PutItem": 1, "GetItem": 1} {
		if got := s.ByOperation[op].Ops; got != want {
			t.Errorf("got %d %s operations, want %d", got, op, want)
		}
	}
	// 25 one-KB items against 10 WCU: the first batch leaves some
	// unprocessed, so the script sends at least two.
	if got := s.ByOperation["BatchWriteItem"]; got.Ops < 2 || s.ThrottledAttempts < 1 {
		t.Errorf("got %d BatchWriteItem operations, %d throttled attempts; want >= 2 and >= 1 (unprocessed items)", got.Ops, s.ThrottledAttempts)
	}
	if s.Succeeded != s.Ops {
		t.Errorf("got %d of %d operations succeeded, want all", s.Succeeded, s.Ops)
	}
	for ua := range fx.UserAgents {
		if !strings.HasPrefix(ua, "aws-cli/2.") {
			t.Errorf("got user agent %q, want aws-cli/2...", ua)
		}
	}
	if len(fx.AccessKeys) != 1 {
		t.Errorf("got access keys %v, want the instance role's only", fx.AccessKeys)
	}
}

// The AWS CLI v2 on a simulated instance: no region anywhere but the
// instance metadata's placement/region, which it must find (the fake only
// accepts signatures scoped to eu-west-1), and credentials from the role.
func TestAWSCLIRegionFromIMDS(t *testing.T) {
	cli := awsCLIv2()
	if cli == "" {
		missingClient(t, "the AWS CLI v2 (Debian awscli) is not installed; .ci/run installs it")
	}
	store := fakeservice.NewCredentialStore()
	m := fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store, Region: "eu-west-1"})
	imdsURL, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if !strings.HasSuffix(imdsURL, "/") {
		t.Errorf("got endpoint %q, want a trailing slash (botocore appends paths to it)", imdsURL)
	}
	_, url := startFake(t, fakeservice.Options{Region: "eu-west-1", Credentials: store})
	home := t.TempDir()
	cmd := exec.Command(cli, "dynamodb", "list-tables", "--endpoint-url", url, "--output", "json")
	cmd.Env = execEnv(nil, map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": home,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imdsURL,
		"AWS_CONFIG_FILE":                   filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(home, "credentials"),
	})
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"TableNames"`) {
		t.Fatalf("aws dynamodb list-tables with the region from instance metadata: %v:\n%s", err, out)
	}
}

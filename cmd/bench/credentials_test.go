package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/policy"
	"github.com/throttlebench/throttlebench/internal/results"
)

// noKeys leaves the default credential chain nothing but instance
// metadata, and only when imdsURL is set: no keys in the environment, no
// shared files, no container or web identity credentials.
func noKeys(t *testing.T, imdsURL string) {
	t.Helper()
	dir := t.TempDir()
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	if imdsURL == "" {
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "")
		return
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsURL)
}

// startFake starts a fake service on loopback, stopped when t ends.
func startFake(t *testing.T, opts fakeservice.Options) (*fakeservice.Server, string) {
	t.Helper()
	s := fakeservice.New(opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// startIMDS starts an instance metadata emulator issuing into store.
func startIMDS(t *testing.T, store *fakeservice.CredentialStore, role string) (*fakeservice.IMDS, string) {
	t.Helper()
	m := fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store, Role: role})
	url, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, url
}

// issuedCredentials asks the emulator, as the SDK does, for the role's
// current credentials.
func issuedCredentials(t *testing.T, imdsURL, role string) (key, secret, token string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, imdsURL+"/latest/api/token", nil)
	req.Header.Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "60")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodGet, imdsURL+"/latest/meta-data/iam/security-credentials/"+role, nil)
	req.Header.Set("X-Aws-Ec2-Metadata-Token", string(tok))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ AccessKeyId, SecretAccessKey, Token string }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || c.AccessKeyId == "" {
		t.Fatalf("emulator credentials: %v", err)
	}
	return c.AccessKeyId, c.SecretAccessKey, c.Token
}

// assertNowhere fails t when any secret appears in the outputs or in any
// file under dir.
func assertNowhere(t *testing.T, dir string, outputs map[string]string, secrets ...string) {
	t.Helper()
	texts := map[string]string{}
	for k, v := range outputs {
		texts[k] = v
	}
	files := 0
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		texts[path] = string(b)
		files++
		return nil
	})
	if files == 0 {
		t.Error("no result files written")
	}
	for name, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s contains a credential (%d characters)", name, len(s))
			}
		}
	}
}

// onlyRun reads the one run.json under out.
func onlyRun(t *testing.T, out string) *results.File {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "*", "*", "run.json"))
	if len(files) != 1 {
		t.Fatalf("found %v, want one run.json", files)
	}
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// With no keys anywhere, a run takes the instance role's credentials from
// instance metadata; the fake verifies every signature against the
// credentials the emulator issued; results name the role and hold no key.
func TestRunWithInstanceRoleOnly(t *testing.T) {
	store := fakeservice.NewCredentialStore()
	_, imdsURL := startIMDS(t, store, "bench-ec2-role")
	_, url := startFake(t, fakeservice.Options{Credentials: store})
	noKeys(t, imdsURL)
	out := t.TempDir()
	code, stdout, stderr := runBench(t, "run", "--endpoint", url, "--out", out, "--strategies", "none", writeScenario(t, tiny))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f := onlyRun(t, out)
	if f.Credentials != "EC2 instance role bench-ec2-role" {
		t.Errorf("credentials %q, want %q", f.Credentials, "EC2 instance role bench-ec2-role")
	}
	// Every request was signed by the issued credentials, or the fake would
	// have refused it: operations fail only by throttling.
	if s := f.Strategies[0].Summary; s.Succeeded == 0 || s.Succeeded+s.Failed["throttled"] != s.Ops {
		t.Errorf("%d of %d operations succeeded, failures %v; want the rest throttled", s.Succeeded, s.Ops, s.Failed)
	}
	if strings.Contains(stderr, "warning") {
		t.Errorf("stderr warns with an instance role: %s", stderr)
	}
	key, secret, token := issuedCredentials(t, imdsURL, "bench-ec2-role")
	assertNowhere(t, out, map[string]string{"stdout": stdout, "stderr": stderr}, key, secret, token)
}

// Long-term keys from a shared credentials file on an EC2 instance (its
// metadata answers) draw a warning; off EC2 they do not.
func TestSharedKeysOnEC2Warn(t *testing.T) {
	const warning = "long-term access keys from a shared credentials file on an EC2 instance; use an instance role instead"
	key, secret := "AKIATBSHARED"+"0123456789", "tbSharedSecret/0123456789abcdefghijklmnop"
	_, imdsURL := startIMDS(t, nil, "")
	_, url := startFake(t, fakeservice.Options{Credentials: fakeservice.NewCredentialStore(fakeservice.Credential{AccessKeyID: key, SecretAccessKey: secret})})
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		imds string
		warn bool
	}{
		{"metadata answers", imdsURL, true},
		{"metadata disabled", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			noKeys(t, tt.imds)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
			out := t.TempDir()
			code, stdout, stderr := runBench(t, "run", "--endpoint", url, "--out", out, "--strategies", "none", "--duration", "300ms", writeScenario(t, tiny))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := strings.Count(stderr, warning); got != map[bool]int{true: 1, false: 0}[tt.warn] {
				t.Errorf("warning printed %d times, want it: %v\nstderr: %s", got, tt.warn, stderr)
			}
			if f := onlyRun(t, out); f.Credentials != "shared credentials file: "+creds {
				t.Errorf("credentials %q, want the shared credentials file", f.Credentials)
			}
			assertNowhere(t, out, map[string]string{"stdout": stdout, "stderr": stderr}, key, secret)
		})
	}
}

// The policy bench policy prints is sufficient (a run under it succeeds)
// and minimal (without any one of its actions the run fails, naming it).
func TestPrintedPolicyIsSufficientAndMinimal(t *testing.T) {
	testCredentials(t)
	path := writeScenario(t, tiny)
	code, printed, stderr := runBench(t, "policy", path)
	if code != exitOK {
		t.Fatalf("bench policy: exit %d: %s", code, stderr)
	}
	doc, err := policy.Parse([]byte(printed))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, doc policy.Document) (int, string) {
		_, url := startFake(t, fakeservice.Options{Policy: doc})
		code, _, stderr := runBench(t, "run", "--endpoint", url, "--out", t.TempDir(), "--strategies", "none", "--duration", "300ms", "--grace", "1s", path)
		return code, stderr
	}
	if code, stderr := run(t, doc); code != exitOK {
		t.Fatalf("under the printed policy: exit %d: %s", code, stderr)
	}
	actions := doc.Statement[0].Action
	if len(actions) < 4 {
		t.Fatalf("policy actions %v: want at least create, describe, delete and the workload's", actions)
	}
	for i, action := range actions {
		t.Run(action, func(t *testing.T) {
			less := doc
			less.Statement = []policy.Statement{doc.Statement[0]}
			less.Statement[0].Action = append(append([]string{}, actions[:i]...), actions[i+1:]...)
			code, stderr := run(t, less)
			if code != exitFailed || !strings.Contains(stderr, "AccessDeniedException") || !strings.Contains(stderr, "not authorized to perform: "+action+" on resource") {
				t.Errorf("without %s: exit %d, stderr %q; want 1 and AccessDeniedException naming it", action, code, stderr)
			}
		})
	}
}

// Through the throttling proxy in front of dynalite, the proxy's model
// throttles (strategy none offered twice the table's capacity) and
// dynalite stores what was admitted.
func TestProxyInFrontOfDynalite(t *testing.T) {
	upstream := dynaliteURL(t)
	key, secret := testCredentials(t)
	proxy, url := startFake(t, fakeservice.Options{Upstream: upstream})
	out := t.TempDir()
	scenario := writeScenario(t, `name: proxied
table: {read_capacity: 10, write_capacity: 20}
workload: {rate: 40/s, duration: 2s, keys: 1000}
strategies: [none]
`)
	code, stdout, stderr := runBench(t, "run", "--endpoint", url, "--out", out, "--keep-table", scenario)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f := onlyRun(t, out)
	s := f.Strategies[0]
	c := directClient(upstream, key, secret)
	t.Cleanup(func() {
		c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(s.Table)})
	})
	if s.Summary.ThrottledAttempts == 0 || s.Summary.SuccessPct >= 100 {
		t.Errorf("%s: %d throttled attempts, %.1f%% success; want throttles from the proxy at 2x capacity", s.Name, s.Summary.ThrottledAttempts, s.Summary.SuccessPct)
	}
	st, ok := proxy.Stats()[s.Table]
	if !ok || st.ThrottledWrites == 0 || st.Writes < s.Summary.Succeeded {
		t.Errorf("proxy stats %+v (found %v): want throttled writes and at least the %d that succeeded admitted", st, ok, s.Summary.Succeeded)
	}
	if !strings.Contains(stdout, "none") {
		t.Errorf("stdout lacks the strategy:\n%s", stdout)
	}

	// What was admitted is in dynalite: read an item back from it directly.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	scan, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(s.Table)})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(scan.Items)) == 0 || int64(len(scan.Items)) > st.Writes {
		t.Fatalf("dynalite holds %d items; want between 1 and the %d writes admitted", len(scan.Items), st.Writes)
	}
	pk := scan.Items[0]["pk"]
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Table), Key: map[string]types.AttributeValue{"pk": pk}, ConsistentRead: aws.Bool(true)})
	if err != nil || got.Item == nil {
		t.Errorf("GetItem from dynalite: %v %v, want the written item", got, err)
	}
}

// The README shows the policy bench policy prints for the quickstart.
func TestREADMEPolicyIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "For\n`scenarios/quickstart.yaml`:\n\n```json\n")
	shown, _, _ := strings.Cut(after, "```\n")
	if !ok {
		t.Fatal("README.md: no quickstart policy after \"For `scenarios/quickstart.yaml`:\"")
	}
	code, printed, stderr := runBench(t, "policy", "../../scenarios/quickstart.yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if shown != printed {
		t.Errorf("README.md shows:\n%s\nbench policy prints:\n%s", shown, printed)
	}
}

func TestServeProxyAndPolicyFlagErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"Statement": [{"Action": 5}]}`), 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--upstream", "127.0.0.1:4567"}, `-upstream: upstream "127.0.0.1:4567": want a base URL like http://127.0.0.1:4567`},
		{[]string{"serve", "--policy", "nope.json"}, "-policy: open nope.json: no such file or directory"},
		{[]string{"serve", "--policy", bad}, "policy: Statement[0].Action: want a string or a list of strings"},
	} {
		code, _, stderr := runBench(t, tt.args...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

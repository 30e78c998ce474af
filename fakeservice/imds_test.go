package fakeservice

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
)

type imdsCreds struct {
	Code, LastUpdated, Type, AccessKeyId, SecretAccessKey, Token, Expiration string
}

// TestIMDSProtocol replays IMDSv2 exchanges at fixed instants.
func TestIMDSProtocol(t *testing.T) {
	clock := newFakeClock()
	m := NewIMDS(IMDSOptions{Now: clock.Now, Role: "bench", Lifetime: time.Hour, RotateBefore: 10 * time.Minute})
	do := func(method, path string, hdr map[string]string) (int, http.Header, string) {
		req := httptest.NewRequest(method, path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		b, _ := io.ReadAll(w.Result().Body)
		return w.Code, w.Result().Header, string(b)
	}
	const credsPath = "/latest/meta-data/iam/security-credentials/"

	if code, _, _ := do("GET", credsPath, nil); code != 401 {
		t.Errorf("GET without a token: %d, want 401", code)
	}
	if code, _, _ := do("GET", credsPath, map[string]string{imdsTokHeader: "made-up"}); code != 401 {
		t.Errorf("GET with an unknown token: %d, want 401", code)
	}
	for _, ttl := range []string{"", "0", "21601", "x"} {
		if code, _, _ := do("PUT", imdsTokenPath, map[string]string{imdsTTLHeader: ttl}); code != 400 {
			t.Errorf("PUT token with TTL %q: %d, want 400", ttl, code)
		}
	}
	code, hdr, tok := do("PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "60"})
	if code != 200 || tok == "" || hdr.Get(imdsTTLHeader) != "60" {
		t.Fatalf("PUT token: %d %q, TTL header %q; want 200, a token, 60", code, tok, hdr.Get(imdsTTLHeader))
	}
	auth := map[string]string{imdsTokHeader: tok}
	if code, _, body := do("GET", credsPath, auth); code != 200 || body != "bench" {
		t.Errorf("GET role list: %d %q, want 200 bench", code, body)
	}
	if code, _, body := do("GET", "/latest/meta-data/instance-id", auth); code != 200 || body != IMDSInstanceID {
		t.Errorf("GET instance-id: %d %q, want 200 %s", code, body, IMDSInstanceID)
	}
	if code, _, _ := do("GET", credsPath+"other", auth); code != 404 {
		t.Errorf("GET another role: %d, want 404", code)
	}
	get := func() imdsCreds {
		t.Helper()
		code, _, body := do("GET", credsPath+"bench", auth)
		var c imdsCreds
		if err := json.Unmarshal([]byte(body), &c); code != 200 || err != nil {
			t.Fatalf("GET credentials: %d %v", code, err)
		}
		return c
	}
	first := get()
	if first.Code != "Success" || first.Type != "AWS-HMAC" || !strings.HasPrefix(first.AccessKeyId, "ASIA") ||
		first.SecretAccessKey == "" || first.Token == "" || first.LastUpdated != t0.Format(time.RFC3339) ||
		first.Expiration != t0.Add(time.Hour).Format(time.RFC3339) {
		t.Errorf("credentials = %+v", first)
	}
	if c, ok := m.Store().lookup(first.AccessKeyId); !ok || c.SecretAccessKey != first.SecretAccessKey || c.SessionToken != first.Token {
		t.Errorf("issued credentials are not in the store")
	}

	clock.Advance(time.Minute)
	if code, _, _ := do("GET", credsPath, auth); code != 401 {
		t.Errorf("GET with an expired token: %d, want 401", code)
	}
	_, _, tok = do("PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "21600"})
	auth = map[string]string{imdsTokHeader: tok}

	steps := []struct {
		advance time.Duration
		rotated bool
	}{
		{30 * time.Second, false}, // 1m30s
		{48 * time.Minute, false}, // 49m30s: before expiry - 10m
		{time.Minute, true},       // 50m30s: rotated
		{time.Minute, false},
	}
	prev := first
	for i, st := range steps {
		clock.Advance(st.advance)
		c := get()
		if rotated := c.AccessKeyId != prev.AccessKeyId; rotated != st.rotated {
			t.Errorf("step %d: rotated = %v, want %v", i, rotated, st.rotated)
		}
		prev = c
	}
	if _, ok := m.Store().lookup(first.AccessKeyId); !ok {
		t.Error("the previous credentials left the store before they expired")
	}
	// Rotation forgets credentials once they have expired.
	clock.Advance(2 * time.Hour)
	get()
	if _, ok := m.Store().lookup(first.AccessKeyId); ok {
		t.Error("expired credentials are still in the store")
	}
}

// TestIMDSDefaultChain runs an unmodified SDK client, configured only by
// LoadDefaultConfig with no keys anywhere, against the fake with SigV4
// verification on: its credentials come from the emulator, and the fake
// accepts exactly those.
func TestIMDSDefaultChain(t *testing.T) {
	m := NewIMDS(IMDSOptions{})
	imdsURL, err := m.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	_, url := startServer(t, Options{Credentials: m.Store()})

	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_EC2_METADATA_SERVICE_ENDPOINT":      imdsURL,
		"AWS_EC2_METADATA_DISABLED":              "",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "no-credentials"),
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "no-config"),
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_ROLE_ARN":                           "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_ENDPOINT_URL_DYNAMODB":              "",
		"AWS_REGION":                             "us-east-1",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	c := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	})
	createTable(t, c, "imds-table", 5, 5)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("imds-table"), Item: oneKBItem("a")}); err != nil {
		t.Fatalf("PutItem with IMDS credentials: %v", err)
	}
	got, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Store().lookup(got.AccessKeyID); !ok {
		t.Errorf("client credentials %s from %q: want the emulator's", got.AccessKeyID, got.Source)
	}

	wrong := signedClient(t, url, credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""), nil)
	_, err = wrong.ListTables(ctx, &dynamodb.ListTablesInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("wrong static keys: err = %v, want UnrecognizedClientException", err)
	}
	tampered := signedClient(t, url, cfg.Credentials, roundTripFunc(tamper))
	_, err = tampered.ListTables(ctx, &dynamodb.ListTablesInput{})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("tampered signature: err = %v, want InvalidSignatureException", err)
	}
}

// TestIMDSPaths checks what a program on EC2 reads, with IMDSv2 only and
// with IMDSv1 also allowed.
func TestIMDSPaths(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		m := NewIMDS(IMDSOptions{Role: "bench", Region: "eu-west-1", AccountID: "123456789012", AllowV1: v1})
		do := func(path, tok string) (int, string) {
			req := httptest.NewRequest("GET", path, nil)
			if tok != "" {
				req.Header.Set(imdsTokHeader, tok)
			}
			w := httptest.NewRecorder()
			m.ServeHTTP(w, req)
			return w.Code, w.Body.String()
		}
		req := httptest.NewRequest("PUT", imdsTokenPath, nil)
		req.Header.Set(imdsTTLHeader, "60")
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		tok := w.Body.String()
		cases := []struct {
			path string
			code int
			has  string
		}{
			{"/latest/meta-data/", 200, "placement/"},
			{"/latest/meta-data", 200, "iam/"},
			{"//latest/meta-data/hostname", 200, "ip-172-31-0-10.eu-west-1.compute.internal"},
			{"/latest/meta-data/instance-id", 200, IMDSInstanceID},
			{"/latest/meta-data/local-ipv4", 200, "172.31.0.10"},
			{"/latest/meta-data/placement/region", 200, "eu-west-1"},
			{"/latest/meta-data/placement/availability-zone", 200, "eu-west-1a"},
			{"/latest/meta-data/placement/availability-zone/", 200, "eu-west-1a"},
			{"/latest/meta-data/iam/info", 200, `"InstanceProfileArn": "arn:aws:iam::123456789012:instance-profile/bench"`},
			{"/latest/meta-data/iam/security-credentials/", 200, "bench"},
			{"/latest/meta-data/iam/security-credentials/bench", 200, `"Code":"Success"`},
			{"/latest/meta-data/iam/security-credentials/other", 404, ""},
			{"/latest/user-data", 404, ""},
			{"/latest/dynamic/instance-identity/document", 200, `"region": "eu-west-1"`},
			{"/latest/meta-data/no-such-thing", 404, ""},
		}
		for _, c := range cases {
			if code, body := do(c.path, tok); code != c.code || !strings.Contains(body, c.has) {
				t.Errorf("v1 %v: GET %s: got %d %q, want %d with %q", v1, c.path, code, body, c.code, c.has)
			}
			want := 401 // IMDSv2 only
			if v1 {
				want = c.code
			}
			if code, _ := do(c.path, ""); code != want {
				t.Errorf("v1 %v: GET %s without a token: got %d, want %d", v1, c.path, code, want)
			}
			if code, _ := do(c.path, "made-up"); code != 401 {
				t.Errorf("v1 %v: GET %s with an invalid token: got %d, want 401", v1, c.path, code)
			}
		}
	}
	m := NewIMDS(IMDSOptions{UserData: []byte("#!/bin/sh\necho hi\n"), AllowV1: true})
	w := httptest.NewRecorder()
	m.ServeHTTP(w, httptest.NewRequest("GET", "/latest/user-data", nil))
	if w.Code != 200 || w.Body.String() != "#!/bin/sh\necho hi\n" {
		t.Errorf("user data: got %d %q, want 200 and the script", w.Code, w.Body.String())
	}
}

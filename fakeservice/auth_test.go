package fakeservice

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
)

// Test credentials: AWS's documented example keys.
const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// signedClient returns an SDK client signing with creds, sending through rt
// when it is not nil.
func signedClient(t *testing.T, url string, creds aws.CredentialsProvider, rt http.RoundTripper) *dynamodb.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: creds, Logger: warnLogger(t)}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(url)
		o.Retryer = aws.NopRetryer{}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// tamper flips the last character of the request's signature.
func tamper(r *http.Request) (*http.Response, error) {
	a := r.Header.Get("Authorization")
	last := byte('0')
	if a[len(a)-1] == '0' {
		last = '1'
	}
	r.Header.Set("Authorization", a[:len(a)-1]+string(last))
	return http.DefaultTransport.RoundTrip(r)
}

func TestSigV4Verification(t *testing.T) {
	store := NewCredentialStore(
		Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, Source: "test"},
		Credential{AccessKeyID: "ASIATEMPORARY", SecretAccessKey: "temp-secret", SessionToken: "tok", Source: "test"},
		Credential{AccessKeyID: "ASIAEXPIRED", SecretAccessKey: "old-secret", SessionToken: "tok", Expires: time.Now().Add(-time.Minute), Source: "test"},
	)
	_, url := startServer(t, Options{Credentials: store})
	static := func(id, secret, token string) aws.CredentialsProvider {
		return credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	tests := []struct {
		name     string
		creds    aws.CredentialsProvider
		rt       http.RoundTripper
		wantCode string // empty: success
		wantMsg  string
	}{
		{"right keys", static(testKeyID, testSecret, ""), nil, "", ""},
		{"temporary keys with their token", static("ASIATEMPORARY", "temp-secret", "tok"), nil, "", ""},
		{"no signature", aws.AnonymousCredentials{}, nil, "MissingAuthenticationTokenException", msgMissingToken},
		{"unknown key", static("AKIAUNKNOWN", testSecret, ""), nil, "UnrecognizedClientException", msgUnrecognized},
		{"wrong token", static("ASIATEMPORARY", "temp-secret", "other"), nil, "UnrecognizedClientException", msgUnrecognized},
		{"wrong secret", static(testKeyID, "not-the-secret", ""), nil, "InvalidSignatureException", msgSignatureMismatch},
		{"tampered signature", static(testKeyID, testSecret, ""), roundTripFunc(tamper), "InvalidSignatureException", msgSignatureMismatch},
		{"expired", static("ASIAEXPIRED", "old-secret", "tok"), nil, "ExpiredTokenException", msgExpiredToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := signedClient(t, url, tt.creds, tt.rt)
			_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("ListTables: %v", err)
				}
				return
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode || ae.ErrorMessage() != tt.wantMsg {
				t.Fatalf("err = %v, want %s: %s", err, tt.wantCode, tt.wantMsg)
			}
		})
	}

	t.Run("wrong region", func(t *testing.T) {
		c := dynamodb.NewFromConfig(aws.Config{Region: "eu-west-1", Credentials: static(testKeyID, testSecret, "")}, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(url)
			o.Retryer = aws.NopRetryer{}
		})
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
			t.Errorf("err = %v, want InvalidSignatureException", err)
		}
	})
	t.Run("a changed body", func(t *testing.T) {
		c := signedClient(t, url, static(testKeyID, testSecret, ""), roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r.Body = io.NopCloser(strings.NewReader(`{"Limit":5}`))
			r.ContentLength = int64(len(`{"Limit":5}`))
			return http.DefaultTransport.RoundTrip(r)
		}))
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(7)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
			t.Errorf("err = %v, want InvalidSignatureException", err)
		}
	})
}

func TestParseCredentialsFile(t *testing.T) {
	in := `# comment
[default]
aws_access_key_id = AKIAONE
aws_secret_access_key = secret-one

[profile other]
region = us-west-2

[temp]
aws_access_key_id=ASIATWO
aws_secret_access_key=secret-two
aws_session_token=token-two
`
	got, err := ParseCredentialsFile("creds", []byte(in))
	if err != nil {
		t.Fatalf("ParseCredentialsFile: %v", err)
	}
	want := []Credential{
		{AccessKeyID: "AKIAONE", SecretAccessKey: "secret-one", Source: "creds [default]"},
		{AccessKeyID: "ASIATWO", SecretAccessKey: "secret-two", SessionToken: "token-two", Source: "creds [temp]"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %d credentials, want %d", len(got), len(want))
	}

	bad := []struct{ name, in, want string }{
		{"no section", "aws_access_key_id = X\n", "creds:1: key outside a [profile] section"},
		{"half a key", "[p]\naws_access_key_id = AKIAHALF\n", "creds:1: profile p: needs both"},
		{"not key=value", "[p]\njunk secret-value\n", "creds:2: want KEY = VALUE"},
		{"unclosed header", "[p\n", "creds:1: profile header: want [NAME]"},
		{"empty", "", "creds: no profile with"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCredentialsFile("creds", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-value") || strings.Contains(err.Error(), "AKIAHALF") {
				t.Errorf("error %q shows a value from the file", err)
			}
		})
	}
}

func FuzzParseCredentialsFile(f *testing.F) {
	f.Add([]byte("[default]\naws_access_key_id = A\naws_secret_access_key = S\n"))
	f.Add([]byte("[profile x]\n;c\n#c\n[y]\naws_session_token=t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		creds, err := ParseCredentialsFile("fuzz", data)
		if err != nil {
			return
		}
		for _, c := range creds {
			if c.AccessKeyID == "" || c.SecretAccessKey == "" {
				t.Fatalf("credential without keys: %v", c)
			}
		}
	})
}

func TestCredentialFromEnv(t *testing.T) {
	env := map[string]string{"K": "AKIAENV", "S": "env-secret", "T": "env-token"}
	c, err := CredentialFromEnv("K,S,T", func(k string) string { return env[k] })
	if err != nil || c.AccessKeyID != "AKIAENV" || c.SecretAccessKey != "env-secret" || c.SessionToken != "env-token" {
		t.Errorf("CredentialFromEnv = %v, %v", c, err)
	}
	for _, names := range []string{"K", "K,S,T,U", "K,MISSING"} {
		if _, err := CredentialFromEnv(names, func(k string) string { return env[k] }); err == nil {
			t.Errorf("CredentialFromEnv(%q): no error", names)
		} else if strings.Contains(err.Error(), "secret") && strings.Contains(err.Error(), "env-secret") {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestCredentialStringRedacts(t *testing.T) {
	c := Credential{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "session-token-value", Source: "test"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprint([]Credential{c})} {
		if strings.Contains(s, testSecret) || strings.Contains(s, "session-token-value") {
			t.Errorf("formatted credential shows a secret: %s", s)
		}
	}
}

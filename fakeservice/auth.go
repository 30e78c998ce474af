package fakeservice

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/throttlebench/throttlebench/fakeservice/wire"
)

// Credential is one set of AWS credentials the fake accepts. Its String and
// GoString methods never show the secret or the session token, so printing
// or logging a Credential by accident leaks nothing.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken, when set, must be sent as X-Amz-Security-Token.
	SessionToken string
	// Expires is when the credential stops being accepted; zero means
	// never.
	Expires time.Time
	// Source says where the credential came from, for messages: a file
	// and profile, an environment variable, an IMDS role.
	Source string
}

// String describes c without its secrets.
func (c Credential) String() string {
	return fmt.Sprintf("credential %s from %s (secret redacted)", c.AccessKeyID, c.Source)
}

// GoString is String, so %#v does not print the secret either.
func (c Credential) GoString() string { return c.String() }

// CredentialStore holds the credentials a Server accepts, by access key ID.
// It is safe for concurrent use and lookups take no lock, so an IMDS
// emulator can issue and rotate credentials while the Server verifies
// requests. The zero value is an empty store ready to use.
type CredentialStore struct {
	m sync.Map // access key ID -> Credential
}

// NewCredentialStore returns a store holding creds.
func NewCredentialStore(creds ...Credential) *CredentialStore {
	s := &CredentialStore{}
	for _, c := range creds {
		s.Add(c)
	}
	return s
}

// Add adds or replaces the credential with c's access key ID.
func (s *CredentialStore) Add(c Credential) { s.m.Store(c.AccessKeyID, c) }

// Remove forgets the credential with access key ID id.
func (s *CredentialStore) Remove(id string) { s.m.Delete(id) }

// Len returns the number of credentials held.
func (s *CredentialStore) Len() int {
	n := 0
	s.m.Range(func(any, any) bool { n++; return true })
	return n
}

func (s *CredentialStore) lookup(id string) (Credential, bool) {
	v, ok := s.m.Load(id)
	if !ok {
		return Credential{}, false
	}
	return v.(Credential), true
}

// LoadCredentialsFile reads credentials in the AWS shared credentials file
// format: INI sections (profiles) with aws_access_key_id,
// aws_secret_access_key and optionally aws_session_token. Every profile
// with both keys is returned. Errors name the file and line, never a value.
func LoadCredentialsFile(path string) ([]Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	return ParseCredentialsFile(path, data)
}

// ParseCredentialsFile is LoadCredentialsFile for bytes already read; name
// is used in errors and in each Credential's Source.
func ParseCredentialsFile(name string, data []byte) ([]Credential, error) {
	type profile struct {
		name string
		line int
		cred Credential
	}
	var profiles []*profile
	var cur *profile
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "" || text[0] == '#' || text[0] == ';':
			continue
		case text[0] == '[':
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: profile header: want [NAME]", name, line)
			}
			p := strings.TrimSpace(text[1 : len(text)-1])
			p = strings.TrimSpace(strings.TrimPrefix(p, "profile "))
			if p == "" {
				return nil, fmt.Errorf("%s:%d: profile header: empty profile name", name, line)
			}
			cur = &profile{name: p, line: line}
			profiles = append(profiles, cur)
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEY = VALUE", name, line)
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: key outside a [profile] section", name, line)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "aws_access_key_id":
			cur.cred.AccessKeyID = v
		case "aws_secret_access_key":
			cur.cred.SecretAccessKey = v
		case "aws_session_token":
			cur.cred.SessionToken = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []Credential
	for _, p := range profiles {
		c := p.cred
		if c.AccessKeyID == "" && c.SecretAccessKey == "" {
			continue // a profile of other settings
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return nil, fmt.Errorf("%s:%d: profile %s: needs both aws_access_key_id and aws_secret_access_key", name, p.line, p.name)
		}
		c.Source = fmt.Sprintf("%s [%s]", name, p.name)
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no profile with aws_access_key_id and aws_secret_access_key", name)
	}
	return out, nil
}

// CredentialFromEnv reads a credential from the environment variables named
// in names: "ACCESS_KEY_VAR,SECRET_VAR" or "ACCESS_KEY_VAR,SECRET_VAR,TOKEN_VAR".
// getenv is os.Getenv outside tests. Errors name variables, never values.
func CredentialFromEnv(names string, getenv func(string) string) (Credential, error) {
	vars := strings.Split(names, ",")
	if len(vars) < 2 || len(vars) > 3 {
		return Credential{}, fmt.Errorf("credentials env: want ACCESS_KEY_VAR,SECRET_VAR[,TOKEN_VAR], got %q", names)
	}
	for i := range vars {
		vars[i] = strings.TrimSpace(vars[i])
	}
	c := Credential{AccessKeyID: getenv(vars[0]), SecretAccessKey: getenv(vars[1]), Source: "environment " + vars[0]}
	if len(vars) == 3 {
		c.SessionToken = getenv(vars[2])
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credential{}, fmt.Errorf("credentials env: %s and %s must both be set and not empty", vars[0], vars[1])
	}
	return c, nil
}

// Signature errors, as DynamoDB answers them (HTTP 400, coral namespace).
const (
	msgMissingToken      = "Request is missing Authentication Token"
	msgUnrecognized      = "The security token included in the request is invalid."
	msgExpiredToken      = "The security token included in the request is expired"
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

func authError(name, msg string) *wire.Error {
	return &wire.Error{Status: http.StatusBadRequest, Type: wire.NSCoral + name, Msg: msg}
}

// maxSkew is how far a request's X-Amz-Date may be from the server's clock.
const maxSkew = 15 * time.Minute

const amzDateFormat = "20060102T150405Z"

// verifier checks SigV4 signatures by signing the received request again
// with the SDK's own signer and the stored secret, and comparing.
type verifier struct {
	store  *CredentialStore
	region string
	signer *v4.Signer // safe for concurrent use; caches derived keys
}

func newVerifier(store *CredentialStore, region string) *verifier {
	return &verifier{store: store, region: region, signer: v4.NewSigner()}
}

// verify returns nil when r is signed by a stored credential, else the
// error to answer. now is the wall clock (clients sign with theirs). It
// replaces r.Body with an equivalent reader.
func (v *verifier) verify(r *http.Request, now time.Time) *wire.Error {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return authError("MissingAuthenticationTokenException", msgMissingToken)
	}
	algo, params, _ := strings.Cut(authz, " ")
	if algo != "AWS4-HMAC-SHA256" {
		return authError("IncompleteSignatureException", "Unsupported signing algorithm; want AWS4-HMAC-SHA256")
	}
	var credential, signedHeaders, signature string
	for _, p := range strings.Split(params, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "Credential":
			credential = val
		case "SignedHeaders":
			signedHeaders = val
		case "Signature":
			signature = val
		}
	}
	if credential == "" || signedHeaders == "" || signature == "" {
		return authError("IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return authError("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term")
	}
	c, ok := v.store.lookup(scope[0])
	if !ok || c.SessionToken != r.Header.Get("X-Amz-Security-Token") {
		return authError("UnrecognizedClientException", msgUnrecognized)
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return authError("ExpiredTokenException", msgExpiredToken)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signed, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return authError("IncompleteSignatureException", "Authorization header requires existence of a valid 'X-Amz-Date' header.")
	}
	if d := now.Sub(signed); d > maxSkew || d < -maxSkew {
		return authError("InvalidSignatureException", fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.UTC().Add(-maxSkew).Format(amzDateFormat), now.UTC().Format(amzDateFormat)))
	}
	switch {
	case scope[1] != signed.Format("20060102"):
		return authError("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
	case scope[2] != v.region:
		return authError("InvalidSignatureException", "Credential should be scoped to a valid region.")
	case scope[3] != "dynamodb":
		return authError("InvalidSignatureException", "Credential should be scoped to correct service: 'dynamodb'.")
	}

	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestSize+1))
	if err != nil {
		return wire.SerializationError("could not read request body: " + err.Error())
	}
	if len(body) > MaxRequestSize {
		// Let the API answer 413 as it does for unsigned requests.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)

	again := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: make(http.Header),
	}
	for _, h := range strings.Split(signedHeaders, ";") {
		switch h {
		case "host", "x-amz-date", "x-amz-security-token":
			// The signer writes these itself from the host, the time and
			// the credential.
		case "content-length":
			again.ContentLength = r.ContentLength
		default:
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := v.signer.SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), scope[3], scope[2], signed); err != nil {
		return wire.InternalServerError()
	}
	_, want, _ := strings.Cut(again.Header.Get("Authorization"), "Signature=")
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return authError("InvalidSignatureException", msgSignatureMismatch)
	}
	return nil
}

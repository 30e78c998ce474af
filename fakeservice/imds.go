package fakeservice

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for IMDSOptions' zero fields.
const (
	DefaultIMDSRole = "throttlebench-role"
	// DefaultCredentialLifetime is how long issued credentials last, as
	// EC2 instance role credentials do (about six hours).
	DefaultCredentialLifetime = 6 * time.Hour
	// DefaultRotateBefore is how long before the current credentials
	// expire new ones are issued; EC2 makes new credentials available at
	// least five minutes before the old ones expire.
	DefaultRotateBefore = 15 * time.Minute
	// MaxIMDSTokenTTL is the longest session token IMDSv2 issues: 6 hours.
	MaxIMDSTokenTTL = 21600 * time.Second
	// IMDSInstanceID is the instance ID the emulator answers at
	// /latest/meta-data/instance-id.
	IMDSInstanceID = "i-0f00d5e7c0ffee123"
)

// IMDSOptions configures an IMDS emulator. The zero value is ready to use
// except for Store.
type IMDSOptions struct {
	// Store receives every credential issued, so that a Server verifying
	// SigV4 with the same store accepts exactly them. Nil means a new
	// store (see IMDS.Store).
	Store *CredentialStore
	// Now returns the current time; nil means time.Now. Token expiry and
	// credential rotation use it.
	Now func() time.Time
	// Role is the instance role's name; empty means DefaultIMDSRole.
	Role string
	// Lifetime is how long issued credentials are valid; zero means
	// DefaultCredentialLifetime.
	Lifetime time.Duration
	// RotateBefore is how long before expiry new credentials are issued;
	// zero means DefaultRotateBefore. It is capped at half the Lifetime.
	RotateBefore time.Duration
	// Region is the instance's region (placement/region, the identity
	// document); empty means DefaultRegion. The availability zone is its
	// "a" zone.
	Region string
	// AccountID is the instance's account (instance profile ARN, identity
	// document); empty means DefaultAccountID.
	AccountID string
	// AllowV1 also answers GETs without a session token (IMDSv1), as an
	// instance whose HttpTokens is "optional" does; a token that is sent
	// must still be valid. False: IMDSv2 only, 401 without a token.
	AllowV1 bool
	// UserData is what /latest/user-data answers; nil: 404, as for an
	// instance launched without user data.
	UserData []byte
}

// IMDS emulates the EC2 instance metadata service, so that programs
// pointed at it (AWS_EC2_METADATA_SERVICE_ENDPOINT) find what they read on
// an instance: the SDKs' default credential chains obtain instance role
// credentials, and the AWS CLI v2 its region.
//
//	PUT /latest/api/token   X-Aws-Ec2-Metadata-Token-Ttl-Seconds: 1..21600
//	GET /latest/meta-data/                                   the categories below
//	GET /latest/meta-data/hostname, local-hostname           ip-172-31-0-10.ec2.internal (REGION.compute.internal outside us-east-1)
//	GET /latest/meta-data/instance-id                        IMDSInstanceID
//	GET /latest/meta-data/instance-type, ami-id, local-ipv4  m5.large, ami-0123456789abcdef0, 172.31.0.10
//	GET /latest/meta-data/placement/                         availability-zone, region
//	GET /latest/meta-data/placement/region                   Region
//	GET /latest/meta-data/placement/availability-zone        Region + "a"
//	GET /latest/meta-data/iam/                               info, security-credentials/
//	GET /latest/meta-data/iam/info                           the instance profile JSON
//	GET /latest/meta-data/iam/security-credentials/          the role name
//	GET /latest/meta-data/iam/security-credentials/ROLE      credentials JSON
//	GET /latest/user-data                                    UserData (404 when none)
//	GET /latest/dynamic/instance-identity/document           the identity document JSON
//
// GETs need a valid X-Aws-Ec2-Metadata-Token: 401 without one unless
// AllowV1, and 401 for an invalid or expired one; other paths are 404. Credentials are random, registered in the Store, and rotated
// RotateBefore their expiry; earlier credentials stay valid until they
// expire. An IMDS is safe for concurrent use.
type IMDS struct {
	store        *CredentialStore
	now          func() time.Time
	role         string
	lifetime     time.Duration
	rotateBefore time.Duration
	region       string
	accountID    string
	allowV1      bool
	userData     []byte

	mu      sync.Mutex // guards the fields below; IMDS traffic is light
	tokens  map[string]time.Time
	current *issued
	issued  []Credential // still in the store, oldest first
	srv     *http.Server
	done    chan struct{}
}

// issued is one set of credentials and when it was issued.
type issued struct {
	cred   Credential
	issued time.Time
}

// NewIMDS returns an emulator configured by opts.
func NewIMDS(opts IMDSOptions) *IMDS {
	m := &IMDS{
		store:        opts.Store,
		now:          opts.Now,
		role:         opts.Role,
		lifetime:     opts.Lifetime,
		rotateBefore: opts.RotateBefore,
		region:       opts.Region,
		accountID:    opts.AccountID,
		allowV1:      opts.AllowV1,
		userData:     opts.UserData,
		tokens:       make(map[string]time.Time),
	}
	if m.region == "" {
		m.region = DefaultRegion
	}
	if m.accountID == "" {
		m.accountID = DefaultAccountID
	}
	if m.store == nil {
		m.store = NewCredentialStore()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.role == "" {
		m.role = DefaultIMDSRole
	}
	if m.lifetime <= 0 {
		m.lifetime = DefaultCredentialLifetime
	}
	if m.rotateBefore <= 0 {
		m.rotateBefore = DefaultRotateBefore
	}
	m.rotateBefore = min(m.rotateBefore, m.lifetime/2)
	return m
}

// Store returns the store the emulator issues credentials into.
func (m *IMDS) Store() *CredentialStore { return m.store }

// Role returns the instance role's name.
func (m *IMDS) Role() string { return m.role }

const (
	imdsTokenPath = "/latest/api/token"
	imdsCredsPath = "/latest/meta-data/iam/security-credentials/"
	imdsTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	imdsTokHeader = "X-Aws-Ec2-Metadata-Token"
)

// ServeHTTP answers one metadata request.
func (m *IMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := m.now()
	if strings.HasPrefix(r.URL.Path, "//") {
		// A client joining "/latest/..." to the endpoint's trailing slash.
		r.URL.Path = "/" + strings.TrimLeft(r.URL.Path, "/")
	}
	if r.URL.Path == imdsTokenPath {
		m.serveToken(w, r, now)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	tok := r.Header.Get(imdsTokHeader)
	if !m.validToken(tok, now) && (tok != "" || !m.allowV1) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, imdsCredsPath); ok {
		switch rest {
		case "":
			writeText(w, m.role)
		case m.role:
			b, err := m.credentialsJSON(now)
			if err != nil {
				http.Error(w, "could not issue credentials", http.StatusInternalServerError)
				return
			}
			writeText(w, string(b))
		default:
			http.NotFound(w, r)
		}
		return
	}
	switch r.URL.Path {
	case "/latest/user-data":
		if m.userData == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(m.userData)
	case "/latest/dynamic/instance-identity/document":
		b, _ := json.MarshalIndent(m.identity(), "", "  ")
		writeText(w, string(b))
	case "/latest/meta-data/iam/info":
		b, _ := json.MarshalIndent(struct {
			Code               string
			LastUpdated        string
			InstanceProfileArn string
			InstanceProfileId  string
		}{"Success", now.UTC().Format(time.RFC3339), "arn:aws:iam::" + m.accountID + ":instance-profile/" + m.role, "AIPAIMDSEMULATOR0001"}, "", "  ")
		writeText(w, string(b))
	default:
		// A listing answers with or without its slash; so does a leaf
		// (the AWS CLI v2 asks for placement/availability-zone/).
		md, p := m.metadata(), r.URL.Path
		v, ok := md[p]
		if !ok {
			v, ok = md[p+"/"]
		}
		if !ok {
			v, ok = md[strings.TrimSuffix(p, "/")]
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		writeText(w, v)
	}
}

func writeText(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(s))
}

// Instance facts the emulator answers.
const (
	imdsLocalIPv4    = "172.31.0.10"
	imdsInstanceType = "m5.large"
	imdsAMI          = "ami-0123456789abcdef0"
)

// metadata returns the plain-text answers by path.
func (m *IMDS) metadata() map[string]string {
	const md = "/latest/meta-data/"
	host := "ip-172-31-0-10." + m.region + ".compute.internal"
	if m.region == "us-east-1" {
		host = "ip-172-31-0-10.ec2.internal"
	}
	return map[string]string{
		md:                                 "ami-id\nhostname\niam/\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nplacement/",
		md + "ami-id":                      imdsAMI,
		md + "hostname":                    host,
		md + "local-hostname":              host,
		md + "instance-id":                 IMDSInstanceID,
		md + "instance-type":               imdsInstanceType,
		md + "local-ipv4":                  imdsLocalIPv4,
		md + "placement/":                  "availability-zone\nregion",
		md + "placement/region":            m.region,
		md + "placement/availability-zone": m.region + "a",
		md + "iam/":                        "info\nsecurity-credentials/",
	}
}

// identity is the instance identity document.
func (m *IMDS) identity() any {
	return struct {
		AccountID          string  `json:"accountId"`
		Architecture       string  `json:"architecture"`
		AvailabilityZone   string  `json:"availabilityZone"`
		BillingProducts    *string `json:"billingProducts"`
		DevpayProductCodes *string `json:"devpayProductCodes"`
		ImageID            string  `json:"imageId"`
		InstanceID         string  `json:"instanceId"`
		InstanceType       string  `json:"instanceType"`
		KernelID           *string `json:"kernelId"`
		PendingTime        string  `json:"pendingTime"`
		PrivateIP          string  `json:"privateIp"`
		RamdiskID          *string `json:"ramdiskId"`
		Region             string  `json:"region"`
		Version            string  `json:"version"`
	}{
		AccountID: m.accountID, Architecture: "x86_64", AvailabilityZone: m.region + "a",
		ImageID: imdsAMI, InstanceID: IMDSInstanceID, InstanceType: imdsInstanceType,
		PendingTime: "2026-01-01T00:00:00Z", PrivateIP: imdsLocalIPv4, Region: m.region, Version: "2017-09-30",
	}
}

func (m *IMDS) serveToken(w http.ResponseWriter, r *http.Request, now time.Time) {
	if r.Method != http.MethodPut {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ttlText := r.Header.Get(imdsTTLHeader)
	secs, err := strconv.Atoi(ttlText)
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > MaxIMDSTokenTTL {
		http.Error(w, "invalid "+imdsTTLHeader, http.StatusBadRequest)
		return
	}
	tok, err := randomString(32)
	if err != nil {
		http.Error(w, "could not issue a token", http.StatusInternalServerError)
		return
	}
	m.mu.Lock()
	for t, exp := range m.tokens {
		if !now.Before(exp) {
			delete(m.tokens, t)
		}
	}
	m.tokens[tok] = now.Add(time.Duration(secs) * time.Second)
	m.mu.Unlock()
	w.Header().Set(imdsTTLHeader, ttlText)
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(tok))
}

func (m *IMDS) validToken(tok string, now time.Time) bool {
	if tok == "" {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	exp, ok := m.tokens[tok]
	return ok && now.Before(exp)
}

// credentialsJSON returns the role's current credentials, issuing new ones
// when there are none or the current ones are within RotateBefore of expiry.
func (m *IMDS) credentialsJSON(now time.Time) ([]byte, error) {
	cur, err := m.issue(now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Code            string
		LastUpdated     string
		Type            string
		AccessKeyId     string
		SecretAccessKey string
		Token           string
		Expiration      string
	}{
		Code:            "Success",
		LastUpdated:     cur.issued.UTC().Format(time.RFC3339),
		Type:            "AWS-HMAC",
		AccessKeyId:     cur.cred.AccessKeyID,
		SecretAccessKey: cur.cred.SecretAccessKey,
		Token:           cur.cred.SessionToken,
		Expiration:      cur.cred.Expires.UTC().Format(time.RFC3339),
	})
}

// issue returns the credential the role serves at now, issuing (and
// storing) a new one first when needed, and when it was issued. Issued
// credentials leave the store once expired, at the next rotation.
func (m *IMDS) issue(now time.Time) (*issued, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current != nil && now.Before(m.current.cred.Expires.Add(-m.rotateBefore)) {
		return m.current, nil
	}
	c, err := newTemporaryCredential(now.Add(m.lifetime).Truncate(time.Second), "IMDS instance role "+m.role)
	if err != nil {
		return nil, err
	}
	m.store.Add(c)
	for i := 0; i < len(m.issued); {
		if old := m.issued[i]; !now.Before(old.Expires) {
			m.store.Remove(old.AccessKeyID)
			m.issued = append(m.issued[:i], m.issued[i+1:]...)
			continue
		}
		i++
	}
	m.issued = append(m.issued, c)
	m.current = &issued{cred: c, issued: now}
	return m.current, nil
}

// newTemporaryCredential returns random credentials shaped like STS's: an
// access key ID of "ASIA" and 16 characters of [A-Z2-7], a 40-character
// secret and a session token.
func newTemporaryCredential(expires time.Time, source string) (Credential, error) {
	id, err := randomBase32(16)
	if err != nil {
		return Credential{}, err
	}
	secret, err := randomString(30) // 40 characters of base64
	if err != nil {
		return Credential{}, err
	}
	token, err := randomString(96)
	if err != nil {
		return Credential{}, err
	}
	return Credential{AccessKeyID: "ASIA" + id, SecretAccessKey: secret, SessionToken: token, Expires: expires, Source: source}, nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func randomBase32(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b), nil
}

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background until Close. It returns the base URL to set as
// AWS_EC2_METADATA_SERVICE_ENDPOINT, such as "http://127.0.0.1:PORT/".
func (m *IMDS) Start(addr string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv != nil {
		return "", errors.New("fakeservice: imds start: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fakeservice: imds start: %w", err)
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	m.srv, m.done = srv, done
	// With the trailing slash: botocore (so boto3 and the AWS CLI) joins
	// paths to the endpoint as given and fails without it.
	return "http://" + ln.Addr().String() + "/", nil
}

// Close stops the listener started by Start; nil when not started.
func (m *IMDS) Close() error {
	m.mu.Lock()
	srv, done := m.srv, m.done
	m.srv, m.done = nil, nil
	m.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	if err != nil {
		return fmt.Errorf("fakeservice: imds close: %w", err)
	}
	return nil
}

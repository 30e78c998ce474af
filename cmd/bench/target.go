package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// targetOptions are the flags that say where requests go. No flag takes a
// credential: those come from the SDK's default provider chain only.
type targetOptions struct {
	endpoint string // any DynamoDB-compatible endpoint
	aws      bool   // real DynamoDB
	profile  string // shared config profile
	region   string
}

func (o *targetOptions) validate() error {
	if o.aws && o.endpoint != "" {
		return errors.New("give -aws or -endpoint, not both")
	}
	if o.endpoint != "" {
		u, err := url.Parse(o.endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-endpoint %q: want a URL like http://127.0.0.1:8000", o.endpoint)
		}
	}
	if (o.profile != "" || o.region != "") && !o.aws && o.endpoint == "" {
		return errors.New("-profile and -region apply to -aws or -endpoint; the embedded fake needs neither")
	}
	return nil
}

// target is a resolved destination: where requests go, what the results
// may say about it, and how to stop it.
type target struct {
	runner.Target
	// Description names the target in results, e.g. "embedded fake".
	Description string
	// Credentials says where credentials came from, never what they are.
	Credentials string
	Real        bool // real AWS: costs money
	close       func()
	// access stops the run at the first access error; nil for the
	// embedded fake, which checks no credentials.
	access *accessWatch
}

// embeddedTarget runs the embedded fake on free loopback ports: one server
// per strategy trial, each with the scenario's model and fault schedule, so
// a schedule counts from that trial's start and trials share nothing.
func embeddedTarget(sc *scenario.Scenario) (*target, error) {
	return embeddedTargetWith(sc, nil)
}

// embeddedTargetWith is embeddedTarget calling beforeClose, if not nil,
// when a strategy trial's load has ended and before that trial's fake
// closes (its tables and items still in memory, unless the run deleted
// them).
func embeddedTargetWith(sc *scenario.Scenario, beforeClose func()) (*target, error) {
	// The embedded fake checks no signature: send none, so no
	// credentials are looked up, let alone handled.
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}
	start := func(beforeClose func()) (runner.Target, func(), error) {
		keep, limit := sc.Fake.Keep()
		fake := fakeservice.New(fakeservice.Options{Model: sc.Fake.Model(), Faults: sc.Faults, Keep: keep, StoreLimit: limit,
			AutoScaling: sc.FakeAutoScaling()})
		var url string
		var err error
		// Labeled, so a CPU profile (bench calibrate) tells the fake's
		// goroutines from the client's.
		runner.StartLabeled(runner.SideFake, func() { url, err = fake.Start("127.0.0.1:0") })
		if err != nil {
			return runner.Target{}, nil, fmt.Errorf("start embedded fake: %w", err)
		}
		stop := func() { fake.Close() }
		if beforeClose != nil {
			stop = func() { beforeClose(); fake.Close() }
		}
		return runner.Target{Endpoint: url, Config: cfg, Stats: fakeStats(fake), Embedded: true}, stop, nil
	}
	first, stop, err := start(nil) // proves the fake starts; serves control-plane checks
	if err != nil {
		return nil, err
	}
	first.Isolate = func() (runner.Target, func(), error) { return start(beforeClose) }
	return &target{
		Target:      first,
		Description: "embedded fake",
		Credentials: "none (the embedded fake is not signed)",
		close:       stop,
	}, nil
}

// fakeStats reads a table's counters from an embedded fake.
func fakeStats(fake *fakeservice.Server) func(string) (runner.TableStats, bool) {
	return func(table string) (runner.TableStats, bool) {
		rep, ok := fake.Report(0).Tables[table]
		if !ok {
			return runner.TableStats{}, false
		}
		ts := tableStats(rep)
		ts.StoreLimited = fake.StoreUsage().Limited // one fake per trial: its store is this table's
		return ts, true
	}
}

// endpointStats reads a table's counters from a bench serve endpoint's
// /stats; false when the endpoint has none or does not know the table.
func endpointStats(endpoint string) func(string) (runner.TableStats, bool) {
	client := &http.Client{Timeout: 5 * time.Second}
	return func(table string) (runner.TableStats, bool) {
		resp, err := client.Get(strings.TrimSuffix(endpoint, "/") + "/stats")
		if err != nil {
			return runner.TableStats{}, false
		}
		defer resp.Body.Close()
		var rep fakeservice.StatsReport
		if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&rep) != nil {
			return runner.TableStats{}, false
		}
		tr, ok := rep.Tables[table]
		if !ok {
			return runner.TableStats{}, false
		}
		return tableStats(tr), true
	}
}

// tableStats turns the fake's report on a table into the runner's terms.
func tableStats(rep fakeservice.TableReport) runner.TableStats {
	ts := runner.TableStats{
		ConsumedReadUnits:  rep.Totals.ConsumedReadUnits,
		ConsumedWriteUnits: rep.Totals.ConsumedWriteUnits,
		ThrottledRequests:  rep.Totals.ThrottledReads + rep.Totals.ThrottledWrites,
	}
	// The current second is unfinished, but the run is over when its
	// table is read: what it holds is the run's last consumption (and a
	// run that fits in one wall-clock second has nothing else).
	for _, s := range rep.Series {
		ts.Series = append(ts.Series, runner.ServerSecond{
			T:                     int(s.Time - rep.Series[0].Time),
			ConsumedReadUnits:     s.ConsumedReadUnits,
			ConsumedWriteUnits:    s.ConsumedWriteUnits,
			ProvisionedReadUnits:  s.ProvisionedReadUnits,
			ProvisionedWriteUnits: s.ProvisionedWriteUnits,
			ThrottledRequests:     s.ThrottledReads + s.ThrottledWrites,
		})
	}
	for _, a := range rep.ScalingActions {
		var origin time.Time
		if len(rep.Series) > 0 {
			origin = time.Unix(rep.Series[0].Time, 0)
		}
		ts.ScalingActions = append(ts.ScalingActions, runner.ScalingAction{
			DecidedS: a.Decided.Sub(origin).Seconds(), EffectiveS: a.Effective.Sub(origin).Seconds(),
			Resource: a.Resource, Dimension: a.Dimension, Old: a.Old, New: a.New, Why: a.Why,
		})
	}
	return ts
}

// remoteTarget resolves an endpoint or real AWS with the SDK's default
// configuration chain, and checks credentials can be had before any load.
func remoteTarget(ctx context.Context, o targetOptions, stderr io.Writer) (*target, error) {
	var opts []func(*config.LoadOptions) error
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
		fmt.Fprintln(stderr, "bench run: no region configured (AWS_REGION, profile or -region); using us-east-1")
	}
	access := &accessWatch{}
	access.install(&cfg)
	t := &target{Target: runner.Target{Endpoint: o.endpoint, Config: cfg}, close: func() {}, access: access}
	if o.endpoint != "" {
		// bench serve (the fake, or its throttling proxy) reports its view
		// of each table at /stats; other endpoints do not, and say so.
		t.Stats = endpointStats(o.endpoint)
	}
	if o.aws {
		t.Description, t.Real = "AWS DynamoDB "+cfg.Region, true
	} else {
		t.Description = "endpoint " + o.endpoint
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	creds, err := cfg.Credentials.Retrieve(cctx)
	if err != nil {
		return nil, fmt.Errorf("no AWS credentials from the default chain (environment, shared config and profiles, SSO, web identity, container, EC2 instance role): %w", err)
	}
	t.Credentials = describeSource(ctx, cfg, creds)
	if strings.HasPrefix(creds.Source, "SharedConfigCredentials") && creds.SessionToken == "" && onEC2(ctx, cfg) {
		fmt.Fprintln(stderr, "bench run: warning: long-term access keys from a shared credentials file on an EC2 instance; use an instance role instead")
	}
	return t, nil
}

// describeSource says where credentials came from, in words, without a
// word of the credentials themselves.
func describeSource(ctx context.Context, cfg aws.Config, c aws.Credentials) string {
	src := c.Source
	switch {
	case src == "EnvConfigCredentials":
		return "environment variables"
	case strings.HasPrefix(src, "SharedConfigCredentials"):
		return "shared credentials file" + strings.TrimPrefix(src, "SharedConfigCredentials")
	case src == "EC2RoleProvider":
		if role, err := instanceRole(ctx, cfg); err == nil {
			return "EC2 instance role " + role
		}
		return "EC2 instance role"
	case src == "":
		return "unknown provider"
	}
	return src
}

// imdsTimeout bounds every instance-metadata question: off EC2 nothing
// answers, and the answer must not hold up the run.
const imdsTimeout = time.Second

func instanceRole(ctx context.Context, cfg aws.Config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, imdsTimeout)
	defer cancel()
	out, err := imds.NewFromConfig(cfg).GetMetadata(ctx, &imds.GetMetadataInput{Path: "iam/security-credentials/"})
	if err != nil {
		return "", err
	}
	defer out.Content.Close()
	b, err := io.ReadAll(io.LimitReader(out.Content, 1024))
	if err != nil {
		return "", err
	}
	role, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return role, nil
}

// onEC2 reports whether instance metadata answers (honouring
// AWS_EC2_METADATA_DISABLED and AWS_EC2_METADATA_SERVICE_ENDPOINT).
func onEC2(ctx context.Context, cfg aws.Config) bool {
	ctx, cancel := context.WithTimeout(ctx, imdsTimeout)
	defer cancel()
	out, err := imds.NewFromConfig(cfg, func(o *imds.Options) { o.Retryer = aws.NopRetryer{} }).
		GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	if err != nil {
		return false
	}
	out.Content.Close()
	return true
}

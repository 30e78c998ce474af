package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/policy"
)

// serveOptions are bench serve's flags.
type serveOptions struct {
	addr            string
	faults          string // faults file
	verifySigV4     bool
	credentialsFile string // AWS shared credentials file format
	credentialsEnv  string // names of environment variables
	imds            bool
	imdsAddr        string
	imdsRole        string
	statsWindow     int
	upstream        string // base URL of a DynamoDB-compatible endpoint to proxy
	policy          string // IAM policy file to enforce
	ui              string // serve the live dashboard on this loopback address
}

func serveMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8000", "address to listen on (port 0 picks a free one)")
	fs.StringVar(&o.faults, "faults", "", "fault schedule `file` (YAML or JSON): brownouts, 500/503 errors, latency, stalls, drops, retry-after")
	fs.BoolVar(&o.verifySigV4, "verify-sigv4", false, "require SigV4 signatures from the credentials of -credentials-file, -credentials-env or -imds")
	fs.StringVar(&o.credentialsFile, "credentials-file", "", "accepted credentials, in the AWS shared credentials `file` format (every profile)")
	fs.StringVar(&o.credentialsEnv, "credentials-env", "", "accepted credential from environment variables `KEY_VAR,SECRET_VAR[,TOKEN_VAR]` (names, not values)")
	fs.BoolVar(&o.imds, "imds", false, "also serve an EC2 instance metadata (IMDSv2) emulator issuing role credentials")
	fs.StringVar(&o.imdsAddr, "imds-addr", "127.0.0.1:0", "address of the metadata emulator")
	fs.StringVar(&o.imdsRole, "imds-role", fakeservice.DefaultIMDSRole, "instance role name the emulator serves")
	fs.IntVar(&o.statsWindow, "stats-window", fakeservice.DefaultStatsWindow, "seconds of per-second history GET /stats keeps")
	fs.StringVar(&o.upstream, "upstream", "", "throttling proxy: forward the requests the model admits to this DynamoDB-compatible `URL` (e.g. dynalite's), which stores and answers")
	fs.StringVar(&o.ui, "ui", "", "serve a live dashboard of the tables (requests admitted and throttled, capacity consumed and provisioned, fault windows) at http://ADDR/ (loopback only, e.g. 127.0.0.1:8081)")
	fs.StringVar(&o.policy, "policy", "", "enforce this IAM policy `file` (JSON, as bench policy prints): other actions get AccessDeniedException")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench serve [flags]")
		fmt.Fprintln(fs.Output(), "GET /metrics (Prometheus) and GET /stats (JSON) report the server's view.")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return badInput{fmt.Errorf("unexpected argument %q", rest[0])}
	}
	return serve(ctx, o, stdout)
}

// serve runs the fake (and the metadata emulator) until ctx is done.
func serve(ctx context.Context, o serveOptions, stdout io.Writer) error {
	opts := fakeservice.Options{StatsWindow: o.statsWindow}
	if o.statsWindow < 1 {
		return badInput{fmt.Errorf("-stats-window: must be >= 1, got %d", o.statsWindow)}
	}
	if o.upstream != "" {
		if err := fakeservice.CheckUpstream(o.upstream); err != nil {
			return badInput{fmt.Errorf("-upstream: %w", err)}
		}
		opts.Upstream = o.upstream
	}
	if o.policy != "" {
		b, err := os.ReadFile(o.policy)
		if err != nil {
			return badInput{fmt.Errorf("-policy: %w", err)}
		}
		doc, err := policy.Parse(b)
		if err != nil {
			return badInput{fmt.Errorf("-policy: %s: %w", o.policy, err)}
		}
		opts.Policy = doc
	}
	if o.faults != "" {
		f, err := fakeservice.LoadFaults(o.faults)
		if err != nil {
			return badInput{err}
		}
		opts.Faults = f
	}
	if !o.verifySigV4 && (o.credentialsFile != "" || o.credentialsEnv != "") {
		return badInput{errors.New("-credentials-file and -credentials-env need -verify-sigv4")}
	}
	if o.verifySigV4 {
		if o.credentialsFile == "" && o.credentialsEnv == "" && !o.imds {
			return badInput{errors.New("-verify-sigv4: give -credentials-file, -credentials-env or -imds")}
		}
		store := fakeservice.NewCredentialStore()
		if o.credentialsFile != "" {
			creds, err := fakeservice.LoadCredentialsFile(o.credentialsFile)
			if err != nil {
				return badInput{err}
			}
			for _, c := range creds {
				store.Add(c)
			}
		}
		if o.credentialsEnv != "" {
			c, err := fakeservice.CredentialFromEnv(o.credentialsEnv, os.Getenv)
			if err != nil {
				return badInput{err}
			}
			store.Add(c)
		}
		opts.Credentials = store
	}

	var imds *fakeservice.IMDS
	if o.imds {
		store := opts.Credentials
		if store == nil {
			store = fakeservice.NewCredentialStore() // issued, but nothing verifies them
		}
		imds = fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store, Role: o.imdsRole})
		url, err := imds.Start(o.imdsAddr)
		if err != nil {
			return badInput{fmt.Errorf("listen on %s: %w", o.imdsAddr, err)}
		}
		defer imds.Close()
		fmt.Fprintf(stdout, "bench serve: instance metadata (IMDSv2) emulator on %s, role %s\n", url, imds.Role())
		fmt.Fprintf(stdout, "bench serve: export AWS_EC2_METADATA_SERVICE_ENDPOINT=%s\n", url)
	}

	var uiLn net.Listener
	if o.ui != "" {
		ln, err := listenLoopback("-ui", o.ui)
		if err != nil {
			return err
		}
		uiLn = ln
	}
	epoch := time.Now() // the fault schedule's, unless it names one
	srv := fakeservice.New(opts)
	url, err := srv.Start(o.addr)
	if err != nil {
		if uiLn != nil {
			uiLn.Close()
		}
		return badInput{fmt.Errorf("listen on %s: %w", o.addr, err)}
	}
	if uiLn != nil {
		stop := serveTables(srv, uiLn, "bench serve "+url, opts.Faults, epoch)
		defer stop()
		fmt.Fprintf(stdout, "bench serve: dashboard: http://%s/\n", uiLn.Addr())
	}
	fmt.Fprintf(stdout, "bench serve: fake DynamoDB listening on %s\n", url)
	fmt.Fprintf(stdout, "bench serve: metrics %s/metrics, stats %s/stats\n", url, url)
	if opts.Credentials != nil {
		// Counts only: never a key or a secret.
		also := ""
		if o.imds {
			also = ", plus those the emulator issues"
		}
		fmt.Fprintf(stdout, "bench serve: verifying SigV4 signatures (%d credentials from files and environment%s)\n", opts.Credentials.Len(), also)
	}
	if opts.Faults != nil {
		fmt.Fprintf(stdout, "bench serve: fault schedule from %s\n", o.faults)
	}
	if opts.Upstream != "" {
		fmt.Fprintf(stdout, "bench serve: throttling proxy: admitted requests go to %s\n", opts.Upstream)
	}
	if opts.Policy != nil {
		fmt.Fprintf(stdout, "bench serve: enforcing the IAM policy in %s\n", o.policy)
	}
	<-ctx.Done()
	return srv.Close()
}

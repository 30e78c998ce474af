package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/policy"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/served"
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
	imdsV1          bool
	statsWindow     int
	upstream        string // base URL of a DynamoDB-compatible endpoint to proxy
	policy          string // IAM policy file to enforce
	results         string // directory for the served traffic's results
	ui              string // serve the live dashboard on this loopback address
	autoscaling     string // scenario file whose auto scaling applies to every table
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
	fs.BoolVar(&o.imdsV1, "imds-v1", false, "the metadata emulator also answers requests without a session token (IMDSv1), as an instance with HttpTokens optional")
	fs.IntVar(&o.statsWindow, "stats-window", fakeservice.DefaultStatsWindow, "seconds of per-second history GET /stats keeps")
	fs.StringVar(&o.upstream, "upstream", "", "throttling proxy: forward the requests the model admits to this DynamoDB-compatible `URL` (e.g. dynalite's), which stores and answers")
	fs.StringVar(&o.ui, "ui", "", "serve a live dashboard of the tables (requests admitted and throttled, capacity consumed and provisioned, fault windows) at http://ADDR/ (loopback only, e.g. 127.0.0.1:8081)")
	fs.StringVar(&o.policy, "policy", "", "enforce this IAM policy `file` (JSON, as bench policy prints): other actions get AccessDeniedException")
	fs.StringVar(&o.autoscaling, "autoscaling", "", "apply the auto scaling of this scenario `file` (table.autoscaling and its global indexes') to every provisioned table clients create; /stats lists the scaling actions")
	fs.StringVar(&o.results, "results", "", "measure every client from the server's side and write run.json, summary.csv/md, report.html and forensics.md under `DIR`/served/ on SIGINT/SIGTERM and on GET /results")
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
	if o.autoscaling != "" {
		sc, err := scenario.Load(o.autoscaling)
		if err != nil {
			return badInput{fmt.Errorf("-autoscaling: %w", err)}
		}
		if sc.AutoScalingField() == "" {
			return badInput{fmt.Errorf("-autoscaling: %s has no table.autoscaling (nor on a global index)", o.autoscaling)}
		}
		opts.AutoScaling = sc.FakeAutoScaling()
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
		imds = fakeservice.NewIMDS(fakeservice.IMDSOptions{Store: store, Role: o.imdsRole, AllowV1: o.imdsV1})
		url, err := imds.Start(o.imdsAddr)
		if err != nil {
			return badInput{fmt.Errorf("listen on %s: %w", o.imdsAddr, err)}
		}
		defer imds.Close()
		version := "IMDSv2"
		if o.imdsV1 {
			version = "IMDSv1 and IMDSv2"
		}
		fmt.Fprintf(stdout, "bench serve: instance metadata (%s) emulator on %s, role %s\n", version, url, imds.Role())
		fmt.Fprintf(stdout, "bench serve: export AWS_EC2_METADATA_SERVICE_ENDPOINT=%s\n", url)
	}

	var col *served.Collector
	started := time.Now()
	if o.results != "" {
		col = served.New(served.Options{Start: started})
		opts.OnRequest = col.Observe
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
	var url string
	var err error
	stop := srv.Close
	if col == nil {
		url, err = srv.Start(o.addr)
	} else {
		url, stop, err = startWithResults(srv, o.addr, col, o.results, started)
	}
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
	if col != nil {
		fmt.Fprintf(stdout, "bench serve: measuring clients from the server's side: GET %s/results (or SIGINT/SIGTERM) writes them under %s\n", url, o.results)
	}
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
	if opts.AutoScaling != nil {
		fmt.Fprintf(stdout, "bench serve: auto scaling every provisioned table as %s does\n", o.autoscaling)
	}
	if opts.Upstream != "" {
		fmt.Fprintf(stdout, "bench serve: throttling proxy: admitted requests go to %s\n", opts.Upstream)
	}
	if opts.Policy != nil {
		fmt.Fprintf(stdout, "bench serve: enforcing the IAM policy in %s\n", o.policy)
	}
	<-ctx.Done()
	err = stop()
	if col == nil {
		return err
	}
	col.Close()
	path, werr := writeServedTraffic(col, o.results, started)
	if werr != nil {
		return fmt.Errorf("write results: %w", werr)
	}
	fmt.Fprintf(stdout, "bench serve: results: %s\n", path)
	return err
}

// servedScenario stands for bench serve's traffic in run.json: no
// workload of ours, only what clients sent.
var servedScenario = scenario.Scenario{
	Name:        "served",
	Description: "every request bench serve answered, rebuilt into operations from the SDKs' headers, per client (User-Agent family and retry mode)",
}

// writeServedTraffic writes what col has measured so far.
func writeServedTraffic(col *served.Collector, dir string, started time.Time) (string, error) {
	start, res := col.Results()
	if start.IsZero() {
		start = started
	}
	sc := servedScenario
	f := servedFile(&sc, "bench serve (clients measured from the server's side)", start, res, false,
		func(name string) map[string]any { return map[string]any{"client": name} })
	return writeServed(dir, f)
}

// startWithResults serves srv on addr like Server.Start, adding GET
// /results: it writes the results so far and answers with run.json.
// stop closes the listener and its connections.
func startWithResults(srv *fakeservice.Server, addr string, col *served.Collector, dir string, started time.Time) (url string, stop func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex // one writer of the files at a time
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/results" {
			srv.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		path, err := writeServedTraffic(col, dir, started)
		mu.Unlock()
		if err != nil {
			http.Error(w, "write results: "+err.Error(), http.StatusInternalServerError)
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			http.Error(w, "read results: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Throttlebench-Results", path)
		_, _ = w.Write(b)
	})
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln) // http.ErrServerClosed after Close
	}()
	stop = func() error {
		err := hs.Close()
		<-done
		return err
	}
	return "http://" + ln.Addr().String(), stop, nil
}

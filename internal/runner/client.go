package runner

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/throttlebench/throttlebench/internal/metrics"
)

// Target is where a run sends its requests.
type Target struct {
	// Endpoint is the base URL of a DynamoDB-compatible endpoint.
	Endpoint string
	// Config is the AWS configuration to start from: region and credentials.
	// For the embedded fake it carries anonymous credentials (nothing to
	// sign, nothing secret); otherwise the SDK's default chain resolves them.
	Config aws.Config
	// Stats, when set, reports the endpoint's own view of a table after a
	// run (the embedded fake offers it).
	Stats func(table string) (TableStats, bool)
	// Isolate, when set, gives each strategy trial an endpoint of its own
	// (the embedded fake starts one server per trial, so a fault schedule
	// counts from that trial's start and trials share no account limit).
	// The runner calls stop when the trial is over.
	Isolate func() (t Target, stop func(), err error)
	// Embedded marks the fake embedded in this process: its answers cannot
	// be corrupted on the way, so the clients skip the CRC32 check of
	// response bodies (see ClientSettings), which costs CPU and cannot
	// fail. Any other endpoint, bench serve and its proxy included, keeps
	// the check: a mismatch there is something the user should see.
	Embedded bool
}

// ClientSettings are the options of the SDK clients a load generator may
// choose without changing what the user measures, as a run used them
// (run.json generator.client). Each was measured with
// BenchmarkClientOptions: only those that cut the CPU per operation are
// changed from the SDK's defaults.
type ClientSettings struct {
	// MaxIdleConnsPerHost is each client's pool of idle connections: the
	// in-flight cap (workload.max_in_flight), so connections are reused
	// rather than churned; the SDK's default keeps 10.
	MaxIdleConnsPerHost int `json:"max_idle_conns_per_host"`
	// MaxConnsPerHost is left at 0, no limit: the in-flight cap already
	// bounds the connections, and the limit measured no better.
	MaxConnsPerHost int `json:"max_conns_per_host"`
	// ValidateResponseChecksum is whether clients check the x-amz-crc32
	// of responses: false only against the embedded fake (Target.Embedded).
	ValidateResponseChecksum bool `json:"validate_response_checksum"`
}

// clientSettings returns the settings of the clients newClient builds for
// t with maxInFlight requests in flight.
func clientSettings(t Target, maxInFlight int) ClientSettings {
	return ClientSettings{MaxIdleConnsPerHost: maxInFlight, ValidateResponseChecksum: !t.Embedded}
}

// newClient builds one simulated application's DynamoDB client. retryer
// nil keeps the retryer the DynamoDB client resolves by itself, so the
// sdk-default strategy is the SDK's own code, not a copy of it.
func newClient(t Target, retryer aws.RetryerV2, maxInFlight int, configure ...func(*dynamodb.Options)) *dynamodb.Client {
	return newClientWith(t, retryer, clientSettings(t, maxInFlight), configure...)
}

// newClientWith is newClient with the given settings.
func newClientWith(t Target, retryer aws.RetryerV2, cs ClientSettings, configure ...func(*dynamodb.Options)) *dynamodb.Client {
	cfg := t.Config.Copy()
	// A fresh transport per client, sized so connections are reused rather
	// than churned at the in-flight cap (the SDK's default keeps 10 idle).
	cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = cs.MaxIdleConnsPerHost
		tr.MaxIdleConnsPerHost = cs.MaxIdleConnsPerHost
		tr.MaxConnsPerHost = cs.MaxConnsPerHost
	})
	// Environment settings (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE) must not
	// change the strategy under test.
	cfg.RetryMaxAttempts = 0
	cfg.RetryMode = ""
	cfg.Retryer = nil
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if t.Endpoint != "" {
			o.BaseEndpoint = aws.String(t.Endpoint)
		}
		if retryer != nil {
			o.Retryer = retryer
		}
		o.APIOptions = append(o.APIOptions, addAttemptCounter)
		o.DisableValidateResponseChecksum = !cs.ValidateResponseChecksum
		for _, f := range configure {
			f(o)
		}
	})
}

// opState is what one operation learns about its attempts. Attempts of one
// operation run one after another, so it needs no lock.
//
// A member reuses its opStates, one operation after another
// (member.opState), each with the context that carries it, the
// connection wait trace and the operation's timeout built once: building
// them per operation took about 14 heap allocations (BenchmarkCPUPerOp's
// runner-mallocs/op went from 355 to 342, the bare loop's being 337).
type opState struct {
	runStart            time.Time
	attempts, throttled int
	sending             time.Duration
	log                 []metrics.Attempt
	ctx                 *opContext // over the operations' context, this opState and the trace
}

// reset makes st ready for another operation of the run started at
// runStart; the attempt log it held belongs to that operation's record.
func (st *opState) reset(runStart time.Time) {
	st.runStart, st.attempts, st.throttled, st.sending, st.log = runStart, 0, 0, 0, nil
}

type opStateKey struct{}

func withOpState(ctx context.Context, st *opState) context.Context {
	return context.WithValue(ctx, opStateKey{}, st)
}

// addAttemptCounter puts a Finalize middleware after the SDK's Retry step:
// it runs once per attempt, sees that attempt's error, and its timing
// excludes backoff sleeps.
func addAttemptCounter(s *middleware.Stack) error {
	return s.Finalize.Insert(attemptCounter{}, "Retry", middleware.After)
}

type attemptCounter struct{}

func (attemptCounter) ID() string { return "throttlebench.AttemptCounter" }

func (attemptCounter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	st, _ := ctx.Value(opStateKey{}).(*opState)
	if st == nil {
		return next.HandleFinalize(ctx, in)
	}
	start := time.Now()
	out, md, err := next.HandleFinalize(ctx, in)
	d := time.Since(start)
	st.sending += d
	st.attempts++
	a := metrics.Attempt{Start: start.Sub(st.runStart), Duration: d}
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		a.Status = resp.StatusCode
	}
	if metrics.IsThrottle(err) {
		st.throttled++
		a.Throttled = true
		a.Reason = throttleReason(err)
	}
	a.Cancelled = metrics.CancellationCodes(err)
	st.log = append(st.log, a)
	return out, md, err
}

// throttleReason is the first ThrottlingReasons entry of a DynamoDB throttle.
func throttleReason(err error) string {
	var reasons []types.ThrottlingReason
	var pt *types.ProvisionedThroughputExceededException
	var rl *types.RequestLimitExceeded
	var te *types.ThrottlingException
	switch {
	case errors.As(err, &pt):
		reasons = pt.ThrottlingReasons
	case errors.As(err, &rl):
		reasons = rl.ThrottlingReasons
	case errors.As(err, &te):
		reasons = te.ThrottlingReasons
	}
	if len(reasons) > 0 && reasons[0].Reason != nil {
		return *reasons[0].Reason
	}
	return ""
}

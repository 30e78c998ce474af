package sim

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/throttlebench/throttlebench/internal/strategy"
)

// The classic experiment of the AWS Architecture Blog post "Exponential
// Backoff And Jitter" (Marc Brooker, 2015): N clients race to update one
// item with optimistic concurrency. Each client reads the item's version,
// then writes it conditionally; the write succeeds only if the version
// has not changed, and a client stops after its first success. After a
// failed write the client backs off, then reads again. Every message
// (read request, read response, write request, write response) takes
// |Normal(10ms, 2ms)|; all clients start at t = 0. The post counts the
// writes sent ("calls", its measure of work) and the time until the last
// client succeeds.
//
// The retries are the application's, as in the post (a conditional-check
// failure is not something the SDK retries): the sleep between rounds is
// the strategy retryer's RetryDelay(attempt, ConditionalCheckFailedException),
// attempt counting the failed writes from 1, with no attempt limit.

// Experiment configures the backoff experiment. Zero fields take the
// post's values.
type Experiment struct {
	// Clients lists the values of N; default 10, 20, ..., 190.
	Clients []int
	// Runs is how many runs are averaged per N and strategy; default 100.
	Runs int
	// Latency of one message; default |Normal(10ms, 2ms)|.
	Latency Latency
	// Base and Cap of the backoff formulas; defaults 5ms and 2s.
	Base, Cap time.Duration
	// Seed makes the experiment repeatable; default 1.
	Seed int64
}

// ExperimentStrategies are the strategies of the post, in its order of
// presentation, with the retryer each client uses (ours: the
// strategy package's Retryer with the post's formulas and no attempt limit).
var ExperimentStrategies = []string{"none", "exponential", "equal-jitter", "full-jitter", "decorrelated-jitter"}

// ExperimentRow is one strategy at one N, averaged over the runs.
type ExperimentRow struct {
	Strategy string `json:"strategy"`
	Clients  int    `json:"clients"`
	// Calls is the mean number of writes sent in a run: the work.
	Calls float64 `json:"calls"`
	// Completion is the mean time until the last client succeeded.
	Completion time.Duration `json:"completion_ns"`
}

func (x Experiment) withDefaults() Experiment {
	if len(x.Clients) == 0 {
		for n := 10; n <= 190; n += 10 {
			x.Clients = append(x.Clients, n)
		}
	}
	if x.Runs <= 0 {
		x.Runs = 100
	}
	if x.Latency == (Latency{}) {
		x.Latency = Latency{Dist: Normal, Mean: 10 * time.Millisecond, StdDev: 2 * time.Millisecond}
	}
	if x.Base == 0 {
		x.Base = 5 * time.Millisecond
	}
	if x.Cap == 0 {
		x.Cap = 2 * time.Second
	}
	if x.Seed == 0 {
		x.Seed = 1
	}
	return x
}

// experimentRetryer returns client c's retryer for strategy name: the
// post's formula as our Backoff, unlimited attempts; "none" retries at once.
func experimentRetryer(name string, base, limit time.Duration, seed int64) (aws.RetryerV2, error) {
	switch name {
	case "none":
		return strategy.NewRetryer(strategy.Constant{}, 0, seed), nil
	case "exponential":
		return strategy.NewRetryer(strategy.Exponential{Base: base, Cap: limit}, 0, seed), nil
	case "equal-jitter":
		return strategy.NewRetryer(strategy.EqualJitter{Base: base, Cap: limit}, 0, seed), nil
	case "full-jitter":
		return strategy.NewRetryer(strategy.FullJitter{Base: base, Cap: limit}, 0, seed), nil
	case "decorrelated-jitter":
		return strategy.NewScopedRetryer(strategy.DecorrelatedJitter{Base: base, Cap: limit}, 0, seed).ForOperation(), nil
	}
	return nil, fmt.Errorf("backoff experiment: unknown strategy %q (want one of %v)", name, ExperimentStrategies)
}

// RunExperiment runs the experiment for every strategy and N, in parallel
// on up to workers goroutines (at least 1). Rows come in the order of
// ExperimentStrategies, then of Clients. The result depends only on x.
func RunExperiment(ctx context.Context, x Experiment, workers int) ([]ExperimentRow, error) {
	x = x.withDefaults()
	type job struct{ s, n int }
	rows := make([]ExperimentRow, len(ExperimentStrategies)*len(x.Clients))
	jobs := make(chan job)
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for j := range jobs {
				i := j.s*len(x.Clients) + j.n
				rows[i], errs[i] = x.point(ctx, ExperimentStrategies[j.s], x.Clients[j.n])
			}
		})
	}
	for s := range ExperimentStrategies {
		for n := range x.Clients {
			jobs <- job{s, n}
		}
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return rows, ctx.Err()
}

// point averages the runs of one strategy at N clients.
func (x Experiment) point(ctx context.Context, name string, n int) (ExperimentRow, error) {
	row := ExperimentRow{Strategy: name, Clients: n}
	var calls, total int64
	for run := range x.Runs {
		if ctx.Err() != nil {
			return row, ctx.Err()
		}
		// Every (N, run) has its own seed, shared by the strategies:
		// they face the same network draws as far as their paths agree.
		seed := x.Seed*1_000_003 + int64(n)*10_007 + int64(run)
		c, t, err := occRun(name, n, x, seed)
		if err != nil {
			return row, err
		}
		calls += c
		total += t
	}
	row.Calls = float64(calls) / float64(x.Runs)
	row.Completion = time.Duration(total / int64(x.Runs))
	return row, nil
}

// Message kinds of the OCC model: where a message arrives.
const (
	occRead     uint8 = iota // read request at the server
	occReadRsp               // read response (the version) at the client
	occWrite                 // conditional write at the server
	occWriteRsp              // write response at the client
)

// occRun runs one race of n clients and returns the writes sent and the
// completion time in nanoseconds.
func occRun(name string, n int, x Experiment, seed int64) (calls, end int64, err error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6f6363)) // "occ"
	net := newSampler(x.Latency)
	type clientState struct {
		retryer aws.RetryerV2
		version int64 // the version read, then the write's outcome (1 ok, 0 failed)
		failed  int   // failed writes so far
	}
	clients := make([]clientState, n)
	var q queue
	for c := range clients {
		r, err := experimentRetryer(name, x.Base, x.Cap, seed*7919+int64(c))
		if err != nil {
			return 0, 0, err
		}
		clients[c].retryer = r
		q.push(int64(net.sample(rng)), int32(c), occRead)
	}
	var version int64 // the item's
	var now int64
	for q.len() > 0 {
		ev := q.pop()
		now = ev.at
		c := &clients[ev.op]
		switch ev.kind {
		case occRead:
			c.version = version
			q.push(now+int64(net.sample(rng)), ev.op, occReadRsp)
		case occReadRsp:
			q.push(now+int64(net.sample(rng)), ev.op, occWrite)
		case occWrite:
			calls++
			ok := c.version == version
			if ok {
				version++
			}
			c.version = 0
			if ok {
				c.version = 1
			}
			q.push(now+int64(net.sample(rng)), ev.op, occWriteRsp)
		case occWriteRsp:
			if c.version == 1 {
				continue // done
			}
			c.failed++
			d, err := c.retryer.RetryDelay(c.failed, errConflict)
			if err != nil {
				return 0, 0, err
			}
			q.push(now+int64(net.sample(rng))+int64(d), ev.op, occRead)
		}
	}
	return calls, now, nil
}

// WriteExperimentTable writes rows as two aligned tables, N down and
// strategies across: total calls, then completion time in milliseconds.
func WriteExperimentTable(w io.Writer, rows []ExperimentRow, runs int) error {
	ns, names, at := pivot(rows)
	var b strings.Builder
	for _, part := range []struct {
		title string
		value func(ExperimentRow) string
	}{
		{fmt.Sprintf("Total calls (writes sent), mean of %d runs", runs), func(r ExperimentRow) string { return fmt.Sprintf("%.0f", r.Calls) }},
		{fmt.Sprintf("Completion time (ms), mean of %d runs", runs), func(r ExperimentRow) string {
			return fmt.Sprintf("%.0f", float64(r.Completion)/float64(time.Millisecond))
		}},
	} {
		fmt.Fprintf(&b, "%s\n%8s", part.title, "clients")
		for _, name := range names {
			fmt.Fprintf(&b, " %20s", name)
		}
		b.WriteString("\n")
		for _, n := range ns {
			fmt.Fprintf(&b, "%8d", n)
			for _, name := range names {
				fmt.Fprintf(&b, " %20s", part.value(at[name][n]))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ExperimentChart is the post's two figures: work and completion time
// against the number of clients, one line per strategy.
func ExperimentChart(rows []ExperimentRow, runs int) Chart {
	ns, names, at := pivot(rows)
	calls, times := Panel{
		Title: "Work: total calls", XLabel: "clients", YLabel: "writes sent (mean)",
	}, Panel{
		Title: "Completion time", XLabel: "clients", YLabel: "ms until the last client succeeds (mean)",
	}
	for _, name := range names {
		c, t := Line{Name: name}, Line{Name: name}
		for _, n := range ns {
			r := at[name][n]
			c.X, c.Y = append(c.X, float64(n)), append(c.Y, r.Calls)
			t.X, t.Y = append(t.X, float64(n)), append(t.Y, float64(r.Completion)/float64(time.Millisecond))
		}
		calls.Lines, times.Lines = append(calls.Lines, c), append(times.Lines, t)
	}
	return Chart{
		Title:  fmt.Sprintf("Exponential backoff and jitter: N clients racing conditional writes on one item (%d runs per point)", runs),
		Panels: []Panel{calls, times},
	}
}

// pivot indexes rows by strategy and N, keeping their order.
func pivot(rows []ExperimentRow) (ns []int, names []string, at map[string]map[int]ExperimentRow) {
	at = map[string]map[int]ExperimentRow{}
	for _, r := range rows {
		if at[r.Strategy] == nil {
			at[r.Strategy] = map[int]ExperimentRow{}
			names = append(names, r.Strategy)
		}
		if !slices.Contains(ns, r.Clients) {
			ns = append(ns, r.Clients)
		}
		at[r.Strategy][r.Clients] = r
	}
	return ns, names, at
}

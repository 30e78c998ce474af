package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/throttlebench/throttlebench/fakeservice/throttle"
	"github.com/throttlebench/throttlebench/fakeservice/wire"
	"github.com/throttlebench/throttlebench/internal/load"
	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

// Epoch is virtual time zero: every simulated run starts at this instant,
// so results files carry it as their start time and two runs of one
// scenario and seed write identical files.
var Epoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Target is what results files name as a simulation's target.
const Target = "simulation"

// Options configure a simulated comparison. Only Scenario and Strategies
// are required.
type Options struct {
	Scenario   *scenario.Scenario
	Strategies []strategy.Strategy
	// Latency is the network round trip of one attempt; the request
	// reaches the service half-way. Zero means DefaultLatency.
	Latency Latency
	// Overhead is the client's own time per operation outside its
	// attempts (the SDK's serialization and middleware, the runner's
	// scheduling): the first attempt starts that long after the
	// operation. Zero means none.
	Overhead time.Duration
	// Model overrides the throttling model; nil means the scenario's
	// (its fake: settings, defaults otherwise).
	Model *throttle.Model
	// CryptoJitter keeps the SDK's own crypto/rand backoff draws for the
	// retry.Standard retryers (sdk-default, sdk-standard-noquota); results
	// then differ from run to run. By default their formula draws from a
	// seeded source (see newRetryer).
	CryptoJitter bool
	// SkipUnsimulable leaves out the strategies the simulator cannot run
	// (sdk-adaptive) instead of failing; Warn, if set, is told of each.
	SkipUnsimulable bool
	Warn            func(error)
	// Shard, when it splits the run, simulates shard Index of Count of a
	// sharded run against one shared table: the whole schedule reaches
	// the table, as every shard's together would, and the results keep
	// the shard's own arrivals only (every Count-th; see package shard).
	// Needs an open-loop workload and a fleet that is a multiple of Count,
	// so every client is on one shard.
	Shard shard.Shard
	// Observer, when set, watches the simulation as it happens (bench sim
	// -ui), as runner.Options.Observer watches a run: each strategy's
	// records in the order they end, from the strategy's goroutine, and
	// its progress counters. Records carry virtual time (offsets from
	// Epoch); the observer is called synchronously, so it slows the
	// simulation by what it costs (it may also hold a strategy back on
	// the wall clock, never in virtual time). An observer with a method
	// Finished(strategy string) is told when each strategy's simulation
	// returns.
	Observer runner.Observer
}

// Simulable reports whether the simulator can run st; the error says why not.
func Simulable(st strategy.Strategy) error {
	if _, ok := st.(strategy.ClientConfigurer); ok {
		return fmt.Errorf("strategy %s: not simulable: it configures the DynamoDB client, which the simulator does not build; measure it with bench run (harness.Run)", st.Name())
	}
	_, err := newRetryer(st, 1, strategy.Clock{}, true)
	return err
}

// Run simulates the scenario's workload under each strategy, each against
// its own simulated table, and returns what a real run returns. It is a
// pure function of its options: same options, same result. Strategies run
// in parallel, one goroutine each. When ctx is canceled it returns what was
// simulated so far, with Interrupted set.
func Run(ctx context.Context, o Options) (*runner.Result, error) {
	if o.Scenario == nil {
		return nil, errors.New("sim: no scenario")
	}
	var strategies []strategy.Strategy
	for _, st := range o.Strategies {
		if err := Simulable(st); err != nil {
			if !o.SkipUnsimulable {
				return nil, err
			}
			if o.Warn != nil {
				o.Warn(err)
			}
			continue
		}
		strategies = append(strategies, st)
	}
	if err := checkWorkload(o.Scenario); err != nil {
		return nil, err
	}
	// Virtual time: every operation starts exactly when scheduled, so the
	// generator is ok by construction.
	res := &runner.Result{Started: Epoch, Strategies: make([]runner.StrategyResult, len(strategies)), Generator: runner.SimulatedGenerator()}
	if sh := o.Shard; sh.Sharded() {
		if err := sh.Validate(); err != nil {
			return nil, err
		}
		if w := o.Scenario.Workload; w.Workers > 0 || !sh.SplitsFleet(w.Fleet) {
			return nil, fmt.Errorf("sim: shard %s: needs an open-loop workload with a fleet that is a multiple of %d, got %d workers, fleet %d", sh, sh.Count, w.Workers, w.Fleet)
		}
		res.Shard = &runner.ShardInfo{Index: sh.Index, Count: sh.Count, SharedTable: true, TableOwner: sh.Index == 0, Host: Target}
	}
	errs := make([]error, len(strategies))
	var wg sync.WaitGroup
	for i, st := range strategies {
		wg.Go(func() { res.Strategies[i], errs[i] = RunStrategy(ctx, o, st) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res.Interrupted = ctx.Err() != nil
	return res, nil
}

// checkWorkload refuses what the simulator does not model.
func checkWorkload(sc *scenario.Scenario) error {
	for op, weight := range sc.Workload.Weights() {
		if weight <= 0 {
			continue
		}
		switch op {
		case scenario.OpPut, scenario.OpGet, scenario.OpUpdate, scenario.OpDelete, scenario.OpTransactWrite, scenario.OpTransactGet:
		default:
			return fmt.Errorf("sim: %s: operation %s is not simulated (PutItem, GetItem, UpdateItem, DeleteItem, TransactWriteItems and TransactGetItems are); use bench run", sc.Name, op)
		}
	}
	return nil
}

// RunStrategy simulates the scenario under one strategy.
func RunStrategy(ctx context.Context, o Options, st strategy.Strategy) (runner.StrategyResult, error) {
	e, err := newEngine(o, st)
	if err != nil {
		return runner.StrategyResult{}, err
	}
	if o.Observer != nil {
		e.live = &runner.Live{}
		e.observe = o.Observer.Observe(st.Name(), e.live)
		if f, ok := o.Observer.(interface{ Finished(string) }); ok {
			defer f.Finished(st.Name())
		}
	}
	e.run(ctx)
	sr := runner.StrategyResult{
		Name: st.Name(), Params: st.Resolved(), Table: e.table,
		Offered: o.Shard.Offered(e.offered), Summary: e.agg.Summary(), Series: e.series.Seconds(),
	}
	ts := &runner.TableStats{
		ConsumedReadUnits:  e.svc.consumed[throttle.Read].Units(),
		ConsumedWriteUnits: e.svc.consumed[throttle.Write].Units(),
		ThrottledRequests:  e.svc.throttled,
	}
	if sr.Summary.Succeeded > 0 {
		ts.UnitsPerSuccess = (ts.ConsumedReadUnits + ts.ConsumedWriteUnits) / float64(sr.Summary.Succeeded)
	}
	if len(e.svc.scaled) > 0 {
		ts.Series, ts.ScalingActions = e.svc.series, e.svc.scalingActions()
	}
	sr.Server = ts
	return sr, nil
}

// Event kinds.
const (
	evStart    uint8 = iota // a closed-loop worker issues its next operation
	evSend                  // an attempt leaves the client (after a client-side wait)
	evServer                // a request reaches the service
	evServe                 // the service serves it (after injected delays)
	evResponse              // the response reaches the client
	evWake                  // a backoff sleep ends: next attempt
	evDeadline              // the operation's timeout fires
)

// client is one member of the fleet.
type client struct {
	retryer  aws.RetryerV2
	scoped   strategy.OperationScoped
	inFlight int
}

// opState is one operation in flight; slots are reused.
type opState struct {
	n        int64
	client   int32
	worker   int32 // closed loop; -1 open loop
	name     string
	kind     throttle.Kind
	write    bool
	item     int64    // index in the item store
	key      string   // canonical partition key
	size     int32    // billed size of the item a Put or Update writes
	tx       []txItem // a transaction's items; reused with the slot
	intended int64
	started  int64
	deadline int64

	retryer    aws.RetryerV2
	attempt    int
	relRetry   func(error) error
	relAttempt func(error) error

	sentAt    int64
	back      int64 // response leg of the round trip
	result    error // this attempt's
	reason    throttle.Reason
	status    int
	attempts  int
	throttled int
	sending   int64
	log       []metrics.Attempt
	final     error // for an operation ended by its deadline

	done      bool // finished, waiting for its request to reach the service
	onWire    bool // an attempt was sent and its response is not in
	atService bool // a request of this operation is on its way to the service
}

// engine simulates one strategy's run.
type engine struct {
	sc      *scenario.Scenario
	w       scenario.Workload
	table   string
	now     int64 // nanoseconds since Epoch
	q       queue
	ops     []opState
	free    []int32
	clients []client
	svc     *service
	net     sampler
	rng     *rand.Rand
	keys    load.Keys
	mix     []string
	cum     []int
	keyAll  string        // keyString of every key below denseKeys, keyLen bytes each
	wait    time.Duration // client-side wait asked for by the attempt being started

	memo smallMap[memoKey, bool]
	// retryAfters says whether an error carries x-amz-retry-after.
	retryAfters smallMap[error, bool]
	// cancelCodes are metrics.CancellationCodes of each error value.
	cancelCodes map[error][]string
	outcomes    smallMap[outcomeKey, metrics.Outcome]
	maxErrs     smallMap[maxKey, *retry.MaxAttemptsError]

	agg      *metrics.Aggregator
	series   *metrics.Series
	warmup   int64
	timeout  int64
	overhead int64
	offered  int64
	end      int64 // closed loop: when workers stop issuing
	shard    shard.Shard
	live     *runner.Live         // Options.Observer's counters; nil without one
	observe  func(metrics.Record) // Options.Observer's; nil without one
}

func newEngine(o Options, st strategy.Strategy) (*engine, error) {
	sc := o.Scenario
	w := sc.Workload
	model := sc.Fake.Model()
	if o.Model != nil {
		model = *o.Model
	}
	e := &engine{
		sc: sc, w: w, table: "sim-" + sc.Name + "-" + st.Name(), shard: o.Shard,
		net:      newSampler(o.Latency),
		rng:      rand.New(rand.NewPCG(uint64(sc.Seed), 0x6e6574776f726b)), // "network"
		agg:      metrics.NewAggregator(),
		series:   metrics.NewSeries(),
		warmup:   int64(w.Warmup),
		timeout:  int64(w.Timeout),
		overhead: int64(o.Overhead),
	}
	e.svc = newService(sc, model, Epoch, e.table)
	clock := strategy.Clock{
		Now: func() time.Time { return Epoch.Add(time.Duration(e.now)) },
		// Called inside GetAttemptToken: the wait is taken in virtual time
		// after the call returns, before the attempt is sent.
		Sleep: func(_ context.Context, d time.Duration) error {
			e.wait += d
			return nil
		},
	}
	e.clients = make([]client, max(w.Fleet, 1))
	for i := range e.clients {
		r, err := newRetryer(st, sc.Seed+int64(i), clock, o.CryptoJitter)
		if err != nil {
			return nil, err
		}
		e.clients[i].retryer = r
		e.clients[i].scoped, _ = r.(strategy.OperationScoped)
	}
	switch w.KeyDistribution {
	case scenario.KeysZipf:
		z, err := load.NewZipf(w.Keys, w.ZipfTheta)
		if err != nil {
			return nil, err
		}
		e.keys = z
	case scenario.KeysHot:
		e.keys = load.HotKeys{N: w.Keys, Hot: w.HotKeys, Fraction: w.HotFraction}
	default:
		e.keys = load.UniformKeys{N: w.Keys}
	}
	total := 0
	for _, op := range scenario.Operations { // the runner's order: the same mix
		if weight := w.Weights()[op]; weight > 0 {
			total += weight
			e.mix = append(e.mix, op)
			e.cum = append(e.cum, total)
		}
	}
	if w.Keys <= denseKeys {
		e.keyAll = keyStrings(w.Keys)
	}
	if w.Preload {
		space := w.Keys * int64(max(w.SortKeys, 1))
		for i := range space {
			e.svc.items.set(i, item{size: int32(e.billedSize(0, int(i%int64(max(w.SortKeys, 1)))))})
		}
	}
	return e, nil
}

// Streams of load.Uniform64, as the runner's workload draws them.
const (
	streamOp   = 10
	streamSize = 11
	// Keys: load.ItemOf and load.DistinctItems, the runner's choice.
)

// opName is operation n's, as the runner picks it.
func (e *engine) opName(n int64) string {
	if len(e.mix) == 1 {
		return e.mix[0]
	}
	x := int(load.Uniform64(e.sc.Seed, n, streamOp) % uint64(e.cum[len(e.cum)-1]))
	for i, c := range e.cum {
		if x < c {
			return e.mix[i]
		}
	}
	return e.mix[len(e.mix)-1]
}

// keyString is the runner's partition key for key index k: "k" and k in
// at least 12 digits.
func (e *engine) keyString(k int64) string {
	if i := k * keyLen; i+keyLen <= int64(len(e.keyAll)) {
		return e.keyAll[i : i+keyLen]
	}
	return string(appendKey(nil, k))
}

// denseKeys is the most keys whose strings are made up front, side by side
// in one string: a key's string is then found without a memory access of
// its own and its bytes share cache lines with its neighbours'.
const denseKeys = 1 << 20

// keyLen is the length of the keys below 10^12.
const keyLen = 13

func appendKey(b []byte, k int64) []byte {
	var buf [20]byte
	d := strconv.AppendInt(buf[:0], k, 10)
	b = append(b, 'k')
	if len(d) < 12 {
		b = append(b, "000000000000"[:12-len(d)]...)
	}
	return append(b, d...)
}

// keyStrings returns the strings of keys 0 to n-1 end to end.
func keyStrings(n int64) string {
	b := make([]byte, 0, n*keyLen)
	for k := range n {
		b = appendKey(b, k)
	}
	return string(b)
}

// billedSize is the size the fake bills for the runner's item of operation
// n (payload of the workload's size, pk, data and sk when the table has one).
func (e *engine) billedSize(n int64, sk int) int {
	size := int64(e.w.ItemSize)
	if mx := int64(e.w.ItemSizeMax); mx > size {
		size += int64(load.Uniform64(e.sc.Seed, n, streamSize) % uint64(mx-size+1))
	}
	fixed := int64(len("pk") + 1 + 12 + len("data"))
	billed := fixed
	if e.w.SortKeys > 0 {
		fixed += int64(len("sk") + (len(strconv.Itoa(sk))+1)/2 + 1) // the runner's estimate
		billed += int64(len("sk") + wire.IntSize(int64(sk)))
	}
	// The runner's items carry the global indexes' keys, in place of payload.
	idx := int64(e.sc.Table.IndexAttrSize())
	return int(billed + idx + max(size-fixed-idx, 0))
}

// run drives the event loop to the end of the workload.
func (e *engine) run(ctx context.Context) {
	w := e.w
	var arrivals *load.Arrivals
	if w.Workers > 0 {
		e.end = int64(w.Duration)
		for j := 0; j < w.Workers; j++ {
			e.q.push(0, int32(j), evStart)
		}
	} else {
		process := load.Uniform
		if w.Process == scenario.ProcessPoisson {
			process = load.Poisson
		}
		arrivals = load.NewArrivals(w.Profile(), process, e.sc.Seed)
	}
	var next int64
	ok := arrivals != nil
	if ok {
		var off time.Duration
		off, ok = arrivals.Next()
		next = int64(off)
	}
	for steps := 0; ; steps++ {
		if steps&0xffff == 0 && ctx.Err() != nil {
			return
		}
		// The schedule's next operation goes ahead of every event at or
		// after its instant.
		if ok && (e.q.len() == 0 || next <= e.q.top()) {
			e.now = next
			e.arrive(e.offered, -1)
			e.offered++
			var off time.Duration
			off, ok = arrivals.Next()
			next = int64(off)
			continue
		}
		if e.q.len() == 0 {
			return
		}
		ev := e.q.pop()
		e.now = ev.at
		switch ev.kind {
		case evStart:
			if e.now < e.end {
				e.arrive(e.offered, ev.op)
				e.offered++
			}
		case evSend:
			e.send(ev.op)
		case evServer:
			e.atServer(ev.op)
		case evServe:
			e.serve(ev.op)
		case evResponse:
			e.respond(ev.op)
		case evWake:
			e.beginAttempt(ev.op)
		case evDeadline:
			e.finish(ev.op, e.ops[ev.op].final, true)
		}
	}
}

// arrive starts operation n now: on its round-robin client in open loop
// (dropped at the in-flight cap), on the worker's client in closed loop.
func (e *engine) arrive(n int64, worker int32) {
	ci := int32(n % int64(len(e.clients)))
	if worker >= 0 {
		ci = worker % int32(len(e.clients))
	}
	c := &e.clients[ci]
	name := e.opName(n)
	if worker < 0 && c.inFlight >= e.w.MaxInFlight {
		e.record(metrics.Record{Client: int(ci), Op: name, Intended: time.Duration(e.now), Started: time.Duration(e.now),
			Ended: time.Duration(e.now), Outcome: metrics.Dropped})
		return
	}
	c.inFlight++
	if e.live != nil && e.shard.Owns(int64(ci)) {
		e.live.Offer()
		e.live.Begin()
	}
	i := e.alloc()
	op := &e.ops[i]
	log, tx := op.log[:0], op.tx[:0]
	*op = opState{n: n, client: ci, worker: worker, name: name, intended: e.now, started: e.now,
		deadline: e.now + e.timeout, retryer: c.retryer, relRetry: nopRelease, log: log}
	if c.scoped != nil {
		op.retryer = c.scoped.ForOperation()
	}
	first := load.ItemOf(e.keys, e.sc.Seed, n, 0, e.w.SortKeys)
	k, sk := first.K, first.SK
	op.item = k*int64(max(e.w.SortKeys, 1)) + int64(sk)
	op.key = e.keyString(k)
	switch name {
	case scenario.OpTransactWrite, scenario.OpTransactGet:
		op.kind, op.write = throttle.Read, name == scenario.OpTransactWrite
		if op.write {
			op.kind = throttle.Write
		}
		for _, it := range load.DistinctItems(e.keys, e.sc.Seed, n, e.w.TransactItems, e.w.SortKeys, e.w.Keys) {
			t := txItem{item: it.K*int64(max(e.w.SortKeys, 1)) + int64(it.SK), key: e.keyString(it.K)}
			if op.write {
				t.size = int32(e.billedSize(n, it.SK))
			}
			tx = append(tx, t)
		}
		op.tx = tx
	case scenario.OpGet:
		op.kind = throttle.Read
	case scenario.OpPut, scenario.OpUpdate:
		op.kind, op.write = throttle.Write, true
		op.size = int32(e.billedSize(n, sk))
	default:
		op.kind, op.write = throttle.Write, true
	}
	if e.overhead > 0 {
		e.q.push(e.now+e.overhead, i, evWake)
		return
	}
	e.beginAttempt(i)
}

// cancellation is metrics.CancellationCodes(err), the runner's reading of
// an attempt's error, once per error value.
func (e *engine) cancellation(err error) []string {
	c, ok := e.cancelCodes[err]
	if !ok {
		c = metrics.CancellationCodes(err)
		if e.cancelCodes == nil {
			e.cancelCodes = map[error][]string{}
		}
		e.cancelCodes[err] = c
	}
	return c
}

func (e *engine) alloc() int32 {
	if n := len(e.free); n > 0 {
		i := e.free[n-1]
		e.free = e.free[:n-1]
		return i
	}
	e.ops = append(e.ops, opState{})
	return int32(len(e.ops) - 1)
}

// beginAttempt is the start of the SDK's handleAttempt: the context check,
// then GetAttemptToken, whose client-side wait (token-bucket) passes in
// virtual time before the attempt is sent.
func (e *engine) beginAttempt(i int32) {
	op := &e.ops[i]
	op.attempt++
	if e.now >= op.deadline {
		e.finish(i, context.DeadlineExceeded, true)
		return
	}
	e.wait = 0
	rel, err := op.retryer.GetAttemptToken(attemptContext(op.attempt))
	wait := int64(e.wait)
	if err != nil {
		e.finish(i, fmt.Errorf("failed to get retry Send token, %w", err), false)
		return
	}
	op.relAttempt = rel
	if wait > 0 {
		if e.now+wait > op.deadline {
			op.final = fmt.Errorf("waiting %v for an attempt token: %w", time.Duration(wait), context.DeadlineExceeded)
			e.q.push(op.deadline, i, evDeadline)
			return
		}
		e.q.push(e.now+wait, i, evSend)
		return
	}
	e.send(i)
}

// send puts an attempt on the network: the request reaches the service
// after half the round trip.
func (e *engine) send(i int32) {
	op := &e.ops[i]
	rtt := int64(e.net.sample(e.rng))
	there := rtt / 2
	op.back = rtt - there
	op.sentAt = e.now
	op.atService, op.onWire = true, true
	e.q.push(e.now+there, i, evServer)
	if e.now+there > op.deadline {
		op.final = context.DeadlineExceeded
		e.q.push(op.deadline, i, evDeadline)
	}
}

// atServer applies the fault schedule to a request reaching the service.
func (e *engine) atServer(i int32) {
	op := &e.ops[i]
	f := e.svc.decide(time.Duration(e.now), op.name)
	op.result, op.reason, op.status = nil, "", 200
	if f.err != nil {
		op.result = f.err
		op.status = statusOf(f.err)
	}
	if f.delay > 0 {
		e.q.push(e.now+int64(f.delay), i, evServe)
		return
	}
	e.serve(i)
}

func statusOf(err error) int {
	switch err {
	case errInternal:
		return 500
	case errUnavailable:
		return 503
	}
	return 0
}

// serve runs the operation against the model (unless a fault answered it)
// and sends the response back.
func (e *engine) serve(i int32) {
	op := &e.ops[i]
	op.atService = false
	switch {
	case op.result != nil:
	case op.tx != nil:
		if err := e.svc.transact(time.Duration(e.now), op.write, op.tx); err != nil {
			op.result, op.status = err, 400
		}
	case op.write && e.svc.held(time.Duration(e.now), op.item):
		op.result, op.status = errTransactionConflict, 400
	default:
		old := e.svc.items.get(op.item)
		var cost throttle.MilliUnits
		next := old
		switch op.name {
		case scenario.OpGet:
			cost = throttle.ReadCost(int(old.size), e.w.ConsistentRead)
		case scenario.OpPut:
			cost = throttle.WriteCost(max(int(op.size), int(old.size)))
			next = item{size: op.size}
		case scenario.OpUpdate:
			v := old.v + 1
			size := int(op.size) + len("v") + wire.IntSize(int64(v))
			cost = throttle.WriteCost(max(size, int(old.size)))
			next = item{size: int32(size), v: v}
		case scenario.OpDelete:
			cost = throttle.WriteCost(int(old.size))
			next = item{}
		}
		reason, err := e.svc.charge(time.Duration(e.now), op.kind, op.key, cost, op.name, old, next)
		if err != nil {
			op.result, op.reason, op.status = err, reason, 400
		} else if op.write {
			e.svc.items.set(op.item, next)
		}
	}
	if op.done {
		e.release(i)
		return
	}
	at := e.now + op.back
	if at > op.deadline {
		if op.final == nil { // not already waiting for the deadline
			op.final = context.DeadlineExceeded
			e.q.push(op.deadline, i, evDeadline)
		}
		return
	}
	e.q.push(at, i, evResponse)
}

// respond is the rest of the SDK's handleAttempt once the response is in:
// token releases, classification, max attempts, retry quota, delay and
// x-amz-retry-after, then the sleep.
func (e *engine) respond(i int32) {
	op := &e.ops[i]
	op.onWire = false
	e.logAttempt(op, e.now)
	err := op.result
	if rerr := op.relRetry(err); rerr != nil && err != nil {
		e.finish(i, fmt.Errorf("failed to release retry token after request error, %w", err), false)
		return
	}
	if rerr := op.relAttempt(err); rerr != nil && err != nil {
		e.finish(i, fmt.Errorf("failed to release initial token after request error, %w", err), false)
		return
	}
	if err == nil {
		e.finish(i, nil, false)
		return
	}
	r := op.retryer
	if !e.retryable(r, err) {
		e.finish(i, err, false)
		return
	}
	if m := r.MaxAttempts(); m > 0 && op.attempt >= m {
		e.finish(i, e.maxAttemptsError(op.attempt, err), false)
		return
	}
	ctx := attemptContext(op.attempt)
	rel, terr := r.GetRetryToken(ctx, err)
	if terr != nil {
		e.finish(i, errors.Join(err, terr), false)
		return
	}
	op.relRetry = rel
	delay, derr := r.RetryDelay(op.attempt, err)
	if derr != nil {
		e.finish(i, derr, false)
		return
	}
	if ra, ok := e.retryAfters.get(err); !ok || ra {
		d := retryAfter(delay, err)
		if !ok {
			e.retryAfters.put(err, d != delay || retryAfter(0, err) != 0)
		}
		delay = d
	}
	if e.now+int64(delay) > op.deadline {
		op.final = &aws.RequestCanceledError{Err: context.DeadlineExceeded}
		e.q.push(op.deadline, i, evDeadline)
		return
	}
	e.q.push(e.now+int64(delay), i, evWake)
}

// logAttempt records the attempt that ends at end, as the runner's
// attempt-counting middleware does.
func (e *engine) logAttempt(op *opState, end int64) {
	d := end - op.sentAt
	op.attempts++
	op.sending += d
	a := metrics.Attempt{Start: time.Duration(op.sentAt), Duration: time.Duration(d), Status: op.status}
	if op.reason != "" {
		a.Throttled, a.Reason = true, string(op.reason)
		op.throttled++
	}
	if op.tx != nil && op.result != nil && op.status == 400 {
		a.Cancelled = e.cancellation(op.result)
	}
	op.log = append(op.log, a)
}

// finish ends operation i now with err; timedOut says the operation's
// deadline ended it (its context's error is then DeadlineExceeded).
func (e *engine) finish(i int32, err error, timedOut bool) {
	op := &e.ops[i]
	if op.done {
		return
	}
	var ctxErr error
	if timedOut {
		ctxErr = context.DeadlineExceeded
		if op.onWire {
			op.status, op.reason = 0, ""
			e.logAttempt(op, e.now) // the attempt on the wire is cut short
		}
		if err == nil {
			err = context.DeadlineExceeded
		}
	}
	e.record(metrics.Record{
		Client: int(op.client), Op: op.name,
		Intended: time.Duration(op.intended), Started: time.Duration(op.started), Ended: time.Duration(e.now),
		Attempts: op.attempts, ThrottledAttempts: op.throttled, Sending: time.Duration(op.sending),
		AttemptLog: op.log, Outcome: e.classify(err, ctxErr),
	})
	e.clients[op.client].inFlight--
	if op.worker >= 0 {
		e.q.push(e.now+int64(e.w.Think), op.worker, evStart)
	}
	op.done = true
	if !op.atService {
		e.release(i)
	}
}

// retryable is r.IsErrorRetryable(err), asked once per retryer type and
// error value. The service's errors are values built once (see service),
// and every strategy's IsErrorRetryable is a pure function of the error
// (the SDK's classification, which formats the error and walks its chain
// with errors.As: the bulk of a throttled attempt's cost otherwise).
func (e *engine) retryable(r aws.RetryerV2, err error) bool {
	k := memoKey{retryer: reflect.TypeOf(r), err: err}
	v, ok := e.memo.get(k)
	if !ok {
		v = r.IsErrorRetryable(err)
		e.memo.put(k, v)
	}
	return v
}

// classify is metrics.Classify(err, ctxErr), remembered for the final
// errors that are a service error, bare or in a *retry.MaxAttemptsError:
// their outcome is a function of the service error.
func (e *engine) classify(err, ctxErr error) metrics.Outcome {
	if err == nil {
		return metrics.OK
	}
	k := outcomeKey{err: err}
	if m, ok := err.(*retry.MaxAttemptsError); ok {
		k = outcomeKey{wrapped: true, err: m.Err}
	}
	if ctxErr != nil || !e.svc.owns(k.err) {
		return metrics.Classify(err, ctxErr)
	}
	o, ok := e.outcomes.get(k)
	if !ok {
		o = metrics.Classify(err, ctxErr)
		e.outcomes.put(k, o)
	}
	return o
}

// maxAttemptsError returns &retry.MaxAttemptsError{Attempt: attempt, Err:
// err}, one value per attempt and error: the engine only classifies it.
func (e *engine) maxAttemptsError(attempt int, err error) error {
	k := maxKey{attempt: attempt, err: err}
	m, ok := e.maxErrs.get(k)
	if !ok {
		m = &retry.MaxAttemptsError{Attempt: attempt, Err: err}
		e.maxErrs.put(k, m)
	}
	return m
}

type maxKey struct {
	attempt int
	err     error
}

// smallMap is a map for the few keys the engine memoizes by error value
// (the service's errors are values built once, see service): a linear scan
// of a handful of keys is cheaper than hashing interfaces. Like a map, it
// panics on a key of an incomparable dynamic type.
type smallMap[K comparable, V any] struct {
	keys []K
	vals []V
}

func (m *smallMap[K, V]) get(k K) (V, bool) {
	for i := range m.keys {
		if m.keys[i] == k {
			return m.vals[i], true
		}
	}
	var zero V
	return zero, false
}

func (m *smallMap[K, V]) put(k K, v V) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

type memoKey struct {
	retryer reflect.Type
	err     error
}

type outcomeKey struct {
	wrapped bool
	err     error
}

func (e *engine) release(i int32) {
	op := &e.ops[i]
	op.retryer, op.relRetry, op.relAttempt, op.result, op.final = nil, nil, nil, nil, nil
	e.free = append(e.free, i)
}

func (e *engine) record(r metrics.Record) {
	if !e.shard.Owns(int64(r.Client)) {
		return // another shard's arrival: arrival n runs on client n mod fleet
	}
	e.series.Add(r)
	if int64(r.Intended) >= e.warmup {
		e.agg.Add(r)
	}
	if e.observe != nil {
		began := r.Outcome != metrics.Dropped
		if !began {
			e.live.Offer()
		}
		e.live.End(began, r.Outcome == metrics.OK)
		e.observe(r)
	}
}

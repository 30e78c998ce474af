package scenario

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/load"
)

// Defaults applied to fields left out of a workload.
const (
	DefaultItemSize    = Size(1 << 10)
	DefaultKeys        = 10000
	DefaultMaxInFlight = 1024
	DefaultTimeout     = Duration(30 * time.Second)
	DefaultFleet       = 1
	DefaultZipfTheta   = 0.99
	DefaultBatchSize   = 25
	DefaultQueryLimit  = 100
	// DefaultTransactItems is the items per TransactWriteItems and
	// TransactGetItems.
	DefaultTransactItems = 2
)

// Operations the workload can issue.
const (
	OpGet        = "GetItem"
	OpPut        = "PutItem"
	OpUpdate     = "UpdateItem"
	OpDelete     = "DeleteItem"
	OpQuery      = "Query"
	OpBatchWrite = "BatchWriteItem"
	OpBatchGet   = "BatchGetItem"
	// OpTransactWrite puts TransactItems whole items in one transaction;
	// OpTransactGet gets TransactItems items in one.
	OpTransactWrite = "TransactWriteItems"
	OpTransactGet   = "TransactGetItems"
)

// Operations lists every operation a workload may name.
var Operations = []string{OpGet, OpPut, OpUpdate, OpDelete, OpQuery, OpBatchWrite, OpBatchGet, OpTransactWrite, OpTransactGet}

// opAliases are other names a workload may give an operation.
var opAliases = map[string]string{"transact_write": OpTransactWrite, "transact_get": OpTransactGet}

// Arrival processes.
const (
	ProcessUniform = "uniform"
	ProcessPoisson = "poisson"
)

// Key distributions.
const (
	KeysUniform = "uniform"
	KeysZipf    = "zipf"
	KeysHot     = "hot"
)

// maxItemSize is DynamoDB's item size limit.
const maxItemSize = 400 << 10

// Workload is the load offered to each strategy's table: when operations
// arrive (open loop: a rate profile; or closed loop: workers), which
// operations, on which keys, with which items, through how many clients.
type Workload struct {
	// Rate and Duration give a constant open-loop rate. Stages, when set,
	// replace them with a piecewise-linear rate profile.
	Rate     Rate     `yaml:"rate" json:"rate,omitempty"`
	Duration Duration `yaml:"duration" json:"duration,omitempty"`
	Stages   []Stage  `yaml:"stages" json:"stages,omitempty"`
	// Spike raises the rate to Spike.Rate for Spike.Width starting at
	// Spike.At, on top of Rate/Duration.
	Spike *Spike `yaml:"spike" json:"spike,omitempty"`
	// Process spaces open-loop arrivals: "uniform" (default, evenly) or
	// "poisson" (exponential gaps with the profile's rate).
	Process string `yaml:"process" json:"process"`
	// Workers, when > 0, makes the load closed-loop: that many workers
	// each issue an operation, wait for its outcome, think for Think, and
	// repeat until Duration. Rate and Stages must then be empty.
	Workers int      `yaml:"workers" json:"workers,omitempty"`
	Think   Duration `yaml:"think" json:"think,omitempty"`
	// Warmup excludes operations intended to start in the first Warmup
	// from the statistics; default 0.
	Warmup Duration `yaml:"warmup" json:"warmup,omitempty"`

	// Fleet is the number of independent clients (each its own SDK client,
	// retryer, retry quota and limiter) sharing the load round-robin;
	// default 1.
	Fleet int `yaml:"fleet" json:"fleet"`

	// Operation is a one-operation workload (default "PutItem"); Mix, when
	// set, replaces it with operation weights, e.g. {GetItem: 80, PutItem: 20}.
	// transact_write and transact_get name TransactWriteItems and
	// TransactGetItems.
	Operation string         `yaml:"operation" json:"operation,omitempty"`
	Mix       map[string]int `yaml:"mix" json:"mix,omitempty"`

	// ItemSize is each written item's size, attribute names included
	// (default 1KB); ItemSizeMax, when set, draws sizes uniformly from
	// [ItemSize, ItemSizeMax].
	ItemSize    Size `yaml:"item_size" json:"item_size"`
	ItemSizeMax Size `yaml:"item_size_max" json:"item_size_max,omitempty"`
	// Keys is the size of the key space; default 10000.
	Keys int64 `yaml:"keys" json:"keys"`
	// KeyDistribution is "uniform" (default), "zipf" (ZipfTheta, default
	// 0.99, key 0 hottest) or "hot" (HotFraction of operations on the
	// first HotKeys keys, the rest uniform).
	KeyDistribution string  `yaml:"key_distribution" json:"key_distribution"`
	ZipfTheta       float64 `yaml:"zipf_theta" json:"zipf_theta,omitempty"`
	HotKeys         int64   `yaml:"hot_keys" json:"hot_keys,omitempty"`
	HotFraction     float64 `yaml:"hot_fraction" json:"hot_fraction,omitempty"`
	// SortKeys gives each partition key that many items under a sort key
	// (for Query); 0 means the table has a partition key only.
	SortKeys int `yaml:"sort_keys" json:"sort_keys,omitempty"`
	// ConsistentRead makes reads strongly consistent (full read units).
	ConsistentRead bool `yaml:"consistent_read" json:"consistent_read"`
	// BatchSize is the items per BatchWriteItem (<= 25) and keys per
	// BatchGetItem (<= 100); default 25.
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty"`
	// TransactItems is the items per TransactWriteItems (each a Put of a
	// whole item) and TransactGetItems, distinct keys drawn from the key
	// distribution; 1 to 100, default 2.
	TransactItems int `yaml:"transact_items" json:"transact_items,omitempty"`
	// QueryLimit is Query's Limit; default 100.
	QueryLimit int `yaml:"query_limit" json:"query_limit,omitempty"`
	// Preload writes every key once before the measured run (at a raised
	// capacity, restored before load starts), so reads find items.
	Preload bool `yaml:"preload" json:"preload,omitempty"`

	// MaxInFlight caps operations in flight per client. An arrival that
	// finds the cap reached is dropped and counted as such: the schedule is
	// kept for the others, never silently slowed; default 1024.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// Timeout bounds one operation, all attempts and backoff included;
	// default 30s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// Stage is one piece of a rate profile: a constant Rate, or a linear move
// From one rate To another, for Duration.
type Stage struct {
	Duration Duration `yaml:"duration" json:"duration"`
	Rate     *Rate    `yaml:"rate" json:"rate,omitempty"`
	From     *Rate    `yaml:"from" json:"from,omitempty"`
	To       *Rate    `yaml:"to" json:"to,omitempty"`
}

// Spike is a window of higher rate.
type Spike struct {
	At    Duration `yaml:"at" json:"at"`
	Width Duration `yaml:"width" json:"width"`
	Rate  Rate     `yaml:"rate" json:"rate"`
}

// TotalDuration is how long operations keep arriving.
func (w *Workload) TotalDuration() time.Duration {
	if len(w.Stages) == 0 {
		return time.Duration(w.Duration)
	}
	var d time.Duration
	for _, s := range w.Stages {
		d += time.Duration(s.Duration)
	}
	return d
}

// Profile is the workload's open-loop rate profile: Rate for Duration
// (with its Spike), or the Stages.
func (w *Workload) Profile() load.Profile {
	if len(w.Stages) == 0 {
		if sp := w.Spike; sp != nil {
			return load.Spike(float64(w.Rate), float64(sp.Rate), time.Duration(w.Duration), time.Duration(sp.At), time.Duration(sp.Width))
		}
		return load.Constant(float64(w.Rate), time.Duration(w.Duration))
	}
	p := make(load.Profile, 0, len(w.Stages))
	for _, s := range w.Stages {
		st := load.Stage{Duration: time.Duration(s.Duration)}
		if s.Rate != nil {
			st.From, st.To = float64(*s.Rate), float64(*s.Rate)
		} else {
			st.From, st.To = float64(*s.From), float64(*s.To)
		}
		p = append(p, st)
	}
	return p
}

// Weights returns the operation mix, a one-entry mix for Operation.
func (w *Workload) Weights() map[string]int {
	if len(w.Mix) > 0 {
		return w.Mix
	}
	return map[string]int{w.Operation: 1}
}

// Describe says in a few words what load this is, for progress lines.
func (w *Workload) Describe() string {
	var load string
	switch {
	case w.Workers > 0:
		load = fmt.Sprintf("closed loop, %d workers", w.Workers)
	case len(w.Stages) > 0:
		load = fmt.Sprintf("%d stages", len(w.Stages))
	default:
		load = fmt.Sprintf("%g/s", float64(w.Rate))
	}
	ops := make([]string, 0, len(w.Weights()))
	for op := range w.Weights() {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return fmt.Sprintf("%s %s for %s", strings.Join(ops, "+"), load, w.TotalDuration())
}

func (w *Workload) applyDefaults() {
	if op, ok := opAliases[w.Operation]; ok {
		w.Operation = op
	}
	for alias, op := range opAliases {
		if weight, ok := w.Mix[alias]; ok {
			delete(w.Mix, alias)
			w.Mix[op] += weight
		}
	}
	if w.Process == "" {
		w.Process = ProcessUniform
	}
	if w.Operation == "" && len(w.Mix) == 0 {
		w.Operation = OpPut
	}
	if w.ItemSize == 0 {
		w.ItemSize = DefaultItemSize
	}
	if w.Keys == 0 {
		w.Keys = DefaultKeys
	}
	if w.KeyDistribution == "" {
		w.KeyDistribution = KeysUniform
	}
	if w.KeyDistribution == KeysZipf && w.ZipfTheta == 0 {
		w.ZipfTheta = DefaultZipfTheta
	}
	if w.Fleet == 0 {
		w.Fleet = DefaultFleet
	}
	if w.BatchSize == 0 {
		w.BatchSize = DefaultBatchSize
	}
	if w.QueryLimit == 0 {
		w.QueryLimit = DefaultQueryLimit
	}
	if w.TransactItems == 0 {
		w.TransactItems = DefaultTransactItems
	}
	if w.MaxInFlight == 0 {
		w.MaxInFlight = DefaultMaxInFlight
	}
	if w.Timeout == 0 {
		w.Timeout = DefaultTimeout
	}
}

func (w *Workload) validate(bad func(field, format string, args ...any) error) error {
	closed := w.Workers > 0
	switch {
	case w.Workers < 0:
		return bad("workload.workers", "must be >= 0, got %d", w.Workers)
	case closed && (w.Rate != 0 || len(w.Stages) > 0 || w.Spike != nil):
		return bad("workload.workers", "a closed-loop workload (workers) takes no rate, stages or spike")
	case closed && w.Duration <= 0:
		return bad("workload.duration", "must be > 0, got %s", time.Duration(w.Duration))
	case w.Think < 0:
		return bad("workload.think", "must be >= 0, got %s", time.Duration(w.Think))
	case !closed && len(w.Stages) > 0 && (w.Rate != 0 || w.Duration != 0):
		return bad("workload.stages", "give either rate and duration, or stages, not both")
	case !closed && len(w.Stages) == 0 && w.Rate <= 0:
		return bad("workload.rate", "must be > 0, got %g", float64(w.Rate))
	case !closed && len(w.Stages) == 0 && w.Duration <= 0:
		return bad("workload.duration", "must be > 0, got %s", time.Duration(w.Duration))
	}
	for i, s := range w.Stages {
		field := fmt.Sprintf("workload.stages[%d]", i)
		if s.Duration <= 0 {
			return bad(field+".duration", "must be > 0, got %s", time.Duration(s.Duration))
		}
		if (s.Rate != nil) == (s.From != nil || s.To != nil) || (s.Rate == nil && (s.From == nil || s.To == nil)) {
			return bad(field, "give either rate, or from and to")
		}
		for _, r := range []*Rate{s.Rate, s.From, s.To} {
			if r != nil && *r < 0 {
				return bad(field, "rates must be >= 0, got %g", float64(*r))
			}
		}
	}
	if sp := w.Spike; sp != nil {
		switch {
		case sp.Rate <= 0:
			return bad("workload.spike.rate", "must be > 0, got %g", float64(sp.Rate))
		case sp.Width <= 0:
			return bad("workload.spike.width", "must be > 0, got %s", time.Duration(sp.Width))
		case sp.At < 0 || time.Duration(sp.At+sp.Width) > w.TotalDuration():
			return bad("workload.spike.at", "the spike must fit in the workload's duration %s", w.TotalDuration())
		}
	}
	if w.Warmup < 0 || time.Duration(w.Warmup) >= w.TotalDuration() {
		return bad("workload.warmup", "must be >= 0 and shorter than the duration %s, got %s", w.TotalDuration(), time.Duration(w.Warmup))
	}
	switch w.Process {
	case ProcessUniform, ProcessPoisson:
	default:
		return bad("workload.process", "must be %q or %q, got %q", ProcessUniform, ProcessPoisson, w.Process)
	}
	if w.Fleet < 1 {
		return bad("workload.fleet", "must be >= 1, got %d", w.Fleet)
	}
	if w.Operation != "" && len(w.Mix) > 0 {
		return bad("workload.mix", "give either operation or mix, not both")
	}
	total := 0
	for op, weight := range w.Weights() {
		if !isOperation(op) {
			field := "workload.operation"
			if len(w.Mix) > 0 {
				field = "workload.mix." + op
			}
			return bad(field, "unknown operation %q (one of %s)", op, strings.Join(Operations, ", "))
		}
		if weight < 0 {
			return bad("workload.mix."+op, "weight must be >= 0, got %d", weight)
		}
		total += weight
	}
	if total == 0 {
		return bad("workload.mix", "weights must add up to more than 0")
	}
	if w.ItemSize < 1 || w.ItemSize > maxItemSize {
		return bad("workload.item_size", "must be between 1B and 400KB, got %d bytes", int64(w.ItemSize))
	}
	if w.ItemSizeMax != 0 && (w.ItemSizeMax < w.ItemSize || w.ItemSizeMax > maxItemSize) {
		return bad("workload.item_size_max", "must be between item_size and 400KB, got %d bytes", int64(w.ItemSizeMax))
	}
	if w.Keys < 1 {
		return bad("workload.keys", "must be >= 1, got %d", w.Keys)
	}
	switch w.KeyDistribution {
	case KeysUniform:
	case KeysZipf:
		if !(w.ZipfTheta > 0 && w.ZipfTheta < 1) {
			return bad("workload.zipf_theta", "must be in (0, 1), got %g", w.ZipfTheta)
		}
	case KeysHot:
		if w.HotKeys < 1 || w.HotKeys > w.Keys {
			return bad("workload.hot_keys", "must be between 1 and keys (%d), got %d", w.Keys, w.HotKeys)
		}
		if w.HotFraction <= 0 || w.HotFraction > 1 {
			return bad("workload.hot_fraction", "must be in (0, 1], got %g", w.HotFraction)
		}
	default:
		return bad("workload.key_distribution", "must be %q, %q or %q, got %q", KeysUniform, KeysZipf, KeysHot, w.KeyDistribution)
	}
	if w.SortKeys < 0 {
		return bad("workload.sort_keys", "must be >= 0, got %d", w.SortKeys)
	}
	if w.BatchSize < 1 || w.BatchSize > 100 || (w.Weights()[OpBatchWrite] > 0 && w.BatchSize > 25) {
		return bad("workload.batch_size", "must be 1 to 25 with BatchWriteItem, 1 to 100 otherwise, got %d", w.BatchSize)
	}
	if w.QueryLimit < 1 {
		return bad("workload.query_limit", "must be >= 1, got %d", w.QueryLimit)
	}
	if w.TransactItems < 1 || w.TransactItems > 100 {
		return bad("workload.transact_items", "must be 1 to 100, got %d", w.TransactItems)
	}
	if space := w.Keys * int64(max(w.SortKeys, 1)); (w.Weights()[OpTransactWrite] > 0 || w.Weights()[OpTransactGet] > 0) && int64(w.TransactItems) > space {
		return bad("workload.transact_items", "a transaction names distinct items: at most the %d items of the key space (keys x sort_keys), got %d", space, w.TransactItems)
	}
	if w.MaxInFlight < 1 {
		return bad("workload.max_in_flight", "must be >= 1, got %d", w.MaxInFlight)
	}
	if w.Timeout <= 0 {
		return bad("workload.timeout", "must be > 0, got %s", time.Duration(w.Timeout))
	}
	return nil
}

func isOperation(op string) bool {
	for _, o := range Operations {
		if o == op {
			return true
		}
	}
	return false
}

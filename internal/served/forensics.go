package served

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/throttlebench/throttlebench/fakeservice"
)

// Forensics is what the server saw of one client group's retries, beyond
// the summary bench run reports.
type Forensics struct {
	// Client names the group.
	Client string `json:"client"`
	// Requests counts attempts; NoHeaders those without an
	// amz-sdk-invocation-id header, each counted as a one-attempt operation.
	Requests  int64 `json:"requests"`
	NoHeaders int64 `json:"no_headers"`
	// Retries counts attempts after an operation's first;
	// ThrottledAttempts those answered with a throttling error (batch
	// answers with unprocessed items, which the summary counts as
	// throttled, are not: the SDKs do not retry them); RetriesPerThrottle
	// is Retries / ThrottledAttempts (0 without throttles).
	Retries            int64   `json:"retries"`
	ThrottledAttempts  int64   `json:"throttled_attempts"`
	RetriesPerThrottle float64 `json:"retries_per_throttle"`
	// MaxAdvertised is the largest max the client announced in
	// amz-sdk-request (0: none); PastMax counts attempts sent beyond the
	// max their operation announced.
	MaxAdvertised int   `json:"max_advertised"`
	PastMax       int64 `json:"past_max"`
	// Gaps describes the client's backoff as the server saw it: for each
	// attempt number from 2, the time from the previous attempt's answer
	// to this attempt's arrival.
	Gaps []Gap `json:"gaps,omitempty"`
	// Sync measures how synchronised the retries of different operations
	// are.
	Sync Sync `json:"sync"`
	// UserAgents, AccessKeys and Sources count requests by User-Agent
	// header, SigV4 access key id ("" unsigned) and source host (at most
	// 32 of each; the rest under "(other)"). No secret is ever read.
	UserAgents map[string]int64 `json:"user_agents"`
	AccessKeys map[string]int64 `json:"access_keys"`
	Sources    map[string]int64 `json:"sources"`
}

// Gap is the distribution of the backoff gaps before one attempt number,
// milliseconds.
type Gap struct {
	Attempt int     `json:"attempt"`
	Count   int64   `json:"count"`
	MeanMs  float64 `json:"mean_ms"`
	P10Ms   float64 `json:"p10_ms"`
	P25Ms   float64 `json:"p25_ms"`
	P50Ms   float64 `json:"p50_ms"`
	P75Ms   float64 `json:"p75_ms"`
	P90Ms   float64 `json:"p90_ms"`
	MaxMs   float64 `json:"max_ms"`
	// CV is the coefficient of variation (standard deviation / mean):
	// near 0 for a fixed backoff, about 0.58 for full jitter (uniform on
	// [0, b)).
	CV float64 `json:"cv"`
	// Histogram is the HdrHistogram of the gaps (microseconds), V2
	// compressed encoding: decode to merge or to read any quantile.
	Histogram []byte `json:"histogram"`
}

// Sync says whether retries land together. Share is the share of retries
// that arrived within WindowMs of a retry of another operation of the same
// group; Expected is that share if the same number of retries arrived
// independently at random over the group's span (1 - e^(-2·rate·window)).
// Synchronised is set when Share is at least 0.3 and at least twice
// Expected: the clients retry in step, as without jitter. At retry rates
// where chance alone puts most retries together (Expected above 0.5) it
// cannot be told.
type Sync struct {
	WindowMs     float64 `json:"window_ms"`
	Retries      int64   `json:"retries"`
	Together     int64   `json:"together"`
	Share        float64 `json:"share"`
	Expected     float64 `json:"expected"`
	Synchronised bool    `json:"synchronised"`
}

// forensics accumulates a group's Forensics. Not safe for concurrent use
// (the Collector locks).
type forensics struct {
	client                      string
	requests, noHeaders         int64
	retries, throttled, pastMax int64
	maxAdv                      int
	gaps                        []*hdrhistogram.Histogram // index: attempt number - 2
	uas, keys, sources          map[string]int64
	syncer                      syncer
	firstArrival, lastArrival   time.Duration
	seenArrival                 bool
}

func newForensics(client string) *forensics {
	return &forensics{client: client, uas: map[string]int64{}, keys: map[string]int64{}, sources: map[string]int64{}}
}

// request counts one attempt.
func (f *forensics) request(r fakeservice.RequestInfo, a attemptSeen) {
	f.requests++
	if a.throttled && a.outcome != "ok" {
		f.throttled++
	}
	f.maxAdv = max(f.maxAdv, r.MaxAttempts)
	count(f.uas, r.UserAgent)
	count(f.keys, r.AccessKeyID)
	count(f.sources, sourceHost(r.Source))
	if !f.seenArrival || a.arrived < f.firstArrival {
		f.firstArrival = a.arrived
	}
	f.lastArrival = max(f.lastArrival, a.arrived)
	f.seenArrival = true
}

func count(m map[string]int64, k string) {
	if _, ok := m[k]; !ok && len(m) >= maxKept {
		k = "(other)"
	}
	m[k]++
}

// retry records attempt a of o (already added to o), prevAnswered being
// when the previous attempt was answered: its backoff gap and its place
// among other operations' retries.
func (f *forensics) retry(o *operation, a attemptSeen, prevAnswered, window time.Duration) {
	f.retries++
	if o.maxAdv > 0 && o.n > o.maxAdv {
		f.pastMax++
	}
	i := o.n - 2
	for len(f.gaps) <= i {
		f.gaps = append(f.gaps, hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3))
	}
	gap := a.arrived - prevAnswered
	_ = f.gaps[i].RecordValue(min(max(int64(gap/time.Microsecond), 1), int64(time.Hour/time.Microsecond)))
	f.syncer.window = window
	f.syncer.add(a.arrived, o.id)
}

func (f *forensics) report() Forensics {
	out := Forensics{
		Client: f.client, Requests: f.requests, NoHeaders: f.noHeaders,
		Retries: f.retries, ThrottledAttempts: f.throttled,
		MaxAdvertised: f.maxAdv, PastMax: f.pastMax,
		UserAgents: maps.Clone(f.uas), AccessKeys: maps.Clone(f.keys), Sources: maps.Clone(f.sources),
	}
	if f.throttled > 0 {
		out.RetriesPerThrottle = float64(f.retries) / float64(f.throttled)
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	for i, h := range f.gaps {
		if h.TotalCount() == 0 {
			continue
		}
		enc, _ := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		out.Gaps = append(out.Gaps, Gap{
			Attempt: i + 2, Count: h.TotalCount(), MeanMs: h.Mean() / 1000,
			P10Ms: ms(h.ValueAtQuantile(10)), P25Ms: ms(h.ValueAtQuantile(25)), P50Ms: ms(h.ValueAtQuantile(50)),
			P75Ms: ms(h.ValueAtQuantile(75)), P90Ms: ms(h.ValueAtQuantile(90)), MaxMs: ms(h.Max()),
			Histogram: enc,
		})
		if m := h.Mean(); m > 0 {
			out.Gaps[len(out.Gaps)-1].CV = h.StdDev() / m
		}
	}
	s := &f.syncer
	out.Sync = Sync{WindowMs: float64(s.window) / float64(time.Millisecond), Retries: s.retries, Together: s.together}
	if s.retries > 0 {
		out.Sync.Share = float64(s.together) / float64(s.retries)
		span := f.lastArrival - f.firstArrival
		if span > 0 && s.retries > 1 {
			rate := float64(s.retries-1) / span.Seconds()
			out.Sync.Expected = 1 - math.Exp(-2*rate*s.window.Seconds())
		} else {
			out.Sync.Expected = 1
		}
		out.Sync.Synchronised = out.Sync.Share >= 0.3 && out.Sync.Share >= 2*out.Sync.Expected
	}
	return out
}

// syncer finds retries of different operations that arrive within window
// of each other. Retries are reported when answered, so nearly in arrival
// order: it keeps the last second or so of them sorted by arrival.
type syncer struct {
	window            time.Duration
	recent            []syncEntry // sorted by t
	retries, together int64
}

type syncEntry struct {
	t        time.Duration
	op       uint64
	together bool
}

func (s *syncer) add(t time.Duration, op uint64) {
	s.retries++
	// Insert in order: almost always at the end.
	i := len(s.recent)
	for i > 0 && s.recent[i-1].t > t {
		i--
	}
	s.recent = slices.Insert(s.recent, i, syncEntry{t: t, op: op})
	me := &s.recent[i]
	lo, _ := slices.BinarySearchFunc(s.recent, t-s.window, func(e syncEntry, x time.Duration) int { return cmp.Compare(e.t, x) })
	for j := lo; j < len(s.recent) && s.recent[j].t <= t+s.window; j++ {
		e := &s.recent[j]
		if e == me || e.op == op {
			continue
		}
		if !e.together {
			e.together = true
			s.together++
		}
		if !me.together {
			me.together = true
			s.together++
		}
	}
	// Forget what no later retry can be near (reports come at most a
	// second out of arrival order).
	if t-s.recent[0].t > 2*time.Second {
		k := 0
		for k < len(s.recent) && t-s.recent[k].t > time.Second {
			k++
		}
		s.recent = append(s.recent[:0], s.recent[k:]...)
	}
}

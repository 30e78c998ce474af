package metrics

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Second is one second of a run, counted from the start of the run.
type Second struct {
	T int `json:"t"`
	// Offered and Started count operations by intended and actual start.
	Offered int64 `json:"offered"`
	Started int64 `json:"started"`
	// Attempts and Throttled count attempts by the second they were sent.
	Attempts  int64 `json:"attempts"`
	Throttled int64 `json:"throttled"`
	// Succeeded and Failed count operations by the second they ended.
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	// InFlight counts operations in flight at some point of the second.
	InFlight int64 `json:"in_flight"`
	// P50Ms and P99Ms are latencies (from intended start) of the operations
	// that ended in this second, milliseconds.
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
}

// seriesSlack is how many seconds a record may arrive late (relative to
// the latest end seen) and still count in its second's percentiles.
const seriesSlack = 3

// Series folds records into per-second counts. Memory grows by one Second
// per second of run plus a few open histograms. Records should arrive
// roughly in the order operations end, as a runner delivers them. Not safe
// for concurrent use.
type Series struct {
	secs     []Second
	inflight []int64 // difference array: +1 at start second, -1 after end second
	open     map[int]*hdrhistogram.Histogram
	closed   int // seconds below this have final percentiles
	// Records mostly end in the second of the previous one: last is
	// open[lastSec], nil when that second is finished.
	last    *hdrhistogram.Histogram
	lastSec int
	spare   []*hdrhistogram.Histogram // finished, reset for another second
}

// NewSeries returns an empty series.
func NewSeries() *Series { return &Series{open: map[int]*hdrhistogram.Histogram{}} }

func (s *Series) at(t time.Duration) *Second {
	i := max(int(t/time.Second), 0)
	for len(s.secs) <= i {
		s.secs = append(s.secs, Second{T: len(s.secs)})
		s.inflight = append(s.inflight, 0)
	}
	return &s.secs[i]
}

// Add folds one record in.
func (s *Series) Add(r Record) {
	s.at(r.Intended).Offered++
	if r.Outcome == Dropped {
		s.at(r.Intended).Failed++
		return
	}
	s.at(r.Started).Started++
	for _, a := range r.AttemptLog {
		sec := s.at(a.Start)
		sec.Attempts++
		if a.Throttled {
			sec.Throttled++
		}
	}
	end := s.at(r.Ended)
	if r.Outcome == OK {
		end.Succeeded++
	} else {
		end.Failed++
	}
	s.at(r.Ended + time.Second) // room for the difference array's -1
	s.inflight[int(r.Started/time.Second)]++
	s.inflight[int(r.Ended/time.Second)+1]--

	i := int(r.Ended / time.Second)
	if i >= s.closed {
		record(s.hist(i), r.Latency())
	}
	for s.closed < i-seriesSlack {
		s.finish(s.closed)
		s.closed++
	}
}

// hist returns second i's open histogram, making it if needed.
func (s *Series) hist(i int) *hdrhistogram.Histogram {
	if s.last != nil && s.lastSec == i {
		return s.last
	}
	h := s.open[i]
	if h == nil {
		if n := len(s.spare); n > 0 {
			h, s.spare = s.spare[n-1], s.spare[:n-1]
		} else {
			h = hdrhistogram.New(histMin, histMax, 2)
		}
		s.open[i] = h
	}
	s.last, s.lastSec = h, i
	return h
}

func (s *Series) finish(i int) {
	h := s.open[i]
	if h == nil {
		return
	}
	p := percentiles(h)
	s.secs[i].P50Ms, s.secs[i].P99Ms = p.P50, p.P99
	delete(s.open, i)
	if s.last == h {
		s.last = nil
	}
	h.Reset()
	s.spare = append(s.spare, h)
}

// Seconds returns the series so far, percentiles of every second final.
// The trailing second that only held the in-flight bookkeeping is left out
// when nothing happened in it.
func (s *Series) Seconds() []Second {
	for i := range s.open {
		s.finish(i)
	}
	s.closed = len(s.secs)
	out := make([]Second, len(s.secs))
	copy(out, s.secs)
	var n int64
	for i := range out {
		n += s.inflight[i]
		out[i].InFlight = n
	}
	for len(out) > 0 {
		l := out[len(out)-1]
		if l.Offered+l.Started+l.Attempts+l.Succeeded+l.Failed+l.InFlight != 0 {
			break
		}
		out = out[:len(out)-1]
	}
	return out
}

// RecoveryTime is how long after end (the end of a capacity drop, say) the
// per-second success count first got back to frac of its mean before
// start; false when it never did, or there is no baseline.
func RecoveryTime(secs []Second, start, end time.Duration, frac float64) (time.Duration, bool) {
	s0, e0 := int(start/time.Second), int(end/time.Second)
	if s0 < 1 || e0 >= len(secs) {
		return 0, false
	}
	var base float64
	for _, sec := range secs[:s0] {
		base += float64(sec.Succeeded)
	}
	base /= float64(s0)
	if base == 0 {
		return 0, false
	}
	for i := e0; i < len(secs); i++ {
		if float64(secs[i].Succeeded) >= frac*base {
			return max(time.Duration(i)*time.Second-end, 0), true
		}
	}
	return 0, false
}

package runner

import (
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// WakeLag is how late a thread of this process, sleeping outside the
// pacer and the Go scheduler's timers (nanosleep on a thread of its own),
// woke while load ran: a floor under the start lag that no pacer can go
// below. It is the kernel's and a virtual machine's hypervisor's delay,
// and, as the thread needs a core and then a P to go on, the moments when
// all were busy. The probe sleeps only in the seconds after one when the
// CPU was mostly idle (busy under Thresholds.LagCPUPct: the lagging
// verdict's condition); nil when no such second came. With nothing else
// running (MeasureWakeLag, bench calibrate) it is the machine's alone.
type WakeLag struct {
	Samples int64   `json:"samples"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

// runWakePeriod is how long the probe sleeps each time during a run: 100
// wake-ups a second. Alternating with no probe, it cost no visible CPU at
// 2,000 PutItems/s nor in BenchmarkCPUPerOp's closed loop (where it
// pauses). A first probe that woke 500 times a second and never paused
// cost that CPU-bound loop a quarter more CPU per operation (a woken
// thread with no idle P to take hands Ps and threads about), hence the
// pause while the CPU is busy.
const runWakePeriod = 10 * time.Millisecond

// wakeProbe measures WakeLag until finish, sleeping while not paused.
type wakeProbe struct {
	period time.Duration
	paused atomic.Bool
	resume chan struct{} // buffered: a wake-up for a paused probe
	stop   chan struct{}
	done   sync.WaitGroup
	h      *hdrhistogram.Histogram // µs; written by the probe, read after done
}

// startWakeProbe starts a probe sleeping period at a time with sleep, paused
// when paused; nil where the platform has no sleep outside the Go
// scheduler (sleep nil).
func startWakeProbe(sleep func(time.Duration), period time.Duration, paused bool) *wakeProbe {
	if sleep == nil {
		return nil
	}
	p := &wakeProbe{period: period, resume: make(chan struct{}, 1), stop: make(chan struct{}),
		h: hdrhistogram.New(1, 60_000_000, 3)}
	p.paused.Store(paused)
	p.done.Go(func() {
		lockThread()
		for {
			if p.paused.Load() {
				select {
				case <-p.stop:
					return
				case <-p.resume:
				}
				continue
			}
			select {
			case <-p.stop:
				return
			default:
			}
			until := time.Now().Add(p.period)
			sleep(p.period)
			_ = p.h.RecordValue(max(int64(time.Since(until)/time.Microsecond), 0))
		}
	})
	return p
}

// pause pauses or resumes p; nil does nothing.
func (p *wakeProbe) pause(paused bool) {
	if p == nil || p.paused.Swap(paused) == paused || paused {
		return
	}
	select {
	case p.resume <- struct{}{}:
	default:
	}
}

// finish stops the probe and returns what it measured; nil for a nil
// probe or one that never woke.
func (p *wakeProbe) finish() *WakeLag {
	if p == nil {
		return nil
	}
	close(p.stop)
	p.done.Wait()
	if p.h.TotalCount() == 0 {
		return nil
	}
	return &WakeLag{Samples: p.h.TotalCount(), P50Ms: float64(p.h.ValueAtQuantile(50)) / 1000,
		P99Ms: float64(p.h.ValueAtQuantile(99)) / 1000, MaxMs: float64(p.h.Max()) / 1000}
}

// MeasureWakeLag probes the machine's wake-up lag for d, a wake-up every
// period (see WakeLag), nil where it cannot: bench calibrate's floor
// before its search, with nothing else running.
func MeasureWakeLag(d, period time.Duration) *WakeLag {
	p := startWakeProbe(threadSleep, period, false)
	if p == nil {
		return nil
	}
	time.Sleep(d)
	return p.finish()
}

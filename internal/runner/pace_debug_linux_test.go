package runner

// Debug benchmarks behind issue 16's pacing work: they compare waiter
// designs and the strategies' phase stagger, interleaved in one run, and
// print distributions rather than benchmark metrics. Run with
//
//	PACE_DEBUG=1 go test -run '^$' -bench 'Pace(Debug|Micro|Stagger)' -benchtime 1x ./internal/runner/
//
// sleepWaiter is an alternative measured (not used by the runner): a
// locked OS thread in clock_nanosleep (TIMER_ABSTIME, timer slack 1 ns),
// with or without a bounded spin; spinWaiter (wait.go) around the timerfd
// is what the runner uses since the idle-machine comparison below.
//
// Measured on 2026-12-07 on the 2-core machine shared with other sessions
// (load average 8-22, the machine 100 % busy, this process getting 15-30 %
// of its cores), so every figure is dominated by the kernel running other
// processes: p99 lags of 0.1-3 s at 1,000/s and 2,000/s for every waiter,
// no variant ahead in a majority of interleaved rounds; CPU per arrival
// (PaceMicro, the same trivial work for each) runtime timer 27-69 µs,
// clock_nanosleep 86-149 µs, timerfd 112-200 µs, the 50 µs spins within
// those ranges: the timerfd's syscalls cost the most. PaceStagger, worst strategy's p99
// over 5 rounds: aligned median 1441 ms vs staggered 318 ms in one run,
// 1124 vs 778 ms in another (staggered ahead in 7 of 10 pairs): suggestive,
// not conclusive.
//
// On the idle machine (2026-12-07, load average 1.3, BenchmarkPaceDebug,
// four interleaved rounds), p99 start lag per round: at 1,000/s timerfd
// 0.155, 0.346, 0.412, 44.4 ms, timerfd + 50 µs spin 0.140, 0.195, 0.263,
// 0.276 ms, clock_nanosleep 0.25-6.96 ms; at 2,000/s timerfd 0.222-0.867
// ms, timerfd + spin 0.172-0.627 ms, clock_nanosleep 0.564-3.03 ms. CPU
// per operation within each round's noise of the timerfd's (347-477 µs
// against 361-563 µs). The spin won every round there. In the runner,
// BenchmarkPacing on the idle machine (load 1.5), two interleaved runs of
// each build, p99 start lag: 1,000/s timerfd 0.454, 0.176 ms, with the
// spin 0.400, 0.418; 2,000/s 1.182, 0.918 against 0.407, 0.782; 5,000/s
// 5.98, 8.46 against 3.69, 4.71 (started / scheduled 1.000 in all, CPU
// 64-67 % against 61 %). The runner now uses it (spinWaiter, wait.go).

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sys/unix"

	"github.com/throttlebench/throttlebench/fakeservice"
	"github.com/throttlebench/throttlebench/internal/strategy"
)

type wakeRec struct {
	w  waiter
	mu *sync.Mutex
	h  *hdrhistogram.Histogram
}

func (r wakeRec) wait(until time.Time) bool {
	ok := r.w.wait(until)
	l := time.Since(until)
	r.mu.Lock()
	_ = r.h.RecordValue(max(int64(l/time.Microsecond), 0))
	r.mu.Unlock()
	return ok
}
func (r wakeRec) close() { r.w.close() }

// plainTimerfd is the timerfd waiter without the runner's spin.
func plainTimerfd(ctx context.Context) waiter {
	if w, err := newTimerfdWaiter(ctx); err == nil {
		return w
	}
	return newTimerWaiter(ctx)
}

func BenchmarkPaceDebug(b *testing.B) {
	if os.Getenv("PACE_DEBUG") == "" {
		b.Skip("PACE_DEBUG unset")
	}
	defer TuneGC()()
	variants := map[string]func(context.Context) waiter{
		"timerfd": plainTimerfd,
		"timer":   func(ctx context.Context) waiter { return newTimerWaiter(ctx) },
		"sleep":   func(ctx context.Context) waiter { return newSleepWaiter(ctx, 0) },
		"spin100": func(ctx context.Context) waiter {
			return &spinWaiter{w: plainTimerfd(ctx), spin: 100 * time.Microsecond}
		},
		"sleepspin50": func(ctx context.Context) waiter { return newSleepWaiter(ctx, 50*time.Microsecond) },
	}
	variants["fdspin50"] = func(ctx context.Context) waiter {
		return &spinWaiter{w: plainTimerfd(ctx), spin: 50 * time.Microsecond}
	}
	order := []string{"timerfd", "sleep", "sleepspin50", "fdspin50"}
	type key struct {
		rate float64
		name string
	}
	p99s := map[key][]float64{}
	defer func() {
		for _, rate := range []float64{1000, 2000} {
			for _, name := range order {
				v := p99s[key{rate, name}]
				sort.Float64s(v)
				fmt.Printf("rate=%g %-12s p99 per round sorted %v\n", rate, name, v)
			}
		}
	}()
	for round := 0; round < 4; round++ {
		for _, rate := range []float64{1000, 2000} {
			for _, name := range order {
				mk := variants[name]
				var mu sync.Mutex
				h := hdrhistogram.New(0, 1e7, 2)
				newPacer = func(ctx context.Context) waiter { return wakeRec{w: mk(ctx), mu: &mu, h: h} }
				const secs = 2
				srv := fakeservice.New(fakeservice.Options{})
				url, err := srv.Start("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				sc := testScenario(20000, rate, secs*time.Second)
				sc.Workload.MaxInFlight = 1024
				none, _ := strategy.New("none", strategy.Params{})
				res, err := Run(context.Background(), Options{
					Scenario: sc, Strategies: []strategy.Strategy{none},
					Target: Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
				})
				srv.Close()
				newPacer = newWaiter
				if err != nil {
					b.Fatal(err)
				}
				m := res.Strategies[0].Summary
				g := res.Generator
				p99s[key{rate, name}] = append(p99s[key{rate, name}], m.StartLagMs.P99)
				fmt.Printf("round=%d rate=%g %-12s total p50 %.3f p99 %.3f max %.1f ms | wake p50 %d p99 %d max %d us | cpu %.0f%% cpu-us/op %.0f\n",
					round, rate, name, m.StartLagMs.P50, m.StartLagMs.P99, m.StartLagMs.Max,
					h.ValueAtQuantile(50), h.ValueAtQuantile(99), h.Max(), g.CPUPct, 1e6*g.CPUS/float64(max(m.Ops, 1)))
			}
		}
	}
}

// BenchmarkPaceMicro: pacer + openLoop's hand-off, trivial work.
func BenchmarkPaceMicro(b *testing.B) {
	if os.Getenv("PACE_DEBUG") == "" {
		b.Skip("PACE_DEBUG unset")
	}
	variants := map[string]func(context.Context) waiter{
		"timerfd":     plainTimerfd,
		"timer":       func(ctx context.Context) waiter { return newTimerWaiter(ctx) },
		"sleep":       func(ctx context.Context) waiter { return newSleepWaiter(ctx, 0) },
		"sleepspin50": func(ctx context.Context) waiter { return newSleepWaiter(ctx, 50*time.Microsecond) },
		"fdspin50": func(ctx context.Context) waiter {
			return &spinWaiter{w: plainTimerfd(ctx), spin: 50 * time.Microsecond}
		},
	}
	order := []string{"timerfd", "timer", "sleep", "sleepspin50", "fdspin50"}
	type key struct {
		rate float64
		name string
	}
	res := map[key][][3]int64{}
	for round := 0; round < 6; round++ {
		for _, rate := range []float64{1000, 2000} {
			for _, name := range order {
				wake := hdrhistogram.New(0, 1e7, 2)
				total := hdrhistogram.New(0, 1e7, 2)
				var mu sync.Mutex
				ctx := context.Background()
				p := variants[name](ctx)
				jobs := make(chan time.Time)
				var wg sync.WaitGroup
				work := func(t time.Time) {
					for ok := true; ok; t, ok = <-jobs {
						l := time.Since(t)
						mu.Lock()
						_ = total.RecordValue(max(int64(l/time.Microsecond), 0))
						mu.Unlock()
						time.Sleep(2 * time.Millisecond) // an operation's I/O wait
					}
				}
				cpu0 := processCPU()
				start := time.Now()
				n := int(rate)
				for i := 0; i < n; i++ {
					until := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					p.wait(until)
					_ = wake.RecordValue(max(int64(time.Since(until)/time.Microsecond), 0))
					select {
					case jobs <- until:
					default:
						wg.Go(func() { work(until) })
					}
				}
				p.close()
				close(jobs)
				wg.Wait()
				cpu := processCPU() - cpu0
				k := key{rate, name}
				res[k] = append(res[k], [3]int64{wake.ValueAtQuantile(99), total.ValueAtQuantile(99), int64(cpu/time.Microsecond) / int64(n)})
			}
		}
	}
	for _, rate := range []float64{1000, 2000} {
		for _, name := range order {
			v := res[key{rate, name}]
			sort.Slice(v, func(i, j int) bool { return v[i][1] < v[j][1] })
			fmt.Printf("rate=%g %-12s (wake p99 us, total p99 us, cpu us/arrival) sorted by total: %v\n", rate, name, v)
		}
	}
}

func BenchmarkPaceStagger(b *testing.B) {
	if os.Getenv("PACE_DEBUG") == "" {
		b.Skip("PACE_DEBUG unset")
	}
	defer TuneGC()()
	res := map[bool][]float64{}
	for round := 0; round < 5; round++ {
		for _, on := range []bool{false, true} {
			staggerOn = on
			srv := fakeservice.New(fakeservice.Options{})
			url, err := srv.Start("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			sc := testScenario(20000, 200, 2*time.Second)
			sc.Workload.MaxInFlight = 1024
			var sts []strategy.Strategy
			for _, n := range []string{"none", "sdk-default", "exponential", "full-jitter", "equal-jitter", "decorrelated-jitter"} {
				p := strategy.Params{Base: 5 * time.Millisecond}
				if n == "none" || n == "sdk-default" {
					p = strategy.Params{}
				}
				st, err := strategy.New(n, p)
				if err != nil {
					b.Fatal(err)
				}
				sts = append(sts, st)
			}
			r, err := Run(context.Background(), Options{
				Scenario: sc, Strategies: sts,
				Target: Target{Endpoint: url, Config: aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}},
			})
			srv.Close()
			staggerOn = true
			if err != nil {
				b.Fatal(err)
			}
			worst := 0.0
			for _, s := range r.Generator.Strategies {
				worst = max(worst, s.LagP99Ms)
			}
			res[on] = append(res[on], worst)
			fmt.Printf("round %d stagger=%v worst p99 %.3f ms cpu %.0f%%\n", round, on, worst, r.Generator.CPUPct)
		}
	}
	fmt.Println("aligned", res[false], "staggered", res[true])
}

// sleepWaiter sleeps on its goroutine's locked OS thread, then spins the
// last spin of each wait. Made and closed on the goroutine that waits.
type sleepWaiter struct {
	ctx  context.Context
	spin time.Duration
}

func newSleepWaiter(ctx context.Context, spin time.Duration) *sleepWaiter {
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	return &sleepWaiter{ctx: ctx, spin: spin}
}

func (w *sleepWaiter) wait(until time.Time) bool {
	for {
		if w.ctx.Err() != nil {
			return false
		}
		d := time.Until(until)
		if d <= w.spin {
			break
		}
		d -= w.spin
		d = min(d, 5*time.Millisecond)
		var now unix.Timespec
		_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
		ts := unix.NsecToTimespec(now.Nano() + d.Nanoseconds())
		_ = unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil)
	}
	for time.Now().Before(until) {
	}
	return w.ctx.Err() == nil
}

func (w *sleepWaiter) close() {
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 50000, 0, 0, 0)
	runtime.UnlockOSThread()
}

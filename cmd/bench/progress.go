package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/throttlebench/throttlebench/internal/runner"
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// showProgress rewrites one status line on w every second until the
// returned stop is called, which erases the line.
func showProgress(w io.Writer, live *runner.Live, total time.Duration) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprintf(w, "\r\033[K%s", progressLine(live, time.Since(start), total))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// progressLine is the one-line status of a run.
func progressLine(live *runner.Live, elapsed, total time.Duration) string {
	doneN := live.Done.Load()
	ok := 0.0
	if doneN > 0 {
		ok = 100 * float64(live.Succeeded.Load()) / float64(doneN)
	}
	line := fmt.Sprintf("%s / %s  offered %d  done %d  succeeded %.1f%%  in flight %d",
		elapsed.Truncate(time.Second), total, live.Offered.Load(), doneN, ok, live.InFlight.Load())
	return line + lagWarning(live)
}

// lagWarning says when the generator fell behind since the last line:
// starts later than runner.DefaultLagP99Ms, or arrivals dropped. Empty
// while it keeps up.
func lagWarning(live *runner.Live) string {
	lag := live.TakeMaxLag()
	dropped := live.Dropped.Load()
	if lag <= time.Duration(runner.DefaultLagP99Ms*float64(time.Millisecond)) && dropped == 0 {
		return ""
	}
	w := fmt.Sprintf("  ! generator behind: start lag up to %s, %d late", lag.Round(100*time.Microsecond), live.Late.Load())
	if dropped > 0 {
		w += fmt.Sprintf(", %d dropped", dropped)
	}
	return w
}

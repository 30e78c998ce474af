package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"strings"

	"github.com/google/pprof/profile"
)

// Goroutine labels that say which side of a load test CPU samples belong
// to. Goroutines inherit labels from the goroutine that starts them, so
// labeling the goroutine that starts the embedded fake's server labels
// every connection it serves, and labeling the one that calls Run labels
// the pacer, the workers and the SDK's connections.
const (
	LabelSide  = "throttlebench-side"
	SideFake   = "fake"
	SideClient = "client"
)

// CPU parts of a split, in the order they print.
const (
	PartFake    = "fake (embedded DynamoDB)"
	PartSDK     = "SDK client (aws-sdk-go-v2, net/http, crypto)"
	PartRunner  = "runner (pacing, records, retries' waits)"
	PartGC      = "GC (background workers)"
	PartRuntime = "runtime and other (scheduler, network poller)"
)

var partOrder = []string{PartFake, PartSDK, PartRunner, PartGC, PartRuntime}

// CPUSplit is where a process's CPU went while it was profiled.
type CPUSplit struct {
	// TotalS is the CPU time the profile sampled, seconds; Parts split it
	// (seconds per part, in partOrder; parts with none are left out).
	TotalS float64   `json:"total_s"`
	Parts  []CPUPart `json:"parts"`
}

// CPUPart is one part of a CPUSplit.
type CPUPart struct {
	Name string  `json:"name"`
	S    float64 `json:"s"`
}

// StartLabeled calls start (which starts goroutines: a server) on a
// goroutine labeled side, so everything it starts carries the label, and
// returns when start does. The caller's own labels are left alone (a
// pprof.Do here would reset them to its context's when it returns).
func StartLabeled(side string, start func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		pprof.Do(context.Background(), pprof.Labels(LabelSide, side), func(context.Context) { start() })
	}()
	<-done
}

// ProfileCPU runs run, labeled SideClient, under the CPU profiler and
// splits the samples by side: the embedded fake (goroutines started
// under StartLabeled(SideFake, ...)), the SDK client and the runner (by
// the functions on the stack), the garbage collector's background
// workers, and the rest of the runtime. The profiler samples at 100 Hz,
// so a split is only as good as its number of samples: profile a few
// seconds at least. It fails when another CPU profile is running. When
// keep is not nil, the profile (pprof's format) is written to it too.
func ProfileCPU(ctx context.Context, run func(context.Context) error, keep io.Writer) (CPUSplit, error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return CPUSplit{}, fmt.Errorf("cpu profile: %w", err)
	}
	var err error
	pprof.Do(ctx, pprof.Labels(LabelSide, SideClient), func(ctx context.Context) { err = run(ctx) })
	pprof.StopCPUProfile()
	if err != nil {
		return CPUSplit{}, err
	}
	if keep != nil {
		if _, err := keep.Write(buf.Bytes()); err != nil {
			return CPUSplit{}, fmt.Errorf("cpu profile: %w", err)
		}
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return CPUSplit{}, fmt.Errorf("cpu profile: %w", err)
	}
	return splitProfile(p), nil
}

// splitProfile sums a CPU profile's samples by part.
func splitProfile(p *profile.Profile) CPUSplit {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			idx = i
		}
	}
	if idx < 0 {
		return CPUSplit{}
	}
	by := map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		ns := s.Value[idx]
		total += ns
		by[classify(s)] += ns
	}
	out := CPUSplit{TotalS: float64(total) / 1e9}
	for _, name := range partOrder {
		if ns := by[name]; ns > 0 {
			out.Parts = append(out.Parts, CPUPart{Name: name, S: float64(ns) / 1e9})
		}
	}
	return out
}

// classify says which part a sample belongs to.
func classify(s *profile.Sample) string {
	side := ""
	if v := s.Label[LabelSide]; len(v) > 0 {
		side = v[0]
	}
	switch side {
	case SideFake:
		return PartFake
	case SideClient:
		if stackHas(s, "github.com/aws/", "net/http.", "net.", "crypto/", "hash/crc32.", "encoding/json.") {
			return PartSDK
		}
		return PartRunner
	}
	if stackHas(s, "runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge") {
		return PartGC
	}
	return PartRuntime
}

// stackHas reports whether a function on the sample's stack starts with
// one of prefixes.
func stackHas(s *profile.Sample, prefixes ...string) bool {
	for _, loc := range s.Location {
		for _, line := range loc.Line {
			if line.Function == nil {
				continue
			}
			for _, p := range prefixes {
				if strings.HasPrefix(line.Function.Name, p) {
					return true
				}
			}
		}
	}
	return false
}

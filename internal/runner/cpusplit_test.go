package runner

import (
	"bytes"
	"context"
	"math"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// TestSplitProfile checks how samples are attributed: by their goroutine's
// side label first, then by the functions on their stack.
func TestSplitProfile(t *testing.T) {
	fn := func(name string) *profile.Location {
		return &profile.Location{Line: []profile.Line{{Function: &profile.Function{Name: name}}}}
	}
	sample := func(ns int64, side string, stack ...string) *profile.Sample {
		s := &profile.Sample{Value: []int64{1, ns}}
		if side != "" {
			s.Label = map[string][]string{LabelSide: {side}}
		}
		for _, f := range stack {
			s.Location = append(s.Location, fn(f))
		}
		return s
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			sample(40e6, SideFake, "github.com/throttlebench/throttlebench/fakeservice/store.(*DB).Do", "net/http.(*conn).serve"),
			sample(30e6, SideClient, "runtime.mallocgc", "github.com/aws/smithy-go/middleware.(*Stack).HandleMiddleware"),
			sample(10e6, SideClient, "net/http.(*persistConn).readLoop"),
			sample(5e6, SideClient, "github.com/throttlebench/throttlebench/internal/runner.openLoop"),
			sample(10e6, "", "runtime.gcDrain", "runtime.gcBgMarkWorker"),
			sample(5e6, "", "runtime.findRunnable", "runtime.schedule"),
		},
	}
	got := splitProfile(p)
	want := []CPUPart{{PartFake, 0.04}, {PartSDK, 0.04}, {PartRunner, 0.005}, {PartGC, 0.01}, {PartRuntime, 0.005}}
	if math.Abs(got.TotalS-0.1) > 1e-9 {
		t.Errorf("total: got %g s, want 0.1 s", got.TotalS)
	}
	if len(got.Parts) != len(want) {
		t.Fatalf("parts: got %+v, want %+v", got.Parts, want)
	}
	for i, w := range want {
		if got.Parts[i].Name != w.Name || math.Abs(got.Parts[i].S-w.S) > 1e-9 {
			t.Errorf("part %d: got %+v, want %+v", i, got.Parts[i], w)
		}
	}
}

// TestStartLabeledKeepsCallerLabels checks that starting a labeled server
// from a labeled goroutine leaves the caller's label in place (bench
// calibrate's client label was lost when the runner started each fake).
func TestStartLabeledKeepsCallerLabels(t *testing.T) {
	pprof.Do(context.Background(), pprof.Labels(LabelSide, SideClient), func(ctx context.Context) {
		StartLabeled(SideFake, func() {})
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `labels: {"`+LabelSide+`":"`+SideClient+`"}`) {
			t.Errorf("after StartLabeled the caller lost its label %s=%s:\n%s", LabelSide, SideClient, buf.String())
		}
	})
}

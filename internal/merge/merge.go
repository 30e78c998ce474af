// Package merge joins the run.json files of a sharded run (bench run
// -shard I/N, one per process or pod) into the one file a single process
// offering the whole schedule would have written: counts added, latency
// histograms merged with HdrHistogram's own Merge (so every percentile
// comes from the merged histogram), per-second series added on the wall
// clock, and the scenario's SLOs judged on the merged result.
package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/runner"
)

// DefaultMaxSkew is Options.MaxSkew's default.
const DefaultMaxSkew = time.Second

// Options configure a merge.
type Options struct {
	// MaxSkew is how far apart the shards' loads may have started before
	// the merged file is flagged as skewed; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Part is one shard's file and where it came from (for errors).
type Part struct {
	Name string
	File *results.File
}

// Error is a refusal to merge: the parts are not the shards of one run.
type Error struct{ Msg string }

func (e *Error) Error() string { return "merge: " + e.Msg }

func refuse(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Merge joins the parts, which must be every shard of one sharded run
// exactly once: same scenario (seed included), same tool, SDK and Go
// versions, target, strategies and agreed start, and one shard count.
// Refusals are *Error values naming the files at fault.
func Merge(parts []Part, o Options) (*results.File, error) {
	if o.MaxSkew <= 0 {
		o.MaxSkew = DefaultMaxSkew
	}
	if err := check(parts); err != nil {
		return nil, err
	}
	parts = slices.Clone(parts)
	sort.Slice(parts, func(i, j int) bool { return parts[i].File.Shard.Index < parts[j].File.Shard.Index })
	first := parts[0].File
	n := len(parts)
	out := &results.File{
		SchemaVersion: results.SchemaVersion,
		Tool:          first.Tool,
		Target:        first.Target,
		Credentials:   first.Credentials,
		Scenario:      first.Scenario,
		Started:       first.Started,
		Machine:       first.Machine,
		Merged:        &results.MergeInfo{Shards: n, MaxSkewS: o.MaxSkew.Seconds()},
	}
	hosts := map[string]bool{}
	out.Machine.CPUs = 0
	for _, p := range parts {
		f := p.File
		out.Interrupted = out.Interrupted || f.Interrupted
		if f.Started.Before(out.Started) {
			out.Started = f.Started
		}
		out.Merged.Hosts = append(out.Merged.Hosts, f.Shard.Host)
		hosts[f.Machine.Hostname] = true
		out.Machine.CPUs += f.Machine.CPUs
	}
	if len(hosts) > 1 {
		names := make([]string, 0, len(hosts))
		for h := range hosts {
			names = append(names, h)
		}
		sort.Strings(names)
		out.Machine.Hostname = fmt.Sprintf("%d hosts: %s", len(names), strings.Join(names, ", "))
	}
	notes := map[string]bool{}
	for si := range first.Strategies {
		sr, skew, err := mergeStrategy(parts, si, notes)
		if err != nil {
			return nil, err
		}
		out.Strategies = append(out.Strategies, sr)
		out.Merged.StartSkewS = max(out.Merged.StartSkewS, skew.Seconds())
	}
	out.Merged.Skewed = out.Merged.StartSkewS > out.Merged.MaxSkewS
	for note := range notes {
		out.Merged.Notes = append(out.Merged.Notes, note)
	}
	sort.Strings(out.Merged.Notes)
	out.SLOs = results.CheckSLOs(out.Scenario, out.Strategies)
	out.Generator = mergeGenerator(parts)
	return out, nil
}

// mergeGenerator joins the shards' generator verdicts: the merged run is
// saturated when any shard was (its reasons named by shard); CPU time and
// cores add up. Per-strategy and per-second figures stay in the shards'
// files. Nil when no shard recorded one.
func mergeGenerator(parts []Part) *runner.Generator {
	var out *runner.Generator
	for _, p := range parts {
		g := p.File.Generator
		if g == nil {
			continue
		}
		if out == nil {
			out = &runner.Generator{Verdict: runner.VerdictOK, Thresholds: g.Thresholds, CoresFrom: "sum of the shards'"}
		}
		if g.Verdict != runner.VerdictOK && g.Verdict != "" {
			// Saturated wins over lagging wins over ok; the reasons of both.
			if g.Saturated() || out.Verdict == runner.VerdictOK {
				out.Verdict = g.Verdict
			}
			for _, r := range g.Reasons {
				out.Reasons = append(out.Reasons, fmt.Sprintf("shard %d (%s): %s", p.File.Shard.Index, p.Name, r))
			}
		}
		out.Cores += g.Cores
		out.CPUS += g.CPUS
		out.LoadS = max(out.LoadS, g.LoadS)
		out.GCPauseMs += g.GCPauseMs
		out.GCPauseMaxMs = max(out.GCPauseMaxMs, g.GCPauseMaxMs)
		out.GCCycles += g.GCCycles
		out.GCCPUS += g.GCCPUS
	}
	if out == nil {
		return nil
	}
	if out.LoadS > 0 && out.Cores > 0 {
		out.CPUPct = 100 * out.CPUS / (out.LoadS * out.Cores)
	}
	out.Note = fmt.Sprintf("merged from %d shards: saturated when any shard was; each shard's start lag, drops and per-second CPU are in its own file", len(parts))
	return out
}

// mergeStrategy merges strategy si of every part; skew is the spread of
// the parts' effective load starts.
func mergeStrategy(parts []Part, si int, notes map[string]bool) (runner.StrategyResult, time.Duration, error) {
	base := parts[0].File.Strategies[si]
	out := runner.StrategyResult{Name: base.Name, Params: base.Params, Table: base.Table}
	// Put every part on one clock: the earliest load start is zero.
	starts := make([]time.Time, len(parts))
	var earliest, latest time.Time
	for i, p := range parts {
		sr := p.File.Strategies[si]
		if sr.LoadStart == nil {
			starts[i] = p.File.Started
		} else {
			starts[i] = *sr.LoadStart
		}
		eff := starts[i].Add(time.Duration(sr.StartLateS * float64(time.Second)))
		if i == 0 || eff.Before(earliest) {
			earliest = eff
		}
		if i == 0 || eff.After(latest) {
			latest = eff
		}
		if out.LoadStart == nil || starts[i].Before(*out.LoadStart) {
			ls := starts[i].UTC()
			out.LoadStart = &ls
		}
		out.StartLateS = max(out.StartLateS, sr.StartLateS)
	}
	zero := *out.LoadStart
	var all *metrics.Aggregator
	offsets := make([]int, len(parts))
	var tables []string
	var serverParts []*runner.TableStats
	trials := len(base.Trials)
	for i, p := range parts {
		sr := p.File.Strategies[si]
		off := starts[i].Sub(zero)
		agg, missing, err := metrics.FromSummary(sr.Summary, off)
		if err != nil {
			return out, 0, refuse("%s: strategy %s: %v", p.Name, sr.Name, err) // an unreadable file is bad input
		}
		if len(missing) > 0 {
			notes[fmt.Sprintf("%s percentiles cover only the shards whose files hold their histograms (written by a newer bench)", strings.Join(missing, ", "))] = true
		}
		if all == nil {
			all = agg
		} else {
			all.Merge(agg)
		}
		out.Offered += sr.Offered
		offsets[i] = int(math.Round(off.Seconds()))
		if off%time.Second != 0 {
			notes["per-second series are aligned to the nearest second (the shards' loads did not start at one instant: give them -start-at)"] = true
		}
		if !slices.Contains(tables, sr.Table) {
			tables = append(tables, sr.Table)
		}
		if sr.Server != nil {
			serverParts = append(serverParts, sr.Server)
		}
		if len(sr.Trials) != trials {
			return out, 0, refuse("%s: strategy %s has %d trials, %s has %d", p.Name, sr.Name, len(sr.Trials), parts[0].Name, trials)
		}
	}
	out.Summary = all.Summary()
	out.Table = strings.Join(tables, ",")
	if trials > 1 {
		var span float64
		for k := range trials {
			var tr *metrics.Aggregator
			for _, p := range parts {
				a, _, err := metrics.FromSummary(p.File.Strategies[si].Trials[k], 0)
				if err != nil {
					return out, 0, refuse("%s: strategy %s trial %d: %v", p.Name, base.Name, k+1, err)
				}
				if tr == nil {
					tr = a
				} else {
					tr.Merge(a)
				}
			}
			s := tr.Summary()
			out.Trials = append(out.Trials, s)
			span += s.SpanS
		}
		out.Summary.SpanS, out.Summary.GoodputPerS = span, 0
		if span > 0 {
			out.Summary.GoodputPerS = float64(out.Summary.Succeeded) / span
		}
		notes["trials were not started together on every shard: each trial's parts are merged from their own starts"] = true
	}
	series := make([][]metrics.Second, len(parts))
	for i, p := range parts {
		series[i] = p.File.Strategies[si].Series
	}
	out.Series = metrics.MergeSeries(series, offsets)
	notes["per-second p50 and p99 are the largest of the shards' (an upper bound); whole-run percentiles are exact"] = true
	out.Server = mergeServer(serverParts, len(tables) == 1 && len(parts) > 1, notes)
	if out.Server != nil && out.Summary.Succeeded > 0 {
		out.Server.UnitsPerSuccess = (out.Server.ConsumedReadUnits + out.Server.ConsumedWriteUnits) / float64(out.Summary.Succeeded)
	}
	out.Recovery = runner.RecoveryOf(parts[0].File.Scenario, out.Series)
	return out, latest.Sub(earliest), nil
}

// mergeServer joins the endpoint's views of the shards' tables: one shared
// table is seen whole by every shard, so the view read last (the most
// consumed) is kept; separate tables add up.
func mergeServer(parts []*runner.TableStats, shared bool, notes map[string]bool) *runner.TableStats {
	if len(parts) == 0 {
		return nil
	}
	if shared {
		best := parts[0]
		for _, p := range parts[1:] {
			if p.ConsumedReadUnits+p.ConsumedWriteUnits > best.ConsumedReadUnits+best.ConsumedWriteUnits {
				best = p
			}
		}
		c := *best
		return &c
	}
	notes["each shard had a table of its own: the endpoint figures add them up"] = true
	var out runner.TableStats
	for _, p := range parts {
		out.ConsumedReadUnits += p.ConsumedReadUnits
		out.ConsumedWriteUnits += p.ConsumedWriteUnits
		out.ThrottledRequests += p.ThrottledRequests
		out.StoreLimited += p.StoreLimited
		for _, s := range p.Series {
			for len(out.Series) <= s.T {
				out.Series = append(out.Series, runner.ServerSecond{T: len(out.Series)})
			}
			o := &out.Series[s.T]
			o.ConsumedReadUnits += s.ConsumedReadUnits
			o.ConsumedWriteUnits += s.ConsumedWriteUnits
			o.ProvisionedReadUnits += s.ProvisionedReadUnits
			o.ProvisionedWriteUnits += s.ProvisionedWriteUnits
			o.ThrottledRequests += s.ThrottledRequests
		}
	}
	return &out
}

// check refuses parts that are not every shard of one run exactly once.
func check(parts []Part) error {
	if len(parts) == 0 {
		return refuse("no files to merge")
	}
	for _, p := range parts {
		if p.File == nil || p.File.Scenario == nil {
			return refuse("%s: not a run.json file", p.Name)
		}
		if p.File.Shard == nil {
			if p.File.Merged != nil {
				return refuse("%s: already a merge of %d shards; merge the shards' own files", p.Name, p.File.Merged.Shards)
			}
			return refuse("%s: not a shard (no shard field): only files of bench run -shard I/N merge", p.Name)
		}
	}
	a := parts[0]
	count := a.File.Shard.Count
	byIndex := map[int]string{}
	for _, p := range parts {
		s := p.File.Shard
		if s.Count != count {
			return refuse("%s is shard %d of %d but %s is shard %d of %d: different shard counts", p.Name, s.Index, s.Count, a.Name, a.File.Shard.Index, count)
		}
		if s.Index < 0 || s.Index >= count {
			return refuse("%s: shard index %d out of [0, %d)", p.Name, s.Index, count)
		}
		if prev, dup := byIndex[s.Index]; dup {
			return refuse("%s and %s are both shard %d of %d: duplicate", prev, p.Name, s.Index, count)
		}
		byIndex[s.Index] = p.Name
		if err := same(a, p); err != nil {
			return err
		}
	}
	var missing []string
	for i := range count {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return refuse("missing shard(s) %s of %d (have %d file(s)): a merge without them would not be the scenario's schedule", strings.Join(missing, ", "), count, len(parts))
	}
	return nil
}

// same refuses p when it is not of the same run as a.
func same(a, p Part) error {
	fa, fp := a.File, p.File
	sa, sp := fa.Scenario, fp.Scenario
	switch {
	case sa.Name != sp.Name:
		return refuse("%s is scenario %q, %s is %q: different scenarios", p.Name, sp.Name, a.Name, sa.Name)
	case sa.Seed != sp.Seed:
		return refuse("%s has seed %d, %s seed %d: different schedules", p.Name, sp.Seed, a.Name, sa.Seed)
	}
	ja, _ := json.Marshal(sa)
	jp, _ := json.Marshal(sp)
	if !bytes.Equal(ja, jp) {
		return refuse("%s and %s ran scenario %q with different settings (%s)", p.Name, a.Name, sa.Name, firstDiff(ja, jp))
	}
	if fa.Tool != fp.Tool {
		return refuse("%s was written by %s, %s by %s: different versions", p.Name, describe(fp.Tool), a.Name, describe(fa.Tool))
	}
	if fa.Target != fp.Target {
		return refuse("%s ran against %q, %s against %q: different targets", p.Name, fp.Target, a.Name, fa.Target)
	}
	if !equalTime(fa.Shard.StartAt, fp.Shard.StartAt) {
		return refuse("%s started at %s, %s at %s: different runs", p.Name, timeOrNone(fp.Shard.StartAt), a.Name, timeOrNone(fa.Shard.StartAt))
	}
	if len(fa.Strategies) != len(fp.Strategies) {
		return refuse("%s has %d strategies, %s has %d", p.Name, len(fp.Strategies), a.Name, len(fa.Strategies))
	}
	for i := range fa.Strategies {
		x, y := fa.Strategies[i], fp.Strategies[i]
		if x.Name != y.Name {
			return refuse("%s's strategy %d is %s, %s's is %s: different strategies", p.Name, i+1, y.Name, a.Name, x.Name)
		}
		if !reflect.DeepEqual(x.Params, y.Params) {
			return refuse("strategy %s has different parameters in %s and %s", x.Name, p.Name, a.Name)
		}
	}
	return nil
}

func describe(v results.Versions) string {
	return fmt.Sprintf("throttlebench %s (Go %s, aws-sdk-go-v2 %s, dynamodb %s, smithy-go %s)", v.Throttlebench, v.Go, v.AWSSDK, v.DynamoDB, v.SmithyGo)
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func timeOrNone(t *time.Time) string {
	if t == nil {
		return "no agreed time"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// firstDiff names the first top-level scenario field that differs.
func firstDiff(a, b []byte) string {
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return "unreadable"
	}
	keys := make([]string, 0, len(ma))
	for k := range ma {
		keys = append(keys, k)
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !bytes.Equal(ma[k], mb[k]) {
			return k + " differs"
		}
	}
	return "unknown"
}

// IsRefusal reports whether err is a refusal to merge (bad input), not a
// failure.
func IsRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

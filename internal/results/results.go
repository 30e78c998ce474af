// Package results defines the run.json file: versioned, self-describing
// (scenario, strategy parameters as resolved, tool, SDK and Go versions,
// machine, seed), and holding each strategy's encoded latency histogram so
// runs from several processes can be merged.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/throttlebench/throttlebench/internal/metrics"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/served"
	"github.com/throttlebench/throttlebench/internal/slo"
)

// SchemaVersion is the version of the run.json layout; readers reject
// versions they do not know.
const SchemaVersion = 1

// File is the content of run.json.
type File struct {
	SchemaVersion int      `json:"schema_version"`
	Tool          Versions `json:"tool"`
	Machine       Machine  `json:"machine"`
	Target        string   `json:"target"`
	// Credentials says where the run's credentials came from (for example
	// "EC2 instance role bench"), never what they were.
	Credentials string             `json:"credentials"`
	Scenario    *scenario.Scenario `json:"scenario"`
	Started     time.Time          `json:"started"`
	Interrupted bool               `json:"interrupted"`
	// Strategies hold each strategy's resolved parameters and results;
	// latencies are operation latencies from the intended start, in ms.
	Strategies []runner.StrategyResult `json:"strategies"`
	// SLOs holds the scenario's objectives checked against each strategy.
	SLOs []slo.Check `json:"slos,omitempty"`
	// Shard is set when the file is one part of a sharded run (bench run
	// -shard): which part, the agreed start, how late it was, where.
	Shard *runner.ShardInfo `json:"shard,omitempty"`
	// Merged is set on the merge of a sharded run's parts (bench merge).
	Merged *MergeInfo `json:"merged,omitempty"`
	// Served holds the retry forensics of each client whose traffic the
	// fake measured from its side (bench serve -results, bench run
	// --exec), in the order of Strategies.
	Served []served.Forensics `json:"served,omitempty"`
	// Generator is the load generator's own health during the run (start
	// lag, drops, CPU, GC) and its verdict: "saturated" means the results
	// describe this machine's limits, not only the target's. Absent from
	// files written before it existed (and from merged files).
	Generator *runner.Generator `json:"generator,omitempty"`
}

// MergeInfo describes a file merged from the parts of a sharded run.
type MergeInfo struct {
	Shards int `json:"shards"`
	// Hosts holds each shard's host, by shard index.
	Hosts []string `json:"hosts"`
	// StartSkewS is the spread of the shards' load starts (latest minus
	// earliest, over every strategy), seconds; Skewed says it exceeded
	// MaxSkewS, so the shards did not offer the load as one schedule.
	StartSkewS float64 `json:"start_skew_s"`
	MaxSkewS   float64 `json:"max_skew_s"`
	Skewed     bool    `json:"skewed"`
	// Notes say what the merge could not make exact.
	Notes []string `json:"notes,omitempty"`
}

// Versions of the tool and of the libraries whose behaviour is measured.
type Versions struct {
	Throttlebench string `json:"throttlebench"`
	Go            string `json:"go"`
	AWSSDK        string `json:"aws_sdk_go_v2"`
	DynamoDB      string `json:"aws_sdk_go_v2_dynamodb"`
	SmithyGo      string `json:"smithy_go"`
}

// Machine describes where the run happened.
type Machine struct {
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
	Hostname string `json:"hostname"`
}

// CurrentVersions reads the versions compiled into this binary.
func CurrentVersions() Versions {
	v := Versions{Go: runtime.Version(), Throttlebench: "devel"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Throttlebench = bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v.Throttlebench += "+" + s.Value[:12]
		}
	}
	for _, d := range bi.Deps {
		switch d.Path {
		case "github.com/aws/aws-sdk-go-v2":
			v.AWSSDK = d.Version
		case "github.com/aws/aws-sdk-go-v2/service/dynamodb":
			v.DynamoDB = d.Version
		case "github.com/aws/smithy-go":
			v.SmithyGo = d.Version
		}
	}
	return v
}

// CurrentMachine describes this machine.
func CurrentMachine() Machine {
	host, _ := os.Hostname()
	return Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), Hostname: host}
}

// New assembles a results file for a finished (or interrupted) run.
func New(sc *scenario.Scenario, target string, r *runner.Result) *File {
	return &File{
		SchemaVersion: SchemaVersion,
		Tool:          CurrentVersions(),
		Machine:       CurrentMachine(),
		Target:        target,
		Scenario:      sc,
		Started:       r.Started,
		Interrupted:   r.Interrupted,
		Strategies:    r.Strategies,
		SLOs:          CheckSLOs(sc, r.Strategies),
		Shard:         r.Shard,
		Generator:     r.Generator,
	}
}

// CheckSLOs checks the scenario's SLOs against each strategy's summary.
func CheckSLOs(sc *scenario.Scenario, strategies []runner.StrategyResult) []slo.Check {
	byName := map[string]metrics.Summary{}
	order := make([]string, 0, len(strategies))
	for _, s := range strategies {
		byName[s.Name] = s.Summary
		order = append(order, s.Name)
	}
	return slo.Evaluate(sc.ParsedSLOs(), byName, order)
}

// Dir is where a run's files go: root/<scenario>/<UTC timestamp>.
//
// A shard's files go to root/<scenario>/<UTC timestamp>-shard-I-of-N, the
// timestamp being the agreed start when there was one, so a sharded run's
// parts sort together and never overwrite each other.
func Dir(root string, f *File) string {
	stamp := f.Started.UTC().Format("20060102T150405Z")
	if s := f.Shard; s != nil {
		if s.StartAt != nil {
			stamp = s.StartAt.UTC().Format("20060102T150405Z")
		}
		stamp += fmt.Sprintf("-shard-%d-of-%d", s.Index, s.Count)
	}
	if m := f.Merged; m != nil {
		stamp += fmt.Sprintf("-merged-%d", m.Shards)
	}
	return filepath.Join(root, f.Scenario.Name, stamp)
}

// Write writes f as dir/run.json, creating dir, and returns the file's path.
func Write(dir string, f *File) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "run.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// Read loads a run.json file.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a run.json file's content; name says where it came from
// in errors.
func Parse(data []byte, name string) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%s: schema_version %d, this bench reads %d", name, f.SchemaVersion, SchemaVersion)
	}
	if f.Scenario == nil {
		return nil, fmt.Errorf("%s: no scenario: not a run.json file", name)
	}
	return &f, nil
}

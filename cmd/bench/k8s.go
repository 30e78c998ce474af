package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/throttlebench/throttlebench/internal/k8s"
	"github.com/throttlebench/throttlebench/internal/runner"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// k8sMain is bench k8s: it prints the manifests that run a scenario as N
// shards of a Kubernetes Indexed Job (see package k8s), to pipe into
// kubectl apply -f -, and says on stderr what to run next.
func k8sMain(_ context.Context, args []string, stdout, stderr io.Writer) error {
	var o k8s.Options
	fs := flag.NewFlagSet("k8s", flag.ContinueOnError)
	fs.IntVar(&o.Shards, "shards", 0, "number of pods (shards), N: required")
	fs.StringVar(&o.Image, "image", "", "container image with bench as its entrypoint (docker build -t IMAGE .): required")
	fs.StringVar(&o.RoleARN, "role-arn", "", "IAM role for the pods' service account (IRSA annotation eks.amazonaws.com/role-arn); omit with EKS Pod Identity")
	fs.StringVar(&o.Namespace, "namespace", k8s.DefaultNamespace, "namespace of every object")
	fs.StringVar(&o.Name, "name", "", "the Job's name (default tb-SCENARIO-MMDD-HHMMSS from the start, UTC)")
	fs.StringVar(&o.ServiceAccount, "service-account", k8s.DefaultServiceAccount, "service account the pods run as (created by the manifests)")
	fs.StringVar(&o.Endpoint, "endpoint", "", "a DynamoDB-compatible endpoint URL for the pods instead of real DynamoDB (-aws)")
	fs.StringVar(&o.Region, "region", "", "AWS region for the pods (-region and AWS_REGION); default from the pods' environment, else us-east-1")
	fs.StringVar(&o.CPU, "cpu", k8s.DefaultCPU, "CPU request of each pod")
	fs.StringVar(&o.Memory, "memory", k8s.DefaultMemory, "memory request and limit of each pod")
	startIn := fs.Duration("start-in", 2*time.Minute, "the load starts this long from now on every pod (-start-at): room to apply, schedule and pull the image")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench k8s -shards N -image IMAGE [flags] SCENARIO.yaml | kubectl apply -f -")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return badInput{fmt.Errorf("want one scenario file, got %d arguments (usage: bench k8s -shards N -image IMAGE SCENARIO.yaml)", len(rest))}
	}
	if *startIn <= 0 {
		return badInput{fmt.Errorf("-start-in must be > 0, got %s", *startIn)}
	}
	now := time.Now()
	return writeK8s(o, rest[0], now, now.Add(*startIn), stdout, stderr)
}

// writeK8s prints the manifests for the scenario at path with the load
// starting at start; now is the time they are made.
func writeK8s(o k8s.Options, path string, now, start time.Time, stdout, stderr io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return badInput{err}
	}
	sc, err := scenario.Parse(path, data)
	if err != nil {
		return badInput{err}
	}
	strategies, err := resolveStrategies(sc, "")
	if err != nil {
		return badInput{err}
	}
	o.Scenario, o.ScenarioName, o.Now, o.StartAt = data, sc.Name, now, start.Truncate(time.Second)
	if !o.StartAt.After(now) {
		o.StartAt = start
	}
	// A shard runs the schedule, lets its last operations time out, and
	// shard 0 keeps the tables for the others' stragglers.
	o.Length = sc.Workload.TotalDuration() + time.Duration(sc.Workload.Timeout) + runner.DefaultTableLinger
	manifests, name, err := k8s.Manifests(o)
	if err != nil {
		return badInput{err}
	}
	if _, err := stdout.Write(manifests); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench k8s: job %s: %d shards of %s, load at %s (in %s), about %s each\n",
		name, o.Shards, sc.Name, o.StartAt.UTC().Format(time.RFC3339), o.StartAt.Sub(now).Round(time.Second), o.Length)
	if o.Endpoint == "" {
		usage, dollars := estimate(sc, len(strategies), 1)
		fmt.Fprintf(stderr, "bench k8s: the pods run on real DynamoDB with -yes: %s, about $%.2f at us-east-1 list prices (plus the nodes)\n", usage, dollars)
	}
	ns := o.Namespace
	if ns == "" {
		ns = k8s.DefaultNamespace
	}
	fmt.Fprintf(stderr, "bench k8s: next: kubectl wait -n %s --for=condition=complete job/%s --timeout=%s\n", ns, name, (o.StartAt.Sub(now) + o.Length + k8s.DefaultMargin).Round(time.Minute))
	fmt.Fprintf(stderr, "bench k8s: then: kubectl logs -n %s -l job-name=%s --tail=-1 --max-log-requests=%d | bench collect -dir %s && bench merge %s/*.json\n", ns, name, o.Shards, name, name)
	return nil
}

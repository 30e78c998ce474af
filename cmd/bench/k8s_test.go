package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/throttlebench/throttlebench/internal/k8s"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
)

// manifests are bench k8s's output decoded strictly (an unknown or
// misspelt field is an error) into the official Kubernetes types.
type manifests struct {
	sa  corev1.ServiceAccount
	cm  corev1.ConfigMap
	job batchv1.Job
}

func decodeManifests(t *testing.T, out string) manifests {
	t.Helper()
	var m manifests
	seen := map[string]int{}
	for i, doc := range strings.Split(out, "\n---\n") {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var into any
		switch head.APIVersion + " " + head.Kind {
		case "v1 ServiceAccount":
			into = &m.sa
		case "v1 ConfigMap":
			into = &m.cm
		case "batch/v1 Job":
			into = &m.job
		default:
			t.Fatalf("document %d: unexpected %s %s", i, head.APIVersion, head.Kind)
		}
		seen[head.Kind]++
		if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
			t.Fatalf("document %d (%s): strict decode into the official type: %v", i, head.Kind, err)
		}
	}
	for _, kind := range []string{"ServiceAccount", "ConfigMap", "Job"} {
		if seen[kind] != 1 {
			t.Fatalf("%d %s documents, want 1", seen[kind], kind)
		}
	}
	return m
}

func envOf(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// flagValue returns the argument after flag in args.
func flagValue(args []string, flag string) (string, bool) {
	i := slices.Index(args, flag)
	if i < 0 || i+1 >= len(args) {
		return "", false
	}
	return args[i+1], true
}

// TestK8sManifests: bench k8s prints a ServiceAccount (IRSA annotation, no
// keys), a ConfigMap holding the scenario file and an Indexed Job of N
// pods that start the load at one instant, never rerun a failed shard,
// and print their results for bench collect; the official types take
// them strictly.
func TestK8sManifests(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/throttlebench"
	path := "../../scenarios/quickstart.yaml"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	start := now.Add(90 * time.Second)
	for _, tc := range []struct {
		name   string
		o      k8s.Options
		awsRun bool
	}{
		{"aws with IRSA", k8s.Options{Shards: 8, Image: "registry.example/bench:1", RoleARN: role, Region: "eu-west-1", Namespace: "load"}, true},
		{"pod identity", k8s.Options{Shards: 3, Image: "bench:dev"}, true},
		{"endpoint", k8s.Options{Shards: 2, Image: "bench:dev", Endpoint: "http://fake.load.svc:8000", Name: "fake-run"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if err := writeK8s(tc.o, path, now, start, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			m := decodeManifests(t, stdout.String())
			ns := tc.o.Namespace
			if ns == "" {
				ns = "default"
			}
			j, spec := m.job, m.job.Spec
			name := tc.o.Name
			if name == "" {
				name = "tb-quickstart-1206-050130"
			}
			if j.Name != name || j.Namespace != ns || m.cm.Namespace != ns || m.sa.Namespace != ns {
				t.Errorf("job %s/%s, config map in %s, service account in %s; want job %s/%s and everything in %s", j.Namespace, j.Name, m.cm.Namespace, m.sa.Namespace, ns, name, ns)
			}
			n := int32(tc.o.Shards)
			if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("completionMode %v, want Indexed", spec.CompletionMode)
			}
			if spec.Completions == nil || *spec.Completions != n || spec.Parallelism == nil || *spec.Parallelism != n {
				t.Errorf("completions %v parallelism %v, want both %d", spec.Completions, spec.Parallelism, n)
			}
			if spec.BackoffLimitPerIndex == nil || *spec.BackoffLimitPerIndex != 0 || spec.MaxFailedIndexes == nil || *spec.MaxFailedIndexes != 0 {
				t.Errorf("backoffLimitPerIndex %v maxFailedIndexes %v, want 0 and 0: a failed shard fails the Job, never reruns late", spec.BackoffLimitPerIndex, spec.MaxFailedIndexes)
			}
			// The deadline covers the wait, the schedule, the timeout,
			// shard 0's linger and the margin.
			if d := spec.ActiveDeadlineSeconds; d == nil || *d != 90+10+30+10+600 {
				t.Errorf("activeDeadlineSeconds %v, want %d", d, 90+10+30+10+600)
			}
			pod := spec.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %s, want Never", pod.RestartPolicy)
			}
			if pod.ServiceAccountName != m.sa.Name || m.sa.Name != "throttlebench" {
				t.Errorf("pods run as %q, the manifests create %q; want throttlebench", pod.ServiceAccountName, m.sa.Name)
			}
			if tc.o.RoleARN != "" && m.sa.Annotations["eks.amazonaws.com/role-arn"] != role {
				t.Errorf("service account annotations %v, want eks.amazonaws.com/role-arn %s", m.sa.Annotations, role)
			}
			if tc.o.RoleARN == "" && len(m.sa.Annotations) != 0 {
				t.Errorf("service account annotations %v, want none without -role-arn", m.sa.Annotations)
			}
			if sc := pod.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
				t.Errorf("pod security context %+v, want non-root", sc)
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			if c.Image != tc.o.Image {
				t.Errorf("image %s, want %s", c.Image, tc.o.Image)
			}
			env := envOf(c)
			if env[shard.CountEnv] != fmt.Sprint(n) {
				t.Errorf("%s=%q, want %d", shard.CountEnv, env[shard.CountEnv], n)
			}
			for k := range env {
				if strings.Contains(k, "ACCESS_KEY") || strings.Contains(k, "SECRET") || strings.Contains(k, "SESSION_TOKEN") {
					t.Errorf("environment sets %s: never keys in a manifest", k)
				}
			}
			if at, ok := flagValue(c.Args, "-start-at"); !ok || at != start.Format(time.RFC3339Nano) {
				t.Errorf("-start-at %q, want %s", at, start.Format(time.RFC3339Nano))
			}
			if c.Args[0] != "run" || !slices.Contains(c.Args, "-emit-result") {
				t.Errorf("args %v, want bench run ... -emit-result", c.Args)
			}
			if tc.awsRun != slices.Contains(c.Args, "-aws") {
				t.Errorf("args %v: -aws %v, want %v", c.Args, !tc.awsRun, tc.awsRun)
			}
			if tc.o.Endpoint != "" {
				if v, _ := flagValue(c.Args, "-endpoint"); v != tc.o.Endpoint {
					t.Errorf("-endpoint %q, want %s", v, tc.o.Endpoint)
				}
			}
			if tc.o.Region != "" {
				if v, _ := flagValue(c.Args, "-region"); v != tc.o.Region || env["AWS_REGION"] != tc.o.Region {
					t.Errorf("-region %q AWS_REGION %q, want %s", v, env["AWS_REGION"], tc.o.Region)
				}
			}
			// The scenario the pods read is the file, from the ConfigMap.
			scenarioPath := c.Args[len(c.Args)-1]
			var mounted string
			for _, vm := range c.VolumeMounts {
				if strings.HasPrefix(scenarioPath, vm.MountPath+"/") {
					for _, v := range pod.Volumes {
						if v.Name == vm.Name && v.ConfigMap != nil && v.ConfigMap.Name == m.cm.Name {
							mounted = strings.TrimPrefix(scenarioPath, vm.MountPath+"/")
						}
					}
				}
			}
			if mounted == "" || m.cm.Data[mounted] != string(raw) {
				t.Errorf("the pods read %s, which is not the scenario file from config map %s (keys %v)", scenarioPath, m.cm.Name, len(m.cm.Data))
			}
			if _, err := scenario.Parse("configmap", []byte(m.cm.Data[mounted])); err != nil {
				t.Errorf("the config map's scenario does not parse: %v", err)
			}
			if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("container security context %+v, want a read-only root", c.SecurityContext)
			}
			if out, _ := flagValue(c.Args, "-out"); !slices.ContainsFunc(c.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == out && !v.ReadOnly }) {
				t.Errorf("-out %s is not a writable volume", out)
			}
			for _, want := range []string{"kubectl wait", "job/" + name, "bench collect", "--tail=-1", "bench merge"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			if tc.awsRun != strings.Contains(stderr.String(), "about $") {
				t.Errorf("stderr %q: cost estimate shown %v, want %v", stderr.String(), !tc.awsRun, tc.awsRun)
			}
		})
	}
}

// TestK8sPodCommandRuns: the Job's container arguments and environment,
// as the kubelet would start them (JOB_COMPLETION_INDEX added per pod),
// run bench as two shards against one endpoint, and what they print goes
// through bench collect and bench merge.
func TestK8sPodCommandRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes")
	}
	url := serveProcess(t)
	scen := writeScenario(t, `name: pods
table: {read_capacity: 10, write_capacity: 100}
workload: {rate: 40/s, duration: 1s, keys: 100, fleet: 2, timeout: 10s}
strategies: [none]
`)
	var stdout, stderr strings.Builder
	now := time.Now()
	start := now.Add(2 * time.Second)
	if err := writeK8s(k8s.Options{Shards: 2, Image: "bench:test", Endpoint: url}, scen, now, start, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	m := decodeManifests(t, stdout.String())
	c := m.job.Spec.Template.Spec.Containers[0]
	// The pod's files: the ConfigMap's scenario and the results volume.
	root := t.TempDir()
	args := slices.Clone(c.Args)
	for i, a := range args {
		for _, vm := range c.VolumeMounts {
			if a == vm.MountPath || strings.HasPrefix(a, vm.MountPath+"/") {
				args[i] = filepath.Join(root, a)
			}
		}
	}
	cfg := filepath.Join(root, k8s.ScenarioDir)
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range m.cm.Data {
		if err := os.WriteFile(filepath.Join(cfg, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	creds := []string{"AWS_ACCESS_KEY_ID=AKIATBPODTEST", "AWS_SECRET_ACCESS_KEY=tbSecretPodTest"}
	n := int(*m.job.Spec.Completions)
	logs := make([]string, n)
	cmds := make([]*exec.Cmd, n)
	for i := range n {
		env := append([]string{fmt.Sprintf("%s=%d", shard.IndexEnv, i)}, creds...)
		for k, v := range envOf(c) {
			env = append(env, k+"="+v)
		}
		cmds[i] = benchProcess(t, env, args...)
		logs[i] = filepath.Join(t.TempDir(), "pod.log")
		f, err := os.Create(logs[i])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmds[i].Stdout, cmds[i].Stderr = f, f
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			log, _ := os.ReadFile(logs[i])
			t.Fatalf("pod %d: %v; log:\n%s", i, err, tail(string(log), 2000))
		}
	}
	dir := filepath.Join(t.TempDir(), "shards")
	if code, _, stderr := runBench(t, append([]string{"collect", "-dir", dir}, logs...)...); code != exitOK {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	out := t.TempDir()
	code, mstdout, mstderr := runBench(t, "merge", "-out", out, filepath.Join(dir, "shard-0-of-2.json"), filepath.Join(dir, "shard-1-of-2.json"))
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s\n%s", code, mstderr, mstdout)
	}
	files, _ := filepath.Glob(filepath.Join(out, "pods", "*-merged-2", "run.json"))
	if len(files) != 1 {
		t.Fatalf("merged files %v, want one", files)
	}
	f, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Strategies[0]; s.Offered != 40 || s.Summary.Succeeded != 40 {
		t.Errorf("merged: offered %d, succeeded %d; want the schedule's 40, all succeeding", s.Offered, s.Summary.Succeeded)
	}
}

func TestK8sBadInput(t *testing.T) {
	good := "../../scenarios/quickstart.yaml"
	bad := writeScenario(t, strings.Replace(tiny, "- none", "- nope", 1))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no scenario", []string{"-shards", "2", "-image", "b"}, "want one scenario file"},
		{"no shards", []string{"-image", "b", good}, "-shards: shard count must be in [1, 10000], got 0"},
		{"too many shards", []string{"-shards", "10001", "-image", "b", good}, "-shards: shard count must be in [1, 10000], got 10001"},
		{"no image", []string{"-shards", "2", good}, "-image: required"},
		{"bad scenario", []string{"-shards", "2", "-image", "b", bad}, `s.yaml:5: strategies[0]: unknown strategy "nope"`},
		{"missing scenario", []string{"-shards", "2", "-image", "b", "nope.yaml"}, "nope.yaml: no such file"},
		{"user ARN", []string{"-shards", "2", "-image", "b", "-role-arn", "arn:aws:iam::123456789012:user/me", good}, `-role-arn "arn:aws:iam::123456789012:user/me": want an IAM role ARN`},
		{"bad namespace", []string{"-shards", "2", "-image", "b", "-namespace", "Load_Test", good}, `-namespace "Load_Test"`},
		{"long name", []string{"-shards", "2", "-image", "b", "-name", strings.Repeat("a", 58), good}, "must be no more than 57 characters"},
		{"bad cpu", []string{"-shards", "2", "-image", "b", "-cpu", "lots", good}, `-cpu "lots": want a Kubernetes quantity`},
		{"zero memory", []string{"-shards", "2", "-image", "b", "-memory", "0", good}, `-memory "0": must be > 0`},
		{"no start delay", []string{"-shards", "2", "-image", "b", "-start-in", "0s", good}, "-start-in must be > 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, append([]string{"k8s"}, tc.args...)...)
			if code != exitBadInput || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, exitBadInput, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want no manifests", stdout)
			}
		})
	}
}

// k8sValidate is tools/k8svalidate built by .ci/run: Kubernetes' own API
// validation. Locally the test skips without it; in CI it must run.
func k8sValidate(t *testing.T) string {
	t.Helper()
	p := os.Getenv("K8SVALIDATE")
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("K8SVALIDATE is not set: .ci/run should build tools/k8svalidate")
		}
		t.Skip("K8SVALIDATE not set (cd tools/k8svalidate && go build -o k8svalidate ., then K8SVALIDATE=$PWD/k8svalidate)")
	}
	return p
}

// TestK8sManifestsPassKubernetesValidation: the API server's own decoding
// (strict), defaulting and create validation of a Job, ConfigMap and
// ServiceAccount accept what bench k8s prints, for one shard and for many;
// and reject a Job that breaks a rule, so the check can fail.
func TestK8sManifestsPassKubernetesValidation(t *testing.T) {
	bin := k8sValidate(t)
	now := time.Now()
	check := func(manifests string) (string, error) {
		cmd := exec.Command(bin)
		cmd.Stdin = strings.NewReader(manifests)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, o := range []k8s.Options{
		{Shards: 1, Image: "bench:dev"},
		{Shards: 3, Image: "registry.example/throttlebench:1", RoleARN: "arn:aws:iam::123456789012:role/tb", Region: "eu-west-1", Namespace: "load"},
		{Shards: 500, Image: "bench:dev", Endpoint: "http://fake.load.svc:8000", CPU: "500m", Memory: "256Mi"},
	} {
		var stdout, stderr strings.Builder
		if err := writeK8s(o, "../../scenarios/steady-overload.yaml", now, now.Add(time.Minute), &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		out, err := check(stdout.String())
		if err != nil || strings.Count(out, ": valid\n") != 3 {
			t.Errorf("%d shards: Kubernetes validation: %v\n%s", o.Shards, err, out)
		}
		if o.Shards == 3 {
			broken := strings.Replace(stdout.String(), "maxFailedIndexes: 0", "maxFailedIndexes: 4", 1)
			if out, err := check(broken); err == nil || !strings.Contains(out, "spec.maxFailedIndexes") {
				t.Errorf("maxFailedIndexes above completions passed validation: %v\n%s", err, out)
			}
		}
	}
}

// TestDistributedDocCommands: the bench policy and bench k8s command lines
// in docs/distributed.md run as written (from the repository's root).
func TestDistributedDocCommands(t *testing.T) {
	b, err := os.ReadFile("../../docs/distributed.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../..")
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	ran := 0
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "bench k8s ") && !strings.HasPrefix(line, "bench policy ") {
			continue
		}
		line, _, _ = strings.Cut(line, "|")
		line, _, _ = strings.Cut(line, ">")
		args := strings.Fields(line)[1:]
		if code, _, stderr := runBench(t, args...); code != exitOK {
			t.Errorf("docs/distributed.md: %q: exit %d: %s", line, code, stderr)
		}
		ran++
	}
	if ran < 2 {
		t.Errorf("found %d bench policy / bench k8s command lines in docs/distributed.md, want 2", ran)
	}
}

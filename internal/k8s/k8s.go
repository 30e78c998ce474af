// Package k8s writes the Kubernetes manifests that run one scenario as N
// shards (bench run -shard I/N) of an Indexed Job, all starting their load
// at one agreed instant.
//
// The manifests are built from the official k8s.io/api types and
// marshalled with sigs.k8s.io/yaml, so every field name and value type is
// the API server's. They are:
//
//   - a ServiceAccount the pods run as. With Options.RoleARN it carries
//     the eks.amazonaws.com/role-arn annotation (IAM Roles for Service
//     Accounts): the pods get web-identity credentials for that role from
//     the SDK's default chain. With EKS Pod Identity no annotation is
//     needed: an association of the account with the role does the same.
//     No manifest ever holds a key.
//   - a ConfigMap holding the scenario file, mounted read-only in every pod.
//   - the Job: completionMode Indexed, completions = parallelism = N, so
//     every pod gets its JOB_COMPLETION_INDEX; THROTTLEBENCH_SHARDS = N
//     from the manifest; restartPolicy Never with backoffLimitPerIndex 0
//     and maxFailedIndexes 0, so a shard that fails is never rerun at
//     another time (which would offer its part of the schedule late) and
//     the Job fails at once, naming the index in status.failedIndexes;
//     each pod prints its run.json on a marked last log line
//     (bench run -emit-result) for bench collect.
package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/throttlebench/throttlebench/internal/shard"
)

// Paths inside the pod.
const (
	// ScenarioDir is where the ConfigMap is mounted; the scenario is
	// ScenarioDir/ScenarioKey.
	ScenarioDir = "/etc/throttlebench"
	ScenarioKey = "scenario.yaml"
	// ResultsDir is the writable emptyDir the run writes its files to
	// (the root file system is read-only).
	ResultsDir = "/results"
	// Container is the bench container's name.
	Container = "bench"
	// RunLabel labels every object of one run with the Job's name.
	RunLabel = "throttlebench.io/run"
)

// NonRootUID is the user the pods run as: distroless's "nonroot".
const NonRootUID = 65532

// Defaults for Options.
const (
	DefaultNamespace      = "default"
	DefaultServiceAccount = "throttlebench"
	DefaultCPU            = "1"
	DefaultMemory         = "1Gi"
	// DefaultMargin is added to a Job's expected length for its
	// activeDeadlineSeconds.
	DefaultMargin = 10 * time.Minute
)

// Options describe one sharded run. Scenario, ScenarioName, Shards,
// Image and StartAt are required.
type Options struct {
	// Scenario is the scenario file's content, put in the ConfigMap as is.
	Scenario []byte
	// ScenarioName is the scenario's name (for the default Name).
	ScenarioName string
	// Shards is the number of pods, N: each runs shard JOB_COMPLETION_INDEX
	// of N. In [1, shard.MaxCount].
	Shards int
	// Image is the container image holding bench as its entrypoint (the
	// repository's Dockerfile builds one).
	Image string
	// StartAt is the instant every shard starts its load (-start-at).
	StartAt time.Time
	// Length is how long a shard runs from StartAt: the schedule, the
	// operation timeout and shard 0's wait before deleting the tables.
	// With Margin it bounds the Job (activeDeadlineSeconds) from now.
	Length time.Duration
	// Now is the time the manifests are made; the Job's deadline counts
	// from it.
	Now time.Time
	// Margin is added to the deadline; 0 means DefaultMargin.
	Margin time.Duration
	// Name names the Job (and, suffixed, its ConfigMap); empty means
	// "tb-SCENARIO-MMDD-HHMMSS" from ScenarioName and StartAt, cut to fit.
	Name string
	// Namespace of every object; empty means DefaultNamespace.
	Namespace string
	// ServiceAccount the pods run as; empty means DefaultServiceAccount.
	ServiceAccount string
	// RoleARN, when set, is annotated on the ServiceAccount for IRSA.
	RoleARN string
	// Endpoint, when set, is a DynamoDB-compatible endpoint URL (bench
	// serve in the cluster, say) instead of real DynamoDB (-aws).
	Endpoint string
	// Region is passed as -region and AWS_REGION when set.
	Region string
	// CPU and Memory are each pod's requests (memory is also its limit);
	// empty means DefaultCPU, DefaultMemory.
	CPU, Memory string
}

// Manifests returns the ServiceAccount, ConfigMap and Job as one YAML
// stream (documents separated by "---"), and the Job's name.
func Manifests(o Options) ([]byte, string, error) {
	if err := o.defaults(); err != nil {
		return nil, "", err
	}
	labels := map[string]string{"app.kubernetes.io/name": "throttlebench", RunLabel: o.Name}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: labels}
	}
	sa := &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: metav1.ObjectMeta{Name: o.ServiceAccount, Namespace: o.Namespace, Labels: map[string]string{"app.kubernetes.io/name": "throttlebench"}},
	}
	if o.RoleARN != "" {
		sa.Annotations = map[string]string{"eks.amazonaws.com/role-arn": o.RoleARN}
	}
	cmName := o.Name + "-scenario"
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(cmName),
		Data:       map[string]string{ScenarioKey: string(o.Scenario)},
	}
	job := o.job(meta(o.Name), labels, cmName)

	var out bytes.Buffer
	fmt.Fprintf(&out, "# throttlebench: scenario %s as %d shards of an Indexed Job, load starting at %s.\n",
		o.ScenarioName, o.Shards, o.StartAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&out, "# Apply before then; a pod that starts later offers its part late and bench merge reports the skew.\n")
	if o.RoleARN == "" {
		fmt.Fprintf(&out, "# No -role-arn: give the service account a role with EKS Pod Identity\n")
		fmt.Fprintf(&out, "# (aws eks create-pod-identity-association --namespace %s --service-account %s --role-arn ARN ...)\n", o.Namespace, o.ServiceAccount)
		fmt.Fprintf(&out, "# or set eks.amazonaws.com/role-arn for IRSA. Never put keys in a manifest.\n")
	}
	for i, obj := range []any{sa, cm, job} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, "", fmt.Errorf("k8s: marshal: %w", err)
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	return out.Bytes(), o.Name, nil
}

func (o Options) job(meta metav1.ObjectMeta, labels map[string]string, cmName string) *batchv1.Job {
	n := int32(o.Shards)
	indexed := batchv1.IndexedCompletion
	args := []string{"run", "-quiet", "-emit-result", "-out", ResultsDir,
		"-start-at", o.StartAt.UTC().Format(time.RFC3339Nano)}
	if o.Endpoint != "" {
		args = append(args, "-endpoint", o.Endpoint)
	} else {
		// The cost was shown to whoever ran bench k8s; pods cannot answer.
		args = append(args, "-aws", "-yes")
	}
	if o.Region != "" {
		args = append(args, "-region", o.Region)
	}
	args = append(args, ScenarioDir+"/"+ScenarioKey)
	env := []corev1.EnvVar{{Name: shard.CountEnv, Value: fmt.Sprint(o.Shards)}}
	if o.Region != "" {
		env = append(env, corev1.EnvVar{Name: "AWS_REGION", Value: o.Region})
	}
	deadline := int64((o.StartAt.Sub(o.Now) + o.Length + o.Margin).Round(time.Second) / time.Second)
	mem := resource.MustParse(o.Memory)
	cpu := resource.MustParse(o.CPU)
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta,
		Spec: batchv1.JobSpec{
			CompletionMode:        &indexed,
			Completions:           &n,
			Parallelism:           &n,
			BackoffLimitPerIndex:  ptr(int32(0)),
			MaxFailedIndexes:      ptr(int32(0)),
			ActiveDeadlineSeconds: &deadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:      corev1.RestartPolicyNever,
					ServiceAccountName: o.ServiceAccount,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr(true),
						RunAsUser:      ptr(int64(NonRootUID)),
						RunAsGroup:     ptr(int64(NonRootUID)),
						FSGroup:        ptr(int64(NonRootUID)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					// One shard per node where the cluster has room: the
					// point is more machines, not more pods on one.
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew:           1,
						TopologyKey:       "kubernetes.io/hostname",
						WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{RunLabel: o.Name}},
					}},
					Containers: []corev1.Container{{
						Name:            Container,
						Image:           o.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            args,
						Env:             env,
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: mem},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "scenario", MountPath: ScenarioDir, ReadOnly: true},
							{Name: "results", MountPath: ResultsDir},
						},
						TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
					}},
					Volumes: []corev1.Volume{
						{Name: "scenario", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: cmName},
						}}},
						{Name: "results", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
				},
			},
		},
	}
}

// defaults fills the defaults and checks the options, naming the flag at
// fault.
func (o *Options) defaults() error {
	if len(o.Scenario) == 0 || o.ScenarioName == "" {
		return errors.New("k8s: no scenario")
	}
	if err := (shard.Shard{Count: o.Shards}).Validate(); err != nil {
		return fmt.Errorf("-shards: %w", err)
	}
	if o.Image == "" {
		return errors.New("-image: required: an image with bench as its entrypoint (docker build -t IMAGE . in the repository)")
	}
	if strings.ContainsAny(o.Image, " \t\n") {
		return fmt.Errorf("-image: %q has white space", o.Image)
	}
	if o.StartAt.IsZero() || !o.StartAt.After(o.Now) {
		return fmt.Errorf("-start-in: the start %s must be after now (%s)", o.StartAt.UTC().Format(time.RFC3339), o.Now.UTC().Format(time.RFC3339))
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return fmt.Errorf("-namespace %q: %s", o.Namespace, strings.Join(errs, "; "))
	}
	if o.ServiceAccount == "" {
		o.ServiceAccount = DefaultServiceAccount
	}
	if errs := validation.IsDNS1123Subdomain(o.ServiceAccount); len(errs) > 0 {
		return fmt.Errorf("-service-account %q: %s", o.ServiceAccount, strings.Join(errs, "; "))
	}
	if o.Name == "" {
		o.Name = defaultName(o.ScenarioName, o.StartAt)
	}
	// The Job's name is also the pods' job-name label value and prefixes
	// their hostnames (NAME-INDEX): keep it a label of at most 63 - 6.
	if errs := validation.IsDNS1123Label(o.Name); len(errs) > 0 || len(o.Name) > 57 {
		if len(o.Name) > 57 {
			errs = append(errs, fmt.Sprintf("must be no more than 57 characters, got %d", len(o.Name)))
		}
		return fmt.Errorf("-name %q: %s", o.Name, strings.Join(errs, "; "))
	}
	if o.RoleARN != "" && (!strings.HasPrefix(o.RoleARN, "arn:") || !strings.Contains(o.RoleARN, ":iam::") || !strings.Contains(o.RoleARN, ":role/")) {
		return fmt.Errorf("-role-arn %q: want an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME", o.RoleARN)
	}
	if o.CPU == "" {
		o.CPU = DefaultCPU
	}
	if o.Memory == "" {
		o.Memory = DefaultMemory
	}
	for flag, v := range map[string]string{"-cpu": o.CPU, "-memory": o.Memory} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return fmt.Errorf("%s %q: want a Kubernetes quantity such as 500m, 2 or 1Gi", flag, v)
		}
		if q.Sign() <= 0 {
			return fmt.Errorf("%s %q: must be > 0", flag, v)
		}
	}
	if o.Margin <= 0 {
		o.Margin = DefaultMargin
	}
	if o.Length < 0 {
		return fmt.Errorf("k8s: negative length %s", o.Length)
	}
	return nil
}

// defaultName is "tb-SCENARIO-MMDD-HHMMSS" (the start, UTC), with the
// scenario's name reduced to a DNS label's characters and cut to fit.
func defaultName(scenario string, start time.Time) string {
	var b strings.Builder
	for _, r := range strings.ToLower(scenario) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	stamp := start.UTC().Format("0102-150405")
	name := strings.Trim(b.String(), "-")
	if room := 57 - len("tb--") - len(stamp); len(name) > room {
		name = strings.TrimRight(name[:room], "-")
	}
	if name == "" {
		return "tb-" + stamp
	}
	return "tb-" + name + "-" + stamp
}

func ptr[T any](v T) *T { return &v }

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/throttlebench/throttlebench/internal/load"
	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/scenario"
	"github.com/throttlebench/throttlebench/internal/shard"
)

// benchProcessEnv makes the test binary act as the bench command (its
// arguments after the program name), so tests can start bench as separate
// processes without building it.
const benchProcessEnv = "THROTTLEBENCH_TEST_AS_BENCH"

// asBench runs the test binary as bench when benchProcessEnv says so
// (TestMain, in exec_test.go, calls it first).
func asBench() {
	if os.Getenv(benchProcessEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := bench(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
}

// benchProcess returns bench ARGS as a process of its own (the test binary
// re-executed) with env added to a clean environment: no AWS settings of
// the caller's, no instance metadata.
func benchProcess(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	dir := t.TempDir()
	cmd.Env = append([]string{
		benchProcessEnv + "=1",
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_REGION=us-east-1",
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
	}, env...)
	return cmd
}

// serveProcess starts bench serve on a free loopback port as a process of
// its own and returns its URL; it is stopped when t ends.
func serveProcess(t *testing.T) string {
	t.Helper()
	cmd := benchProcess(t, nil, "serve", "-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("bench serve exited without a URL: %s", stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("bench serve printed no URL in 30 s: %s", stderr.String())
	}
	return ""
}

// requestsServed reads the server's own count of PutItem requests from
// its /metrics, by outcome ("ok", or the error's name).
func requestsServed(t *testing.T, url string) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	fam, ok := scrape(t, url+"/metrics")["fakeservice_requests_total"]
	if !ok {
		return got
	}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["operation"] == "PutItem" {
			got[labels["outcome"]] += int64(m.GetCounter().GetValue())
		}
	}
	return got
}

// threeShards is 2 s of Poisson arrivals at four times the table's write
// capacity (bench serve's default model: burst credit from the seconds
// the table waits for the start), from a fleet of 3: throttles and
// retries on one shared table per strategy. No operation may time out
// (an attempt cut short may or may not have reached the server), so the
// timeout is generous for a loaded machine; shard 0 keeps the tables
// until the schedule's end plus the timeout plus 10 s, so the test lasts
// about 35 s, most of it waiting.
const threeShards = `name: three-shards
seed: 11
table: {read_capacity: 10, write_capacity: 25}
workload: {rate: 100/s, duration: 2s, process: poisson, keys: 1000, fleet: 3, timeout: 20s}
strategies:
  - none
  - {name: full-jitter, base: 10ms, cap: 200ms}
`

// TestThreeShardProcesses is issue 15's "tested here": three bench run
// processes given their place by an Indexed Job's environment
// (JOB_COMPLETION_INDEX, THROTTLEBENCH_SHARDS) and one -start-at run one
// scenario against one bench serve; their logs go through bench collect
// and bench merge. The merge offers exactly the scenario's schedule, and
// its attempts and successes are the server's own count.
func TestThreeShardProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	const n = 3
	path := writeScenario(t, threeShards)
	sc, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// The schedule, counted the way one process would offer it.
	arrivals := load.NewArrivals(sc.Workload.Profile(), load.Poisson, sc.Seed)
	var schedule int64
	for _, ok := arrivals.Next(); ok; _, ok = arrivals.Next() {
		schedule++
	}

	url := serveProcess(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	creds := []string{"AWS_ACCESS_KEY_ID=AKIATBTEST" + strings.ToUpper(hex.EncodeToString(b)), "AWS_SECRET_ACCESS_KEY=tbSecret" + hex.EncodeToString(b)}
	startAt := time.Now().Add(2500 * time.Millisecond).UTC().Truncate(time.Millisecond)
	out := t.TempDir()
	logs := make([]string, n)
	cmds := make([]*exec.Cmd, n)
	for i := range n {
		env := append([]string{fmt.Sprintf("%s=%d", shard.IndexEnv, i), fmt.Sprintf("%s=%d", shard.CountEnv, n)}, creds...)
		cmds[i] = benchProcess(t, env, "run", "-quiet", "-emit-result", "-endpoint", url, "-out", out,
			"-start-at", startAt.Format(time.RFC3339Nano), path)
		logs[i] = filepath.Join(t.TempDir(), fmt.Sprintf("pod-%d.log", i))
		f, err := os.Create(logs[i])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cmds[i].Stdout, cmds[i].Stderr = f, f // as a pod's log holds both
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			log, _ := os.ReadFile(logs[i])
			t.Fatalf("shard %d: %v; log:\n%s", i, err, tail(string(log), 2000))
		}
	}
	served := requestsServed(t, url)

	dir := filepath.Join(t.TempDir(), "shards")
	code, _, stderr := runBench(t, append([]string{"collect", "-dir", dir}, logs...)...)
	if code != exitOK {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	var parts []string
	owners := 0
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("shard-%d-of-%d.json", i, n))
		f, err := results.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		s := f.Shard
		if s.StartAt == nil || !s.StartAt.Equal(startAt) || !s.SharedTable {
			t.Errorf("shard %d: start %v shared table %v, want %s and a shared table", i, s.StartAt, s.SharedTable, startAt)
		}
		if s.TableOwner {
			owners++
		}
		if s.LateS > 0.5 {
			t.Errorf("shard %d started its load %.3f s late, want the agreed start", i, s.LateS)
		}
		parts = append(parts, p)
	}
	if owners != 1 {
		t.Errorf("%d shards created and deleted the tables, want exactly one", owners)
	}
	mergeOut := t.TempDir()
	code, stdout, stderr := runBench(t, append([]string{"merge", "-out", mergeOut}, parts...)...)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s\n%s", code, stderr, stdout)
	}
	files, _ := filepath.Glob(filepath.Join(mergeOut, "three-shards", "*-merged-3", "run.json"))
	if len(files) != 1 {
		t.Fatalf("merged files %v, want one", files)
	}
	merged, err := results.Read(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if merged.Merged.Skewed {
		t.Errorf("merge flagged skewed: loads started %.3f s apart", merged.Merged.StartSkewS)
	}
	for _, s := range merged.Strategies {
		t.Logf("%s: failed %v statuses %v p99 %.1f ms attempt p99 %.1f ms", s.Name, s.Summary.Failed, s.Summary.Statuses, s.Summary.LatencyMs.P99, s.Summary.AttemptMs.P99)
	}
	var attempts, succeeded, throttled int64
	for _, s := range merged.Strategies {
		if s.Offered != schedule || s.Summary.Ops != schedule {
			t.Errorf("%s: merged offered %d, ops %d; the schedule has %d arrivals", s.Name, s.Offered, s.Summary.Ops, schedule)
		}
		attempts += s.Summary.Attempts
		succeeded += s.Summary.Succeeded
		throttled += s.Summary.ThrottledAttempts
	}
	var total int64
	for _, v := range served {
		total += v
	}
	if total != attempts || served["ok"] != succeeded {
		t.Errorf("server answered %d PutItem requests (%d ok, %v), the merge counts %d attempts and %d successes", total, served["ok"], served, attempts, succeeded)
	}
	if throttled == 0 || served["ProvisionedThroughputExceededException"] != throttled {
		t.Errorf("server throttled %d requests, the merge counts %d throttled attempts; want equal and > 0", served["ProvisionedThroughputExceededException"], throttled)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// TestShardLeavesSLOsToMerge: a shard that misses an SLO on its own part
// exits 0 (an Indexed Job must not fail the index for it: bench merge
// judges the whole run); the same run unsharded exits 3.
func TestShardLeavesSLOsToMerge(t *testing.T) {
	path := writeScenario(t, `name: slo-shard
table: {read_capacity: 5, write_capacity: 5}
workload: {rate: 40/s, duration: 1s, keys: 100}
strategies: [none]
slos: ["success >= 100%"]
`)
	code, _, stderr := runBench(t, "run", "-quiet", "-out", t.TempDir(), path)
	if code != exitSLOMissed {
		t.Fatalf("unsharded: exit %d, want %d; stderr %q", code, exitSLOMissed, stderr)
	}
	code, stdout, stderr := runBench(t, "run", "-quiet", "-out", t.TempDir(), "-shard", "1/2", path)
	if code != exitOK {
		t.Errorf("shard 1/2: exit %d, want 0; stderr %q", code, stderr)
	}
	for _, want := range []string{"SLO missed: none", "shard 1/2 judged the SLOs on its own part only"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("shard 1/2: stdout lacks %q:\n%s", want, stdout)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	dto "github.com/prometheus/client_model/go"
)

// sum adds the values of family name's samples whose labels include want.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var total float64
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return total
}

// TestScrapeBothEndpoints runs a comparison against bench serve with
// -metrics, scrapes both /metrics endpoints at once with Prometheus's text
// parser, and checks what a user would: the two sides agree on throttles
// and successes, the fake reports each table's provisioned capacity and
// consumes no more than it allows; then checks that the Grafana dashboard
// in docs/ queries only metrics the two endpoints serve, and that the
// scrape config in docs/observability.md is valid.
func TestScrapeBothEndpoints(t *testing.T) {
	testCredentials(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveOut, serveErr syncBuffer
	served := make(chan int, 1)
	go func() { served <- bench(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, &serveOut, &serveErr) }()
	fake := waitFor(t, &serveOut, served, `listening on (http://127\.0\.0\.1:\d+)\n`)

	start := time.Now()
	runner, wait := startRun(t, `metrics: (http://127\.0\.0\.1:\d+/metrics)`,
		"run", "--quiet", "--endpoint", fake, "--metrics", "127.0.0.1:0", "--out", t.TempDir(), writeScenario(t, overloaded))
	// The runner first, once it has counted throttles: the fake has
	// answered every attempt the runner has counted, and maybe more since.
	runFams := scrape(t, runner)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); runFams = scrape(t, runner) {
		if sum(runFams, "throttlebench_attempts_total", map[string]string{"outcome": "throttled"}) > 0 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	fakeFams := scrape(t, fake+"/metrics")
	elapsed := time.Since(start).Seconds()

	throttled := sum(runFams, "throttlebench_attempts_total", map[string]string{"outcome": "throttled"})
	ptee := sum(fakeFams, "fakeservice_requests_total", map[string]string{"operation": "PutItem", "outcome": "ProvisionedThroughputExceededException"})
	if throttled == 0 || ptee < throttled {
		t.Errorf("throttled attempts: the runner counts %v, the fake answered %v; want > 0 and the fake at least as many", throttled, ptee)
	}
	ok := sum(runFams, "throttlebench_attempts_total", map[string]string{"outcome": "ok"})
	putOK := sum(fakeFams, "fakeservice_requests_total", map[string]string{"operation": "PutItem", "outcome": "ok"})
	if ok == 0 || putOK < ok {
		t.Errorf("successful attempts: the runner counts %v, the fake answered %v; want > 0 and the fake at least as many", ok, putOK)
	}
	tables := 0
	for _, m := range fakeFams["fakeservice_provisioned_capacity_units"].GetMetric() {
		var table, kind string
		for _, l := range m.Label {
			switch l.GetName() {
			case "table":
				table = l.GetValue()
			case "kind":
				kind = l.GetValue()
			}
		}
		if kind != "write" || !strings.Contains(table, "-overloaded-") {
			continue
		}
		tables++
		if v := m.GetGauge().GetValue(); v != 20 {
			t.Errorf("%s: provisioned %v write units, want 20 (the scenario's)", table, v)
		}
		// A new table starts with one second's allowance and no credit.
		consumed := sum(fakeFams, "fakeservice_consumed_capacity_units_total", map[string]string{"table": table, "kind": "write"})
		if consumed == 0 || consumed > 20*(elapsed+1) {
			t.Errorf("%s: %v write units consumed in %.1f s, want > 0 and at most %v", table, consumed, elapsed, 20*(elapsed+1))
		}
	}
	if tables != 2 {
		t.Errorf("the fake reports %d of the run's tables, want 2 (one per strategy)", tables)
	}
	if code, _, stderr := wait(); code != exitOK {
		t.Fatalf("bench run: exit %d, stderr:\n%s", code, stderr)
	}

	// The Grafana dashboard queries only what the two endpoints serve.
	b, err := os.ReadFile("../../docs/grafana-throttlebench.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-throttlebench.json: %v", err)
	}
	name := regexp.MustCompile(`\b(throttlebench|fakeservice)_[a-z_]+`)
	queried := 0
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			for _, n := range name.FindAllString(q.Expr, -1) {
				queried++
				family := n
				if strings.HasSuffix(n, "_bucket") {
					family = strings.TrimSuffix(n, "_bucket")
				}
				if runFams[family] == nil && fakeFams[family] == nil {
					t.Errorf("panel %q queries %s, which neither endpoint serves", p.Title, n)
				}
			}
		}
	}
	if queried < 15 {
		t.Errorf("the dashboard queries %d metrics, want the runner's and the fake's (15 or more)", queried)
	}

	// The scrape config parses and names both jobs.
	doc, err := os.ReadFile("../../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```yaml\n(scrape_configs:.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("docs/observability.md has no ```yaml scrape_configs block")
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(block[1], &cfg); err != nil {
		t.Fatalf("the scrape config does not parse: %v", err)
	}
	jobs := map[string]bool{}
	for _, c := range cfg.ScrapeConfigs {
		jobs[c.JobName] = len(c.StaticConfigs) > 0 && len(c.StaticConfigs[0].Targets) > 0
	}
	if !jobs["throttlebench"] || !jobs["fakeservice"] {
		t.Errorf("scrape config jobs with targets: %v, want throttlebench and fakeservice (the dashboard's defaults)", jobs)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/results"
	"github.com/throttlebench/throttlebench/internal/scenario"
)

// TestTransactionsHotItem runs scenarios/transactions-hot-item.yaml
// briefly, in virtual time (bench sim, its whole minute) and against the
// embedded fake (bench run, scaled to about two seconds), and requires the
// cancellations by reason in run.json and the reports. The simulation is
// deterministic: every strategy sees both ThrottlingError (the hot key's
// 50 WCU) and TransactionConflict (the hot item held). The real run (one
// strategy) is shaped by this machine's load too, so it must only show
// cancellations, each by one of those reasons.
func TestTransactionsHotItem(t *testing.T) {
	const path = "../../scenarios/transactions-hot-item.yaml"
	sc, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"ThrottlingError": true, "TransactionConflict": true}
	for _, mode := range []string{"sim", "run"} {
		t.Run(mode, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"sim", "--out", out, path}
			if mode == "run" {
				// One strategy: TestReadyScenariosRun runs them all.
				args = []string{"run", "--quiet", "--out", out, "--strategies", "none", "--time-scale", fmt.Sprint(2 / sc.Workload.TotalDuration().Seconds()), "--op-timeout", "2s", path}
			}
			code, stdout, stderr := runBench(t, args...)
			if code != exitOK && code != exitSLOMissed {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			runs, _ := filepath.Glob(filepath.Join(out, sc.Name, "*", "run.json"))
			if len(runs) != 1 {
				t.Fatalf("found %v, want one run.json", runs)
			}
			f, err := results.Read(runs[0])
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, s := range f.Strategies {
				c := s.Summary.Cancellations
				for reason, n := range c {
					if !known[reason] {
						t.Errorf("%s: got cancellation reason %q (%d), want ThrottlingError or TransactionConflict", s.Name, reason, n)
					}
					total += n
				}
				if mode == "sim" && (c["ThrottlingError"] == 0 || c["TransactionConflict"] == 0) {
					t.Errorf("%s: got cancellations %v, want both ThrottlingError and TransactionConflict", s.Name, c)
				}
			}
			if total == 0 {
				if mode == "run" && f.Generator != nil && f.Generator.Saturated() {
					// The machine, not the fake, shaped the run (its operations
					// timed out before reaching the hot item).
					t.Skipf("no cancellation, and the load generator was saturated: %s", f.Generator.Summary())
				}
				t.Fatalf("no transaction was cancelled:\n%s", stdout)
			}
			md, err := os.ReadFile(filepath.Join(filepath.Dir(runs[0]), "summary.md"))
			if err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"table": stdout, "summary.md": string(md)} {
				if mode == "run" && name == "table" {
					continue // --quiet
				}
				if !strings.Contains(text, "cancellations") {
					t.Errorf("%s has no cancellations column:\n%s", name, text)
				}
			}
		})
	}
}

package served

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// WriteForensics renders each group's forensics as Markdown: one table of
// the retry figures, then per client the backoff gaps per attempt number
// and the requests by User-Agent.
func WriteForensics(w io.Writer, fx []Forensics) error {
	var b strings.Builder
	b.WriteString("| client | requests | no headers | retries | throttle errors | retries/throttle | max advertised | past max | retries together (window) | expected by chance | synchronised |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, f := range fx {
		sync := "no"
		if f.Sync.Synchronised {
			sync = "**yes**"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %.2f | %d | %d | %.1f %% (%g ms) | %.1f %% | %s |\n",
			f.Client, f.Requests, f.NoHeaders, f.Retries, f.ThrottledAttempts, f.RetriesPerThrottle,
			f.MaxAdvertised, f.PastMax, 100*f.Sync.Share, f.Sync.WindowMs, 100*f.Sync.Expected, sync)
	}
	for _, f := range fx {
		if len(f.Gaps) > 0 {
			fmt.Fprintf(&b, "\nBackoff gaps of %s (previous answer to next arrival, ms):\n\n", f.Client)
			b.WriteString("| attempt | count | mean | p10 | p25 | p50 | p75 | p90 | max | cv |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			for _, g := range f.Gaps {
				fmt.Fprintf(&b, "| %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |\n",
					g.Attempt, g.Count, g.MeanMs, g.P10Ms, g.P25Ms, g.P50Ms, g.P75Ms, g.P90Ms, g.MaxMs, g.CV)
			}
		}
		fmt.Fprintf(&b, "\nRequests of %s by User-Agent:\n\n", f.Client)
		for _, ua := range slices.Sorted(maps.Keys(f.UserAgents)) {
			fmt.Fprintf(&b, "- %d `%s`\n", f.UserAgents[ua], strings.ReplaceAll(ua, "`", "'"))
		}
		fmt.Fprintf(&b, "\nby access key id: %s; by source: %s\n", counted(f.AccessKeys), counted(f.Sources))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// counted renders a count map as "k1 3, k2 1" (keys sorted; "" as unsigned).
func counted(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name := k
		if name == "" {
			name = "(unsigned)"
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

package report

import (
	"strings"
	"testing"

	"github.com/throttlebench/throttlebench/internal/served"
)

// The headers of served traffic (bench serve -results, bench run --exec)
// name the clients, not bench's own aws-sdk-go-v2, which sent none of it.
func TestServedHeaders(t *testing.T) {
	f := fixture(t)
	f.Served = []served.Forensics{{Client: "boto3-standard"}, {Client: "js-adaptive"}}
	var md strings.Builder
	if err := Markdown(&md, f); err != nil {
		t.Fatal(err)
	}
	page := renderHTML(t, f)
	const want = "served traffic of 2 clients: boto3-standard, js-adaptive"
	for name, out := range map[string]string{"summary.md": md.String(), "report.html": page} {
		if !strings.Contains(out, want) {
			t.Errorf("%s lacks %q", name, want)
		}
		if strings.Contains(out, "aws-sdk-go-v2") {
			t.Errorf("%s names aws-sdk-go-v2 for served traffic", name)
		}
	}
	// A run of bench's own strategies still names its SDK.
	f.Served = nil
	md.Reset()
	if err := Markdown(&md, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "aws-sdk-go-v2 v1.48.0") {
		t.Errorf("summary.md of a run lacks aws-sdk-go-v2 v1.48.0:\n%.300s", md.String())
	}
}

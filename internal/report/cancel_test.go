package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestCancellationsShown checks the table, summary.md and report.html show
// a column of cancellations by reason when a transaction was cancelled, a
// "-" for a strategy without, and no such column otherwise.
func TestCancellationsShown(t *testing.T) {
	f := sampleFile()
	f.Strategies[0].Summary.Cancellations = map[string]int64{"ThrottlingError": 12, "TransactionConflict": 30}
	const want = "TransactionConflict 30, ThrottlingError 12"
	var table, md bytes.Buffer
	if err := Table(&table, f); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, f); err != nil {
		t.Fatal(err)
	}
	page := renderHTML(t, f)
	for name, out := range map[string]string{"table": table.String(), "summary.md": md.String()} {
		if !strings.Contains(out, "cancellations") || !strings.Contains(out, want) {
			t.Errorf("%s: got\n%s\nwant a cancellations column with %q", name, out, want)
		}
	}
	if !strings.Contains(page, "<th>cancellations</th>") || !strings.Contains(page, `<td class="text">`+want+"</td>") {
		t.Errorf("report.html: no cancellations column with %q", want)
	}
	if !strings.Contains(md.String(), "| - |") {
		t.Errorf("summary.md: got\n%s\nwant - for the strategy without cancellations", md.String())
	}
	var plain bytes.Buffer
	if err := Table(&plain, sampleFile()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "cancellations") {
		t.Errorf("table without cancellations has the column:\n%s", plain.String())
	}
}

package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	chromiumpkg "github.com/throttlebench/throttlebench/internal/chromium"
)

// chromium finds a Chromium to render pages with, or skips (see
// chromium.Find).
func chromium(t *testing.T) string { return chromiumpkg.Find(t) }

// drawCheck is added to a copy of the page (the report itself has no
// script): once the document is parsed, it measures every data shape with
// the browser's own layout, so a chart counts as drawn only when Chromium
// parsed its shapes as SVG and gave them a size.
const drawCheck = `<script>
(function () {
  var out = [];
  document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
    var drawn = 0;
    fig.querySelectorAll("path.series, rect.bar").forEach(function (el) {
      if (!(el instanceof SVGGraphicsElement)) return;
      var b = el.getBBox(), r = el.getBoundingClientRect();
      if ((b.width > 0 || b.height > 0) && (r.width > 0 || r.height > 0)) drawn++;
    });
    out.push(fig.getAttribute("data-chart") + "=" + drawn);
  });
  document.body.setAttribute("data-drawn", out.join(" "));
})();
</script>
`

func TestHTMLRendersInChromium(t *testing.T) {
	bin := chromium(t)
	page := renderHTML(t, fixture(t))
	// Let the check script run; the shipped page allows no script at all.
	const csp = "default-src 'none'; style-src 'unsafe-inline'"
	if !strings.Contains(page, csp) {
		t.Fatalf("page lacks its policy %q", csp)
	}
	page = strings.Replace(page, csp, csp+"; script-src 'unsafe-inline'", 1)
	page = strings.Replace(page, "</body>", drawCheck+"</body>", 1)
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--window-size=1280,2000",
		"--dump-dom", "file://"+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	m := regexp.MustCompile(`<body data-drawn="([^"]*)"`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the check script did not run (no data-drawn on <body>); chromium said:\n%s", stderr.String())
	}
	drawn := map[string]int{}
	for _, kv := range strings.Fields(string(m[1])) {
		k, v, _ := strings.Cut(kv, "=")
		drawn[k], _ = strconv.Atoi(v)
	}
	want := map[string]int{"latency": 6, "attempts": 6, "capacity-write": 6}
	for i := range 6 {
		want["timeline-"+strconv.Itoa(i)] = 3
	}
	for chart, n := range want {
		if drawn[chart] < n {
			t.Errorf("chart %s: %d shapes drawn, want at least %d (all: %s)", chart, drawn[chart], n, m[1])
		}
	}
	if got := len(drawnPath.FindAll(dom, -1)); got < 6+3*6 {
		t.Errorf("dumped DOM holds %d SVG paths with data, want at least %d", got, 6+3*6)
	}
}

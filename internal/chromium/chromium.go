// Package chromium finds Debian's headless Chromium for tests that render
// bench's pages (report.html, the live dashboard) and runs it with the
// flags such a test needs: no sandbox, no GPU, no network of its own (no
// component updates, no sync, no background requests) and a throwaway
// profile.
package chromium

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Find returns the path of a Chromium to render pages with. It skips the
// test when there is none, unless CI=true: CI installs Debian's chromium
// package (.ci/run) and must not pass by skipping.
func Find(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("CI=true but chromium is not installed: apt-get install -y chromium (see .ci/run)")
	}
	tb.Skip("chromium not installed (Debian: apt-get install -y chromium); the page's rendering is not checked. With CI=true this fails instead.")
	return ""
}

// Render loads url in headless Chromium (bin, from Find) with a window of
// width x height pixels, lets its scripts run for budgetMs milliseconds of
// virtual time (0: none), and returns the DOM as serialised after that. With
// screenshot set it also writes a PNG of the window there. profile is a
// directory for the browser's throwaway profile.
func Render(ctx context.Context, bin, profile, url string, width, height, budgetMs int, screenshot string) ([]byte, error) {
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--hide-scrollbars",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(profile, "profile"), fmt.Sprintf("--window-size=%d,%d", width, height)}
	if budgetMs > 0 {
		args = append(args, fmt.Sprintf("--virtual-time-budget=%d", budgetMs))
	}
	if screenshot != "" {
		args = append(args, "--screenshot="+screenshot)
	}
	args = append(args, "--dump-dom", url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", bin, err, stderr.String())
	}
	return dom, nil
}

package main

import (
	"runtime"
	"strings"
	"testing"
)

// TestCalibrate runs bench calibrate on quickstart against the embedded
// fake with one candidate: at a low rate with wide thresholds (wide enough
// for a 2-core machine running other builds, under -race: 100/s showed a
// 0.7 s start lag p99 there) the rate is honest and the CPU per operation is printed with its split; with a start
// lag threshold no machine meets (1 µs) no rate is honest (exit 1),
// whether the verdict is saturated or, with the CPU idle, lagging; a bad
// threshold is bad input (exit 2). Before searching it prints the
// machine's own wake-up lag, and says so when that alone is over the
// threshold.
func TestCalibrate(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	one := []string{"calibrate", "-lo", "20", "-hi", "20", "-budget", "1", "-duration", "2s"}
	cases := []struct {
		name     string
		args     []string
		exit     int
		inStdout []string
		inStderr string
	}{
		{"honest", append(one, "-saturation", "lag_p99=2s,cpu=100%", "../../scenarios/quickstart.yaml"), exitOK,
			[]string{"strategy sdk-default, against the embedded fake", "honest up to the top of the range, 20 ops/s",
				"CPU per operation at 20 ops/s", "total ", "µs  (getrusage", "GC, all of it"}, ""},
		{"none honest", append(one, "-saturation", "lag_p99=1us", "../../scenarios/quickstart.yaml"), exitFailed,
			[]string{"20/s  generator: ", "start lag p99"}, "no honest rate: every rate tried down to 20/s saturated the generator or started late"},
		{"bad threshold", append(one, "-saturation", "lag=1ms", "../../scenarios/quickstart.yaml"), exitBadInput,
			nil, `-saturation: unknown key "lag"`},
	}
	if runtime.GOOS == "linux" { // the wake-up probe's nanosleep
		cases[0].inStdout = append(cases[0].inStdout, "this machine's wake-ups, idle (a thread sleeping 2 ms at a time outside the pacer, ")
		cases[1].inStdout = append(cases[1].inStdout, "over the start lag threshold (0.001 ms) already: the machine")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runBench(t, c.args...)
			if code != c.exit {
				t.Fatalf("exit: got %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.exit, stdout, stderr)
			}
			for _, w := range c.inStdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout: got no %q in:\n%s", w, stdout)
				}
			}
			if !strings.Contains(stderr, c.inStderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr, c.inStderr)
			}
		})
	}
}

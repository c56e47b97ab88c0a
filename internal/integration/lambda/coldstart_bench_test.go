package lambda

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
)

// benchCacheDir is the cache the cold-start benchmark prepares handlers in: the one the
// end-to-end tests keep across runs, so a runtime it installs (Node.js 22) is installed once and
// every measured cold start is one on a cached runtime.
func benchCacheDir() string { return filepath.Join(os.TempDir(), "switchboard-functions-test-cache") }

// BenchmarkColdStart measures a worker's cold start on a cached runtime: from an invocation that
// finds no warm worker to its result, which spawns the process, waits for the runtime's first
// /next (its initialisation: the interpreter, the bootstrap, the handler module) and runs the
// invocation. Preparing the handler and stopping the worker are outside the timing. The Node.js
// rows are the machine's node (nodejs<its major>.x) and nodejs22.x (the machine's, or the pinned
// release the cache holds). It reports the median and 90th percentile as p50-ms and p90-ms.
func BenchmarkColdStart(b *testing.B) {
	cases := []struct{ name, root, handler, runtime string }{
		{"go", "testdata/go", "echo", "go"},
		{"nodejs-machine", "testdata/node", "echo.handler", machineNodeRuntime()},
		{"nodejs22.x", "testdata/node", "echo.handler", "nodejs22.x"},
		{"python", "testdata/python", "echo.handler", ""},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if c.runtime == "skip" {
				b.Skip("the machine's Node.js is not a runtime Switchboard runs")
			}
			ctx := context.Background()
			var took []time.Duration
			for b.Loop() {
				b.StopTimer()
				f, err := New(Options{Name: "cold-" + c.name, Config: &config.Function{Handler: c.handler, Runtime: c.runtime},
					Root: c.root, CacheDir: benchCacheDir()})
				if err != nil {
					b.Fatal(err)
				}
				if err := f.Start(ctx); err != nil {
					f.Close()
					b.Skipf("%s: %v", c.name, err)
				}
				b.StartTimer()
				start := time.Now()
				_, err = f.InvokeRaw(ctx, []byte(`{"echo":"cold"}`))
				took = append(took, time.Since(start))
				b.StopTimer()
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			slices.Sort(took)
			b.ReportMetric(percentileMS(took, 0.5), "p50-ms")
			b.ReportMetric(percentileMS(took, 0.9), "p90-ms")
		})
	}
}

// percentileMS is the q-th quantile of sorted durations, in milliseconds (nearest rank).
func percentileMS(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// machineNodeRuntime is the runtime of the machine's node ("nodejs20.x"), or "skip".
func machineNodeRuntime() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "skip"
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	switch major {
	case "18", "20", "22", "24":
		return "nodejs" + major + ".x"
	}
	return "skip"
}

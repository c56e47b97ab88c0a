package bench

import (
	"bytes"
	"os"
	"testing"
)

// TestMeasureBaseline records the baseline figures the performance budget refers to: closed loop
// against the bare echo server for 10 s with C=1 and C=100. It is a measurement, not a check of
// speed, so it only runs when asked:
//
//	go run ./bench/echo -listen 127.0.0.1:0            # prints ws://127.0.0.1:PORT/
//	SWITCHBOARD_BENCH_MEASURE=1 SWITCHBOARD_BENCH_URL=ws://127.0.0.1:PORT/ \
//	    go test -run TestMeasureBaseline -v ./internal/bench/
//
// Without SWITCHBOARD_BENCH_URL the echo server runs in the test process (and shares its CPUs).
func TestMeasureBaseline(t *testing.T) {
	if os.Getenv("SWITCHBOARD_BENCH_MEASURE") == "" {
		t.Skip("set SWITCHBOARD_BENCH_MEASURE=1 to measure")
	}
	url := os.Getenv("SWITCHBOARD_BENCH_URL")
	if url == "" {
		url = wsURL(t, EchoHandler())
	}
	for _, c := range []string{"1", "100"} {
		t.Run("C="+c, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(t.Context(), []string{"--json", "-c", c, "--warmup", "1s", "--duration", "10s", url}, &stdout, &stderr)
			t.Logf("progress:\n%s", stderr.String())
			t.Logf("report: %s", stdout.String())
			if code != exitOK {
				t.Errorf("exit %d", code)
			}
		})
	}
}

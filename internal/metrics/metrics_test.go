package metrics

import (
	"bytes"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape gathers regs and parses the text format back with Prometheus's own parser.
func scrape(t *testing.T, regs ...*Registry) map[string]*dto.MetricFamily {
	t.Helper()
	g, err := NewGatherer(regs...)
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(&buf)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	return parsed
}

// value finds the metric of family name whose labels are exactly want and returns its counter,
// gauge or histogram count; found is false when there is none.
func value(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, found bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
	for _, m := range mf.Metric {
		if len(m.Label) != len(want) {
			continue
		}
		match := true
		for _, l := range m.Label {
			if want[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func TestCountingRules(t *testing.T) {
	r := New(Options{API: "abcdef1234", Stage: "prod"})
	r.SetConnections(func() int { return 7 })
	r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Outcome: OK, Latency: 2 * time.Millisecond})
	r.Request(Request{Kind: KindConnect, Route: "$connect", Outcome: Throttled, Latency: -1})
	r.Request(Request{Kind: KindConnect, Route: "$connect", Outcome: ClientError, Latency: -1})
	r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Outcome: IntegrationError, Latency: time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: OK, Latency: 3 * time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "", Outcome: ClientError, Latency: -1})
	r.Request(Request{Kind: KindMessage, Route: "boom", Outcome: ExecutionError, Latency: 40 * time.Millisecond})
	r.Request(Request{Kind: KindDisconnect, Route: "$disconnect", Outcome: OK, Latency: time.Millisecond})
	r.Sent("echo")
	r.Sent("")
	r.Dropped()
	f := r.Function("chat-send")
	f.ColdStart()
	f.Invoked(5*time.Millisecond, false, false)
	f.Invoked(time.Second, true, true)
	f.Throttled()

	mfs := scrape(t, r)
	stage := map[string]string{"api": "abcdef1234", "stage": "prod"}
	fn := map[string]string{"api": "abcdef1234", "stage": "prod", "function": "chat-send"}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"apigateway_connect_count_total", stage, 2},
		{"apigateway_message_count_total", stage, 5},
		{"apigateway_client_error_total", stage, 3},
		{"apigateway_integration_error_total", stage, 1},
		{"apigateway_execution_error_total", stage, 1},
		{"apigateway_integration_latency_seconds", stage, 5},
		{"switchboard_throttled_requests_total", stage, 1},
		{"switchboard_connections", stage, 7},
		{"switchboard_dropped_messages_total", stage, 1},
		{"switchboard_function_invocations_total", fn, 2},
		{"switchboard_function_errors_total", fn, 1},
		{"switchboard_function_timeouts_total", fn, 1},
		{"switchboard_function_throttles_total", fn, 1},
		{"switchboard_function_cold_starts_total", fn, 1},
		{"switchboard_function_duration_seconds", fn, 2},
	} {
		if got, ok := value(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	for name, mf := range mfs {
		if strings.HasPrefix(name, "apigateway_") {
			for _, m := range mf.Metric {
				for _, l := range m.Label {
					if l.GetName() == "route" {
						t.Errorf("%s has a route label without detailed metrics: %v", name, m.Label)
					}
				}
			}
		}
	}
	h := mfs["apigateway_integration_latency_seconds"].Metric[0].Histogram
	if want := 0.047; math.Abs(h.GetSampleSum()-want) > 1e-9 {
		t.Errorf("latency sum %v s, want %v", h.GetSampleSum(), want)
	}
	if _, ok := mfs["go_goroutines"]; !ok {
		t.Error("no Go collector")
	}
	if _, ok := mfs["process_open_fds"]; !ok {
		t.Error("no process collector")
	}
}

func TestDetailedRoutes(t *testing.T) {
	r := New(Options{API: "abcdef1234", Stage: "prod", Detailed: true})
	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: OK, Latency: time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: OK, Latency: time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "send", Outcome: IntegrationError, Latency: time.Millisecond})
	r.Sent("")
	mfs := scrape(t, r)
	for _, c := range []struct {
		route string
		want  float64
	}{{"echo", 2}, {"send", 1}, {"", 1}} {
		labels := map[string]string{"api": "abcdef1234", "stage": "prod"}
		if c.route != "" {
			labels["route"] = c.route
		}
		if got, ok := value(mfs, "apigateway_message_count_total", labels); !ok || got != c.want {
			t.Errorf("message count %v = %v (found %v), want %v", labels, got, ok, c.want)
		}
	}
	now := time.Unix(1_800_000_000, 0)
	if v, err := r.Metric("MessageCount", MetricOptions{Statistic: "Sum", Route: "echo"}, now); err != nil || v != 2 {
		t.Errorf("MessageCount Sum for echo = %v, %v; want 2", v, err)
	}
	if v, err := r.Metric("MessageCount", MetricOptions{Statistic: "Sum"}, now); err != nil || v != 4 {
		t.Errorf("MessageCount Sum for the stage = %v, %v; want 4", v, err)
	}
	r.SetDetailed(false)
	if _, err := r.Metric("MessageCount", MetricOptions{Route: "nosuch"}, now); err == nil {
		t.Error("a route without detailed metrics gave no error")
	}
}

func TestMetricWindow(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	r := New(Options{API: "abcdef1234", Stage: "prod", Resolution: 10 * time.Second, Retention: time.Hour})
	at := func(d time.Duration) time.Time { return start.Add(d) }
	tick := func(from, to time.Duration) {
		for d := from; d <= to; d += 10 * time.Second {
			r.Tick(at(d))
		}
	}
	// Minute 0: 3 connects, latencies 1, 2, 3 ms.
	for i := 1; i <= 3; i++ {
		r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Latency: time.Duration(i) * time.Millisecond})
	}
	tick(10*time.Second, 6*time.Minute)
	// Minute 6: 2 connects, latencies 100 ms and 200 ms, one an integration error.
	r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Latency: 100 * time.Millisecond})
	r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Outcome: IntegrationError, Latency: 200 * time.Millisecond})
	now := at(6*time.Minute + 5*time.Second)

	check := func(name string, o MetricOptions, want float64) {
		t.Helper()
		got, err := r.Metric(name, o, now)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("%s %+v = %v, %v; want %v", name, o, got, err, want)
		}
	}
	check("ConnectCount", MetricOptions{Statistic: "Sum"}, 2) // default period: 5 minutes
	check("ConnectCount", MetricOptions{Statistic: "Sum", Period: 10 * time.Minute}, 5)
	check("ConnectCount", MetricOptions{Statistic: "SampleCount", Period: 10 * time.Minute}, 5)
	check("ConnectCount", MetricOptions{Statistic: "Average"}, 1)
	check("IntegrationError", MetricOptions{Statistic: "Sum"}, 1)
	check("IntegrationLatency", MetricOptions{Statistic: "Average"}, 150)
	check("IntegrationLatency", MetricOptions{Statistic: "Minimum"}, 100)
	check("IntegrationLatency", MetricOptions{Statistic: "Maximum"}, 200)
	check("IntegrationLatency", MetricOptions{Statistic: "Sum"}, 300)
	check("IntegrationLatency", MetricOptions{Statistic: "Minimum", Period: 10 * time.Minute}, 1)
	check("IntegrationLatency", MetricOptions{Statistic: "avg", Period: 10 * time.Minute}, 306.0/5)
	// p100 is the largest; p0 the smallest; p50 of {100, 200} lies in the 100-250 ms bucket.
	check("IntegrationLatency", MetricOptions{Statistic: "p100"}, 200)
	check("IntegrationLatency", MetricOptions{Statistic: "p0"}, 100)
	if v, err := r.Metric("IntegrationLatency", MetricOptions{Statistic: "p50"}, now); err != nil || v < 100 || v > 200 {
		t.Errorf("p50 = %v, %v; want between 100 and 200", v, err)
	}

	// A quiet period: no datapoints.
	later := at(20 * time.Minute)
	tick(6*time.Minute+10*time.Second, 20*time.Minute)
	if v, err := r.Metric("ConnectCount", MetricOptions{Statistic: "Sum"}, later); err != nil || v != 0 {
		t.Errorf("quiet Sum = %v, %v; want 0", v, err)
	}
	if _, err := r.Metric("IntegrationLatency", MetricOptions{Statistic: "Average"}, later); !errors.Is(err, ErrNoData) {
		t.Errorf("quiet Average: err %v, want ErrNoData", err)
	}

	for _, bad := range []struct {
		name string
		o    MetricOptions
	}{
		{"Latency", MetricOptions{}},
		{"ConnectCount", MetricOptions{Statistic: "Median"}},
		{"ConnectCount", MetricOptions{Statistic: "p101"}},
		{"ConnectCount", MetricOptions{Period: 2 * time.Hour}},
		{"ConnectCount", MetricOptions{Period: -time.Second}},
	} {
		if _, err := r.Metric(bad.name, bad.o, later); err == nil {
			t.Errorf("%s %+v: no error", bad.name, bad.o)
		}
	}
}

func TestHistoryEviction(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	r := New(Options{Resolution: time.Minute, Retention: 5 * time.Minute})
	r.Request(Request{Kind: KindMessage, Latency: -1})
	for i := 1; i <= 30; i++ {
		r.Tick(start.Add(time.Duration(i) * 10 * time.Second)) // ticking faster than promised
	}
	if _, err := r.Metric("MessageCount", MetricOptions{Statistic: "Sum", Period: 5 * time.Minute}, start.Add(5*time.Minute)); err == nil {
		t.Error("a period beyond the history kept gave no error")
	}
}

func TestQuantile(t *testing.T) {
	b := make([]uint64, nBuckets)
	b[len(b)-1] = 4 // all above the last bound
	if v, ok := quantile(0.5, b, noMin, noMax); !ok || v != float64(boundNanos[len(boundNanos)-1]) {
		t.Errorf("+Inf quantile = %v, %v", v, ok)
	}
	if _, ok := quantile(0.5, make([]uint64, nBuckets), noMin, noMax); ok {
		t.Error("quantile of nothing is ok")
	}
}

// TestIsALeaf keeps the package a leaf: it imports no other Switchboard package.
func TestIsALeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/switchboardhq/switchboard") && !strings.HasSuffix(dep, "/metrics") {
			t.Errorf("imports %s", dep)
		}
	}
}

package metrics

import (
	"testing"
	"time"
)

func TestSnapshotCountsRoutesAndDifferences(t *testing.T) {
	r := New(Options{API: "abc", Stage: "local", Detailed: true})
	r.Request(Request{Kind: KindConnect, Route: "$connect", Reached: true, Outcome: OK, Latency: 2 * time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: OK, Latency: 3 * time.Millisecond})
	r.Sent("") // an @connections post: the stage's own series
	before := r.Snapshot()

	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: IntegrationError, Latency: 20 * time.Millisecond})
	r.Request(Request{Kind: KindMessage, Route: "echo", Outcome: Throttled, Latency: -1})
	r.Request(Request{Kind: KindMessage, Route: "boom", Outcome: ExecutionError, Latency: 40 * time.Millisecond})
	r.Dropped()
	r.Function("chat-send").Invoked(5*time.Millisecond, true, false)
	after := r.Snapshot()

	if !after.Detailed || after.Dropped != 1 {
		t.Errorf("Detailed %v Dropped %d, want true 1", after.Detailed, after.Dropped)
	}
	if got := before.Stage.Messages; got != 2 {
		t.Errorf("stage messages before = %d, want 2 (echo and the post)", got)
	}
	var keys []string
	for _, c := range after.Routes {
		keys = append(keys, c.Route)
	}
	if want := []string{"$connect", "boom", "echo"}; len(keys) != 3 || keys[0] != want[0] || keys[1] != want[1] || keys[2] != want[2] {
		t.Fatalf("routes %v, want %v", keys, want)
	}
	echo := after.Routes[2].Sub(before.Routes[1])
	if echo.Messages != 2 || echo.IntegrationErrors != 1 || echo.ClientErrors != 1 || echo.Throttled != 1 || echo.Errors() != 2 {
		t.Errorf("echo difference %+v", echo)
	}
	if n := echo.Latency.Count(); n != 1 {
		t.Errorf("echo latency count = %d, want 1 (the throttled message ran no integration)", n)
	}
	if m, ok := echo.Latency.Mean(); !ok || m != 20*time.Millisecond {
		t.Errorf("echo mean latency = %v %v, want 20ms", m, ok)
	}
	if p, ok := echo.Latency.Quantile(0.99); !ok || p <= 10*time.Millisecond || p > 25*time.Millisecond {
		t.Errorf("echo p99 = %v %v, want in the (10ms, 25ms] bucket", p, ok)
	}
	stage := after.Stage.Sub(before.Stage)
	if stage.Messages != 3 || stage.Errors() != 3 || stage.Latency.Count() != 2 {
		t.Errorf("stage difference %+v, want 3 messages, 3 errors, 2 latencies", stage)
	}
	if len(after.Functions) != 1 || after.Functions[0].Name != "chat-send" || after.Functions[0].Invocations != 1 || after.Functions[0].Errors != 1 {
		t.Errorf("functions %+v", after.Functions)
	}
	if _, ok := (Latency{}).Quantile(0.5); ok {
		t.Error("an empty histogram has a quantile")
	}
	if z := before.Stage.Sub(after.Stage); z.Messages != 0 || z.Latency.Count() != 0 {
		t.Errorf("a difference backwards is %+v, want zeros", z)
	}
}

package wsserver

import (
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/config"
)

func TestThrottleBuckets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	th := newThrottle(config.Throttle{RateLimit: 2, BurstLimit: 3}, clock)
	take := func(key string, want ...bool) {
		t.Helper()
		for i, w := range want {
			if got := th.allow(key); got != w {
				t.Fatalf("%s request %d at %v: allowed %v, want %v", key, i+1, now.Format("15:04:05.000"), got, w)
			}
		}
	}
	take("a", true, true, true, false) // a full bucket of 3, then empty
	take("b", true, true, true, false) // each route has its own bucket
	now = now.Add(400 * time.Millisecond)
	take("a", false) // 0.8 tokens
	now = now.Add(100 * time.Millisecond)
	take("a", true, false) // 1 token at 2/s after 0.5 s
	now = now.Add(time.Hour)
	take("a", true, true, true, false) // refills to the burst, not beyond
	now = now.Add(-time.Second)
	take("a", false) // a clock that steps back adds nothing

	if th := newThrottle(config.Throttle{}, clock); th != nil || !th.allow("a") {
		t.Error("a zero throttle should be nil and allow everything")
	}
}

// TestThrottledHandshakesAndMessages: past the bucket, a handshake is refused with 429 and a
// message closes its connection with 1008 (whose $disconnect says so); $connect and a message
// route have buckets of their own.
func TestThrottledHandshakesAndMessages(t *testing.T) {
	rec := newRecorder()
	h := newHarnessWith(t, map[string]*Route{"echo": echoRoute(), "$disconnect": {Invoker: rec.handler(ok200, nil)}},
		config.Limits{}, func(o *Options) { o.Throttle = config.Throttle{RateLimit: 0.001, BurstLimit: 2} })
	c1 := h.mustDial()
	c2 := h.mustDial()
	if c, resp, err := h.dial(nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("third handshake: %v, %v; want 429", resp, err)
	}
	defer c2.CloseNow()
	for i := 0; i < 2; i++ {
		write(t, c1, `{"action":"echo"}`)
		if got := readText(t, c1); got != `{"action":"echo"}` {
			t.Fatalf("message %d: got %q", i+1, got)
		}
	}
	write(t, c1, `{"action":"echo"}`)
	if code := closeStatus(t, c1); code != websocket.StatusPolicyViolation {
		t.Fatalf("third message: close %v, want 1008", code)
	}
	if d := rec.next(t); d.RequestContext.DisconnectStatusCode != 1008 {
		t.Errorf("disconnect code %d, want 1008", d.RequestContext.DisconnectStatusCode)
	}
	// The bucket is the route's: c2's message is throttled too.
	write(t, c2, `{"action":"echo"}`)
	if code := closeStatus(t, c2); code != websocket.StatusPolicyViolation {
		t.Errorf("c2's message: close %v, want 1008", code)
	}
}

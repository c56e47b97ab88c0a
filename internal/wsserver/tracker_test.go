package wsserver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// trackerLog records what a Tracker is told.
type trackerLog struct {
	mu     sync.Mutex
	opened []event.Conn
	closed []string
}

func (l *trackerLog) Opened(c *event.Conn) {
	l.mu.Lock()
	l.opened = append(l.opened, *c)
	l.mu.Unlock()
}
func (l *trackerLog) Closed(c *event.Conn) {
	l.mu.Lock()
	l.closed = append(l.closed, c.ConnectionID)
	l.mu.Unlock()
}

func (l *trackerLog) counts() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.opened), len(l.closed)
}

// TestTrackerSeesConnectionsComeAndGo: the tracker learns of a connection once $connect allowed
// it, with its identity, and of its end before $disconnect runs; a refused handshake is never
// tracked.
func TestTrackerSeesConnectionsComeAndGo(t *testing.T) {
	rec := newRecorder()
	log := &trackerLog{}
	refuse := true
	var mu sync.Mutex
	h := newHarnessWith(t, map[string]*Route{
		"$connect": {Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			if refuse {
				refuse = false
				return &event.Response{StatusCode: 403}, nil
			}
			return ok200, nil
		})},
		"$disconnect": {Invoker: rec.handler(ok200, nil)},
	}, config.Limits{}, func(o *Options) { o.Tracker = log })

	if c, _, err := h.dial(nil); err == nil {
		c.CloseNow()
		t.Fatal("first handshake should be refused")
	}
	if o, c := log.counts(); o != 0 || c != 0 {
		t.Fatalf("refused handshake tracked: %d opened, %d closed", o, c)
	}
	c := h.mustDial()
	if o, _ := log.counts(); o != 1 {
		t.Fatalf("opened %d, want 1", o)
	}
	log.mu.Lock()
	got := log.opened[0]
	log.mu.Unlock()
	if got.ConnectionID == "" || got.Identity.SourceIP != "127.0.0.1" || got.ConnectedAt == 0 || got.Stage != "test" {
		t.Fatalf("opened with %+v", got)
	}
	c.CloseNow()
	ev := rec.next(t)
	if ev.RequestContext.ConnectionID != got.ConnectionID {
		t.Fatalf("$disconnect for %s, want %s", ev.RequestContext.ConnectionID, got.ConnectionID)
	}
	log.mu.Lock()
	closed := append([]string(nil), log.closed...)
	log.mu.Unlock()
	if len(closed) != 1 || closed[0] != got.ConnectionID {
		t.Fatalf("closed %v, want [%s] before $disconnect", closed, got.ConnectionID)
	}
}

// TestDeliverDisconnectForAnotherNode: a connection this server never held gets its DISCONNECT
// event from the recorded fields, with the code and reason given.
func TestDeliverDisconnectForAnotherNode(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, map[string]*Route{"$disconnect": {Invoker: rec.handler(ok200, nil)}}, config.Limits{})
	other := event.NewIDs(event.NewNodeID())
	c := &event.Conn{ConnectionID: other.ConnectionID(), ConnectedAt: 1_700_000_000_000, Stage: "test", APIID: "abcdef1234",
		DomainName: "example.com", Identity: event.Identity{SourceIP: "192.0.2.1", UserAgent: "ua"},
		Authorizer: map[string]any{"principalId": "me"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.srv.DeliverDisconnect(ctx, c, 1006, event.CloseReason(1006))
	ev := rec.next(t)
	rc := ev.RequestContext
	if rc.EventType != event.TypeDisconnect || rc.ConnectionID != c.ConnectionID || rc.DisconnectStatusCode != 1006 ||
		rc.ConnectedAt != c.ConnectedAt || rc.Identity.SourceIP != "192.0.2.1" || rc.Authorizer["principalId"] != "me" ||
		*rc.DisconnectReason != "Abnormal closure" || ev.Headers["Host"] != "example.com" {
		t.Fatalf("DISCONNECT event %+v", ev)
	}
}

func TestThrottleShare(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	th := newThrottle(config.Throttle{RateLimit: 10, BurstLimit: 6}, func() time.Time { return now })
	th.setShare(3) // 10/3 per second, burst 2
	for i, want := range []bool{true, true, false} {
		if got := th.allow("a"); got != want {
			t.Fatalf("request %d: %v, want %v", i+1, got, want)
		}
	}
	now = now.Add(300 * time.Millisecond) // 1 token at 10/3 per second
	if !th.allow("a") || th.allow("a") {
		t.Fatal("refill at a third of the rate")
	}
	th.setShare(100) // burst 0.06 becomes 1: a node always lets one request through
	now = now.Add(time.Hour)
	if !th.allow("a") || th.allow("a") {
		t.Fatal("a share's burst is at least one token")
	}
	th.setShare(1)
	now = now.Add(time.Hour)
	for i := 0; i < 6; i++ {
		if !th.allow("a") {
			t.Fatalf("full limits again: request %d refused", i+1)
		}
	}
	var nilThrottle *throttle
	nilThrottle.setShare(2) // no throttling: nothing to do, no panic
}

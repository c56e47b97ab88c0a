package wsserver

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// TestDeployUnderOpenConnection: a deployment changes the routes and stage variables of an open
// connection's next message, and the limits of new connections only.
func TestDeployUnderOpenConnection(t *testing.T) {
	rec := newRecorder()
	h := newHarnessWith(t, map[string]*Route{
		"echo": {Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "v1"}, nil), ReturnResponse: true},
	}, config.Limits{MaxMessageBytes: 64, MaxFrameBytes: 64, SendQueueBytes: 64}, func(o *Options) {
		o.StageVariables = map[string]string{"version": "1"}
	})
	old := h.mustDial()
	write(t, old, `{"action":"echo"}`)
	if got := readText(t, old); got != "v1" {
		t.Fatalf("before: %q", got)
	}
	if v := rec.next(t).StageVariables["version"]; v != "1" {
		t.Fatalf("stage variable before: %q", v)
	}

	d := h.srv.dep.Load().deployment()
	d.Routes = h.srv.Routes().With(map[string]*Route{
		"echo":  {Key: "echo", ReturnResponse: true, Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "v2"}, nil)},
		"added": {Key: "added", ReturnResponse: true, Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "new"}, nil)},
	})
	d.StageVariables = map[string]string{"version": "2"}
	d.Limits = config.Limits{MaxMessageBytes: 4096}
	h.srv.Deploy(d)

	write(t, old, `{"action":"added"}`)
	if got := readText(t, old); got != "new" {
		t.Fatalf("the open connection's next message did not take the added route: %q", got)
	}
	if v := rec.next(t).StageVariables["version"]; v != "2" {
		t.Fatalf("stage variable after the deployment: %q", v)
	}
	// The open connection keeps its 64-byte message limit; a new one gets 4096.
	fresh := h.mustDial()
	long := `{"action":"echo","pad":"` + strings.Repeat("x", 200) + `"}`
	write(t, fresh, long)
	if got := readText(t, fresh); got != "v2" {
		t.Fatalf("new connection: %q", got)
	}
	write(t, old, long)
	if code := closeStatus(t, old); code != websocket.StatusMessageTooBig {
		t.Fatalf("open connection after a 200-byte message: close %v, want 1009 (its own limit)", code)
	}
}

// observed records what an Observer hears.
type observed struct {
	mu       sync.Mutex
	requests []Request
	sent     []string
	dropped  int
}

func (o *observed) Request(r Request) { o.mu.Lock(); o.requests = append(o.requests, r); o.mu.Unlock() }
func (o *observed) Sent(route string) { o.mu.Lock(); o.sent = append(o.sent, route); o.mu.Unlock() }
func (o *observed) Dropped()          { o.mu.Lock(); o.dropped++; o.mu.Unlock() }

func TestObserverHearsOutcomes(t *testing.T) {
	obs := &observed{}
	h := newHarnessWith(t, map[string]*Route{
		"$connect": {Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
			return ok200, nil
		})},
		"echo": {ReturnResponse: true, Invoker: integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
			return &event.Response{StatusCode: 200, Body: "pong"}, nil
		})},
		"bad": {Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
			return &event.Response{StatusCode: 500}, nil
		})},
		"boom": {Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
			return nil, context.Canceled
		})},
	}, config.Limits{}, func(o *Options) { o.Observer = obs })
	c := h.mustDial()
	for _, m := range []string{`{"action":"echo"}`, `{"action":"bad"}`, `{"action":"boom"}`, `{"action":"none"}`} {
		write(t, c, m)
		if m == `{"action":"bad"}` {
			continue // one-way: nothing comes back
		}
		readText(t, c)
	}
	id := h.connectedID(newRecorderWith(t, h, c))
	if err := h.srv.PostToConnection(context.Background(), id, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	readText(t, c)

	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []struct {
		kind    RequestKind
		route   string
		reached bool
		outcome Outcome
		latency bool
	}{
		{RequestConnect, "$connect", true, OutcomeOK, true},
		{RequestMessage, "echo", false, OutcomeOK, true},
		{RequestMessage, "bad", false, OutcomeIntegrationError, true},
		{RequestMessage, "boom", false, OutcomeExecutionError, true},
		{RequestMessage, "", false, OutcomeClientError, false},
	}
	if len(obs.requests) < len(want) {
		t.Fatalf("observer heard %d requests, want %d: %+v", len(obs.requests), len(want), obs.requests)
	}
	for i, w := range want {
		r := obs.requests[i]
		if r.Kind != w.kind || r.Route != w.route || r.Reached != w.reached || r.Outcome != w.outcome || (r.Latency >= 0) != w.latency {
			t.Errorf("request %d: %+v, want %+v", i, r, w)
		}
	}
	if strings.Join(obs.sent, ",") != "echo,whoami," {
		t.Errorf("sent %q, want the two responses and one post", obs.sent)
	}
}

// newRecorderWith finds c's connection id through a two-way route that returns it; it returns
// a recorder holding that connection's CONNECT event.
func newRecorderWith(t *testing.T, h *harness, c *websocket.Conn) *recorder {
	t.Helper()
	rec := newRecorder()
	h.srv.SetRoutes(h.srv.Routes().With(map[string]*Route{"whoami": {Key: "whoami", ReturnResponse: true,
		Invoker: integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
			rec.add(req)
			return &event.Response{StatusCode: 200, Body: "me"}, nil
		})}}))
	write(t, c, `{"action":"whoami"}`)
	readText(t, c)
	return rec
}

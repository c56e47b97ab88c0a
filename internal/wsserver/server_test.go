package wsserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/route"
)

// recorder collects the events integrations receive.
type recorder struct {
	mu     sync.Mutex
	events []*event.Request
	ch     chan *event.Request
}

func newRecorder() *recorder { return &recorder{ch: make(chan *event.Request, 100)} }

func (r *recorder) add(req *event.Request) {
	r.mu.Lock()
	r.events = append(r.events, req)
	r.mu.Unlock()
	r.ch <- req
}

// next waits for the next recorded event.
func (r *recorder) next(t *testing.T) *event.Request {
	t.Helper()
	select {
	case e := <-r.ch:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event arrived")
		return nil
	}
}

// handler returns an integration that records the event and answers with resp.
func (r *recorder) handler(resp *event.Response, err error) integration.Invoker {
	return integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
		r.add(req)
		return resp, err
	})
}

type harness struct {
	t   *testing.T
	srv *Server
	hs  *httptest.Server
	url string
}

func newHarness(t *testing.T, routes map[string]*Route, limits config.Limits) *harness {
	t.Helper()
	return newHarnessWith(t, routes, limits, nil)
}

// newHarnessWith is newHarness with edit applied to the server's options first.
func newHarnessWith(t *testing.T, routes map[string]*Route, limits config.Limits, edit func(*Options)) *harness {
	t.Helper()
	expr, err := route.Parse("$request.body.action")
	if err != nil {
		t.Fatal(err)
	}
	for k, r := range routes {
		r.Key = k
	}
	opts := Options{
		Stage:  "test",
		APIID:  "abcdef1234",
		Routes: route.NewTable(expr, routes),
		IDs:    event.NewIDs(event.NewNodeID()),
		Limits: limits,
	}
	if edit != nil {
		edit(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	h := &harness{t: t, srv: srv, hs: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/test"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return h
}

func (h *harness) dial(opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, h.url+"?room=lobby&room=main", opts)
	if c != nil {
		c.SetReadLimit(1 << 20)
	}
	return c, resp, err
}

func (h *harness) mustDial() *websocket.Conn {
	h.t.Helper()
	c, _, err := h.dial(nil)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	h.t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func readText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("got a %v frame, want text", typ)
	}
	return string(b)
}

func write(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// closeStatus reads until the server closes and returns the close code it sent.
func closeStatus(t *testing.T, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

var ok200 = &event.Response{StatusCode: 200}

// connectedID waits for the next CONNECT event and then until the connection is registered: like
// AWS, the gateway answers 410 for a connection whose $connect has not finished.
func (h *harness) connectedID(rec *recorder) string {
	h.t.Helper()
	id := rec.next(h.t).RequestContext.ConnectionID
	for i := 0; i < 1000; i++ {
		if _, err := h.srv.GetConnection(context.Background(), id); err == nil {
			return id
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("connection %s never became ready", id)
	return ""
}

func TestRoutingEventsAndErrorFrames(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, map[string]*Route{
		"$connect":    {Invoker: rec.handler(ok200, nil)},
		"$default":    {Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "from default"}, nil), ReturnResponse: true},
		"sendMessage": {Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "ignored: one-way"}, nil)},
		"echo": {Invoker: integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
			return &event.Response{StatusCode: 200, Body: *req.Body}, nil
		}), ReturnResponse: true},
		"boom": {Invoker: rec.handler(nil, errors.New("handler crashed")), ReturnResponse: true},
	}, config.Limits{})

	c, _, err := h.dial(&websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {"switchboard-test"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()

	conn := rec.next(t)
	if conn.RequestContext.EventType != "CONNECT" || conn.RequestContext.RouteKey != "$connect" {
		t.Fatalf("first event = %s %s, want CONNECT $connect", conn.RequestContext.EventType, conn.RequestContext.RouteKey)
	}
	if got := conn.QueryStringParameters["room"]; got != "main" {
		t.Errorf("queryStringParameters.room = %q, want the last value %q", got, "main")
	}
	if got := conn.MultiValueQueryStringParameters["room"]; len(got) != 2 {
		t.Errorf("multiValueQueryStringParameters.room = %v, want both values", got)
	}
	if conn.Headers["User-Agent"] != "switchboard-test" || conn.RequestContext.Identity.UserAgent != "switchboard-test" {
		t.Errorf("user agent not carried: headers %v identity %+v", conn.Headers, conn.RequestContext.Identity)
	}
	if _, ok := conn.Headers["Upgrade"]; ok {
		t.Errorf("Upgrade header must be stripped from CONNECT events")
	}
	connID := conn.RequestContext.ConnectionID

	// A custom route is one-way: nothing comes back, the next reply belongs to the next message.
	write(t, c, `{"action":"sendMessage","data":"hi"}`)
	msg := rec.next(t)
	if msg.RequestContext.RouteKey != "sendMessage" || *msg.Body != `{"action":"sendMessage","data":"hi"}` {
		t.Fatalf("sendMessage event: route %q body %q", msg.RequestContext.RouteKey, *msg.Body)
	}
	if msg.RequestContext.MessageID == "" || msg.Headers != nil || msg.RequestContext.ConnectionID != connID {
		t.Fatalf("MESSAGE event must carry messageId, no headers, the connection id: %+v", msg)
	}

	write(t, c, `{"action":"echo","n":1}`)
	if got := readText(t, c); got != `{"action":"echo","n":1}` {
		t.Fatalf("two-way echo replied %q", got)
	}

	// Unmatched keys and non-JSON bodies go to $default.
	for _, body := range []string{`{"action":"nope"}`, `not json`, ``} {
		write(t, c, body)
		if got := readText(t, c); got != "from default" {
			t.Fatalf("body %q: reply %q, want $default's", body, got)
		}
		if e := rec.next(t); e.RequestContext.RouteKey != "$default" || *e.Body != body {
			t.Fatalf("body %q reached route %q with body %q", body, e.RequestContext.RouteKey, *e.Body)
		}
	}

	// A failing integration gives AWS's Internal server error frame and the connection stays.
	write(t, c, `{"action":"boom"}`)
	rec.next(t)
	frame := readText(t, c)
	var f struct{ Message, ConnectionID, RequestID string }
	if err := json.Unmarshal([]byte(frame), &f); err != nil {
		t.Fatalf("error frame %q is not JSON: %v", frame, err)
	}
	want := `{"message": "Internal server error", "connectionId":"` + connID + `", "requestId":"` + f.RequestID + `"}`
	if frame != want || len(f.RequestID) != 16 {
		t.Fatalf("error frame\n got %s\nwant %s", frame, want)
	}
	write(t, c, `{"action":"echo","still":"connected"}`)
	if got := readText(t, c); got != `{"action":"echo","still":"connected"}` {
		t.Fatalf("after an error frame: %q", got)
	}
}

func TestForbiddenFrameWithoutDefault(t *testing.T) {
	h := newHarness(t, map[string]*Route{
		"echo": {Invoker: integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
			return &event.Response{StatusCode: 200, Body: "ok"}, nil
		}), ReturnResponse: true},
	}, config.Limits{})
	c := h.mustDial()
	write(t, c, `{"action":"unknown"}`)
	frame := readText(t, c)
	if !strings.HasPrefix(frame, `{"message": "Forbidden", "connectionId":"`) || !strings.Contains(frame, `", "requestId":"`) {
		t.Fatalf("Forbidden frame = %s", frame)
	}
	write(t, c, `{"action":"echo"}`)
	if got := readText(t, c); got != "ok" {
		t.Fatalf("connection did not stay usable after Forbidden: %q", got)
	}
}

func TestConnectResponses(t *testing.T) {
	for _, tc := range []struct {
		name       string
		resp       *event.Response
		err        error
		wantStatus int
		offer      []string
		wantProto  string
	}{
		{name: "2xx accepts", resp: &event.Response{StatusCode: 201}, wantStatus: 101},
		{name: "non-2xx rejects with that status", resp: &event.Response{StatusCode: 401}, wantStatus: 401},
		{name: "3xx rejects", resp: &event.Response{StatusCode: 302}, wantStatus: 302},
		{name: "handler error gives 502", err: errors.New("crash"), wantStatus: 502},
		{name: "nil response gives 502", wantStatus: 502},
		{name: "subprotocol not echoed unless returned", resp: ok200, offer: []string{"chat"}, wantStatus: 101, wantProto: ""},
		{name: "subprotocol echoed when returned", resp: &event.Response{StatusCode: 200,
			Headers: map[string]string{"Sec-WebSocket-Protocol": "chat"}}, offer: []string{"chat", "other"}, wantStatus: 101, wantProto: "chat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			h := newHarness(t, map[string]*Route{"$connect": {Invoker: rec.handler(tc.resp, tc.err)}}, config.Limits{})
			c, resp, err := h.dial(&websocket.DialOptions{Subprotocols: tc.offer})
			if resp == nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d (err %v)", resp.StatusCode, tc.wantStatus, err)
			}
			if c != nil {
				defer c.CloseNow()
				if got := c.Subprotocol(); got != tc.wantProto {
					t.Fatalf("subprotocol %q, want %q", got, tc.wantProto)
				}
			}
		})
	}
}

func TestPlainHTTPToWebSocketPath(t *testing.T) {
	h := newHarness(t, map[string]*Route{}, config.Limits{})
	resp, err := http.Get(h.hs.URL + "/test")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("plain GET: status %d, want 426", resp.StatusCode)
	}
}

func TestDisconnectDeliveredOnceWithCode(t *testing.T) {
	cases := []struct {
		name       string
		end        func(t *testing.T, h *harness, c *websocket.Conn, id string)
		wantCode   int
		wantReason string
	}{
		{"client close 1000", func(t *testing.T, _ *harness, c *websocket.Conn, _ string) {
			_ = c.Close(websocket.StatusNormalClosure, "")
		}, 1000, ""},
		{"client close with reason", func(t *testing.T, _ *harness, c *websocket.Conn, _ string) {
			_ = c.Close(4000, "bye now")
		}, 4000, "bye now"},
		{"tcp dropped", func(t *testing.T, _ *harness, c *websocket.Conn, _ string) {
			_ = c.CloseNow()
		}, 1006, event.CloseReason(1006)},
		{"DeleteConnection", func(t *testing.T, h *harness, c *websocket.Conn, id string) {
			if err := h.srv.DeleteConnection(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			if code := closeStatus(t, c); code != websocket.StatusNormalClosure {
				t.Errorf("client saw close %v, want 1000", code)
			}
		}, 1000, "Connection Closed Normally"},
		{"shutdown", func(t *testing.T, h *harness, c *websocket.Conn, _ string) {
			go func() { _ = h.srv.Shutdown(context.Background()) }()
			if code := closeStatus(t, c); code != websocket.StatusGoingAway {
				t.Errorf("client saw close %v, want 1001", code)
			}
		}, 1001, event.CloseReason(1001)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			h := newHarness(t, map[string]*Route{
				"$connect":    {Invoker: rec.handler(ok200, nil)},
				"$disconnect": {Invoker: rec.handler(ok200, nil)},
			}, config.Limits{})
			c := h.mustDial()
			id := h.connectedID(rec)
			tc.end(t, h, c, id)
			d := rec.next(t)
			rc := d.RequestContext
			if rc.EventType != "DISCONNECT" || rc.ConnectionID != id || rc.DisconnectStatusCode != tc.wantCode ||
				rc.DisconnectReason == nil || *rc.DisconnectReason != tc.wantReason {
				t.Fatalf("DISCONNECT = %+v (reason %v), want code %d reason %q", rc, deref(rc.DisconnectReason), tc.wantCode, tc.wantReason)
			}
			if len(d.Headers) != 4 || d.Headers["Host"] == "" {
				t.Errorf("DISCONNECT headers = %v, want AWS's four synthetic headers", d.Headers)
			}
			// Exactly once: no second DISCONNECT shows up, even after shutdown.
			_ = h.srv.Shutdown(context.Background())
			select {
			case e := <-rec.ch:
				t.Fatalf("unexpected second event %s", e.RequestContext.EventType)
			default:
			}
			if err := h.srv.PostToConnection(context.Background(), id, []byte("x")); !errors.Is(err, apigw.ErrGone) {
				t.Fatalf("PostToConnection after disconnect: %v, want GoneException", err)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestLimitsCloseCodes(t *testing.T) {
	var rec *recorder
	routes := func() map[string]*Route {
		rec = newRecorder()
		return map[string]*Route{
			"$default":    {Invoker: rec.handler(&event.Response{StatusCode: 200, Body: "ok"}, nil), ReturnResponse: true},
			"$disconnect": {Invoker: rec.handler(ok200, nil)},
		}
	}
	t.Run("message too big closes 1009", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{MaxMessageBytes: 1024})
		c := h.mustDial()
		_ = c.Write(context.Background(), websocket.MessageText, []byte(strings.Repeat("x", 2048)))
		if code := closeStatus(t, c); code != websocket.StatusMessageTooBig {
			t.Fatalf("close %v, want 1009", code)
		}
		if d := rec.next(t); d.RequestContext.DisconnectStatusCode != 1009 {
			t.Fatalf("disconnect code %d, want 1009", d.RequestContext.DisconnectStatusCode)
		}
	})
	t.Run("binary frame closes 1003", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{})
		c := h.mustDial()
		_ = c.Write(context.Background(), websocket.MessageBinary, []byte{1, 2, 3})
		if code := closeStatus(t, c); code != websocket.StatusUnsupportedData {
			t.Fatalf("close %v, want 1003", code)
		}
		if d := rec.next(t); d.RequestContext.DisconnectStatusCode != 1003 {
			t.Fatalf("disconnect code %d, want 1003", d.RequestContext.DisconnectStatusCode)
		}
	})
	t.Run("binary accepted as base64", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{BinaryMessages: config.BinaryBase64})
		c := h.mustDial()
		_ = c.Write(context.Background(), websocket.MessageBinary, []byte{0xff, 0x00, 0x01})
		if got := readText(t, c); got != "ok" {
			t.Fatalf("reply %q", got)
		}
		e := rec.next(t)
		if !e.IsBase64Encoded || *e.Body != "/wAB" || e.RequestContext.RouteKey != "$default" {
			t.Fatalf("binary event: base64 %v body %q route %q", e.IsBase64Encoded, *e.Body, e.RequestContext.RouteKey)
		}
	})
	t.Run("invalid UTF-8 closes 1007", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{})
		c := h.mustDial()
		_ = c.Write(context.Background(), websocket.MessageText, []byte{'{', 0xff, 0xfe, '}'})
		if code := closeStatus(t, c); code != websocket.StatusInvalidFramePayloadData {
			t.Fatalf("close %v, want 1007", code)
		}
		rec.next(t)
	})
	t.Run("idle timeout closes 1001", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{IdleTimeout: 300 * time.Millisecond})
		c := h.mustDial()
		if code := closeStatus(t, c); code != websocket.StatusGoingAway {
			t.Fatalf("close %v, want 1001", code)
		}
		if d := rec.next(t); d.RequestContext.DisconnectStatusCode != 1001 {
			t.Fatalf("disconnect code %d, want 1001", d.RequestContext.DisconnectStatusCode)
		}
	})
	t.Run("maximum duration closes 1001", func(t *testing.T) {
		h := newHarness(t, routes(), config.Limits{MaxConnectionDuration: 300 * time.Millisecond})
		c := h.mustDial()
		if code := closeStatus(t, c); code != websocket.StatusGoingAway {
			t.Fatalf("close %v, want 1001", code)
		}
		rec.next(t)
	})
}

func TestIntegrationTimeoutFrame(t *testing.T) {
	h := newHarness(t, map[string]*Route{
		"$default": {Invoker: integration.Func(func(ctx context.Context, _ *event.Request) (*event.Response, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}), ReturnResponse: true},
	}, config.Limits{IntegrationTimeout: 100 * time.Millisecond})
	c := h.mustDial()
	write(t, c, "slow")
	if got := readText(t, c); !strings.HasPrefix(got, `{"message": "Endpoint request timed out", "connectionId":"`) {
		t.Fatalf("frame %q", got)
	}
}

func TestManagementOperations(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, map[string]*Route{"$connect": {Invoker: rec.handler(ok200, nil)}}, config.Limits{MaxMessageBytes: 64})
	c := h.mustDial()
	id := h.connectedID(rec)
	ctx := context.Background()

	if err := h.srv.PostToConnection(ctx, id, []byte("pushed")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); got != "pushed" {
		t.Fatalf("client got %q", got)
	}
	if err := h.srv.PostToConnection(ctx, id, make([]byte, 65)); !errors.Is(err, apigw.ErrPayloadTooLarge) {
		t.Fatalf("oversized post: %v", err)
	}
	info, err := h.srv.GetConnection(ctx, id)
	if err != nil || info.SourceIP != "127.0.0.1" || info.ConnectedAt.IsZero() || info.LastActiveAt.Before(info.ConnectedAt) {
		t.Fatalf("GetConnection = %+v, %v", info, err)
	}
	if _, err := h.srv.GetConnection(ctx, "AAAAAAAAAAAAAAA="); !errors.Is(err, apigw.ErrGone) {
		t.Fatalf("unknown id: %v", err)
	}
	if err := h.srv.DeleteConnection(ctx, "AAAAAAAAAAAAAAA="); !errors.Is(err, apigw.ErrGone) {
		t.Fatalf("delete unknown id: %v", err)
	}
}

// TestSlowClientQueueIsBounded: a client that never reads cannot make the server buffer without
// bound; posts fail with LimitExceededException once the queue is full.
func TestSlowClientQueueIsBounded(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, map[string]*Route{"$connect": {Invoker: rec.handler(ok200, nil)}},
		config.Limits{SendQueueBytes: 256 << 10, WriteTimeout: time.Minute})
	// A raw client that completes the handshake and then never reads.
	c, _, err := h.dial(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	id := h.connectedID(rec)
	chunk := make([]byte, 64<<10)
	var limited bool
	for i := 0; i < 10000 && !limited; i++ { // 640 MB would be sent if nothing bounded it
		err := h.srv.PostToConnection(context.Background(), id, chunk)
		switch {
		case errors.Is(err, apigw.ErrLimitExceeded):
			limited = true
		case err != nil:
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if !limited {
		t.Fatal("the send queue never filled: memory is unbounded for a client that does not read")
	}
	if _, err := h.srv.GetConnection(context.Background(), id); err != nil {
		t.Fatalf("the connection should stay up while its queue is full: %v", err)
	}
}

func TestSetRoutesAffectsExistingConnections(t *testing.T) {
	h := newHarness(t, map[string]*Route{}, config.Limits{})
	c := h.mustDial()
	write(t, c, `{"action":"late"}`)
	if got := readText(t, c); !strings.Contains(got, `"Forbidden"`) {
		t.Fatalf("before: %q", got)
	}
	h.srv.SetRoutes(h.srv.Routes().With(map[string]*Route{"late": {Key: "late", ReturnResponse: true,
		Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
			return &event.Response{StatusCode: 200, Body: "added"}, nil
		})}}))
	write(t, c, `{"action":"late"}`)
	if got := readText(t, c); got != "added" {
		t.Fatalf("after SetRoutes: %q", got)
	}
}

func TestShutdownRefusesNewHandshakes(t *testing.T) {
	h := newHarness(t, map[string]*Route{}, config.Limits{})
	if err := h.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, resp, err := h.dial(nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v %v", resp, err)
	}
}

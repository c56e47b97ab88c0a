package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/metrics"
)

// fakeAPI is an API whose connections are a map; it records what the dashboard asks of it.
type fakeAPI struct {
	reg *metrics.Registry

	mu      sync.Mutex
	conns   map[string]apigw.ConnectionInfo
	posted  map[string][]string
	deleted []string
	casts   []string
	tap     Tap
	taps    int // SetTap calls with a tap
}

func newFakeAPI(ids ...string) *fakeAPI {
	f := &fakeAPI{reg: metrics.New(metrics.Options{API: "abc", Stage: "local"}),
		conns: map[string]apigw.ConnectionInfo{}, posted: map[string][]string{}}
	for _, id := range ids {
		f.conns[id] = apigw.ConnectionInfo{ConnectionID: id, ConnectedAt: time.Unix(1700000000, 0),
			SourceIP: "127.0.0.1", Tags: map[string]string{"room": "a"}}
	}
	return f
}

func (f *fakeAPI) Info() Info {
	return Info{Name: "chat", ID: "abc", Stage: "local", DeploymentID: "d1",
		Routes:   []Route{{Key: "$default", Target: "Go handler"}},
		Settings: []Setting{{Name: "Stage", Value: "local"}}}
}

func (f *fakeAPI) Connections() apigw.Connections { return f }
func (f *fakeAPI) Directory() apigw.Directory     { return f }
func (f *fakeAPI) ConnectionCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}
func (f *fakeAPI) Traffic() (metrics.Snapshot, bool) { return f.reg.Snapshot(), true }
func (f *fakeAPI) Functions() []Function {
	return []Function{{Name: "chat-send", Route: "send", Handler: "src/send.main", Started: true, MaxConcurrency: 10,
		Workers: []Worker{{Num: 1, PID: 42, State: "idle", Invocations: 3}},
		Logs:    []LogLine{{Worker: 1, Stream: "stdout", Text: "hello"}}}}
}

func (f *fakeAPI) SetTap(t Tap) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tap = t
	if t != nil {
		f.taps++
	}
}

func (f *fakeAPI) currentTap() Tap {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tap
}

func (f *fakeAPI) PostToConnection(_ context.Context, id string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.conns[id]; !ok {
		return apigw.ErrGone
	}
	f.posted[id] = append(f.posted[id], string(data))
	return nil
}

func (f *fakeAPI) GetConnection(_ context.Context, id string) (apigw.ConnectionInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conns[id]
	if !ok {
		return c, apigw.ErrGone
	}
	return c, nil
}

func (f *fakeAPI) DeleteConnection(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.conns[id]; !ok {
		return apigw.ErrGone
	}
	delete(f.conns, id)
	f.deleted = append(f.deleted, id)
	return nil
}

func (f *fakeAPI) ListConnections(_ context.Context, in apigw.ListInput) (apigw.ListOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out apigw.ListOutput
	for _, id := range slices.Sorted(maps.Keys(f.conns)) {
		if id <= in.After {
			continue
		}
		if len(out.Items) == in.Limit {
			out.More = true
			break
		}
		out.Items = append(out.Items, f.conns[id])
	}
	return out, nil
}

func (f *fakeAPI) TagConnection(context.Context, string, map[string]string) error { return nil }
func (f *fakeAPI) UntagConnection(context.Context, string, ...string) error       { return nil }

func (f *fakeAPI) Broadcast(_ context.Context, data []byte, tags map[string]string) (apigw.BroadcastResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.casts = append(f.casts, string(data))
	n := 0
	for _, c := range f.conns {
		if apigw.MatchTags(c.Tags, tags) {
			n++
		}
	}
	return apigw.BroadcastResult{Sent: n}, nil
}

// startDashboard serves a Handler of apis.
func startDashboard(t *testing.T, opts Options) (*Handler, *httptest.Server) {
	t.Helper()
	h := New(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close() // ends the event streams, so that the server can close
		srv.Close()
	})
	return h, srv
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// post sends a dashboard action the way the page does, with header changes applied.
func post(t *testing.T, url, body string, edit func(*http.Request)) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(CSRFHeader, "1")
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestPageAndAssetsAreServedWithAStrictPolicy(t *testing.T) {
	_, srv := startDashboard(t, Options{APIs: []API{newFakeAPI()}})
	for path, want := range map[string]string{"/": "<title>Switchboard dashboard</title>", "/app.js": "EventSource", "/app.css": "prefers-color-scheme"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body without %q", path, resp.StatusCode, want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	if code := getJSON(t, srv.URL+"/nothing-here", nil); code != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d, want 404", code)
	}
}

func TestJSONAPI(t *testing.T) {
	a, b := newFakeAPI("AAA=", "BBB="), newFakeAPI("CCC=")
	_, srv := startDashboard(t, Options{APIs: []API{a, b}})

	var apis []apiView
	if code := getJSON(t, srv.URL+"/api/apis", &apis); code != http.StatusOK || len(apis) != 2 || apis[1].Index != 1 || apis[0].Name != "chat" || len(apis[0].Routes) != 1 {
		t.Fatalf("GET /api/apis: %d %+v", code, apis)
	}

	var page connPage
	getJSON(t, srv.URL+"/api/apis/0/connections?limit=1", &page)
	if len(page.Items) != 1 || page.Items[0].ID != "AAA=" || page.Next != "AAA=" || page.Items[0].Tags["room"] != "a" {
		t.Errorf("first page %+v", page)
	}
	page = connPage{}
	getJSON(t, srv.URL+"/api/apis/0/connections?limit=1&after=AAA%3D", &page)
	if len(page.Items) != 1 || page.Items[0].ID != "BBB=" || page.Next != "" {
		t.Errorf("second page %+v", page)
	}
	if code := getJSON(t, srv.URL+"/api/apis/2/connections", nil); code != http.StatusNotFound {
		t.Errorf("an API out of range: %d, want 404", code)
	}
	if code := getJSON(t, srv.URL+"/api/apis/0/connections?limit=0", nil); code != http.StatusBadRequest {
		t.Errorf("limit=0: %d, want 400", code)
	}

	// The first request installed the taps; a frame is then in the connection's detail.
	a.currentTap().Frame("AAA=", true, false, []byte(`{"action":"hi"}`), time.Unix(1700000001, 0))
	var d connDetail
	if code := getJSON(t, srv.URL+"/api/apis/0/connections/AAA=", &d); code != http.StatusOK || d.Connection == nil || !d.Recorded ||
		len(d.Frames) != 1 || d.Frames[0].Data != `{"action":"hi"}` || !d.Frames[0].Inbound {
		t.Errorf("detail: %d %+v", code, d)
	}

	if code, out := post(t, srv.URL+"/api/apis/0/connections/AAA=/messages", `{"data":"hello"}`, nil); code != http.StatusOK || out["sent"] != 1.0 {
		t.Errorf("send: %d %v", code, out)
	}
	if code, out := post(t, srv.URL+"/api/apis/1/broadcast", `{"data":"all","tags":{"room":"a"}}`, nil); code != http.StatusOK || out["sent"] != 1.0 {
		t.Errorf("broadcast: %d %v", code, out)
	}
	if code, _ := post(t, srv.URL+"/api/apis/0/connections/AAA=/close", `{}`, nil); code != http.StatusOK {
		t.Errorf("close: %d", code)
	}
	if code, out := post(t, srv.URL+"/api/apis/0/connections/AAA=/messages", `{"data":"late"}`, nil); code != http.StatusGone {
		t.Errorf("send to a closed connection: %d %v, want 410", code, out)
	}
	if code, _ := post(t, srv.URL+"/api/apis/0/connections/AAA=/messages", `{"data":1}`, nil); code != http.StatusBadRequest {
		t.Errorf("a malformed body: %d, want 400", code)
	}
	// Closed but recorded: its frames stay readable.
	a.currentTap().Closed("AAA=")
	d = connDetail{}
	if code := getJSON(t, srv.URL+"/api/apis/0/connections/AAA=", &d); code != http.StatusOK || d.Connection != nil || len(d.Frames) != 1 {
		t.Errorf("a closed connection's detail: %d %+v", code, d)
	}
	if code := getJSON(t, srv.URL+"/api/apis/0/connections/ZZZ=", nil); code != http.StatusGone {
		t.Errorf("an unknown connection: %d, want 410", code)
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Equal(a.posted["AAA="], []string{"hello"}) || !slices.Equal(a.deleted, []string{"AAA="}) || !slices.Equal(b.casts, []string{"all"}) {
		t.Errorf("posted %v deleted %v broadcast %v", a.posted, a.deleted, b.casts)
	}
}

func TestActionsRefuseCrossSiteRequests(t *testing.T) {
	a := newFakeAPI("AAA=")
	_, srv := startDashboard(t, Options{APIs: []API{a}})
	url := srv.URL + "/api/apis/0/connections/AAA=/close"
	for name, c := range map[string]struct {
		edit func(*http.Request)
		want int
	}{
		"no header":             {func(r *http.Request) { r.Header.Del(CSRFHeader) }, http.StatusForbidden},
		"cross-site fetch":      {func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, http.StatusForbidden},
		"another origin":        {func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, http.StatusForbidden},
		"a form's content type": {func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, http.StatusUnsupportedMediaType},
	} {
		if code, out := post(t, url, `{}`, c.edit); code != c.want {
			t.Errorf("%s: %d %v, want %d", name, code, out, c.want)
		}
	}
	if code, _ := post(t, url, `{}`, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }); code != http.StatusOK {
		t.Errorf("a same-origin request: %d, want 200", code)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.deleted) != 1 {
		t.Errorf("deleted %v, want the one same-origin close", a.deleted)
	}
}

// event is one Server-Sent Event.
type event struct {
	name string
	data string
}

// readEvents reads srv's event stream at path and sends its events until the test ends.
func readEvents(t *testing.T, url string) <-chan event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	ch := make(chan event, 64)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
				ev = event{}
			}
		}
	}()
	return ch
}

// next returns the next event called name, skipping others.
func next(t *testing.T, ch <-chan event, name string, v any) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("the stream ended before a %q event", name)
			}
			if ev.name != name {
				continue
			}
			if err := json.Unmarshal([]byte(ev.data), v); err != nil {
				t.Fatalf("%s event %s: %v", name, ev.data, err)
			}
			return
		case <-timeout:
			t.Fatalf("no %q event within 10s", name)
		}
	}
}

func TestEventStreamSendsStateAndFrames(t *testing.T) {
	a := newFakeAPI("AAA=", "BBB=")
	h, srv := startDashboard(t, Options{APIs: []API{a}, Interval: 50 * time.Millisecond})
	a.reg.Request(metrics.Request{Kind: metrics.KindMessage, Route: "send", Latency: 3 * time.Millisecond})

	ch := readEvents(t, srv.URL+"/api/events?api=0&conn=AAA%3D")
	var st state
	next(t, ch, "state", &st)
	if st.Connections.Count != 2 || len(st.Connections.Items) != 2 || st.Conn == nil || st.Conn.ID != "AAA=" || st.Conn.Connection == nil ||
		st.DeploymentID != "d1" || len(st.Functions) != 1 || st.Functions[0].Workers[0].PID != 42 || !st.Traffic.Enabled {
		t.Fatalf("first state %+v", st)
	}
	var fe framesEvent
	next(t, ch, "frames", &fe)
	if fe.ID != "AAA=" || len(fe.Frames) != 0 {
		t.Fatalf("first frames %+v, want none yet", fe)
	}

	tap := a.currentTap()
	if tap == nil {
		t.Fatal("the stream installed no tap")
	}
	tap.Frame("AAA=", true, false, []byte("ping"), time.Now())
	tap.Frame("BBB=", true, false, []byte("not watched"), time.Now())
	tap.Frame("AAA=", false, true, []byte{0xff, 0x00}, time.Now())
	var got []Frame
	for len(got) < 2 {
		next(t, ch, "frames", &fe)
		got = append(got, fe.Frames...)
	}
	if len(got) != 2 || got[0].Data != "ping" || !got[0].Inbound || got[0].Seq != 1 ||
		got[1].Data != "/wA=" || got[1].Inbound || !got[1].Binary || got[1].Size != 2 {
		t.Errorf("frames %+v", got)
	}

	// Traffic: after more messages the rate over the window is positive, with a latency.
	for range 5 {
		a.reg.Request(metrics.Request{Kind: metrics.KindMessage, Route: "send", Latency: 3 * time.Millisecond})
	}
	for {
		next(t, ch, "state", &st)
		if len(st.Traffic.Rows) > 0 && st.Traffic.Rows[0].MessageRate > 0 {
			break
		}
	}
	r := st.Traffic.Rows[0]
	if r.Route != "" || r.Messages != 6 || r.LatencyP99 == nil || *r.LatencyP99 <= 0 || st.Traffic.Detailed {
		t.Errorf("stage row %+v", r)
	}

	h.Close()
	for range ch { // the stream ends
	}
	if a.currentTap() != nil {
		t.Error("Close left the tap installed")
	}
}

func TestTapIsRemovedWhenIdle(t *testing.T) {
	a := newFakeAPI("AAA=")
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	h, srv := startDashboard(t, Options{APIs: []API{a}, Idle: time.Hour, Now: clock})
	if a.currentTap() != nil {
		t.Fatal("a tap before the page was used")
	}
	getJSON(t, srv.URL+"/api/apis", nil)
	if a.currentTap() == nil {
		t.Fatal("no tap after the page was used")
	}
	a.currentTap().Frame("AAA=", true, false, []byte("x"), now)
	h.checkIdle() // not idle yet
	if a.currentTap() == nil {
		t.Fatal("the tap was removed while in use")
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	h.checkIdle()
	if a.currentTap() != nil {
		t.Fatal("the tap stayed after the page was idle")
	}
	if n := h.budget.rings.Load(); n != 0 {
		t.Errorf("%d rings kept after the tap was removed", n)
	}
	getJSON(t, srv.URL+"/api/apis", nil)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tap == nil || a.taps != 2 {
		t.Errorf("tap %v after %d installs, want it installed again", a.tap, a.taps)
	}
}

// TestImportsOnlyLeaves keeps the package behind its API interface: of Switchboard's packages it
// imports only the leaves apigw and metrics, whose types the interface speaks.
func TestImportsOnlyLeaves(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	allowed := []string{"/dashboard", "/internal/apigw", "/internal/metrics"}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/switchboardhq/switchboard") &&
			!slices.ContainsFunc(allowed, func(s string) bool { return strings.HasSuffix(dep, s) }) {
			t.Errorf("imports %s", dep)
		}
	}
}

// TestRefusesOtherHostNames: a page of another site whose DNS name was rebound to the listener's
// address sends its own name in Host; the dashboard answers 421 to it, and serves IP addresses,
// localhost and the names of Options.Hosts.
func TestRefusesOtherHostNames(t *testing.T) {
	_, srv := startDashboard(t, Options{APIs: []API{newFakeAPI()}, Hosts: []string{"dash.internal"}})
	for host, want := range map[string]int{
		"evil.example":           http.StatusMisdirectedRequest,
		"evil.example:9090":      http.StatusMisdirectedRequest,
		"localhost.evil.example": http.StatusMisdirectedRequest,
		"127.0.0.1:9090":         http.StatusOK,
		"[::1]:9090":             http.StatusOK,
		"10.1.2.3":               http.StatusOK,
		"localhost:9090":         http.StatusOK,
		"app.localhost":          http.StatusOK,
		"DASH.internal:443":      http.StatusOK,
	} {
		for _, path := range []string{"/", "/api/apis"} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s with Host %s: %d %s, want %d", path, host, resp.StatusCode, body, want)
			}
		}
	}
}

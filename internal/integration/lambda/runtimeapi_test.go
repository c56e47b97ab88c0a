package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// apiHarness serves one runtimeAPI over loopback with hooks that record what the runtime did.
type apiHarness struct {
	api    *runtimeAPI
	srv    *httptest.Server
	client *http.Client
	gone   chan struct{}

	mu       sync.Mutex
	nexts    []bool // first flags
	initErrs []*HandlerError
	results  map[string]result
	hangups  int
}

func newAPIHarness(t *testing.T) *apiHarness {
	t.Helper()
	h := &apiHarness{gone: make(chan struct{}), results: map[string]result{}}
	h.api = newRuntimeAPI("arn:aws:lambda:us-east-1:000000000000:function:f", runtimeHooks{
		next: func(first bool) { h.mu.Lock(); h.nexts = append(h.nexts, first); h.mu.Unlock() },
		initError: func(he *HandlerError) {
			h.mu.Lock()
			h.initErrs = append(h.initErrs, he)
			h.mu.Unlock()
		},
		result: func(inv *invocation, r result) {
			h.mu.Lock()
			h.results[inv.id] = r
			h.mu.Unlock()
			inv.finish(r)
		},
		hangup: func() { h.mu.Lock(); h.hangups++; h.mu.Unlock() },
	}, h.gone, slog.New(slog.DiscardHandler))
	h.srv = httptest.NewServer(h.api.handler())
	h.client = &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		close(h.gone)
		h.client.CloseIdleConnections()
		h.srv.Close()
	})
	return h
}

func (h *apiHarness) do(t *testing.T, method, path, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// nextResponse is the outcome of a GET /next.
type nextResponse struct {
	resp *http.Response // Body already read and closed
	body string
}

// nextAsync starts a GET /next and returns the channel its response arrives on.
func (h *apiHarness) nextAsync(t *testing.T) <-chan nextResponse {
	ch := make(chan nextResponse, 1)
	go func() {
		defer close(ch)
		resp, err := h.client.Get(h.srv.URL + "/2018-06-01/runtime/invocation/next")
		if err != nil {
			return // the server went away at the end of the test
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- nextResponse{resp, string(body)}
	}()
	return ch
}

// waitingNexts is how many /next calls reached the hook.
func (h *apiHarness) waitingNexts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.nexts)
}

// deliver offers an invocation to a pending /next and returns it with the /next response.
func (h *apiHarness) deliver(t *testing.T, payload string) (*invocation, *http.Response, string) {
	t.Helper()
	n := h.waitingNexts()
	next := h.nextAsync(t)
	eventually(t, 10*time.Second, "the runtime's /next", func() bool { return h.waitingNexts() > n })
	inv := newInvocation([]byte(payload), time.Now().Add(3*time.Second), time.Now())
	if !h.api.offer(inv, h.gone) {
		t.Fatal("offer failed")
	}
	r, ok := <-next
	if !ok {
		t.Fatal("GET /next failed")
	}
	return inv, r.resp, r.body
}

func wantAPIError(t *testing.T, resp *http.Response, body string, status int, errType string) {
	t.Helper()
	var e struct{ ErrorMessage, ErrorType string }
	if resp.StatusCode != status || json.Unmarshal([]byte(body), &e) != nil || e.ErrorType != errType || e.ErrorMessage == "" {
		t.Errorf("got %d %s, want %d with errorType %s", resp.StatusCode, body, status, errType)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestRuntimeAPINextDeliversTheEvent(t *testing.T) {
	h := newAPIHarness(t)
	inv, resp, body := h.deliver(t, `{"hello":"world"}`)
	if resp.StatusCode != 200 || body != `{"hello":"world"}` {
		t.Fatalf("next = %d %q", resp.StatusCode, body)
	}
	want := map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       inv.id,
		"Lambda-Runtime-Deadline-Ms":          strconv.FormatInt(inv.deadline.UnixMilli(), 10),
		"Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:000000000000:function:f",
		"Lambda-Runtime-Trace-Id":             inv.traceID,
		"Content-Type":                        "application/json",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasPrefix(inv.traceID, "Root=1-") {
		t.Errorf("trace id %q is not an X-Ray header", inv.traceID)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.nexts[0] {
		t.Error("the first /next was not reported as the first")
	}
}

func TestRuntimeAPIResponse(t *testing.T) {
	h := newAPIHarness(t)
	inv, _, _ := h.deliver(t, `{}`)
	path := "/2018-06-01/runtime/invocation/" + inv.id + "/response"

	resp, body := h.do(t, "POST", "/2018-06-01/runtime/invocation/not-the-id/response", `{}`, nil)
	wantAPIError(t, resp, body, 400, "InvalidRequestID")

	resp, body = h.do(t, "POST", path, `{"statusCode":200}`, nil)
	if resp.StatusCode != 202 || strings.TrimSpace(body) != `{"status":"OK"}` {
		t.Errorf("response = %d %q, want 202 {\"status\":\"OK\"}", resp.StatusCode, body)
	}
	if r := inv.result(); r.err != nil || string(r.payload) != `{"statusCode":200}` {
		t.Errorf("invocation result = %q, %v", r.payload, r.err)
	}
	resp, body = h.do(t, "POST", path, `{}`, nil)
	wantAPIError(t, resp, body, 400, "InvalidRequestID") // answered already
}

func TestRuntimeAPIInvocationError(t *testing.T) {
	h := newAPIHarness(t)
	inv, _, _ := h.deliver(t, `{}`)
	resp, body := h.do(t, "POST", "/2018-06-01/runtime/invocation/"+inv.id+"/error",
		`{"errorMessage":"Unauthorized","errorType":"Error","stackTrace":["at a (x.js:1:1)",{"label":"main"}]}`,
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.Unknown"})
	if resp.StatusCode != 202 {
		t.Fatalf("error = %d %s", resp.StatusCode, body)
	}
	var he *HandlerError
	if r := inv.result(); !errors.As(r.err, &he) || he.Type != "Error" || he.Message != "Unauthorized" ||
		len(he.StackTrace) != 2 || he.StackTrace[0] != "at a (x.js:1:1)" || he.StackTrace[1] != `{"label":"main"}` {
		t.Errorf("handler error = %+v", r.err)
	}

	// Node.js names the stack "trace".
	inv, _, _ = h.deliver(t, `{}`)
	h.do(t, "POST", "/2018-06-01/runtime/invocation/"+inv.id+"/error",
		`{"errorType":"TypeError","errorMessage":"x is not a function","trace":["TypeError: x is not a function"]}`, nil)
	if r := inv.result(); !errors.As(r.err, &he) || he.Type != "TypeError" || len(he.StackTrace) != 1 {
		t.Errorf("handler error = %+v", r.err)
	}

	// Without a type in the body, the header names it; a body that is not JSON is the message.
	inv, _, _ = h.deliver(t, `{}`)
	h.do(t, "POST", "/2018-06-01/runtime/invocation/"+inv.id+"/error", `plain failure`,
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.HandlerNotFound"})
	if r := inv.result(); !errors.As(r.err, &he) || he.Type != "Runtime.HandlerNotFound" || he.Message != "plain failure" {
		t.Errorf("handler error = %+v", r.err)
	}
}

func TestRuntimeAPIInitError(t *testing.T) {
	h := newAPIHarness(t)
	resp, body := h.do(t, "POST", "/2018-06-01/runtime/init/error",
		`{"errorMessage":"Cannot find module 'x'","errorType":"Runtime.ImportModuleError"}`, nil)
	if resp.StatusCode != 202 {
		t.Fatalf("init error = %d %s", resp.StatusCode, body)
	}
	h.mu.Lock()
	if len(h.initErrs) != 1 || !h.initErrs[0].Init || h.initErrs[0].Type != "Runtime.ImportModuleError" {
		t.Errorf("init errors = %+v", h.initErrs)
	}
	h.mu.Unlock()
	h.deliver(t, `{}`)
	resp, body = h.do(t, "POST", "/2018-06-01/runtime/init/error", `{}`, nil)
	wantAPIError(t, resp, body, 403, "InvalidStateTransition")
}

func TestRuntimeAPIRefusesOutOfOrderCalls(t *testing.T) {
	h := newAPIHarness(t)
	h.deliver(t, `{}`)
	// A /next before the invocation is answered.
	resp, body := h.do(t, "GET", "/2018-06-01/runtime/invocation/next", "", nil)
	wantAPIError(t, resp, body, 403, "InvalidStateTransition")

	h2 := newAPIHarness(t)
	h2.nextAsync(t)
	eventually(t, 10*time.Second, "the first /next", func() bool { return h2.waitingNexts() == 1 })
	resp, body = h2.do(t, "GET", "/2018-06-01/runtime/invocation/next", "", nil)
	wantAPIError(t, resp, body, 403, "InvalidStateTransition")

	resp, _ = h.do(t, "GET", "/2018-06-01/runtime/nothing", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d, want 404", resp.StatusCode)
	}
	resp, _ = h.do(t, "POST", "/2018-06-01/runtime/invocation/next", "", nil)
	if resp.StatusCode != 405 {
		t.Errorf("POST /next: %d, want 405", resp.StatusCode)
	}
}

func TestRuntimeAPIResponseTooLarge(t *testing.T) {
	h := newAPIHarness(t)
	inv, _, _ := h.deliver(t, `{}`)
	big := `"` + strings.Repeat("x", maxPayloadBytes) + `"`
	resp, body := h.do(t, "POST", "/2018-06-01/runtime/invocation/"+inv.id+"/response", big, nil)
	wantAPIError(t, resp, body, 413, "RequestEntityTooLarge")
	var he *HandlerError
	if r := inv.result(); !errors.As(r.err, &he) || he.Type != ErrorTypeResponseTooLarge {
		t.Errorf("result = %v, want Function.ResponseSizeTooLarge", r.err)
	}
}

func TestRuntimeAPIHangupIsReported(t *testing.T) {
	h := newAPIHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", h.srv.URL+"/2018-06-01/runtime/invocation/next", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := h.client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	eventually(t, 10*time.Second, "the /next", func() bool { return h.waitingNexts() == 1 })
	cancel()
	<-done
	eventually(t, 10*time.Second, "the hang-up", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.hangups == 1
	})
}

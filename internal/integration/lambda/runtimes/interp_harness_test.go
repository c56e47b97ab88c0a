package runtimes_test

// A small stand-in for Switchboard's own Runtime API server (the worker pool's side, not AWS's),
// used to run the Node.js and Python bootstraps as real processes: it serves queued events on
// /next and records what the worker posts back.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// interpWait bounds every wait in these tests so that a broken worker fails the test instead of
// hanging it; it is a safety net, not a performance assertion.
const interpWait = 2 * time.Minute

// interpResult is one thing a worker posted to the Runtime API.
type interpResult struct {
	Kind      string // "response", "error" or "init-error"
	RequestID string
	Body      []byte
	ErrorType string // the Lambda-Runtime-Function-Error-Type header
}

// errorBody decodes an /error or /init/error body (Node.js sends trace, Python stackTrace).
func (r interpResult) errorBody(t *testing.T) (typ, msg string, trace []string) {
	t.Helper()
	var b struct {
		ErrorType    string   `json:"errorType"`
		ErrorMessage string   `json:"errorMessage"`
		Trace        []string `json:"trace"`
		StackTrace   []string `json:"stackTrace"`
	}
	if err := json.Unmarshal(r.Body, &b); err != nil {
		t.Fatalf("%s body %q is not JSON: %v", r.Kind, r.Body, err)
	}
	return b.ErrorType, b.ErrorMessage, append(b.Trace, b.StackTrace...)
}

type interpEvent struct {
	id   string
	body []byte
	// closeConn answers the runtime's /next with "Connection: close", so its next request needs a
	// new connection.
	closeConn bool
}

// interpAPI is the stand-in Runtime API server on 127.0.0.1.
type interpAPI struct {
	srv     *httptest.Server
	events  chan interpEvent
	results chan interpResult
	closed  chan struct{}
	seq     atomic.Int64
}

func newInterpAPI(t *testing.T) *interpAPI {
	t.Helper()
	a := &interpAPI{
		events:  make(chan interpEvent, 4),
		results: make(chan interpResult, 16),
		closed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.record("init-error"))
	a.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(a.closed)
		a.srv.Close()
	})
	return a
}

func (a *interpAPI) address() string { return strings.TrimPrefix(a.srv.URL, "http://") }

func (a *interpAPI) next(w http.ResponseWriter, r *http.Request) {
	select {
	case ev := <-a.events:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", ev.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(interpWait).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test-fn")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
		h.Set("Content-Type", "application/json")
		if ev.closeConn {
			h.Set("Connection", "close")
		}
		w.Write(ev.body)
	case <-r.Context().Done():
	case <-a.closed:
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	}
}

func (a *interpAPI) record(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res := interpResult{Kind: kind, RequestID: r.PathValue("id"), Body: body, ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}
		select {
		case a.results <- res:
		case <-a.closed:
		}
		w.WriteHeader(http.StatusAccepted)
	}
}

// interpBuffer is a bytes.Buffer safe for a process writer and a test reader.
type interpBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *interpBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *interpBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// interpWorker is one worker process started from a Launch.
type interpWorker struct {
	api            *interpAPI
	stdout, stderr interpBuffer
	exited         chan struct{}
	exitErr        error
}

// startInterpWorker execs p.Launch the way the worker pool does, with Lambda's environment.
func startInterpWorker(t *testing.T, api *interpAPI, p *runtimes.Prepared, handler string, extraEnv ...string) *interpWorker {
	t.Helper()
	w := &interpWorker{api: api, exited: make(chan struct{})}
	cmd := exec.Command(p.Launch.Path, p.Launch.Args...)
	cmd.Dir = p.Launch.Dir
	// Like the worker pool, pass on only a few basics of the host's environment, so the Launch
	// must carry everything else the runtime needs.
	var env []string
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "USER", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+api.address(),
		"_HANDLER="+handler,
		"LAMBDA_TASK_ROOT="+p.Launch.Dir,
		"AWS_LAMBDA_FUNCTION_NAME=test-fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/test-fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/11/21/[$LATEST]0123456789abcdef",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDSWITCHBOARDTEST",
		"AWS_SECRET_ACCESS_KEY=switchboard-test-secret",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	cmd.Env = append(append(env, p.Launch.Env...), extraEnv...)
	cmd.Stdout, cmd.Stderr = &w.stdout, &w.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start worker %s %v: %v", p.Launch.Path, p.Launch.Args, err)
	}
	go func() {
		w.exitErr = cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-w.exited
		if t.Failed() {
			t.Logf("worker stdout:\n%s\nworker stderr:\n%s", w.stdout.String(), w.stderr.String())
		}
	})
	return w
}

// invoke queues event and returns what the worker posts for it.
func (w *interpWorker) invoke(t *testing.T, event any) interpResult {
	t.Helper()
	return w.invokeConn(t, event, false)
}

// invokeConn is invoke, with the event's /next answer closing the connection when closeConn is
// set.
func (w *interpWorker) invokeConn(t *testing.T, event any, closeConn bool) interpResult {
	t.Helper()
	body, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("req-%d", w.api.seq.Add(1))
	w.api.events <- interpEvent{id: id, body: body, closeConn: closeConn}
	res := w.await(t)
	if res.RequestID != id {
		t.Fatalf("got %s for request %q, want request %q (body %s)", res.Kind, res.RequestID, id, res.Body)
	}
	return res
}

// await returns the next thing the worker posts; it fails the test if the worker exits first.
func (w *interpWorker) await(t *testing.T) interpResult {
	t.Helper()
	select {
	case res := <-w.api.results:
		return res
	case <-w.exited:
		// A worker that posts and then exits (an init error, say) has its post recorded before
		// its exit: the server records before answering the post.
		select {
		case res := <-w.api.results:
			return res
		default:
		}
		t.Fatalf("worker exited (%v) without posting a result", w.exitErr)
	case <-time.After(interpWait):
		t.Fatalf("worker posted nothing within %v", interpWait)
	}
	return interpResult{}
}

// awaitInitError expects an init error followed by a non-zero exit, and returns the error.
func (w *interpWorker) awaitInitError(t *testing.T) interpResult {
	t.Helper()
	res := w.await(t)
	if res.Kind != "init-error" {
		t.Fatalf("got %s %s, want init-error", res.Kind, res.Body)
	}
	w.awaitFailedExit(t)
	return res
}

// awaitFailedExit expects the worker to exit with a non-zero status.
func (w *interpWorker) awaitFailedExit(t *testing.T) {
	t.Helper()
	select {
	case <-w.exited:
	case <-time.After(interpWait):
		t.Fatalf("worker still running %v after a fatal error", interpWait)
	}
	if w.exitErr == nil {
		t.Fatalf("worker exited with status 0 after a fatal error, want non-zero")
	}
}

// interpInitErrorCase is a handler that must fail to start, reporting errorType and a message
// containing message.
type interpInitErrorCase struct {
	handler, errorType, message string
}

// interpCheckInitErrors starts each case's handler and checks its init error and failed exit.
func interpCheckInitErrors(t *testing.T, start func(*testing.T, string) *interpWorker, cases []interpInitErrorCase) {
	for _, tt := range cases {
		t.Run(tt.handler, func(t *testing.T) {
			t.Parallel()
			res := start(t, tt.handler).awaitInitError(t)
			typ, msg, _ := res.errorBody(t)
			if typ != tt.errorType || res.ErrorType != tt.errorType || !strings.Contains(msg, tt.message) {
				t.Errorf("got errorType %q (header %q) message %q, want %q containing %q", typ, res.ErrorType, msg, tt.errorType, tt.message)
			}
		})
	}
}

// interpHandlerErrorCase is a handler whose invocation fails with errorType and message.
type interpHandlerErrorCase struct {
	handler, errorType, message string
	// headerType is the Lambda-Runtime-Function-Error-Type header when it differs from errorType
	// (a name that is not a valid header value).
	headerType string
	// trace, when set, checks the error's stack trace.
	trace func(t *testing.T, trace []string)
}

// interpCheckHandlerErrors invokes each case's handler and checks the error it posts, and that
// the worker survives to fail a second invocation the same way.
func interpCheckHandlerErrors(t *testing.T, start func(*testing.T, string) *interpWorker, cases []interpHandlerErrorCase) {
	for _, tt := range cases {
		t.Run(tt.handler, func(t *testing.T) {
			t.Parallel()
			w := start(t, tt.handler)
			res := w.invoke(t, map[string]any{})
			if res.Kind != "error" {
				t.Fatalf("got %s %s, want error", res.Kind, res.Body)
			}
			typ, msg, trace := res.errorBody(t)
			header := tt.headerType
			if header == "" {
				header = tt.errorType
			}
			if typ != tt.errorType || res.ErrorType != header || msg != tt.message {
				t.Errorf("got errorType %q (header %q) message %q, want %q (header %q), %q", typ, res.ErrorType, msg, tt.errorType, header, tt.message)
			}
			if tt.trace != nil {
				tt.trace(t, trace)
			}
			if res := w.invoke(t, map[string]any{}); res.Kind != "error" {
				t.Errorf("second invocation: got %s, want error again", res.Kind)
			}
		})
	}
}

// interpRejectCase is a handler string Prepare must refuse with an error mentioning each of want.
type interpRejectCase struct {
	handler string
	want    []string
}

// interpCheckRejects runs Prepare for each case under testdata/<dir> and checks the error.
func interpCheckRejects(t *testing.T, dir, runtime string, cases []interpRejectCase) {
	for _, tt := range cases {
		t.Run(tt.handler, func(t *testing.T) {
			_, err := interpPrepare(t, dir, runtime, tt.handler, t.TempDir())
			if err == nil {
				t.Fatalf("Prepare(%q) succeeded, want an error", tt.handler)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// interpDecode checks that res is a response and decodes its body into v.
func interpDecode(t *testing.T, res interpResult, v any) {
	t.Helper()
	if res.Kind != "response" {
		t.Fatalf("got %s %s (type %s), want response", res.Kind, res.Body, res.ErrorType)
	}
	if err := json.Unmarshal(res.Body, v); err != nil {
		t.Fatalf("response %q is not the expected JSON: %v", res.Body, err)
	}
}

// interpEventually polls cond until it holds, failing after interpWait.
func interpEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(interpWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interpLogger sends slog output to t.Log.
func interpLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(interpLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type interpLogWriter struct{ t *testing.T }

func (w interpLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// interpPrepare runs runtimes.Prepare for a handler under testdata/<dir>.
func interpPrepare(t *testing.T, dir, runtime, handler, cacheDir string) (*runtimes.Prepared, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*interpWait)
	defer cancel()
	return runtimes.Prepare(ctx, runtimes.Spec{
		Root:     filepath.Join("testdata", dir),
		Handler:  handler,
		Runtime:  runtime,
		CacheDir: cacheDir,
		MemoryMB: 256,
		Logger:   interpLogger(t),
	})
}

// interpMustPrepare is interpPrepare that fails the test on error.
func interpMustPrepare(t *testing.T, dir, runtime, handler, cacheDir string) *runtimes.Prepared {
	t.Helper()
	p, err := interpPrepare(t, dir, runtime, handler, cacheDir)
	if err != nil {
		t.Fatalf("Prepare(%s): %v", handler, err)
	}
	return p
}

// interpMgmtAPI is a stand-in @connections endpoint that records the requests AWS SDK clients send.
type interpMgmtAPI struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []interpMgmtRequest
}

type interpMgmtRequest struct {
	Method, Path, Authorization string
	Body                        []byte
}

func newInterpMgmtAPI(t *testing.T) *interpMgmtAPI {
	m := &interpMgmtAPI{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.reqs = append(m.reqs, interpMgmtRequest{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Body: body})
		m.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *interpMgmtAPI) requests() []interpMgmtRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]interpMgmtRequest(nil), m.reqs...)
}

// checkPosted asserts that exactly one signed PostToConnection for connID carrying data arrived.
func (m *interpMgmtAPI) checkPosted(t *testing.T, connID, data string) {
	t.Helper()
	reqs := m.requests()
	if len(reqs) != 1 {
		t.Fatalf("management API got %d requests, want 1: %+v", len(reqs), reqs)
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/@connections/"+connID || string(r.Body) != data {
		t.Errorf("management API got %s %s %q, want POST /@connections/%s %q", r.Method, r.Path, r.Body, connID, data)
	}
	if !strings.HasPrefix(r.Authorization, "AWS4-HMAC-SHA256 Credential=AKIDSWITCHBOARDTEST/") || !strings.Contains(r.Authorization, "/execute-api/aws4_request") {
		t.Errorf("Authorization %q is not a SigV4 signature for execute-api with the test credentials", r.Authorization)
	}
}

// interpStart prepares handler under testdata/<dir> with a fresh cache and starts a worker on a
// fresh Runtime API.
func interpStart(t *testing.T, dir, runtime, handler string) *interpWorker {
	t.Helper()
	p := interpMustPrepare(t, dir, runtime, handler, t.TempDir())
	return startInterpWorker(t, newInterpAPI(t), p, handler)
}

// interpRelativeTempDir returns a fresh temporary directory as a path relative to the working
// directory, to check that Prepare does not leave relative paths in a Launch that runs elsewhere.
func interpRelativeTempDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, t.TempDir())
	if err != nil {
		t.Skipf("no relative path to the temporary directory: %v", err)
	}
	return rel
}

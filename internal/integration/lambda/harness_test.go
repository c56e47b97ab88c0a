package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
)

// testCacheDir is shared by every test of a run, so each handler is built once.
var testCacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-lambda-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCacheDir = dir
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		code = checkGoroutines(before)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// checkGoroutines waits (bounded) for the goroutines the tests started to end, and fails the run
// with their stacks if some leak.
func checkGoroutines(before int) int {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if runtime.NumGoroutine() <= before {
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	fmt.Fprintf(os.Stderr, "leaked goroutines: %d before, %d after\n%s\n", before, runtime.NumGoroutine(), buf[:n])
	return 1
}

// handlerCase is a handler that speaks the echo protocol of testdata/go/echo (see its package
// doc): runtime-agnostic pool tests run against every entry of echoHandlers, so the Node.js and
// Python runtimes can add theirs.
type handlerCase struct {
	name    string
	root    string // relative to this package
	handler string
	runtime string // "" infers
	// needs skips the case when it returns an error (a missing interpreter, say).
	needs func() error
}

var goEcho = handlerCase{name: "go", root: "testdata/go", handler: "echo"}

// echoHandlers are the handlers the runtime-agnostic tests run against.
var echoHandlers = []handlerCase{goEcho}

// record is one captured log record.
type record struct {
	msg   string
	level slog.Level
	attrs map[string]string
}

// logRecorder is a slog.Handler that keeps every record, for assertions on the log.
type logRecorder struct {
	mu      *sync.Mutex
	records *[]record
	attrs   []slog.Attr
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: &sync.Mutex{}, records: &[]record{}}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	rec := record{msg: r.Message, level: r.Level, attrs: map[string]string{}}
	for _, a := range h.attrs {
		rec.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	h.mu.Lock()
	*h.records = append(*h.records, rec)
	h.mu.Unlock()
	return nil
}

func (h *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logRecorder{mu: h.mu, records: h.records, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

// all returns a copy of the records so far.
func (h *logRecorder) all() []record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]record(nil), *h.records...)
}

// find returns the records whose message starts with prefix and that carry the given attributes.
func (h *logRecorder) find(prefix string, attrs ...string) []record {
	var out []record
	for _, r := range h.all() {
		if !strings.HasPrefix(r.msg, prefix) {
			continue
		}
		ok := true
		for i := 0; i+1 < len(attrs); i += 2 {
			ok = ok && r.attrs[attrs[i]] == attrs[i+1]
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// dump writes the log to t when the test failed.
func (h *logRecorder) dumpOnFailure(t testing.TB) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, r := range h.all() {
			t.Logf("log %s %q %v", r.level, r.msg, r.attrs)
		}
	})
}

// testFunction is a started Function under test with its captured log.
type testFunction struct {
	*Function
	log *logRecorder
}

// newTestFunction starts a Function for hc; edit adjusts the options first.
func newTestFunction(t testing.TB, hc handlerCase, edit func(*Options)) *testFunction {
	t.Helper()
	if hc.needs != nil {
		if err := hc.needs(); err != nil {
			t.Skipf("%s: %v", hc.name, err)
		}
	}
	rec := newLogRecorder()
	rec.dumpOnFailure(t)
	opts := Options{
		Name:     "test-" + hc.name,
		Config:   &config.Function{Handler: hc.handler, Runtime: hc.runtime},
		Root:     hc.root,
		CacheDir: testCacheDir,
		Logger:   slog.New(rec),
	}
	if edit != nil {
		edit(&opts)
	}
	f, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return &testFunction{Function: f, log: rec}
}

// echoReply is what the echo handler answers.
type echoReply struct {
	Version      string            `json:"version"`
	PID          int               `json:"pid"`
	Echo         string            `json:"echo"`
	RequestID    string            `json:"requestId"`
	FunctionARN  string            `json:"functionArn"`
	DeadlineInMS int64             `json:"deadlineInMs"`
	ConnectionID string            `json:"connectionId"`
	RouteKey     string            `json:"routeKey"`
	Env          map[string]string `json:"env"`
	Cwd          string            `json:"cwd"`
}

// messageEvent is a MESSAGE event carrying body.
func messageEvent(body string) *event.Request {
	return &event.Request{
		RequestContext: event.RequestContext{
			RouteKey:          "$default",
			EventType:         event.TypeMessage,
			ExtendedRequestID: "extended-id",
			RequestTime:       "21/Nov/2026:08:00:00 +0000",
			MessageDirection:  "IN",
			Stage:             "local",
			ConnectedAt:       1700000000000,
			RequestTimeEpoch:  1700000000001,
			Identity:          event.Identity{SourceIP: "127.0.0.1"},
			RequestID:         "request-id",
			DomainName:        "localhost",
			ConnectionID:      "Conn123abcDEF=",
			APIID:             "abcdefghij",
		},
		Body: &body,
	}
}

// command builds an echo protocol body.
func command(t testing.TB, cmd map[string]any) string {
	t.Helper()
	b, err := json.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tryEcho invokes f with cmd and decodes the echo reply; safe to call from any goroutine.
func tryEcho(f *Function, cmd map[string]any) (echoReply, error) {
	body, err := json.Marshal(cmd)
	if err != nil {
		return echoReply{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := f.Invoke(ctx, messageEvent(string(body)))
	if err != nil {
		return echoReply{}, fmt.Errorf("Invoke(%s): %w", body, err)
	}
	if resp.StatusCode != 200 {
		return echoReply{}, fmt.Errorf("Invoke(%s): status %d, body %q", body, resp.StatusCode, resp.Body)
	}
	var r echoReply
	if err := json.Unmarshal([]byte(resp.Body), &r); err != nil {
		return echoReply{}, fmt.Errorf("Invoke(%s): body %q: %w", body, resp.Body, err)
	}
	return r, nil
}

// invokeEcho is tryEcho that fails the test on error.
func invokeEcho(t testing.TB, f *Function, cmd map[string]any) echoReply {
	t.Helper()
	r, err := tryEcho(f, cmd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// jsonHasKeys reports whether data is a JSON object with all of keys.
func jsonHasKeys(data []byte, keys ...string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// invokeErr invokes f with cmd and returns the error, failing the test if there is none.
func invokeErr(t testing.TB, f *Function, cmd map[string]any, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := f.Invoke(ctx, messageEvent(command(t, cmd)))
	if err == nil {
		t.Fatalf("Invoke(%v) = %+v, want an error", cmd, resp)
	}
	return err
}

// eventually polls cond until it holds, failing the test after limit.
func eventually(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// workerCount is how many worker processes the function has.
func (f *Function) workerCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.workers)
}

// absPath makes a test path absolute.
func absPath(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

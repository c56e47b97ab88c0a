package switchboard_test

// End-to-end tests of function routes: real Go (aws-lambda-go), Node.js (AWS SDK for JavaScript
// v3) and Python (boto3) handlers run as worker processes behind a started API and are reached
// through real WebSocket clients. The handlers live in testdata/functions.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// goEcho is the multi-purpose Go handler of testdata/functions/go/echo.
const goEcho = "testdata/functions/go/echo"

// useFunctionCache points SWITCHBOARD_CACHE_DIR at a cache shared by every test run, so that Go
// handlers are built and the Node.js SDK is installed once, not per test.
func useFunctionCache(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "switchboard-functions-test-cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("SWITCHBOARD_CACHE_DIR", dir)
	return dir
}

func needNode(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (scripts/test.sh installs it)", tool)
		}
	}
}

// logRecorder is a slog.Handler that keeps every record's message and attributes, for
// assertions on what the gateway logs.
type logRecorder struct {
	mu      sync.Mutex
	records []map[string]string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &boundRecorder{r: r, attrs: attrs}
}
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	return r.handle(rec, nil)
}

func (r *logRecorder) handle(rec slog.Record, bound []slog.Attr) error {
	m := map[string]string{"msg": rec.Message}
	for _, a := range bound {
		m[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	r.records = append(r.records, m)
	r.mu.Unlock()
	return nil
}

// find returns the first record for which match holds.
func (r *logRecorder) find(match func(map[string]string) bool) (map[string]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.records {
		if match(m) {
			return m, true
		}
	}
	return nil, false
}

type boundRecorder struct {
	r     *logRecorder
	attrs []slog.Attr
}

func (b *boundRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (b *boundRecorder) WithGroup(string) slog.Handler            { return b }
func (b *boundRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &boundRecorder{r: b.r, attrs: append(slices.Clone(b.attrs), attrs...)}
}
func (b *boundRecorder) Handle(_ context.Context, rec slog.Record) error {
	return b.r.handle(rec, b.attrs)
}

// dialTrusting connects to a wss:// URL trusting only the CA in caFile.
func dialTrusting(t *testing.T, url, caFile string) *websocket.Conn {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("CA file %q: %v", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// exchange sends msg and returns the next frame.
func exchange(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	send(t, c, msg)
	return readFrame(t, c)
}

// wantErrorFrame checks that frame is API Gateway's error frame with message.
func wantErrorFrame(t *testing.T, frame, message string) {
	t.Helper()
	var f struct {
		Message      string `json:"message"`
		ConnectionID string `json:"connectionId"`
		RequestID    string `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(frame), &f); err != nil || f.Message != message || f.ConnectionID == "" || f.RequestID == "" {
		t.Fatalf("got frame %s, want the %q error frame", frame, message)
	}
}

// eventually polls cond until it holds or 20 seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGoFunctionRoutesEndToEnd(t *testing.T) {
	useFunctionCache(t)
	disconnects := filepath.Join(t.TempDir(), "disconnects.log")
	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{
			"$connect": {Function: &switchboard.FunctionProps{Handler: goEcho}},
			"$disconnect": {Function: &switchboard.FunctionProps{Handler: goEcho,
				Environment: map[string]string{"DISCONNECT_LOG": disconnects}}},
			"echo":   {Function: &switchboard.FunctionProps{Handler: goEcho}, ReturnResponse: true},
			"whoami": {Function: &switchboard.FunctionProps{Handler: goEcho}, ReturnResponse: true},
		},
	})

	// $connect's function decides the handshake.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, api.URL()+"?deny=1", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial with deny=1: %v (response %+v), want 403 from the $connect function", err, resp)
	}

	c := dial(t, api.URL())
	if got := exchange(t, c, `{"action":"echo","data":"hello from a Go function"}`); got != "hello from a Go function" {
		t.Fatalf("echo: %q", got)
	}
	id := exchange(t, c, `{"action":"whoami"}`)
	if _, err := api.GetConnection(context.Background(), id); err != nil {
		t.Fatalf("whoami replied %q, not a live connection id: %v", id, err)
	}

	// $disconnect's function runs once the client leaves.
	c.Close(websocket.StatusNormalClosure, "bye")
	eventually(t, "the $disconnect function to log the connection id", func() bool {
		data, _ := os.ReadFile(disconnects)
		return strings.TrimSpace(string(data)) == id
	})
}

func TestFunctionMessagesOfOneConnectionAreHandledInOrder(t *testing.T) {
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{
			"seq": {Function: &switchboard.FunctionProps{Handler: goEcho}, ReturnResponse: true},
		},
	})
	c := dial(t, api.URL())
	const n = 20
	for i := range n {
		send(t, c, fmt.Sprintf(`{"action":"seq","n":%d}`, i))
	}
	for i := range n {
		if got, want := readFrame(t, c), fmt.Sprint(i); got != want {
			t.Fatalf("reply %d is %q: messages of one connection were not handled in order", i, got)
		}
	}
}

func TestFunctionFailuresKeepTheConnection(t *testing.T) {
	useFunctionCache(t)
	logs := &logRecorder{}
	api := startAPI(t, switchboard.Props{
		Name: "failing",
		Routes: map[string]switchboard.Route{
			"$default": {Function: &switchboard.FunctionProps{Handler: goEcho, Timeout: time.Second}, ReturnResponse: true},
			"broken": {Function: &switchboard.FunctionProps{Handler: goEcho,
				Environment: map[string]string{"FAIL_INIT": "1"}}, ReturnResponse: true},
		},
	}, switchboard.WithLogger(slog.New(logs)))
	c := dial(t, api.URL())
	ok := func() {
		t.Helper()
		if got := exchange(t, c, `{"action":"echo","data":"still here"}`); got != "still here" {
			t.Fatalf("after a failure the next message got %q", got)
		}
	}
	ok()
	cases := []struct{ name, msg, frame string }{
		{"crash", `{"action":"crash"}`, "Internal server error"},
		{"non-JSON result", `{"action":"notjson"}`, "Internal server error"},
		{"hung past the timeout", `{"action":"hang"}`, "Endpoint request timed out"},
		{"init error", `{"action":"broken"}`, "Internal server error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErrorFrame(t, exchange(t, c, tc.msg), tc.frame)
			ok() // the same connection, and for $default the same function with a new worker
		})
	}

	// The log names the function and the request, with the worker's stderr.
	crash, found := logs.find(func(m map[string]string) bool {
		return m["msg"] == "invocation failed" && strings.Contains(m["stderr"], "crashing on purpose")
	})
	if !found {
		t.Fatal("no log record of the crash with the worker's stderr")
	}
	if crash["function"] != "failing-default" || crash["requestId"] == "" || !strings.Contains(crash["stderr"], crash["requestId"]) {
		t.Errorf("crash log record %v: want function failing-default and the request id the handler saw", crash)
	}
	if _, found := logs.find(func(m map[string]string) bool {
		return m["function"] == "failing-broken" && strings.Contains(m["stderr"], "FAIL_INIT is set")
	}); !found {
		t.Error("no log record of the init failure with the worker's stderr")
	}

	// The function metrics count what happened: $default ran 8 times (5 answered, a crash, a
	// result that is not JSON, a timeout), and broken failed at initialisation once.
	adm, err := switchboard.NewAdmin(api)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(adm.Handler())
	defer srv.Close()
	eventually(t, "the function metrics", func() bool {
		mfs := scrapeMetrics(t, srv.URL)
		of := func(name, fn string) float64 { return sumOf(mfs, name, map[string]string{"function": fn}) }
		return of("switchboard_function_invocations_total", "failing-default") == 8 &&
			of("switchboard_function_errors_total", "failing-default") == 2 &&
			of("switchboard_function_timeouts_total", "failing-default") == 1 &&
			of("switchboard_function_cold_starts_total", "failing-default") >= 3 &&
			of("switchboard_function_duration_seconds", "failing-default") == 8 &&
			of("switchboard_function_invocations_total", "failing-broken") == 1 &&
			of("switchboard_function_errors_total", "failing-broken") == 1
	})
}

func TestNodeHandlerWrittenLikeAWSSamplesPostsOverHTTPS(t *testing.T) {
	needNode(t)
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{
			"sample":     {Function: &switchboard.FunctionProps{Handler: "testdata/functions/node/sample.handler"}},
			"noendpoint": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/node/noendpoint.handler"}},
		},
	})
	if !strings.HasPrefix(api.SecureManagementEndpoint(), "https://127.0.0.1:") {
		t.Fatalf("SecureManagementEndpoint %q", api.SecureManagementEndpoint())
	}
	c := dial(t, api.URL())
	if got := exchange(t, c, `{"action":"sample","data":"hi"}`); got != "node posted: hi" {
		t.Errorf("sample handler: %q", got)
	}
	if got := exchange(t, c, `{"action":"noendpoint","data":"hi"}`); got != "node (no endpoint) posted: hi" {
		t.Errorf("handler without an endpoint: %q", got)
	}
}

func TestPythonHandlerPostsWithBoto3(t *testing.T) {
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if err := exec.Command("/usr/bin/python3", "-c", "import boto3").Run(); err != nil {
			t.Skip("no python3 with boto3 (scripts/test.sh installs python3-boto3)")
		}
	}
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{
			"post": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/python/post.handler"}},
		},
	})
	c := dial(t, api.URL())
	if got := exchange(t, c, `{"action":"post","data":"hi"}`); got != "python posted: hi" {
		t.Errorf("boto3 handler: %q", got)
	}
}

// TestDefaultsFunctionMerge checks each of SST's merge rules for defaults.function, through
// GetFunction and through what the worker sees.
func TestDefaultsFunctionMerge(t *testing.T) {
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Name: "merge",
		Defaults: switchboard.Defaults{Function: &switchboard.FunctionProps{
			Timeout:     20 * time.Second,
			MemoryMB:    512,
			Environment: map[string]string{"FROM_DEFAULTS": "d", "OVERRIDDEN": "d"},
			Permissions: []switchboard.Permission{{String: "dynamodb"}},
			Layers:      []string{"testdata/layers/shared"},
		}},
		Routes: map[string]switchboard.Route{
			"own": {ReturnResponse: true, Function: &switchboard.FunctionProps{
				Handler:     goEcho,
				Timeout:     5 * time.Second,
				MemoryMB:    256,
				Environment: map[string]string{"OVERRIDDEN": "r", "FROM_ROUTE": "r"},
				Permissions: []switchboard.Permission{{String: "s3"}},
				Layers:      []string{"testdata/layers/own"},
			}},
			"inherits": {ReturnResponse: true, Function: &switchboard.FunctionProps{Handler: goEcho}},
		},
	})
	own, inherits := api.GetFunction("own"), api.GetFunction("inherits")
	if own == nil || inherits == nil {
		t.Fatalf("GetFunction: own %v, inherits %v", own, inherits)
	}
	c := dial(t, api.URL())
	workerEnv := func(route string) map[string]string {
		t.Helper()
		var env map[string]string
		reply := exchange(t, c, `{"action":"`+route+`","do":"env","keys":["FROM_DEFAULTS","OVERRIDDEN","FROM_ROUTE","AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]}`)
		if err := json.Unmarshal([]byte(reply), &env); err != nil {
			t.Fatalf("%s: %q", route, reply)
		}
		return env
	}
	t.Run("environment is merged, the route winning", func(t *testing.T) {
		want := map[string]string{"FROM_DEFAULTS": "d", "OVERRIDDEN": "r", "FROM_ROUTE": "r"}
		if !reflect.DeepEqual(own.Environment, want) {
			t.Errorf("GetFunction environment %v, want %v", own.Environment, want)
		}
		if !reflect.DeepEqual(inherits.Environment, map[string]string{"FROM_DEFAULTS": "d", "OVERRIDDEN": "d"}) {
			t.Errorf("inheriting route's environment %v", inherits.Environment)
		}
		env := workerEnv("own")
		for k, v := range want {
			if env[k] != v {
				t.Errorf("worker env %s=%q, want %q (all: %v)", k, env[k], v, env)
			}
		}
		if env := workerEnv("inherits"); env["FROM_DEFAULTS"] != "d" || env["OVERRIDDEN"] != "d" || env["FROM_ROUTE"] != "" {
			t.Errorf("inheriting worker env %v", env)
		}
	})
	t.Run("permissions are merged", func(t *testing.T) {
		if got := permStrings(own.Permissions); !reflect.DeepEqual(got, []string{"dynamodb", "s3"}) {
			t.Errorf("own permissions %v, want defaults' then the route's", got)
		}
		if got := permStrings(inherits.Permissions); !reflect.DeepEqual(got, []string{"dynamodb"}) {
			t.Errorf("inheriting permissions %v", got)
		}
	})
	t.Run("layers are merged", func(t *testing.T) {
		if len(own.Layers) != 2 || !strings.Contains(own.Layers[0], "shared") || !strings.Contains(own.Layers[1], "own") {
			t.Errorf("own layers %v", own.Layers)
		}
		if len(inherits.Layers) != 1 {
			t.Errorf("inheriting layers %v", inherits.Layers)
		}
	})
	t.Run("other props are overridden by the route's", func(t *testing.T) {
		if own.Timeout != 5*time.Second || own.MemoryMB != 256 || own.Handler != goEcho {
			t.Errorf("own: timeout %v memory %d handler %q", own.Timeout, own.MemoryMB, own.Handler)
		}
		if env := workerEnv("own"); env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "256" {
			t.Errorf("worker memory size %q, want the route's 256", env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
		}
	})
	t.Run("unset props come from the defaults", func(t *testing.T) {
		if inherits.Timeout != 20*time.Second || inherits.MemoryMB != 512 {
			t.Errorf("inherits: timeout %v memory %d", inherits.Timeout, inherits.MemoryMB)
		}
		if env := workerEnv("inherits"); env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "512" {
			t.Errorf("worker memory size %q, want the defaults' 512", env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
		}
	})
	t.Run("attached permissions are reported", func(t *testing.T) {
		if err := api.AttachPermissions(switchboard.Permission{String: "sqs"}); err != nil {
			t.Fatal(err)
		}
		if err := api.AttachPermissionsToRoute("own", switchboard.Permission{String: "sns:Publish"}); err != nil {
			t.Fatal(err)
		}
		if got := permStrings(api.GetFunction("own").Permissions); !reflect.DeepEqual(got, []string{"dynamodb", "s3", "sqs", "sns:Publish"}) {
			t.Errorf("own permissions after attaching %v", got)
		}
		if got := permStrings(api.GetFunction("inherits").Permissions); !reflect.DeepEqual(got, []string{"dynamodb", "sqs"}) {
			t.Errorf("inheriting permissions after attaching %v", got)
		}
	})
}

func permStrings(ps []switchboard.Permission) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String)
	}
	return out
}

func TestLiveReloadThroughTheGateway(t *testing.T) {
	needNode(t)
	useFunctionCache(t)
	dir := t.TempDir()
	handler := filepath.Join(dir, "src", "hello.mjs")
	write := func(greeting string) {
		t.Helper()
		src := fmt.Sprintf("export const main = async () => ({ statusCode: 200, body: %q });\n", greeting)
		if err := os.MkdirAll(filepath.Dir(handler), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(handler, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hello v1")
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte("routes:\n  hello:\n    function: src/hello.main\n    returnResponse: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	api, err := switchboard.NewFromFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })

	c := dial(t, api.URL())
	if got := exchange(t, c, `{"action":"hello"}`); got != "hello v1" {
		t.Fatalf("before the edit: %q", got)
	}
	write("hello v2, edited")
	eventually(t, "the edited handler to answer", func() bool {
		return exchange(t, c, `{"action":"hello"}`) == "hello v2, edited"
	})
	// The same connection is still open and served.
	if got := exchange(t, c, `{"action":"hello"}`); got != "hello v2, edited" {
		t.Fatalf("after the reload: %q", got)
	}
}

// TestServeCommandRunsFunctionRoutes builds the binary, serves a config with function routes,
// exchanges messages over ws:// and wss://, and stops it with SIGTERM.
func TestServeCommandRunsFunctionRoutes(t *testing.T) {
	needNode(t)
	cache := useFunctionCache(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/switchboard").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	handler := "export const main = async (event) => ({ statusCode: 200, body: `served: ${JSON.parse(event.body).data}` });\n"
	if err := os.WriteFile(filepath.Join(dir, "src", "echo.mjs"), []byte(handler), 0o644); err != nil {
		t.Fatal(err)
	}
	config := "name: served\nroutes:\n  echo:\n    function:\n      handler: src/echo.main\n      timeout: 5\n    returnResponse: true\n"
	if err := os.WriteFile(filepath.Join(dir, "switchboard.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "serve", "--config", filepath.Join(dir, "switchboard.yaml"), "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_CACHE_DIR="+cache)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
	}()
	waited := false
	t.Cleanup(func() {
		if !waited {
			cmd.Process.Kill()
			<-exited
		}
	})

	printed := map[string]string{}
	lines := bufio.NewScanner(stdout)
	stuck := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() }) // ends the scan below
	for printed["Routes"] == "" && lines.Scan() {
		if k, v, ok := strings.Cut(lines.Text(), ":"); ok {
			printed[k] = strings.TrimSpace(v)
		}
	}
	stuck.Stop()
	wsURL, httpsURL := printed["WebSocket URL"], printed["Management endpoint (HTTPS)"]
	if !strings.HasPrefix(wsURL, "ws://127.0.0.1:") || !strings.HasPrefix(httpsURL, "https://127.0.0.1:") {
		t.Fatalf("serve printed %v; stderr:\n%s", printed, stderr.String())
	}
	go func() { // drain the rest of stdout
		for lines.Scan() {
		}
	}()

	c := dial(t, wsURL)
	if got := exchange(t, c, `{"action":"echo","data":"over ws"}`); got != "served: over ws" {
		t.Fatalf("ws: %q", got)
	}
	secure := dialTrusting(t, "wss://"+strings.TrimPrefix(wsURL, "ws://"), printed["Local CA"])
	if got := exchange(t, secure, `{"action":"echo","data":"over wss"}`); got != "served: over wss" {
		t.Fatalf("wss: %q", got)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		waited = true
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM; stderr:\n%s", stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("client after SIGTERM: %v, want close 1001", err)
	}
}

// TestChatExampleFunctions runs examples/chat/switchboard.yaml — the README's `make run` — with
// two clients in a room and one in another.
func TestChatExampleFunctions(t *testing.T) {
	useFunctionCache(t)
	api, err := switchboard.NewFromFile("examples/chat/switchboard.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })

	// A room of its own, in case a developer's `make run` shares the membership file.
	room := fmt.Sprintf("test-%d", time.Now().UnixNano())
	alice := dial(t, api.URL()+"?room="+room)
	bob := dial(t, api.URL()+"?room="+room)
	// carol uses examples/chat/index.html opened from disk: her browser sends Origin: null.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	carol, _, err := websocket.Dial(ctx, api.URL()+"?room="+room+"-other",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"null"}}})
	if err != nil {
		t.Fatalf("dial with Origin: null: %v", err)
	}
	defer carol.CloseNow()

	send(t, alice, `{"action":"sendMessage","data":"hi bob"}`)
	for name, c := range map[string]*websocket.Conn{"alice": alice, "bob": bob} {
		var m struct{ Room, From, Data string }
		if frame := readFrame(t, c); json.Unmarshal([]byte(frame), &m) != nil || m.Room != room || m.Data != "hi bob" || m.From == "" {
			t.Errorf("%s got %s", name, frame)
		}
	}
	// carol, in another room, got nothing: her next frame is the reply to her own message.
	if got := exchange(t, carol, `{"action":"whatever"}`); !strings.Contains(got, `unknown message`) {
		t.Errorf("carol got %q, want the $default help text first", got)
	}
}

// BenchmarkGoFunctionRoundTrip measures a message round trip through the gateway to a warm Go
// function worker on a two-way route: a real WebSocket client sends {"action":"echo",...}, the
// gateway hands the event to an aws-lambda-go handler process over the Lambda Runtime API, and
// the client reads the reply. Sub-benchmarks spread b.N round trips over 1, 2, 4 and 8
// connections in closed loop (each connection's messages are handled in order, so throughput
// grows with connections, up to the function's worker limit); msgs/s is the throughput and
// ns/op at conns=1 the per-message latency. Compare with BenchmarkRoundTripInProcess for the
// cost of the worker hop.
//
//	go test -run '^$' -bench GoFunctionRoundTrip .
func BenchmarkGoFunctionRoundTrip(b *testing.B) {
	useFunctionCache(b)
	api, err := switchboard.New(switchboard.Props{Routes: map[string]switchboard.Route{
		"echo": {Function: &switchboard.FunctionProps{Handler: goEcho}, ReturnResponse: true},
	}})
	if err != nil {
		b.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer api.Shutdown(context.Background())
	msg := []byte(`{"action":"echo","data":"0123456789012345678901234567890123456789012345678901234567890123456789"}`)

	for _, conns := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) { roundTrips(b, api.URL(), conns, msg) })
	}
}

// TestLambdaAuthorizerFunctionWorker runs the authorizer as a Go function worker built with
// aws-lambda-go: Allow connects with the context in later events, Deny gives 403, an
// "Unauthorized" error 401.
func TestLambdaAuthorizerFunctionWorker(t *testing.T) {
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Authorizer: switchboard.Authorizer{Type: "lambda", IdentitySource: []string{"route.request.querystring.token"},
			Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/authorizer"}},
		Routes: map[string]switchboard.Route{
			"whoami": {Handler: func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				a, _ := req.RequestContext.Authorizer.(map[string]any)
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: fmt.Sprintf("%v/%v", a["principalId"], a["plan"])}, nil
			}, ReturnResponse: true},
		},
	})
	for token, want := range map[string]int{"blocked": http.StatusForbidden, "wrong": http.StatusUnauthorized} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, resp, err := websocket.Dial(ctx, api.URL()+"?token="+token, nil)
		cancel()
		if err == nil || resp == nil || resp.StatusCode != want {
			t.Fatalf("token %q: %v (response %+v), want %d", token, err, resp, want)
		}
	}
	c := dial(t, api.URL()+"?token=letmein")
	if got := exchange(t, c, `{"action":"whoami"}`); got != "worker-user/pro" {
		t.Fatalf("authorizer context in a MESSAGE event: %q", got)
	}
}

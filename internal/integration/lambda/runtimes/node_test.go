package runtimes_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed; skipping the Node.js runtime test")
	}
}

// machineNodeRuntime is the runtime of the machine's Node.js major version ("nodejs20.x"), so that
// the tests that are not about versions run on it and install nothing; it skips the test when
// that major is not a runtime Switchboard runs.
func machineNodeRuntime(t *testing.T) string {
	t.Helper()
	needNode(t)
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	n, _ := strconv.Atoi(major)
	if _, ok := runtimes.NodeReleases[n]; !ok {
		t.Skipf("the machine's Node.js is %s, not the major version of a runtime Switchboard runs", out)
	}
	return "nodejs" + major + ".x"
}

func startNode(t *testing.T, handler string) *interpWorker {
	t.Helper()
	needNode(t)
	return interpStart(t, "node", machineNodeRuntime(t), handler)
}

func TestNodeESMHandlerGetsEventAndContext(t *testing.T) {
	t.Parallel()
	w := startNode(t, "esm/handler.handler")
	res := w.invoke(t, map[string]any{"message": "hi"})
	var got struct {
		Echo               map[string]any `json:"echo"`
		FunctionName       string         `json:"functionName"`
		FunctionVersion    string         `json:"functionVersion"`
		InvokedFunctionArn string         `json:"invokedFunctionArn"`
		MemoryLimitInMB    string         `json:"memoryLimitInMB"`
		AwsRequestID       string         `json:"awsRequestId"`
		LogGroupName       string         `json:"logGroupName"`
		LogStreamName      string         `json:"logStreamName"`
		RemainingPositive  bool           `json:"remainingPositive"`
		Waits              bool           `json:"waits"`
		TraceID            string         `json:"traceId"`
		Format             string         `json:"format"`
	}
	interpDecode(t, res, &got)
	want := map[string]string{
		"echo.message":       "hi",
		"functionName":       "test-fn",
		"functionVersion":    "$LATEST",
		"invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:test-fn",
		"memoryLimitInMB":    "256",
		"awsRequestId":       res.RequestID,
		"logGroupName":       "/aws/lambda/test-fn",
		"logStreamName":      "2026/11/21/[$LATEST]0123456789abcdef",
		"traceId":            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
		"format":             "esm",
	}
	gotFields := map[string]string{
		"echo.message":       got.Echo["message"].(string),
		"functionName":       got.FunctionName,
		"functionVersion":    got.FunctionVersion,
		"invokedFunctionArn": got.InvokedFunctionArn,
		"memoryLimitInMB":    got.MemoryLimitInMB,
		"awsRequestId":       got.AwsRequestID,
		"logGroupName":       got.LogGroupName,
		"logStreamName":      got.LogStreamName,
		"traceId":            got.TraceID,
		"format":             got.Format,
	}
	for k, v := range want {
		if gotFields[k] != v {
			t.Errorf("%s = %q, want %q", k, gotFields[k], v)
		}
	}
	if !got.RemainingPositive || !got.Waits {
		t.Errorf("getRemainingTimeInMillis() > 0 = %v, callbackWaitsForEmptyEventLoop = %v; want both true", got.RemainingPositive, got.Waits)
	}
	interpEventually(t, "the handler's console.log line on stdout", func() bool {
		return strings.Contains(w.stdout.String(), "esm handler got hi\n")
	})
}

func TestNodeModuleFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, handler, format string
	}{
		{"cjs extension", "cjs/handler.handler", "cjs"},
		{"js without type module", "jscjs/handler.handler", "cjs"},
		{"js with type module", "jsesm/handler.handler", "esm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := startNode(t, tt.handler)
			var got struct {
				Format string `json:"format"`
			}
			interpDecode(t, w.invoke(t, map[string]any{"n": 1}), &got)
			if got.Format != tt.format {
				t.Errorf("handler saw itself loaded as %q, want %q", got.Format, tt.format)
			}
		})
	}
}

func TestNodeWorkerServesManyInvocations(t *testing.T) {
	t.Parallel()
	w := startNode(t, "cjs/handler.handler")
	for n := range 3 {
		res := w.invoke(t, map[string]any{"n": n * 10})
		var got struct {
			N         int    `json:"n"`
			RequestID string `json:"requestId"`
		}
		interpDecode(t, res, &got)
		if got.N != n*10+1 || got.RequestID != res.RequestID {
			t.Errorf("invocation %d: got n=%d requestId=%q, want n=%d requestId=%q", n, got.N, got.RequestID, n*10+1, res.RequestID)
		}
	}
}

func TestNodeNestedExportPath(t *testing.T) {
	t.Parallel()
	w := startNode(t, "nested/index.handlers.ws.connect")
	var got struct{ Route, ID string }
	interpDecode(t, w.invoke(t, map[string]any{"requestContext": map[string]any{"connectionId": "abc="}}), &got)
	if got.Route != "connect" || got.ID != "abc=" {
		t.Errorf("got %+v, want route connect, id abc=", got)
	}
}

// TestNodeRuntimeClientFramings drives the bootstrap's own HTTP client through the response
// framings a Runtime API may use: a small event (Content-Length), a large one with multi-byte
// characters (net/http sends it chunked, and it arrives in many reads), and an answer that closes
// the connection, after which the runtime must reconnect for its result and its next request.
func TestNodeRuntimeClientFramings(t *testing.T) {
	t.Parallel()
	w := startNode(t, "esm/handler.handler")
	large := strings.Repeat("héllo wörld ✓ ", 20000) // about 340 KB
	for i, c := range []struct {
		name      string
		message   string
		closeConn bool
	}{
		{"small", "hi", false},
		{"large, chunked", large, false},
		{"connection closed by the server", "after close", true},
		{"small after reconnecting", "again", false},
		{"large after reconnecting", large + "!", false},
	} {
		res := w.invokeConn(t, map[string]any{"message": c.message, "n": i}, c.closeConn)
		var got struct {
			Echo struct {
				Message string `json:"message"`
				N       int    `json:"n"`
			} `json:"echo"`
		}
		interpDecode(t, res, &got)
		if got.Echo.Message != c.message || got.Echo.N != i {
			t.Errorf("%s: the handler got message of %d bytes, n=%d; want %d bytes, n=%d",
				c.name, len(got.Echo.Message), got.Echo.N, len(c.message), i)
		}
	}
}

func TestNodeCallbackAndLegacyHandlers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		handler string
		want    string // the exact response body
	}{
		// callbackWaitsForEmptyEventLoop (default true): the result is sent when the loop is empty,
		// so the timer's change to it is included.
		{"callback/handler.waits", `{"stage":"after-timer","waits":true}`},
		{"callback/handler.noWait", `{"stage":"at-callback"}`},
		{"callback/handler.legacy", `{"legacy":true}`},
		// A plain function's return value is ignored, as on Lambda: the response is null.
		{"callback/handler.sync", `null`},
		{"callback/handler.twice", `"first"`},
	}
	for _, tt := range tests {
		t.Run(tt.handler, func(t *testing.T) {
			t.Parallel()
			w := startNode(t, tt.handler)
			res := w.invoke(t, map[string]any{"n": 7})
			if res.Kind != "response" || string(res.Body) != tt.want {
				t.Errorf("got %s %s, want response %s", res.Kind, res.Body, tt.want)
			}
		})
	}
}

func TestNodeHandlerErrors(t *testing.T) {
	t.Parallel()
	traceStarts := func(first string) func(*testing.T, []string) {
		return func(t *testing.T, trace []string) {
			if len(trace) < 2 || trace[0] != first {
				t.Errorf("trace = %q, want it to start with %q and show frames", trace, first)
			}
		}
	}
	interpCheckHandlerErrors(t, startNode, []interpHandlerErrorCase{
		{handler: "errors/handler.throws", errorType: "ValidationError", message: "bad input", trace: traceStarts("ValidationError: bad input")},
		{handler: "errors/handler.throwsString", errorType: "string", message: "plain string"},
		{handler: "callback/handler.fails", errorType: "TypeError", message: "callback failure", trace: traceStarts("TypeError: callback failure")},
		{handler: "errors/handler.throwsOddName", errorType: "Odd\r\nX-Injected: yes é", message: "odd name", headerType: "Odd??X-Injected: yes ?"},
	})
}

func TestNodeAsyncHandlerThatNeverSettles(t *testing.T) {
	t.Parallel()
	w := startNode(t, "errors/handler.neverSettles")
	res := w.invoke(t, map[string]any{})
	if typ, _, _ := res.errorBody(t); res.Kind != "error" || typ != "Runtime.NodeJsExit" {
		t.Errorf("got %s %s, want error Runtime.NodeJsExit", res.Kind, res.Body)
	}
}

func TestNodeUnhandledRejectionEndsWorker(t *testing.T) {
	t.Parallel()
	w := startNode(t, "errors/handler.unhandledRejection")
	res := w.invoke(t, map[string]any{})
	if typ, msg, _ := res.errorBody(t); res.Kind != "error" || typ != "RangeError" || msg != "nobody caught this" {
		t.Errorf("got %s %s, want error RangeError: nobody caught this", res.Kind, res.Body)
	}
	w.awaitFailedExit(t)
}

func TestNodeInitErrors(t *testing.T) {
	t.Parallel()
	interpCheckInitErrors(t, startNode, []interpInitErrorCase{
		{"errors/handler.missing", "Runtime.HandlerNotFound", "errors/handler.missing is undefined or not exported"},
		{"errors/handler.notFunction", "Runtime.HandlerNotFound", "errors/handler.notFunction is not a function"},
		{"syntax/handler.handler", "Runtime.UserCodeSyntaxError", "SyntaxError: "},
		{"importerr/handler.handler", "Runtime.ImportModuleError", "Cannot find module './does-not-exist'"},
	})
}

func TestNodePrepareRejectsBadHandlers(t *testing.T) {
	t.Parallel()
	needNode(t)
	interpCheckRejects(t, "node", machineNodeRuntime(t), []interpRejectCase{
		{"../esm/handler.handler", []string{"must not contain '..'", "../esm/handler.handler"}},
		{"esm/handler", []string{"want <path/module>.<export>", "esm/handler"}},
		{"esm/nope.handler", []string{filepath.Join("esm", "nope.js"), filepath.Join("esm", "nope.cjs"), filepath.Join("esm", "nope.ts"), "tried", "esm/nope.handler"}},
	})
}

func TestNodePreparedLaunch(t *testing.T) {
	t.Parallel()
	needNode(t)
	p := interpMustPrepare(t, "node", machineNodeRuntime(t), "esm/handler.handler", interpRelativeTempDir(t))
	if bootstrap := p.Launch.Args[len(p.Launch.Args)-2]; !filepath.IsAbs(bootstrap) || !strings.HasSuffix(bootstrap, "bootstrap.mjs") {
		t.Errorf("bootstrap argument %q is not an absolute path to bootstrap.mjs (the cache dir was relative)", bootstrap)
	}
	if p.Runtime != "nodejs" {
		t.Errorf("Runtime = %q, want nodejs", p.Runtime)
	}
	for _, arg := range []string{"--enable-source-maps", "--max-old-space-size=230", "--max-semi-space-size=1"} {
		if !slices.Contains(p.Launch.Args, arg) {
			t.Errorf("Args = %q, want %s (source maps, an old generation of 90%% of 256 MB, 1 MB semi-spaces)", p.Launch.Args, arg)
		}
	}
	if last := p.Launch.Args[len(p.Launch.Args)-1]; last != "esm/handler.handler" {
		t.Errorf("last argument = %q, want the handler string", last)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "node"))
	if p.Launch.Dir != abs {
		t.Errorf("Dir = %q, want the task root %q", p.Launch.Dir, abs)
	}
	if want := filepath.Join(abs, "esm", "handler.mjs"); !slices.Contains(p.Sources, want) {
		t.Errorf("Sources = %q, want them to include %q", p.Sources, want)
	}
}

func TestNodeTypeScript(t *testing.T) {
	t.Parallel()
	needNode(t)
	cache := t.TempDir()
	p := interpMustPrepare(t, "node", machineNodeRuntime(t), "ts/handler.handler", cache)
	abs, _ := filepath.Abs(filepath.Join("testdata", "node", "ts"))
	for _, want := range []string{filepath.Join(abs, "handler.ts"), filepath.Join(abs, "lib", "greet.ts"), filepath.Join(abs, "package.json")} {
		if !slices.Contains(p.Sources, want) {
			t.Errorf("Sources = %q, want them to include %q", p.Sources, want)
		}
	}
	w := startInterpWorker(t, newInterpAPI(t), p, "ts/handler.handler")
	var got struct{ Greeting, Format string }
	interpDecode(t, w.invoke(t, map[string]any{"name": "ts"}), &got)
	if got.Greeting != "hello, ts" || got.Format != "cjs" {
		t.Errorf("got %+v, want greeting %q from the bundled helper, format cjs", got, "hello, ts")
	}

	pf := interpMustPrepare(t, "node", machineNodeRuntime(t), "ts/handler.fails", cache)
	wf := startInterpWorker(t, newInterpAPI(t), pf, "ts/handler.fails")
	res := wf.invoke(t, map[string]any{})
	typ, msg, trace := res.errorBody(t)
	if res.Kind != "error" || typ != "Error" || msg != "thrown from TypeScript" {
		t.Fatalf("got %s %s, want error Error: thrown from TypeScript", res.Kind, res.Body)
	}
	if len(trace) < 2 || !strings.Contains(trace[1], "handler.ts:") {
		t.Errorf("trace %q does not point into handler.ts (source maps)", trace)
	}
}

func TestNodeTypeScriptModule(t *testing.T) {
	t.Parallel()
	w := startNode(t, "mts/handler.handler")
	var got struct {
		Prefix, Format string
		N              int
	}
	interpDecode(t, w.invoke(t, map[string]any{"n": 21}), &got)
	if got.Prefix != "mts" || got.N != 42 || got.Format != "esm" {
		t.Errorf("got %+v, want prefix mts, n 42, format esm", got)
	}
}

func TestNodeTypeScriptBuildError(t *testing.T) {
	t.Parallel()
	needNode(t)
	_, err := interpPrepare(t, "node", machineNodeRuntime(t), "tsbroken/handler.handler", t.TempDir())
	if err == nil {
		t.Fatal("Prepare succeeded for a TypeScript file with a syntax error")
	}
	if want := filepath.Join("tsbroken", "handler.ts") + ":2:"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}

// sdkTestCache is shared by the SDK tests and kept across runs (as a real cache is), so that only
// the first run installs the SDK from the npm registry.
func sdkTestCache(t *testing.T) string {
	dir := filepath.Join(os.TempDir(), "switchboard-runtimes-test-cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestNodeProvidesAWSSDK runs handlers that import or require
// @aws-sdk/client-apigatewaymanagementapi, which their project does not install: Prepare installs
// it into the cache with npm (this needs the npm registry), and the real SDK client signs and
// sends PostToConnection to a local endpoint.
func TestNodeProvidesAWSSDK(t *testing.T) {
	t.Parallel()
	needNode(t)
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed; skipping the AWS SDK provisioning test")
	}
	if _, err := os.Stat(filepath.Join("testdata", "node", "sdk", "node_modules")); err == nil {
		t.Fatal("testdata/node/sdk/node_modules exists; the test needs the SDK to come from the cache")
	}
	cache := sdkTestCache(t)
	sdkDir := filepath.Join(cache, "node-sdk", runtimes.NodeSDKVersion)
	// hooks: whether the worker needs the ES module resolution hooks (node --import
	// sdk-register.mjs); require() is served by NODE_PATH alone, and a worker without the hooks
	// saves their loader thread (about 10 MB).
	tests := []struct {
		name, handler string
		hooks         bool
	}{
		{"ESM import", "sdk/esm.handler", true},
		{"CommonJS require", "sdk/cjs.handler", false},
		{"CommonJS dynamic import", "sdk/dynamic.handler", true},
		{"TypeScript import", "sdk/typed.handler", true},
	}
	t.Run("handlers", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel() // concurrent Prepares also exercise the install lock
				p := interpMustPrepare(t, "node", machineNodeRuntime(t), tt.handler, cache)
				if hooks := slices.Contains(p.Launch.Args, "--import"); hooks != tt.hooks {
					t.Errorf("node %q: resolution hooks registered = %v, want %v", p.Launch.Args, hooks, tt.hooks)
				}
				mgmt := newInterpMgmtAPI(t)
				w := startInterpWorker(t, newInterpAPI(t), p, tt.handler)
				res := w.invoke(t, map[string]any{"endpoint": mgmt.srv.URL, "connectionId": "conn-1=", "data": "hello " + tt.name})
				var got struct {
					Posted   bool   `json:"posted"`
					Resolved string `json:"resolved"`
				}
				interpDecode(t, res, &got)
				if !got.Posted {
					t.Errorf("handler did not report posting: %s", res.Body)
				}
				if got.Resolved != "" && !strings.Contains(got.Resolved, filepath.ToSlash(sdkDir)) {
					t.Errorf("the SDK resolved to %q, want a path in the cache %q", got.Resolved, sdkDir)
				}
				mgmt.checkPosted(t, "conn-1=", "hello "+tt.name)
			})
		}
	})
	if _, err := os.Stat(filepath.Join(sdkDir, "node_modules", "@aws-sdk", "client-apigatewaymanagementapi", "package.json")); err != nil {
		t.Errorf("the SDK client is not in the cache: %v", err)
	}
}

// TestNodeProjectSDKWins runs handlers whose project installs its own @aws-sdk client (a stand-in
// in testdata): nothing is installed, and the project's copy is what loads, also from a
// TypeScript bundle that lives in the cache.
func TestNodeProjectSDKWins(t *testing.T) {
	t.Parallel()
	needNode(t)
	for _, handler := range []string{"owned/handler.handler", "owned/typed.handler"} {
		t.Run(handler, func(t *testing.T) {
			t.Parallel()
			cache := t.TempDir()
			p := interpMustPrepare(t, "node", machineNodeRuntime(t), handler, cache)
			if _, err := os.Stat(filepath.Join(cache, "node-sdk")); err == nil {
				t.Error("Prepare installed the SDK although the project provides it")
			}
			w := startInterpWorker(t, newInterpAPI(t), p, handler)
			var got struct{ Source string }
			interpDecode(t, w.invoke(t, map[string]any{}), &got)
			if got.Source != "project" {
				t.Errorf("the handler loaded the SDK from %q, want the project's copy", got.Source)
			}
		})
	}
}

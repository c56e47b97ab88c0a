package runtimes_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

func needPython(t *testing.T) {
	t.Helper()
	for _, name := range []string{"/usr/bin/python3", "python3", "python"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	t.Skip("no Python interpreter is installed; skipping the Python runtime test")
}

func startPython(t *testing.T, handler string) *interpWorker {
	t.Helper()
	needPython(t)
	return interpStart(t, "python", "python3.12", handler)
}

func TestPythonHandlerGetsEventAndContext(t *testing.T) {
	t.Parallel()
	w := startPython(t, "app/handlers/ws.connect")
	for range 2 { // the worker keeps serving
		res := w.invoke(t, map[string]any{"message": "hi"})
		var got struct {
			Echo               map[string]string `json:"echo"`
			FunctionName       string            `json:"function_name"`
			FunctionVersion    string            `json:"function_version"`
			InvokedFunctionArn string            `json:"invoked_function_arn"`
			MemoryLimitInMB    string            `json:"memory_limit_in_mb"`
			AwsRequestID       string            `json:"aws_request_id"`
			LogGroupName       string            `json:"log_group_name"`
			LogStreamName      string            `json:"log_stream_name"`
			RemainingPositive  bool              `json:"remaining_positive"`
			TraceID            string            `json:"trace_id"`
			Amount             float64           `json:"amount"`
		}
		interpDecode(t, res, &got)
		checks := []struct{ name, got, want string }{
			{"echo.message", got.Echo["message"], "hi"},
			{"function_name", got.FunctionName, "test-fn"},
			{"function_version", got.FunctionVersion, "$LATEST"},
			{"invoked_function_arn", got.InvokedFunctionArn, "arn:aws:lambda:us-east-1:123456789012:function:test-fn"},
			{"memory_limit_in_mb", got.MemoryLimitInMB, "256"},
			{"aws_request_id", got.AwsRequestID, res.RequestID},
			{"log_group_name", got.LogGroupName, "/aws/lambda/test-fn"},
			{"log_stream_name", got.LogStreamName, "2026/11/21/[$LATEST]0123456789abcdef"},
			{"_X_AMZN_TRACE_ID", got.TraceID, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
		if !got.RemainingPositive || got.Amount != 2.5 {
			t.Errorf("remaining_positive = %v, amount = %v; want true and 2.5 (a Decimal)", got.RemainingPositive, got.Amount)
		}
	}
	interpEventually(t, "the handler's print and logger.info lines on stdout", func() bool {
		out := w.stdout.String()
		return strings.Contains(out, "printed by the handler\n") && strings.Contains(out, "\treq-") && strings.Contains(out, "[INFO]\t") && strings.Contains(out, "python handler got hi\n")
	})
}

func TestPythonHandlerErrors(t *testing.T) {
	t.Parallel()
	endsInHandler := func(t *testing.T, trace []string) {
		if len(trace) == 0 || !strings.Contains(trace[len(trace)-1], "ws.py") {
			t.Errorf("stackTrace %q does not end in the handler's file", trace)
		}
	}
	interpCheckHandlerErrors(t, startPython, []interpHandlerErrorCase{
		{handler: "app/handlers/ws.fails", errorType: "ValidationError", message: "bad input", trace: endsInHandler},
		{handler: "app/handlers/ws.unserializable", errorType: "Runtime.MarshalError", message: "Unable to marshal response: Object of type object is not JSON serializable"},
		{handler: "app/handlers/ws.fails_odd_name", errorType: "Odd\r\nX-Injected: yes é", message: "odd name", headerType: "Odd??X-Injected: yes ?"},
	})
}

func TestPythonInitErrors(t *testing.T) {
	t.Parallel()
	interpCheckInitErrors(t, startPython, []interpInitErrorCase{
		{"broken/importerr.handler", "Runtime.ImportModuleError", "Unable to import module 'broken/importerr': No module named 'switchboard_module_that_does_not_exist'"},
		{"broken/syntax.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'broken/syntax'"},
		{"app/handlers/ws.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app/handlers/ws'"},
		{"app/handlers/ws.not_callable", "Runtime.HandlerNotFound", "Handler 'not_callable' on module 'app/handlers/ws' is not callable"},
	})
}

func TestPythonPrepareRejectsBadHandlers(t *testing.T) {
	t.Parallel()
	needPython(t)
	interpCheckRejects(t, "python", "python3.12", []interpRejectCase{
		{"app/handlers/nope.connect", []string{filepath.Join("app", "handlers", "nope.py"), filepath.Join("app", "handlers", "nope", "__init__.py"), "tried"}},
		{"connect", []string{"want <module>.<function>"}},
		{"app/handlers/ws.", []string{"want <module>.<function>"}},
		{"my-module.handler", []string{`"my-module" is not a Python identifier`}},
		{"../app/handlers/ws.connect", []string{"not a Python identifier"}},
	})
}

func TestPythonPreparedLaunch(t *testing.T) {
	t.Parallel()
	needPython(t)
	p := interpMustPrepare(t, "python", "python3.12", "app/handlers/ws.connect", interpRelativeTempDir(t))
	if p.Runtime != "python" {
		t.Errorf("Runtime = %q, want python", p.Runtime)
	}
	if len(p.Launch.Args) != 3 || p.Launch.Args[0] != "-u" || !filepath.IsAbs(p.Launch.Args[1]) || p.Launch.Args[2] != "app/handlers/ws.connect" {
		t.Errorf("Args = %q, want -u <absolute bootstrap path> <handler> (the cache dir was relative)", p.Launch.Args)
	}
	if !slices.Contains(p.Launch.Env, "PYTHONUNBUFFERED=1") {
		t.Errorf("Env = %q, want PYTHONUNBUFFERED=1", p.Launch.Env)
	}
	abs, _ := filepath.Abs(filepath.Join("testdata", "python"))
	if want := []string{filepath.Join(abs, "app", "handlers")}; !slices.Equal(p.Sources, want) {
		t.Errorf("Sources = %q, want %q", p.Sources, want)
	}
}

// TestPythonBoto3 runs a handler that builds a real boto3 apigatewaymanagementapi client against a
// local endpoint, as handlers do on Lambda, where boto3 is provided.
func TestPythonBoto3(t *testing.T) {
	t.Parallel()
	w := startPython(t, "boto/handler.post")
	mgmt := newInterpMgmtAPI(t)
	res := w.invoke(t, map[string]any{"endpoint": mgmt.srv.URL, "connectionId": "conn-2=", "data": "hello from boto3"})
	var got struct {
		Posted bool   `json:"posted"`
		Boto3  string `json:"boto3"`
	}
	interpDecode(t, res, &got)
	if !got.Posted || got.Boto3 == "" {
		t.Errorf("got %s, want posted with a boto3 version", res.Body)
	}
	mgmt.checkPosted(t, "conn-2=", "hello from boto3")
}

// TestPythonInterpreterChoice checks the documented rule: SWITCHBOARD_PYTHON wins; without it and
// without a virtualenv, the interpreter chosen can import boto3 when any candidate can.
func TestPythonInterpreterChoice(t *testing.T) {
	needPython(t)
	t.Setenv("VIRTUAL_ENV", "")

	t.Setenv(runtimes.PythonEnv, "")
	p := interpMustPrepare(t, "python", "python3.12", "app/handlers/ws.connect", t.TempDir())
	if err := exec.Command(p.Launch.Path, "-c", "import boto3").Run(); err != nil {
		t.Errorf("the default interpreter %s cannot import boto3: %v", p.Launch.Path, err)
	}

	t.Setenv(runtimes.PythonEnv, p.Launch.Path)
	override := interpMustPrepare(t, "python", "python3.12", "app/handlers/ws.connect", t.TempDir())
	if override.Launch.Path != p.Launch.Path {
		t.Errorf("with %s=%s, Launch.Path = %q", runtimes.PythonEnv, p.Launch.Path, override.Launch.Path)
	}

	missing := filepath.Join(t.TempDir(), "no-such-python")
	t.Setenv(runtimes.PythonEnv, missing)
	_, err := interpPrepare(t, "python", "python3.12", "app/handlers/ws.connect", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), runtimes.PythonEnv) {
		t.Errorf("with %s=%s, Prepare error = %v, want one naming %s", runtimes.PythonEnv, missing, err, runtimes.PythonEnv)
	}
}

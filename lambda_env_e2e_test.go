package switchboard_test

// End-to-end tests of handlers running as they do on Lambda: the management API reached at the
// execute-api host name (and the other ways AWS code addresses it) from Node.js, Python and Go
// workers with TLS verified, other HTTPS services still reached, and Lambda's environment and
// context. The handlers live in testdata/functions.

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// localService is another HTTPS service on loopback with a CA of its own (not Switchboard's),
// that handlers call: it answers "pong <path>".
type localService struct {
	URL    string // https://HOST:PORT/ping
	CAFile string
	Host   string
}

// startLocalService serves HTTPS on 127.0.0.1 with a certificate from a fresh CA. Its URL uses
// this machine's host name when that resolves to loopback only, so that a Go worker's request
// goes through its HTTPS_PROXY (Go's net/http sends requests to loopback addresses and
// "localhost" directly), else 127.0.0.1.
func startLocalService(t *testing.T) localService {
	t.Helper()
	host := "127.0.0.1"
	if name, err := os.Hostname(); err == nil {
		if addrs, err := net.LookupHost(name); err == nil && len(addrs) > 0 && !slices.ContainsFunc(addrs, func(a string) bool {
			ip := net.ParseIP(a)
			return ip == nil || !ip.IsLoopback()
		}) {
			host = name
		}
	}
	t.Logf("the local HTTPS service is addressed as %s", host)
	ca := newDomainCA(t).ca
	cert, err := ca.Issue([]string{"127.0.0.1", host}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pong %s", r.URL.Path)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return localService{URL: "https://" + net.JoinHostPort(host, port) + "/ping", CAFile: ca.CertFile, Host: host}
}

// readAll reads the next frame of each client.
func readAll(t *testing.T, clients []*websocket.Conn) []string {
	t.Helper()
	out := make([]string, len(clients))
	for i, c := range clients {
		out[i] = readFrame(t, c)
	}
	return out
}

// TestHandlersReachTheManagementAPIAtTheExecuteAPIHost runs AWS's sample sendmessage (an ES
// module whose client is built for https://{apiId}.execute-api.{region}.amazonaws.com/{stage}), a
// boto3 handler and an aws-sdk-go-v2 handler that build the same URL, each broadcasting to three
// WebSocket clients, with TLS verified against the local CA. Each first calls another local HTTPS
// service with a CA of its own, which must still be reached. The Python and Go handlers also
// address the API as https://{domainName}/{stage} and with no endpoint at all.
func TestHandlersReachTheManagementAPIAtTheExecuteAPIHost(t *testing.T) {
	needNode(t)
	needPythonBoto3(t)
	useFunctionCache(t)
	svc := startLocalService(t)
	connections := filepath.Join(t.TempDir(), "connections")
	api := startAPI(t, switchboard.Props{
		Name: "sample",
		Defaults: switchboard.Defaults{Function: &switchboard.FunctionProps{
			Environment: map[string]string{"CONNECTIONS_FILE": connections, "SERVICE_URL": svc.URL, "SERVICE_CA": svc.CAFile},
		}},
		Routes: map[string]switchboard.Route{
			"$connect":    {Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/broadcast"}},
			"sendmessage": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/node/sendmessage/app.handler"}},
			"sendpython":  {Function: &switchboard.FunctionProps{Handler: "testdata/functions/python/broadcast.handler"}},
			"sendgo":      {Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/broadcast"}},
		},
	})
	clients := make([]*websocket.Conn, 3)
	for i := range clients {
		clients[i] = dial(t, api.URL())
	}
	if ids, _ := os.ReadFile(connections); len(strings.Fields(string(ids))) != 3 {
		t.Fatalf("the $connect handler recorded %q, want three connection ids", ids)
	}
	cases := []struct{ route, via, prefix string }{
		{"sendmessage", "", "node"},
		{"sendpython", "execute-api", "python"},
		{"sendgo", "execute-api", "go"},
		{"sendpython", "domain", "python"},
		{"sendgo", "domain", "go"},
		{"sendpython", "env", "python"},
		{"sendgo", "env", "go"},
	}
	for _, tc := range cases {
		t.Run(tc.route+"/"+orDefault(tc.via, "execute-api"), func(t *testing.T) {
			data := "hello via " + orDefault(tc.via, "execute-api")
			msg, _ := json.Marshal(map[string]string{"action": tc.route, "data": data, "via": tc.via})
			send(t, clients[1], string(msg))
			want := fmt.Sprintf("%s: %s (service: pong /ping)", tc.prefix, data)
			for i, got := range readAll(t, clients) {
				if got != want {
					t.Errorf("client %d got %q, want %q", i, got, want)
				}
			}
		})
	}
}

// TestHandlersReachTheManagementAPIAtACustomDomain gives the API a wildcard custom domain and has
// a Go and a Python handler address the management API at https://{a tenant's name}, as
// handlers behind a custom domain do: the name leads nowhere on this machine, and the workers'
// connections still reach the API, with TLS verified against the certificate the listener
// issues for the domain.
func TestHandlersReachTheManagementAPIAtACustomDomain(t *testing.T) {
	needPythonBoto3(t)
	useFunctionCache(t)
	connections := filepath.Join(t.TempDir(), "connections")
	api := startAPI(t, switchboard.Props{
		Name:         "tenants",
		CustomDomain: switchboard.CustomDomain{DomainName: "*.chat.example.com"},
		Defaults: switchboard.Defaults{Function: &switchboard.FunctionProps{
			Environment: map[string]string{"CONNECTIONS_FILE": connections, "CUSTOM_DOMAIN_ENDPOINT": "https://tenant1.chat.example.com"},
		}},
		Routes: map[string]switchboard.Route{
			"$connect":   {Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/broadcast"}},
			"sendpython": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/python/broadcast.handler"}},
			"sendgo":     {Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/broadcast"}},
		},
	})
	clients := []*websocket.Conn{dial(t, api.URL()), dial(t, api.URL()), dial(t, api.URL())}
	for _, tc := range []struct{ route, prefix string }{{"sendgo", "go"}, {"sendpython", "python"}} {
		t.Run(tc.route, func(t *testing.T) {
			send(t, clients[2], `{"action":"`+tc.route+`","data":"to every tenant","via":"custom"}`)
			want := tc.prefix + ": to every tenant (service: )"
			for i, got := range readAll(t, clients) {
				if got != want {
					t.Errorf("client %d got %q, want %q", i, got, want)
				}
			}
		})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lambdaDocumentedEnv are the environment variables Lambda documents for every runtime, from
// "Defined runtime environment variables" in "Working with Lambda environment variables"
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
// the reserved ones, then the unreserved ones Lambda sets.
var lambdaDocumentedEnv = []string{
	"_HANDLER", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
	"AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR", "TZ",
	"LANG", "PATH", "LD_LIBRARY_PATH", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
}

// lambdaDocumentedRuntimeEnv are the documented variables of some runtimes only (same page):
// _X_AMZN_TRACE_ID and AWS_EXECUTION_ENV are "not defined for OS-only runtimes (the provided
// runtime family)", where Go handlers run (aws-lambda-go sets _X_AMZN_TRACE_ID itself during an
// invocation); NODE_PATH is Node.js's and PYTHONPATH Python's.
var lambdaDocumentedRuntimeEnv = map[string][]string{
	"nodejs": {"_X_AMZN_TRACE_ID", "AWS_EXECUTION_ENV", "NODE_PATH"},
	"python": {"_X_AMZN_TRACE_ID", "AWS_EXECUTION_ENV", "PYTHONPATH"},
	"go":     {"_X_AMZN_TRACE_ID"},
}

// lambdaContextFields are the context object's properties Lambda documents per runtime: "Using the
// Lambda context object to retrieve Node.js function information"
// (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html), "... Python function
// information" (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html), and for Go the
// lambdacontext package's variables and LambdaContext ("... Go function information",
// https://docs.aws.amazon.com/lambda/latest/dg/golang-context.html). The remaining time is
// getRemainingTimeInMillis(), get_remaining_time_in_millis() and the context's deadline.
var lambdaContextFields = map[string][]string{
	"nodejs": {"functionName", "functionVersion", "invokedFunctionArn", "memoryLimitInMB", "awsRequestId",
		"logGroupName", "logStreamName", "identity", "clientContext", "callbackWaitsForEmptyEventLoop",
		"getRemainingTimeInMillis", "remainingTimeInMillis"},
	"python": {"function_name", "function_version", "invoked_function_arn", "memory_limit_in_mb", "aws_request_id",
		"log_group_name", "log_stream_name", "identity", "client_context", "get_remaining_time_in_millis",
		"remaining_time_in_millis"},
	"go": {"functionName", "functionVersion", "memoryLimitInMB", "logGroupName", "logStreamName", "awsRequestId",
		"invokedFunctionArn", "remainingTimeInMillis"},
}

// TestLambdaEnvironmentAndContext prints the environment and the context from a handler of each
// runtime and compares them with Lambda's documented lists and formats.
func TestLambdaEnvironmentAndContext(t *testing.T) {
	needNode(t)
	needPythonBoto3(t)
	useFunctionCache(t)
	api := startAPI(t, switchboard.Props{
		Name: "envtest",
		Routes: map[string]switchboard.Route{
			"nodejs": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/node/context.handler", Runtime: "nodejs22.x", MemoryMB: 512, Timeout: 7 * time.Second}, ReturnResponse: true},
			"python": {Function: &switchboard.FunctionProps{Handler: "testdata/functions/python/broadcast.context_reply", MemoryMB: 512, Timeout: 7 * time.Second}, ReturnResponse: true},
			"go":     {Function: &switchboard.FunctionProps{Handler: "testdata/functions/go/broadcast", MemoryMB: 512, Timeout: 7 * time.Second}, ReturnResponse: true},
		},
	})
	c := dial(t, api.URL())
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]*regexp.Regexp{
		"AWS_LAMBDA_FUNCTION_VERSION":     regexp.MustCompile(`^\$LATEST$`),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": regexp.MustCompile(`^512$`),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  regexp.MustCompile(`^on-demand$`),
		"AWS_LAMBDA_LOG_STREAM_NAME":      regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`),
		"AWS_LAMBDA_RUNTIME_API":          regexp.MustCompile(`^127\.0\.0\.1:\d+$`),
		"AWS_ACCESS_KEY_ID":               regexp.MustCompile(`^ASIA[A-Z0-9]{16}$`),
		"TZ":                              regexp.MustCompile(`^:UTC$`),
		"LANG":                            regexp.MustCompile(`^en_US\.UTF-8$`),
		"AWS_XRAY_CONTEXT_MISSING":        regexp.MustCompile(`^LOG_ERROR$`),
		"AWS_XRAY_DAEMON_ADDRESS":         regexp.MustCompile(`^127\.0\.0\.1:2000$`),
		"_X_AMZN_TRACE_ID":                regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`),
		"LAMBDA_TASK_ROOT":                regexp.MustCompile(`^` + regexp.QuoteMeta(root) + `$`),
	}
	for _, runtime := range []string{"nodejs", "python", "go"} {
		t.Run(runtime, func(t *testing.T) {
			name := "envtest-" + runtime
			var got struct {
				Env     map[string]string `json:"env"`
				Context map[string]any    `json:"context"`
				Version string            `json:"version"`
			}
			reply := exchange(t, c, fmt.Sprintf(`{"action":%q,"do":"context"}`, runtime))
			if err := json.Unmarshal([]byte(reply), &got); err != nil {
				t.Fatalf("reply %q: %v", reply, err)
			}
			for _, k := range append(slices.Clone(lambdaDocumentedEnv), lambdaDocumentedRuntimeEnv[runtime]...) {
				v, ok := got.Env[k]
				if !ok {
					t.Errorf("%s is not set", k)
					continue
				}
				if re := formats[k]; re != nil && !re.MatchString(v) {
					t.Errorf("%s = %q, want %s", k, v, re)
				}
			}
			for k, want := range map[string]string{
				"AWS_LAMBDA_FUNCTION_NAME":  name,
				"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + name,
				"AWS_REGION":                "us-east-1",
				"AWS_DEFAULT_REGION":        "us-east-1",
				"AWS_ACCESS_KEY":            got.Env["AWS_ACCESS_KEY_ID"],
			} {
				if got.Env[k] != want {
					t.Errorf("%s = %q, want %q", k, got.Env[k], want)
				}
			}
			switch runtime {
			case "nodejs":
				if got.Env["AWS_EXECUTION_ENV"] != "AWS_Lambda_nodejs22.x" || !strings.HasPrefix(got.Version, "v22.") {
					t.Errorf("AWS_EXECUTION_ENV %q on Node.js %s, want AWS_Lambda_nodejs22.x on v22", got.Env["AWS_EXECUTION_ENV"], got.Version)
				}
				if got.Env["_HANDLER"] != "testdata/functions/node/context.handler" {
					t.Errorf("_HANDLER = %q", got.Env["_HANDLER"])
				}
			case "python":
				if !regexp.MustCompile(`^AWS_Lambda_python3\.\d+$`).MatchString(got.Env["AWS_EXECUTION_ENV"]) {
					t.Errorf("AWS_EXECUTION_ENV = %q", got.Env["AWS_EXECUTION_ENV"])
				}
			case "go":
				if v, ok := got.Env["AWS_EXECUTION_ENV"]; ok {
					t.Errorf("AWS_EXECUTION_ENV = %q on an OS-only runtime, where Lambda sets none", v)
				}
			}
			for _, k := range lambdaContextFields[runtime] {
				if _, ok := got.Context[k]; !ok {
					t.Errorf("context has no %s: %v", k, got.Context)
				}
			}
			ctxString := func(names ...string) string {
				for _, n := range names {
					if v, ok := got.Context[n]; ok {
						return fmt.Sprint(v)
					}
				}
				return ""
			}
			if arn := ctxString("invokedFunctionArn", "invoked_function_arn"); arn != "arn:aws:lambda:us-east-1:000000000000:function:"+name {
				t.Errorf("invoked function ARN = %q", arn)
			}
			if id := ctxString("awsRequestId", "aws_request_id"); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
				t.Errorf("request id = %q, want a UUID", id)
			}
			if mem := ctxString("memoryLimitInMB", "memory_limit_in_mb"); mem != "512" {
				t.Errorf("memory limit = %q", mem)
			}
			for _, pair := range [][2]string{{"logGroupName", "log_group_name"}, {"logStreamName", "log_stream_name"}, {"functionName", "function_name"}} {
				envKey := map[string]string{"logGroupName": "AWS_LAMBDA_LOG_GROUP_NAME", "logStreamName": "AWS_LAMBDA_LOG_STREAM_NAME", "functionName": "AWS_LAMBDA_FUNCTION_NAME"}[pair[0]]
				if v := ctxString(pair[0], pair[1]); v != got.Env[envKey] {
					t.Errorf("context %s = %q, want %q", pair[0], v, got.Env[envKey])
				}
			}
			remainingKey := "remainingTimeInMillis"
			if runtime == "python" {
				remainingKey = "remaining_time_in_millis"
			}
			remaining, _ := got.Context[remainingKey].(float64)
			if remaining <= 0 || remaining > 7000 {
				t.Errorf("remaining time %v ms, want within the 7 s timeout", remaining)
			}
		})
	}
}

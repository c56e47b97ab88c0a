package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/config"
)

// testCacheDir is shared by every test run, so the Node.js SDK is installed once.
func testCacheDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "switchboard-functions-test-cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// loadConfig writes files (path -> content) into a fresh directory and loads its
// switchboard.yaml.
func loadConfig(t *testing.T, files map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(filepath.Join(dir, "switchboard.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// startApp builds and starts cfg on a free loopback port and shuts it down with the test.
func startApp(t *testing.T, cfg *config.Config, opts Options) *App {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := a.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return a
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func dialWS(t *testing.T, url string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func roundTrip(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// envHandler replies with the worker environment variables named in the message's "keys".
const envHandler = `export const handler = async (event) => {
  const out = {};
  for (const k of JSON.parse(event.body).keys) if (k in process.env) out[k] = process.env[k];
  return { statusCode: 200, body: JSON.stringify(out) };
};
`

// workerEnvKeys are the variables Switchboard adds to Lambda's for a function's workers.
var workerEnvKeys = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", EndpointEnv,
	"NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"}

// signedRequest is a request signed with creds as the AWS SDKs sign for execute-api.
func signedRequest(t *testing.T, creds aws.Credentials, method, url string, body []byte, region string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "execute-api", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestWorkerEnvironmentCredentialsAuthorizeManageConnections(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (scripts/test.sh installs it)")
	}
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: creds\nroutes:\n  env:\n    function: env.handler\n    returnResponse: true\n",
		"env.mjs":          envHandler,
	})
	a := startApp(t, cfg, Options{CacheDir: testCacheDir(t)})
	c := dialWS(t, a.URL(), nil)
	keys, _ := json.Marshal(workerEnvKeys)
	var env map[string]string
	if reply := roundTrip(t, c, `{"action":"env","keys":`+string(keys)+`}`); json.Unmarshal([]byte(reply), &env) != nil {
		t.Fatalf("env reply %q", reply)
	}
	for _, k := range workerEnvKeys {
		if env[k] == "" {
			t.Errorf("worker environment lacks %s: %v", k, env)
		}
	}
	if got, want := env[EndpointEnv], a.SecureManagementEndpoint(); got != want || !strings.HasPrefix(got, "https://127.0.0.1:") {
		t.Errorf("%s=%q, want %q", EndpointEnv, got, want)
	}
	local := a.secure()
	if env["NODE_EXTRA_CA_CERTS"] != local.CAFile || env["AWS_CA_BUNDLE"] != local.BundleFile ||
		env["SSL_CERT_FILE"] != local.BundleFile || env["REQUESTS_CA_BUNDLE"] != local.BundleFile {
		t.Errorf("CA variables %v, want CA %s and bundle %s", env, local.CAFile, local.BundleFile)
	}

	// A request signed with the worker's credentials is allowed ManageConnections on the stage,
	// and nothing else it was not granted.
	creds := aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"], SessionToken: env["AWS_SESSION_TOKEN"]}
	body := []byte("hello")
	const connID = "L0SM9cOFvHcCIhw="
	req := signedRequest(t, creds, http.MethodPost, a.SecureManagementEndpoint()+"/@connections/"+connID, body, cfg.Region)
	arn := iam.ManageConnectionsARN(cfg.Region, cfg.AccountID, cfg.APIID, cfg.Stage.Name, http.MethodPost, connID)
	id, err := a.iam.AuthorizeRequest(req, body, iam.ActionManageConnections, arn, time.Now())
	if err != nil {
		t.Fatalf("ManageConnections with the worker's credentials: %v", err)
	}
	if !strings.HasSuffix(id.UserARN, ":assumed-role/creds-env-role/creds-env") {
		t.Errorf("signer identity %+v, want the function's role", id)
	}
	req = signedRequest(t, creds, http.MethodPost, a.SecureManagementEndpoint()+"/@connections/"+connID, body, cfg.Region)
	var denied *auth.Error
	if _, err := a.iam.AuthorizeRequest(req, body, "execute-api:ManageConnections",
		iam.ManageConnectionsARN(cfg.Region, cfg.AccountID, cfg.APIID, "otherstage", http.MethodPost, connID), time.Now()); !errors.As(err, &denied) {
		t.Errorf("ManageConnections on another stage: %v, want access denied", err)
	}
}

// TestAttachedPermissionsChangeWhatCredentialsMay checks AttachPermissions and
// AttachPermissionsToRoute through the functions' principals: a signed request for an action
// is denied before the grant and allowed after it, for the functions it was granted to only.
func TestAttachedPermissionsChangeWhatCredentialsMay(t *testing.T) {
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: perms\nroutes:\n  a: a.handler\n  b: b.handler\n  url: {type: url, url: 'http://127.0.0.1:1/'}\n",
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.closeInvokers() })
	credsOf := func(route string) aws.Credentials {
		t.Helper()
		f, ok := a.routeFunction(route)
		if !ok {
			t.Fatalf("route %s has no function", route)
		}
		return f.awsCredentials()
	}
	const table = "arn:aws:dynamodb:us-east-1:000000000000:table/rooms"
	may := func(route, action, resource string) bool {
		t.Helper()
		req := signedRequest(t, credsOf(route), http.MethodPost, "https://127.0.0.1:3001/local/@connections/x", nil, cfg.Region)
		_, err := a.iam.AuthorizeRequest(req, nil, action, resource, time.Now())
		var ae *auth.Error
		if err != nil && (!errors.As(err, &ae) || ae.Type != "AccessDeniedException") {
			t.Fatalf("%s %s: %v, want allowed or AccessDenied", route, action, err)
		}
		return err == nil
	}
	if may("a", "dynamodb:PutItem", table) || may("b", "dynamodb:PutItem", table) {
		t.Fatal("functions may use DynamoDB before any grant")
	}
	if err := a.AttachPermissions([]config.Permission{{String: "dynamodb"}}); err != nil {
		t.Fatal(err)
	}
	if !may("a", "dynamodb:PutItem", table) || !may("b", "dynamodb:PutItem", table) {
		t.Error("AttachPermissions(dynamodb) did not reach every function")
	}
	if err := a.AttachPermissionsToRoute("a", []config.Permission{{Effect: "Allow", Actions: []string{"sqs:SendMessage"}, Resources: []string{"*"}}}); err != nil {
		t.Fatal(err)
	}
	if !may("a", "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q") || may("b", "sqs:SendMessage", "arn:aws:sqs:us-east-1:000000000000:q") {
		t.Error("AttachPermissionsToRoute did not grant to that route's function only")
	}
	if got, _ := a.Function("a"); len(got.Permissions) != 2 || got.Permissions[0].String != "dynamodb" || got.Permissions[1].Actions[0] != "sqs:SendMessage" {
		t.Errorf("Function(a).Permissions = %+v", got.Permissions)
	}

	if err := a.AttachPermissionsToRoute("nope", []config.Permission{{String: "s3"}}); err == nil {
		t.Error("AttachPermissionsToRoute accepted an unknown route")
	}
	if err := a.AttachPermissionsToRoute("url", []config.Permission{{String: "s3"}}); err != nil {
		t.Errorf("AttachPermissionsToRoute on a URL route: %v, want nothing done", err)
	}
	if err := a.AttachPermissionsToRoute("a", []config.Permission{{Effect: "Perhaps", Actions: []string{"s3:*"}, Resources: []string{"*"}}}); err == nil {
		t.Error("AttachPermissionsToRoute accepted an invalid statement")
	}
	if err := a.AttachPermissions([]config.Permission{{Effect: "Allow"}}); err == nil {
		t.Error("AttachPermissions accepted a statement without actions")
	}

	// Functions built later (routes added at run time) get what was attached to every function.
	later, err := a.newFunction(a.Config(), "later", &config.Function{Handler: "later.handler"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := signedRequest(t, later.awsCredentials(), http.MethodPost, "https://127.0.0.1:3001/local/@connections/x", nil, cfg.Region)
	if _, err := a.iam.AuthorizeRequest(req, nil, "dynamodb:GetItem", table, time.Now()); err != nil {
		t.Errorf("a function built after AttachPermissions lacks the grant: %v", err)
	}
}

// awsCredentials returns the function's credentials.
func (f *function) awsCredentials() aws.Credentials {
	env := map[string]string{}
	for _, kv := range f.credentials {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return aws.Credentials{AccessKeyID: env["AWS_ACCESS_KEY_ID"], SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"], SessionToken: env["AWS_SESSION_TOKEN"]}
}

func TestFunctionNames(t *testing.T) {
	a := &App{cfg: &config.Config{Name: "chat app"}}
	got := []string{
		a.functionNameLocked("$connect", nil),
		a.functionNameLocked("$default", nil),
		a.functionNameLocked("default", nil),
		a.functionNameLocked("send/message", nil),
		a.functionNameLocked(strings.Repeat("k", 80), nil),
		a.functionNameLocked(strings.Repeat("k", 80), nil),
	}
	want := []string{"chat-app-connect", "chat-app-default", "chat-app-default-2", "chat-app-send-message",
		("chat-app-" + strings.Repeat("k", 80))[:64], ("chat-app-" + strings.Repeat("k", 80))[:62] + "-2"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d = %q, want %q", i, got[i], want[i])
		}
		if !iamName(got[i]) {
			t.Errorf("name %q is not a valid IAM role name", got[i])
		}
	}
}

func iamName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("+=,.@_-", c)) {
			return false
		}
	}
	return true
}

func TestFunctionEnvironmentKeepsTheFunctionsOwnSettings(t *testing.T) {
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: own\nroutes:\n  r:\n    function:\n      handler: r.handler\n" +
			"      environment: {AWS_CA_BUNDLE: /etc/mine.pem}\n",
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.closeInvokers() })
	f, _ := a.routeFunction("r")
	env := strings.Join(a.functionEnv(f), "\n")
	if strings.Contains(env, "AWS_CA_BUNDLE=") {
		t.Errorf("the gateway's AWS_CA_BUNDLE replaced the function's own:\n%s", env)
	}
	if !strings.Contains(env, "AWS_ACCESS_KEY_ID="+f.accessKeyID) || !strings.Contains(env, "SSL_CERT_FILE=") {
		t.Errorf("the function's credentials or the CA bundle are missing:\n%s", env)
	}
}

func TestAuthorizerFunctionTakesNoDefaultsNorAttachedPermissions(t *testing.T) {
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: authz\ndefaults:\n  function:\n    environment: {FROM_DEFAULTS: d}\n" +
			"authorizer:\n  type: lambda\n  function: auth.handler\nroutes:\n  r: r.handler\n",
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.closeInvokers() })
	var authz *function
	for _, f := range a.fns.all {
		if f.authorizer {
			authz = f
		}
	}
	if authz == nil || authz.name != "authz-authorizer" {
		t.Fatalf("no authorizer function among %d functions (%+v)", len(a.fns.all), authz)
	}
	if _, ok := authz.cfg.Environment["FROM_DEFAULTS"]; ok {
		t.Error("defaults.function was merged into the authorizer's function")
	}
	if r, _ := a.Function("r"); r.Environment["FROM_DEFAULTS"] != "d" {
		t.Errorf("the route's function lacks defaults.function: %v", r.Environment)
	}
	if err := a.AttachPermissions([]config.Permission{{String: "s3"}}); err != nil {
		t.Fatal(err)
	}
	req := signedRequest(t, authz.awsCredentials(), http.MethodGet, "https://127.0.0.1:3001/", nil, cfg.Region)
	if _, err := a.iam.AuthorizeRequest(req, nil, "s3:GetObject", "arn:aws:s3:::b/k", time.Now()); err == nil {
		t.Error("AttachPermissions reached the authorizer's function")
	}
}

func TestStartReportsEveryMissingHandlerWithItsPlace(t *testing.T) {
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: missing\n" +
			"authorizer:\n  type: lambda\n  function: auth/check.handler\n" +
			"routes:\n  $connect: src/connect.main\n  send:\n    function:\n      handler: functions/send\n",
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.closeInvokers() })
	err = a.Start(context.Background(), "127.0.0.1:0")
	if err == nil {
		t.Fatal("Start with missing handlers succeeded")
	}
	if a.Addr() != nil {
		t.Error("the listener is still open after a failed Start")
	}
	for _, want := range []string{
		"switchboard.yaml:4: authorizer: function missing-authorizer:", "auth/check.js",
		"switchboard.yaml:6: route $connect: function missing-connect:", "src/connect.py",
		"switchboard.yaml:9: route send: function missing-send:", "functions/send",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start-up error lacks %q:\n%v", want, err)
		}
	}
}

// TestStartNamesTheRuntimeAndLayerKeys checks that a runtime that cannot be had and a layer
// that cannot be laid out (an ARN) stop start-up with the file, line, route and key of the value,
// also when it comes from defaults.function.
func TestStartNamesTheRuntimeAndLayerKeys(t *testing.T) {
	const handler = "export const handler = async () => ({statusCode: 200});\n"
	startErr := func(files map[string]string) error {
		t.Helper()
		a, err := New(loadConfig(t, files), Options{CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.closeInvokers() })
		err = a.Start(context.Background(), "127.0.0.1:0")
		if err == nil {
			t.Fatal("Start succeeded")
		}
		return err
	}
	err := startErr(map[string]string{
		"switchboard.yaml": "name: props\n" + // line 1
			"defaults:\n  function:\n    layers: [layers/ok, arn:aws:lambda:us-east-1:123456789012:layer:deps:3]\n" + // 2-4
			"routes:\n" + // 5
			"  old:\n    function:\n      handler: src/h.handler\n      runtime: nodejs16.x\n" + // 6-9
			"  own:\n    function:\n      handler: src/h.handler\n      layers: [layers/missing]\n", // 10-13
		"src/h.mjs":        handler,
		"layers/ok/README": "a layer\n",
	})
	for _, want := range []string{
		"switchboard.yaml:9: route old: routes.old.function.runtime:", `"nodejs16.x" is not a Node.js runtime`,
		"switchboard.yaml:4: route own: defaults.function.layers[1]:", "is a layer ARN",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start-up error lacks %q:\n%v", want, err)
		}
	}
	// Layers are checked in order, so the route's own missing layer shows once the defaults'
	// ARN is gone.
	err = startErr(map[string]string{
		"switchboard.yaml": "name: props\nroutes:\n  own:\n    function:\n      handler: src/h.handler\n      layers: [layers/missing]\n",
		"src/h.mjs":        handler,
	})
	if !strings.Contains(err.Error(), "switchboard.yaml:6: route own: routes.own.function.layers[0]:") {
		t.Errorf("start-up error %v, want it to name routes.own.function.layers[0] at line 6", err)
	}
}

// TestFunctionsAddedBeforeStartUseTheAddressStartListensOn adds a function route before Start
// and checks that its workers are pointed at the port Start picked, not the configured one; a
// broken handler added after Start fails AddRoutes at once.
func TestFunctionsAddedBeforeStartUseTheAddressStartListensOn(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (scripts/test.sh installs it)")
	}
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: early\nserver:\n  listen: 127.0.0.1:1\nroutes:\n  $default: {type: url, url: 'http://127.0.0.1:1/'}\n",
		"env.mjs":          envHandler,
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	route := map[string]config.Route{"env": {Key: "env", ReturnResponse: true,
		Target: config.Target{Kind: config.TargetFunction, Function: &config.Function{Handler: "env.handler"}}}}
	if err := a.AddRoutes(context.Background(), route); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	c := dialWS(t, a.URL(), nil)
	var env map[string]string
	if reply := roundTrip(t, c, `{"action":"env","keys":["`+EndpointEnv+`"]}`); json.Unmarshal([]byte(reply), &env) != nil {
		t.Fatalf("env reply %q", reply)
	}
	if got := env[EndpointEnv]; got != a.SecureManagementEndpoint() || strings.Contains(got, ":1/") {
		t.Errorf("%s=%q, want %q", EndpointEnv, got, a.SecureManagementEndpoint())
	}

	broken := map[string]config.Route{"broken": {Key: "broken",
		Target: config.Target{Kind: config.TargetFunction, Function: &config.Function{Handler: "missing.handler"}}}}
	if err := a.AddRoutes(context.Background(), broken); err == nil || !strings.Contains(err.Error(), "route broken") {
		t.Errorf("AddRoutes with a missing handler after Start: %v", err)
	}
	if _, ok := a.Route("broken"); ok {
		t.Error("the broken route was deployed")
	}
}

// TestMergedPermissionsReachTheCredentials checks the permissions merge rule through what each
// function's credentials may do: defaults.function's permissions and the route's own.
func TestMergedPermissionsReachTheCredentials(t *testing.T) {
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": "name: merged\ndefaults:\n  function:\n    permissions: [dynamodb]\n" +
			"routes:\n  own:\n    function:\n      handler: own.handler\n      permissions: ['s3:GetObject']\n  plain: plain.handler\n",
	})
	a, err := New(cfg, Options{CacheDir: testCacheDir(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.closeInvokers() })
	may := func(route, action, resource string) bool {
		t.Helper()
		f, _ := a.routeFunction(route)
		req := signedRequest(t, f.awsCredentials(), http.MethodGet, "https://127.0.0.1:3001/", nil, cfg.Region)
		_, err := a.iam.AuthorizeRequest(req, nil, action, resource, time.Now())
		return err == nil
	}
	const table, object = "arn:aws:dynamodb:us-east-1:000000000000:table/t", "arn:aws:s3:::bucket/key"
	for _, tc := range []struct {
		route, action, resource string
		want                    bool
	}{
		{"own", "dynamodb:Query", table, true},
		{"own", "s3:GetObject", object, true},
		{"own", "s3:PutObject", object, false},
		{"plain", "dynamodb:Query", table, true},
		{"plain", "s3:GetObject", object, false},
	} {
		if got := may(tc.route, tc.action, tc.resource); got != tc.want {
			t.Errorf("%s may %s: %v, want %v", tc.route, tc.action, got, tc.want)
		}
	}
}

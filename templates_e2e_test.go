package switchboard_test

// End-to-end tests of templates: a SAM template written like AWS's samples, a CDK app synthesized
// offline with aws-cdk-lib, and a serverless.yml, each run with real functions (Go, Node.js,
// Python workers) and real WebSocket clients; and synth's output served again (the round trip).

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// startTemplate starts every API of a template on a free loopback port, stopped with the test.
func startTemplate(t *testing.T, path string, opts switchboard.TemplateOptions) []*switchboard.API {
	t.Helper()
	apis, err := switchboard.NewFromTemplate(path, opts)
	if err != nil {
		t.Fatalf("NewFromTemplate(%s): %v", path, err)
	}
	for _, api := range apis {
		if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
			t.Fatalf("Start: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = api.Shutdown(ctx)
		})
	}
	return apis
}

func needPythonBoto3(t *testing.T) {
	t.Helper()
	if exec.Command("python3", "-c", "import boto3").Run() != nil && exec.Command("/usr/bin/python3", "-c", "import boto3").Run() != nil {
		t.Skip("no python3 with boto3 (scripts/test.sh installs python3-boto3)")
	}
}

// npmPackages returns the node_modules directory where scripts/test.sh installs aws-cdk-lib,
// skipping the test when it is not there.
func npmPackages(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SWITCHBOARD_TEST_NPM")
	if dir == "" {
		cache, _ := os.UserCacheDir()
		dir = filepath.Join(cache, "switchboard-test", "npm")
	}
	nm := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(nm, "aws-cdk-lib", "package.json")); err != nil {
		t.Skipf("aws-cdk-lib is not installed in %s (scripts/test.sh installs it)", dir)
	}
	return nm
}

func TestSAMTemplateEndToEnd(t *testing.T) {
	needNode(t)
	needPythonBoto3(t)
	useFunctionCache(t)
	envVars := filepath.Join(t.TempDir(), "env.json")
	if err := os.WriteFile(envVars, []byte(`{"EchoFunction": {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	apis := startTemplate(t, "testdata/templates/sam/template.yaml", switchboard.TemplateOptions{
		Parameters:  map[string]string{"TableName": "chat_local"},
		EnvVarsFile: envVars,
	})
	if len(apis) != 1 {
		t.Fatalf("%d APIs, want 1", len(apis))
	}
	api := apis[0]
	if !strings.HasSuffix(api.URL(), "/Prod") {
		t.Fatalf("URL %s, want the template's stage Prod", api.URL())
	}
	if got := api.Routes(); !slices.Equal(got, []string{"$connect", "echo", "env", "post", "sendmessage"}) {
		t.Fatalf("routes %v", got)
	}

	// $connect runs the Go function (aws-lambda-go): it refuses deny=1.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, api.URL()+"?deny=1", nil); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial with deny=1: %v, want 403 from the Go $connect function", err)
	}
	c := dial(t, api.URL())
	// Go, two-way through the route response.
	if got := exchange(t, c, `{"action":"echo","data":"from a SAM template"}`); got != "from a SAM template" {
		t.Errorf("echo: %q", got)
	}
	// Node.js, posting through @connections as AWS's sample does.
	if got := exchange(t, c, `{"action":"sendmessage","data":"hi"}`); got != "node posted: hi" {
		t.Errorf("sendmessage: %q", got)
	}
	// Python with boto3.
	if got := exchange(t, c, `{"action":"post","data":"hi"}`); got != "python posted: hi" {
		t.Errorf("post: %q", got)
	}
	// The environment: Ref of a parameter, GetAtt of a table Switchboard does not run, and a
	// variable that only the --env-vars file has.
	var env map[string]string
	reply := exchange(t, c, `{"action":"env","do":"env","keys":["TABLE_NAME","TABLE_ARN","AWS_ENDPOINT_URL_DYNAMODB","AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]}`)
	if err := json.Unmarshal([]byte(reply), &env); err != nil {
		t.Fatalf("env: %q", reply)
	}
	want := map[string]string{
		"TABLE_NAME":                      "chat_local",
		"TABLE_ARN":                       "arn:aws:dynamodb:us-east-1:000000000000:table/chat_local",
		"AWS_ENDPOINT_URL_DYNAMODB":       "http://127.0.0.1:8000",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("function environment %s=%q, want %q (all: %v)", k, env[k], v, env)
		}
	}
}

func TestCDKAppEndToEnd(t *testing.T) {
	needNode(t)
	needPythonBoto3(t)
	nodeModules := npmPackages(t)
	useFunctionCache(t)
	out := filepath.Join(t.TempDir(), "cdk.out")
	app, _ := filepath.Abs("testdata/templates/cdk/app.js")
	cmd := exec.Command("node", app, out)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules, "CDK_DISABLE_VERSION_CHECK=1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodeModules, "CDK_DISABLE_VERSION_CHECK=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("synthesizing the CDK app: %v\n%s", err, b)
	}
	apis := startTemplate(t, filepath.Join(out, "ChatStack.template.json"), switchboard.TemplateOptions{})
	if len(apis) != 1 {
		t.Fatalf("%d APIs, want 1", len(apis))
	}
	api := apis[0]
	if api.Name() != "cdk-chat" || !strings.HasSuffix(api.URL(), "/dev") {
		t.Fatalf("API %q at %s, want cdk-chat on stage dev", api.Name(), api.URL())
	}
	if got := api.Routes(); !slices.Equal(got, []string{"$connect", "echo", "python"}) {
		t.Fatalf("routes %v", got)
	}
	c := dial(t, api.URL())
	got := exchange(t, c, `{"action":"echo","data":1}`)
	if !strings.HasPrefix(got, `cdk echo: {"action":"echo","data":1} (table ChatStack-Connections`) {
		t.Errorf("Node.js asset function: %q", got)
	}
	if got := exchange(t, c, `{"action":"python"}`); got != "python on dev: python" {
		t.Errorf("Python asset function: %q", got)
	}
}

func TestServerlessYMLEndToEnd(t *testing.T) {
	needNode(t)
	useFunctionCache(t)
	t.Setenv("SLS_TEST_GREETING", "hey")
	apis := startTemplate(t, "testdata/templates/serverless/serverless.yml", switchboard.TemplateOptions{
		Parameters: map[string]string{"stage": "local"},
	})
	api := apis[0]
	if api.Name() != "sls-chat-websockets" || !strings.HasSuffix(api.URL(), "/local") {
		t.Fatalf("API %q at %s", api.Name(), api.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, api.URL()+"?token=wrong", nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial with a wrong token: %v, want 401 from the authorizer", err)
	}
	c := dial(t, api.URL()+"?token=letmein")
	if got := exchange(t, c, "ping"); got != "hey from sls-chat-local-connections: ping (sls-user)" {
		t.Errorf("$default: %q", got)
	}
}

// TestSynthOutputServesTheSameAPI synthesizes a config with Node.js, Python and Go functions,
// serves the template, and checks that it answers as the config does.
func TestSynthOutputServesTheSameAPI(t *testing.T) {
	needNode(t)
	needPythonBoto3(t)
	useFunctionCache(t)
	dir := t.TempDir()
	goEchoDir, _ := filepath.Abs(goEcho)
	nodeDir, _ := filepath.Abs("testdata/functions/node")
	pyDir, _ := filepath.Abs("testdata/functions/python")
	cfg := filepath.Join(dir, "switchboard.yaml")
	text := `name: roundtrip
stage: {name: rt, throttle: {rateLimit: 50, burstLimit: 20}, variables: {color: blue}}
defaults:
  function:
    environment: {SHARED: "yes"}
routes:
  $connect: ` + goEchoDir + `
  echo:
    function: {handler: ` + goEchoDir + `, memory: 512, timeout: 7}
    returnResponse: true
  sendmessage: ` + nodeDir + `/sample.handler
  post: ` + pyDir + `/post.handler
`
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "aws", "template.yaml")
	os.MkdirAll(filepath.Dir(out), 0o755)
	tpl, warnings, err := switchboard.Synth(cfg, switchboard.SynthOptions{Out: out})
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Synth: %v, warnings %v", err, warnings)
	}
	if err := os.WriteFile(out, tpl, 0o644); err != nil {
		t.Fatal(err)
	}
	orig, err := switchboard.NewFromFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	apis := startTemplate(t, out, switchboard.TemplateOptions{})
	if len(apis) != 1 {
		t.Fatalf("%d APIs", len(apis))
	}
	api := apis[0]
	if api.Name() != orig.Name() || !slices.Equal(api.Routes(), orig.Routes()) || !strings.HasSuffix(api.URL(), "/rt") {
		t.Fatalf("served %q %v at %s, want %q %v on stage rt", api.Name(), api.Routes(), api.URL(), orig.Name(), orig.Routes())
	}
	for _, key := range []string{"echo", "sendmessage", "post"} {
		a, b := orig.GetFunction(key), api.GetFunction(key)
		if b == nil || b.Environment["SHARED"] != "yes" || (a.MemoryMB != 0 && a.MemoryMB != b.MemoryMB) || (a.Timeout != 0 && a.Timeout != b.Timeout) {
			t.Errorf("%s: function %+v, want the settings of %+v", key, b, a)
		}
	}
	c := dial(t, api.URL())
	for msg, want := range map[string]string{
		`{"action":"echo","data":"round trip"}`: "round trip",
		`{"action":"sendmessage","data":"rt"}`:  "node posted: rt",
		`{"action":"post","data":"rt"}`:         "python posted: rt",
	} {
		if got := exchange(t, c, msg); got != want {
			t.Errorf("%s: %q, want %q", msg, got, want)
		}
	}
}

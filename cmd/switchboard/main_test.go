package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// binary is the switchboard command built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-cmd-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building switchboard: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidate(t *testing.T) {
	good := writeConfig(t, "name: chat\nroutes:\n  echo: {type: url, url: 'http://127.0.0.1:9/echo', returnResponse: true}\n")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", "--config", good}, &stdout, &stderr); code != 0 {
		t.Fatalf("valid file: exit %d, stderr %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "valid") {
		t.Fatalf("stdout %q", stdout.String())
	}

	bad := writeConfig(t, "name: chat\nroutes:\n  echo: {type: url, url: 'ftp://x'}\nstage:\n  nmae: prod\n")
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"validate", "--config", bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("invalid file: exit %d, want 1", code)
	}
	msg := stderr.String()
	for _, want := range []string{"switchboard.yaml:3:", "routes.echo.url", "switchboard.yaml:5:", `unknown key "nmae"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("validate output lacks %q:\n%s", want, msg)
		}
	}

	if code := run([]string{"validate"}, &stdout, &stderr); code != 2 {
		t.Fatalf("validate without --config: exit %d, want 2", code)
	}
	if code := run([]string{"frobnicate"}, &stdout, &stderr); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2", code)
	}
}

// recordingBackend is a URL integration that records event types and can hold $disconnect.
type recordingBackend struct {
	*httptest.Server
	events chan string
	hold   chan struct{} // when non-nil, DISCONNECT waits for it
}

func newBackend(t *testing.T, hold bool) *recordingBackend {
	b := &recordingBackend{events: make(chan string, 16)}
	if hold {
		b.hold = make(chan struct{})
	}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			RequestContext struct {
				EventType            string `json:"eventType"`
				DisconnectStatusCode int    `json:"disconnectStatusCode"`
			} `json:"requestContext"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		b.events <- fmt.Sprintf("%s %d", ev.RequestContext.EventType, ev.RequestContext.DisconnectStatusCode)
		if ev.RequestContext.EventType == "DISCONNECT" && b.hold != nil {
			select {
			case <-b.hold:
			case <-r.Context().Done():
			}
		}
		_, _ = w.Write([]byte(`{"statusCode":200}`))
	}))
	t.Cleanup(func() {
		if b.hold != nil {
			close(b.hold)
		}
		b.Close()
	})
	return b
}

func (b *recordingBackend) next(t *testing.T) string {
	t.Helper()
	select {
	case e := <-b.events:
		return e
	case <-time.After(15 * time.Second):
		t.Fatal("backend got no event")
		return ""
	}
}

// runServe runs `switchboard serve` with args and hands each line it prints to line until line
// returns true; the rest of its output is discarded. Its stderr may be read while it runs. The
// process is killed with the test.
func runServe(t *testing.T, line func(string) bool, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !line(sc.Text()) {
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, stderr
}

// startServe runs `switchboard serve` (with extra flags) and returns the process and the
// WebSocket URL it prints.
func startServe(t *testing.T, config string, extra ...string) (*exec.Cmd, string, *lockedBuffer) {
	t.Helper()
	var url, mgmt string
	cmd, stderr := runServe(t, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "WebSocket URL:"); ok {
			url = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "Management endpoint:"); ok {
			mgmt = strings.TrimSpace(v)
		}
		return url != "" && mgmt != ""
	}, append([]string{"--config", config, "--listen", "127.0.0.1:0"}, extra...)...)
	if url == "" || !strings.HasPrefix(url, "ws://127.0.0.1:") || !strings.HasSuffix(url, "/prod") {
		t.Fatalf("serve printed no WebSocket URL (got %q); stderr:\n%s", url, stderr)
	}
	if want := "http" + strings.TrimPrefix(url, "ws") + "/@connections/{connectionId}"; !strings.HasPrefix(mgmt, want) {
		t.Fatalf("management endpoint %q, want %q", mgmt, want)
	}
	return cmd, url, stderr
}

func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatalf("wait: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("switchboard did not exit")
	}
	return -1
}

func TestServeGracefulShutdown(t *testing.T) {
	b := newBackend(t, false)
	cmd, url, stderr := startServe(t, writeConfig(t, fmt.Sprintf(
		"stage: {name: prod}\nroutes:\n  $connect: {type: url, url: '%s'}\n  $disconnect: {type: url, url: '%s'}\n", b.URL, b.URL)))

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	if e := b.next(t); e != "CONNECT 0" {
		t.Fatalf("backend got %q", e)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
		t.Fatalf("client saw %v, want close 1001", err)
	}
	if e := b.next(t); e != "DISCONNECT 1001" {
		t.Fatalf("backend got %q, want the $disconnect of the shutdown", e)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", code, stderr)
	}
}

func TestServeSecondSignalExitsAtOnce(t *testing.T) {
	b := newBackend(t, true) // $disconnect hangs, so the graceful shutdown cannot finish
	cmd, url, stderr := startServe(t, writeConfig(t, fmt.Sprintf(
		"stage: {name: prod}\nroutes:\n  $disconnect: {type: url, url: '%s'}\n", b.URL)))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if e := b.next(t); e != "DISCONNECT 1001" {
		t.Fatalf("backend got %q", e)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, cmd); code != 1 {
		t.Fatalf("exit code %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "second signal") {
		t.Fatalf("stderr does not report the second signal:\n%s", stderr)
	}
}

func TestServeBadConfigExitsNonZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	path := writeConfig(t, "routes:\n  $connect: {type: url}\n")
	if code := run([]string{"serve", "--config", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "switchboard.yaml:2") {
		t.Fatalf("stderr does not cite the file and line: %s", stderr.String())
	}
}

// TestServeSeveralAPIs serves two config files on one listener: serve prints each API's URLs
// (the custom domain's too), and a client reaches each API by its custom domain's Host.
func TestServeSeveralAPIs(t *testing.T) {
	chat, core := newBackend(t, false), newBackend(t, false)
	dir := t.TempDir()
	chatFile, coreFile := filepath.Join(dir, "chat.yaml"), filepath.Join(dir, "core.yaml")
	for file, text := range map[string]string{
		chatFile: fmt.Sprintf("name: chat\nstage: {name: prod}\ncustomDomain: {domainName: api.example.com, path: chat}\nroutes:\n  $connect: {type: url, url: '%s'}\n", chat.URL),
		coreFile: fmt.Sprintf("name: core\nstage: {name: core}\ncustomDomain: {domainName: api.example.com, path: core}\nroutes:\n  $connect: {type: url, url: '%s'}\n", core.URL),
	} {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var urls, domains []string
	_, stderr := runServe(t, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "WebSocket URL:"); ok {
			urls = append(urls, strings.TrimSpace(v))
		}
		if v, ok := strings.CutPrefix(line, "Custom domain URL:"); ok {
			domains = append(domains, strings.TrimSpace(v))
		}
		return len(domains) == 2
	}, "--config", chatFile, "--config", coreFile, "--listen", "127.0.0.1:0")
	if len(urls) != 2 || len(domains) != 2 {
		t.Fatalf("serve printed URLs %q and custom domain URLs %q; stderr:\n%s", urls, domains, stderr)
	}
	port := strings.TrimPrefix(urls[0][:strings.LastIndex(urls[0], "/")], "ws://127.0.0.1:")
	if want := "wss://api.example.com:" + port + "/chat"; domains[0] != want {
		t.Errorf("custom domain URL %q, want %q", domains[0], want)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for path, b := range map[string]*recordingBackend{"/chat": chat, "/core": core} {
		c, _, err := websocket.Dial(ctx, "ws://127.0.0.1:"+port+path, &websocket.DialOptions{Host: "api.example.com"})
		if err != nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		defer c.CloseNow()
		if e := b.next(t); e != "CONNECT 0" {
			t.Fatalf("%s: backend got %q", path, e)
		}
	}
	// The stage path of each API works on the default host too.
	c, _, err := websocket.Dial(ctx, urls[1], nil)
	if err != nil {
		t.Fatalf("dial %s: %v", urls[1], err)
	}
	defer c.CloseNow()
	if e := core.next(t); e != "CONNECT 0" {
		t.Fatalf("core backend got %q", e)
	}
}

// TestValidateSeveralFiles refuses two files whose APIs answer the same mapping, naming both.
func TestValidateSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(a, []byte("name: a\ncustomDomain: {domainName: api.example.com, path: v1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("name: b\nstage: {name: b}\n\ncustomDomain: {domainName: api.example.com, path: v1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", "--config", a, "--config", b}, &stdout, &stderr); code != 1 {
		t.Fatalf("clashing files: exit %d, want 1; stdout %s", code, stdout.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, b+":4:1") || !strings.Contains(msg, a+":2:1") || !strings.Contains(msg, "api.example.com/v1") {
		t.Errorf("validate output does not name both claims:\n%s", msg)
	}
	if err := os.WriteFile(b, []byte("name: b\nstage: {name: b}\ncustomDomain: {domainName: api.example.com, path: v2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"validate", "--config", a, "--config", b}, &stdout, &stderr); code != 0 {
		t.Fatalf("distinct mappings: exit %d; stderr %s", code, stderr.String())
	}
}

// writeFiles writes files (path -> content) under a temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// templateWithURLRoute is a SAM-style template whose route is an HTTP_PROXY integration with a
// parameter for the backend's URL, and the stage's name a parameter too.
const templateWithURLRoute = `Parameters:
  Backend: {Type: String}
  StageName: {Type: String, Default: dev}
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: cli, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  ConnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $connect, Target: !Sub 'integrations/${Backend}Integ'}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: HTTP_PROXY, IntegrationMethod: POST, IntegrationUri: !Ref Backend}
  DisconnectRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: $disconnect, Target: !Join ['/', [integrations, !Ref Integ]]}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: !Ref StageName, AutoDeploy: true}
  Table:
    Type: AWS::DynamoDB::Table
`

func TestServeTemplateWithAConfig(t *testing.T) {
	b := newBackend(t, false)
	tpl := strings.Replace(templateWithURLRoute, "!Sub 'integrations/${Backend}Integ'", "!Sub 'integrations/${Integ}'", 1)
	dir := writeFiles(t, map[string]string{"template.yaml": tpl})
	other := writeConfig(t, fmt.Sprintf("name: other\nstage: {name: other}\nroutes:\n  $connect: {type: url, url: '%s'}\n", b.URL))
	var urls []string
	cmd, stderr := runServe(t, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "WebSocket URL:"); ok {
			urls = append(urls, strings.TrimSpace(v))
		}
		return len(urls) == 2
	}, "--config", other, "--template", filepath.Join(dir, "template.yaml"),
		"--parameter-overrides", "Backend="+b.URL+" StageName=prod", "--listen", "127.0.0.1:0")
	if len(urls) != 2 || !strings.HasSuffix(urls[0], "/other") || !strings.HasSuffix(urls[1], "/prod") {
		t.Fatalf("serve printed URLs %v", urls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, urls[1], nil)
	if err != nil {
		t.Fatalf("dial the template's API: %v", err)
	}
	if e := b.next(t); e != "CONNECT 0" {
		t.Fatalf("backend got %q", e)
	}
	c.Close(websocket.StatusNormalClosure, "")
	if e := b.next(t); e != "DISCONNECT 1000" {
		t.Fatalf("backend got %q", e)
	}
	// The resource it does not run was listed once, at start-up (read once serve has exited).
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if n := strings.Count(stderr.String(), "resource=Table"); n != 1 {
		t.Errorf("the table is listed %d times, want once:\n%s", n, stderr)
	}
}

func TestValidateTemplateReportsEveryProblem(t *testing.T) {
	dir := writeFiles(t, map[string]string{"template.yaml": templateWithURLRoute + `  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: missing/
      Handler: app.handler
      Runtime: java21
      Environment:
        Variables:
          A: !GetAtt Nope.Arn
`})
	path := filepath.Join(dir, "template.yaml")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", "--template", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1; stdout %s", code, stdout.String())
	}
	for _, want := range []string{
		"template.yaml:2:3: Parameters.Backend: has no Default: give its value with --parameter-overrides Backend=VALUE",
		"template.yaml:8:3: Resources.ConnectRoute.Properties.Target: route $connect needs a Target",
		"template.yaml:30:14: Resources.Fn.Properties.Environment.Variables.A: Fn::GetAtt Nope.Arn: no resource named Nope",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("validate output lacks %q:\n%s", want, stderr.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	fixed := strings.Replace(templateWithURLRoute, "!Sub 'integrations/${Backend}Integ'", "!Sub 'integrations/${Integ}'", 1)
	os.WriteFile(path, []byte(fixed), 0o644)
	if code := run([]string{"validate", "--template", path, "--parameter-overrides", "ParameterKey=Backend,ParameterValue=https://backend.example.com/"}, &stdout, &stderr); code != 0 {
		t.Fatalf("valid template: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "template.yaml: valid") {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestSynthCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"switchboard.yaml": "name: synthed\nstage: {name: prod}\nroutes:\n  $default: {function: src/app.handler, returnResponse: true}\n  remote: {type: url, url: 'https://backend.example.com/ws'}\n",
		"src/app.mjs":      "export const handler = async (e) => ({ statusCode: 200, body: e.body });\n",
	})
	cfg := filepath.Join(dir, "switchboard.yaml")
	out := filepath.Join(dir, "deploy", "template.json")
	os.MkdirAll(filepath.Dir(out), 0o755)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"synth", "--config", cfg, "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("synth: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning:") || !strings.Contains(stderr.String(), "routes.remote.url: becomes an HTTP_PROXY integration") {
		t.Errorf("no warning about the url route: %s", stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Transform string
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatalf("--out *.json is not JSON: %v\n%s", err, data)
	}
	fn := tpl.Resources["DefaultFunction"]
	if tpl.Transform != "AWS::Serverless-2016-10-31" || fn.Type != "AWS::Serverless::Function" ||
		fn.Properties["CodeUri"] != "../src" || fn.Properties["Handler"] != "app.handler" || fn.Properties["Runtime"] != "nodejs20.x" {
		t.Errorf("template: transform %q, DefaultFunction %+v", tpl.Transform, fn)
	}
	// The template serves again: validate it as a template.
	stderr.Reset()
	if code := run([]string{"validate", "--template", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("validate --template on synth's output: exit %d: %s", code, stderr.String())
	}
	// YAML on standard output, and a refusal with the config's line.
	stdout.Reset()
	if code := run([]string{"synth", "--config", cfg, "--format", "yaml"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Type: AWS::ApiGatewayV2::Api") {
		t.Fatalf("synth to stdout: exit %d:\n%s", code, stdout.String())
	}
	bad := writeConfig(t, "routes:\n  $connect: {type: url, url: 'http://127.0.0.1:9/'}\n")
	stderr.Reset()
	if code := run([]string{"synth", "--config", bad}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "switchboard.yaml:2:25: routes.$connect.url") {
		t.Fatalf("synth of a local url: exit %d: %s", code, stderr.String())
	}
	if code := run([]string{"synth", "--config", cfg, "--format", "toml"}, &stdout, &stderr); code != 2 {
		t.Errorf("--format toml: exit %d, want 2", code)
	}
}

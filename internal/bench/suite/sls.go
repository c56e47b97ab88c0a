package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// The serverless-offline baseline: versions that run without a Serverless login, and the AWS SDK
// release Switchboard gives Node.js handlers, so both sides run the same client code.
const (
	slsVersion        = "3.40.0"
	slsOfflineVersion = "13.10.1"
	slsDirName        = "serverless-offline"
	slsStartTimeout   = 2 * time.Minute
	npmTimeout        = 10 * time.Minute
)

// slsConfig is the serverless.yml of the baseline. The function timeout is raised from 6 s to
// 30 s: serverless-offline starts one worker thread per concurrent invocation, and 50 cold
// starts at once on two cores take longer than 6 s.
const slsConfig = `service: switchboard-bench
frameworkVersion: "3"
provider:
  name: aws
  runtime: nodejs20.x
  region: us-east-1
  timeout: 30
  websocketsApiRouteSelectionExpression: $request.body.action
  environment:
    OFFLINE_CONNECTIONS_ENDPOINT: http://127.0.0.1:%[1]d
plugins:
  - serverless-offline
custom:
  serverless-offline:
    host: 127.0.0.1
    websocketPort: %[1]d
    httpPort: %[2]d
    lambdaPort: %[3]d
functions:
  connect:
    handler: handler.connect
    events:
      - websocket: {route: $connect}
  nodepost:
    handler: handler.handler
    events:
      - websocket: {route: nodepost}
`

// slsEnv keeps serverless-offline on loopback and off AWS: dummy credentials, no telemetry,
// no notifications, no instance metadata lookups.
var slsEnv = []string{
	"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_REGION=us-east-1",
	"AWS_EC2_METADATA_DISABLED=true", "SLS_TELEMETRY_DISABLED=1", "SLS_NOTIFICATIONS_MODE=off",
	"SLS_DEPRECATION_DISABLE=*",
}

// serverlessOfflineRows measures serverless-offline running the Node.js handler, as the
// baseline of the Node.js rows.
func (s *suite) serverlessOfflineRows(ctx context.Context) error {
	rows := s.nodeRows
	if rows == nil {
		return nil // the function rows did not get as far as creating the Node.js rows
	}
	setNote := func(note string) {
		for _, r := range rows {
			r.Note = note
		}
	}
	switch {
	case !s.plan.serverlessOffline:
		setNote("serverless-offline not run (smoke run, or disabled)")
		return nil
	case s.rep.Machine.Node == "":
		setNote("serverless-offline not run: Node.js is not installed")
		return nil
	}
	s.progress("serverless-offline: installing or checking %s", filepath.Join(s.opts.CacheDir, slsDirName))
	dir, err := s.installServerlessOffline(ctx)
	if err != nil {
		setNote("serverless-offline not run: " + err.Error())
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "serverless.yml"), fmt.Appendf(nil, slsConfig, ports[0], ports[1], ports[2]), 0o644); err != nil {
		return fmt.Errorf("serverless-offline: %w", err)
	}
	handler, err := os.ReadFile(filepath.Join(s.opts.Root, "bench", "functions", "node", "handler.js"))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "handler.js"), handler, 0o644)
	}
	if err != nil {
		return fmt.Errorf("serverless-offline: copy the handler: %w", err)
	}

	argv := []string{"node", "node_modules/serverless/bin/serverless.js", "offline", "start"}
	s.progress("serverless-offline: starting")
	p, _, err := startProc(ctx, "serverless-offline", dir, slsEnv, false, 0, argv...)
	if err != nil {
		return err
	}
	defer p.stop()
	if err := p.waitPort(ctx, fmt.Sprintf("127.0.0.1:%d", ports[0]), slsStartTimeout); err != nil {
		return err
	}
	s.rep.Servers = append(s.rep.Servers, fmt.Sprintf("(cd %s && %s %s)", filepath.Join("bench", ".cache", slsDirName), strings.Join(slsEnv, " "), strings.Join(argv, " ")))
	url := fmt.Sprintf("ws://127.0.0.1:%d", ports[0])

	// serverless-offline starts a worker thread per concurrent invocation and loads the handler
	// and the SDK in each.
	s.progress("serverless-offline: warming up")
	if err := s.nodeWarmup(ctx, url); err != nil {
		return err
	}
	for _, c := range s.plan.nodeConns {
		s.progress("serverless-offline, C = %d", c)
		row := rows[c]
		var l *load
		use, err := measureUse(p.pid(), func() error {
			var lerr error
			l, _, lerr = s.interleave(ctx, url, "", s.roundTripArgs(c, "nodepost", "post"))
			return lerr
		})
		if err != nil {
			return err
		}
		row.Base = l
		if l.Errors != "" {
			row.Note = "serverless-offline had errors: " + l.Errors
		}
		if row.Use == nil {
			row.Use = &rowUse{}
		}
		row.Use.Base, row.Use.BaseReplies = use, l.allReplies()
	}
	return nil
}

// installServerlessOffline installs the pinned packages with npm into the cache directory
// unless they are there already, and returns the directory.
func (s *suite) installServerlessOffline(ctx context.Context) (string, error) {
	dir := filepath.Join(s.opts.CacheDir, slsDirName)
	want := map[string]string{
		"serverless":         slsVersion,
		"serverless-offline": slsOfflineVersion,
		"@aws-sdk/client-apigatewaymanagementapi": runtimes.NodeSDKVersion,
	}
	if installedVersions(dir, want) {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	pkg := []byte(`{"name":"switchboard-bench-serverless-offline","private":true,"version":"0.0.0"}` + "\n")
	if err := os.WriteFile(filepath.Join(dir, "package.json"), pkg, 0o644); err != nil {
		return "", err
	}
	args := []string{"install", "--no-audit", "--no-fund", "--loglevel=error"}
	for name, v := range want {
		args = append(args, name+"@"+v)
	}
	ctx, cancel := context.WithTimeout(ctx, npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	if !installedVersions(dir, want) {
		return "", fmt.Errorf("npm install in %s did not install %v", dir, want)
	}
	return dir, nil
}

// installedVersions reports whether every package is installed in dir/node_modules at exactly
// its version.
func installedVersions(dir string, want map[string]string) bool {
	for name, v := range want {
		data, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			return false
		}
		var pkg struct{ Version string }
		if json.Unmarshal(data, &pkg) != nil || pkg.Version != v {
			return false
		}
	}
	return true
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

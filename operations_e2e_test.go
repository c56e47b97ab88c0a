package switchboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchboardhq/switchboard"
)

// opsBackend is a url integration: /echo answers with the caller's connection id (two-way),
// /fail with status 500, /crash with something that is not a Lambda proxy response, /late with
// "late".
func opsBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			RequestContext struct {
				ConnectionID string `json:"connectionId"`
			} `json:"requestContext"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		switch r.URL.Path {
		case "/echo":
			fmt.Fprintf(w, `{"statusCode":200,"body":%q}`, ev.RequestContext.ConnectionID)
		case "/fail":
			fmt.Fprint(w, `{"statusCode":500,"body":"no"}`)
		case "/crash":
			fmt.Fprint(w, `this is not JSON`)
		default:
			fmt.Fprintf(w, `{"statusCode":200,"body":%q}`, strings.TrimPrefix(r.URL.Path, "/"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startFromFile starts the API of a config file on a free loopback port and shuts it down with
// the test.
func startFromFile(t *testing.T, path string, opts ...switchboard.Option) *switchboard.API {
	t.Helper()
	api, err := switchboard.NewFromFile(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return serveAPI(t, api)
}

// scrapeMetrics GETs /metrics from the admin handler and parses it with Prometheus's parser.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s\n%s", resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return mfs
}

// sumOf adds up family name's counters (or histogram counts) whose labels include match.
func sumOf(mfs map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	var total float64
	mf := mfs[name]
	if mf == nil {
		return -1
	}
next:
	for _, m := range mf.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range match {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

// TestMetricsAfterAKnownSequence drives connects, messages, errors and throttled requests
// through real WebSocket clients, then checks every counter of /metrics (parsed with
// Prometheus's own parser) and that Metric agrees with it.
func TestMetricsAfterAKnownSequence(t *testing.T) {
	backend := opsBackend(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "switchboard.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`name: ops
stage:
  name: prod
  detailedMetrics: true
  throttle: {rateLimit: 0.001, burstLimit: 2}
routes:
  echo: {url: '%[1]s/echo', returnResponse: true}
  fail: {url: '%[1]s/fail'}
  crash: {url: '%[1]s/crash'}
`, backend.URL))
	api := startFromFile(t, cfgPath)
	adm, err := switchboard.NewAdmin(api)
	if err != nil {
		t.Fatal(err)
	}
	admin := httptest.NewServer(adm.Handler())
	defer admin.Close()

	// Two connects take the $connect bucket (burst 2); the third handshake is throttled (429).
	c1 := dial(t, api.URL())
	c2 := dial(t, api.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, resp, err := websocket.Dial(ctx, api.URL(), nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third handshake: %v, %v; want 429", resp, err)
	}
	// c1: two echoes (two-way), a 500 from the integration, a crash, a message no route takes.
	send(t, c1, `{"action":"echo"}`)
	id := readFrame(t, c1)
	send(t, c1, `{"action":"echo"}`)
	readFrame(t, c1)
	send(t, c1, `{"action":"fail"}`)
	send(t, c1, `{"action":"crash"}`)
	if got := readFrame(t, c1); !strings.Contains(got, "Internal server error") {
		t.Fatalf("crash: %q", got)
	}
	send(t, c1, `{"action":"nope"}`)
	if got := readFrame(t, c1); !strings.Contains(got, "Forbidden") {
		t.Fatalf("no route: %q", got)
	}
	// c2: its echo finds the echo bucket empty: throttled, closed with 1008.
	send(t, c2, `{"action":"echo"}`)
	if _, _, err := c2.Read(ctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("throttled message: %v, want close 1008", err)
	}
	// One @connections post to c1.
	if err := api.PostToConnection(ctx, id, []byte("posted")); err != nil {
		t.Fatal(err)
	}
	if got := readFrame(t, c1); got != "posted" {
		t.Fatalf("post: %q", got)
	}

	stage := map[string]string{"stage": "prod"}
	want := map[string]float64{
		"apigateway_connect_count_total":         2,
		"apigateway_message_count_total":         9, // 6 from clients, 2 responses, 1 post
		"apigateway_client_error_total":          3, // 429 handshake, Forbidden, throttled message
		"apigateway_integration_error_total":     1,
		"apigateway_execution_error_total":       1,
		"apigateway_integration_latency_seconds": 4, // echo twice, fail, crash
		"switchboard_throttled_requests_total":   2,
		"switchboard_dropped_messages_total":     0,
	}
	var mfs map[string]*dto.MetricFamily
	deadline := time.Now().Add(10 * time.Second)
	for {
		mfs = scrapeMetrics(t, admin.URL)
		if sumOf(mfs, "switchboard_connections", stage) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for name, w := range want {
		if got := sumOf(mfs, name, stage); got != w {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if got := sumOf(mfs, "switchboard_connections", stage); got != 1 {
		t.Errorf("switchboard_connections = %v, want 1 (c2 was closed)", got)
	}
	// Per route (detailedMetrics): echo had 2+1 messages in and 2 responses out.
	for _, c := range []struct {
		name, route string
		want        float64
	}{
		{"apigateway_message_count_total", "echo", 5},
		{"apigateway_client_error_total", "echo", 1},
		{"apigateway_integration_error_total", "fail", 1},
		{"apigateway_execution_error_total", "crash", 1},
		{"apigateway_connect_count_total", "$connect", 2},
		{"apigateway_client_error_total", "$connect", 1},
	} {
		if got := sumOf(mfs, c.name, map[string]string{"route": c.route}); got != c.want {
			t.Errorf("%s{route=%q} = %v, want %v", c.name, c.route, got, c.want)
		}
	}
	// A route key no route has is the client's text: it adds no series.
	if got := sumOf(mfs, "apigateway_message_count_total", map[string]string{"route": "nope"}); got != 0 {
		t.Errorf("a series for the unrouted key %q: %v", "nope", got)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if mfs[name] == nil {
			t.Errorf("no %s: the Go and process collectors are missing", name)
		}
	}

	// Metric agrees with /metrics.
	metricNames := map[string]string{
		"ConnectCount":     "apigateway_connect_count_total",
		"MessageCount":     "apigateway_message_count_total",
		"ClientError":      "apigateway_client_error_total",
		"IntegrationError": "apigateway_integration_error_total",
		"ExecutionError":   "apigateway_execution_error_total",
	}
	for name, family := range metricNames {
		v, err := api.Metric(name, switchboard.MetricOptions{Statistic: "Sum"})
		if err != nil || v != sumOf(mfs, family, stage) {
			t.Errorf("Metric(%s, Sum) = %v, %v; /metrics says %v", name, v, err, sumOf(mfs, family, stage))
		}
	}
	if v, err := api.Metric("MessageCount", switchboard.MetricOptions{Statistic: "Sum", Route: "echo"}); err != nil || v != 5 {
		t.Errorf("Metric(MessageCount, Sum, echo) = %v, %v; want 5", v, err)
	}
	n, err := api.Metric("IntegrationLatency", switchboard.MetricOptions{Statistic: "SampleCount"})
	if err != nil || n != 4 {
		t.Errorf("IntegrationLatency SampleCount = %v, %v; want 4", n, err)
	}
	var histSum float64
	for _, m := range mfs["apigateway_integration_latency_seconds"].Metric {
		histSum += m.Histogram.GetSampleSum()
	}
	sum, err := api.Metric("IntegrationLatency", switchboard.MetricOptions{Statistic: "Sum"})
	if err != nil || diff(sum, histSum*1000) > 1e-6 {
		t.Errorf("IntegrationLatency Sum = %v ms, %v; /metrics says %v s", sum, err, histSum)
	}
	avg, _ := api.Metric("IntegrationLatency", switchboard.MetricOptions{})
	lo, _ := api.Metric("IntegrationLatency", switchboard.MetricOptions{Statistic: "Minimum"})
	hi, _ := api.Metric("IntegrationLatency", switchboard.MetricOptions{Statistic: "Maximum"})
	p99, _ := api.Metric("IntegrationLatency", switchboard.MetricOptions{Statistic: "p99"})
	if !(lo > 0 && lo <= avg && avg <= hi && lo <= p99 && p99 <= hi) || diff(avg, sum/4) > 1e-9 {
		t.Errorf("latency min %v, avg %v, p99 %v, max %v: out of order", lo, avg, p99, hi)
	}
	if _, err := api.Metric("ConnectCount", switchboard.MetricOptions{Statistic: "Median"}); err == nil {
		t.Error("an unknown statistic gave no error")
	}
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestAutoDeployUnderAnOpenConnection edits the config file of a running API: an added route
// reaches a client that stays connected; an invalid edit changes nothing and is logged with
// file:line; a change needing a restart is logged and left as it is.
func TestAutoDeployUnderAnOpenConnection(t *testing.T) {
	backend := opsBackend(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "switchboard.yaml")
	base := fmt.Sprintf("stage:\n  name: prod\n  variables: {backend: '%s'}\nroutes:\n  echo: {url: '${stageVariables.backend}/echo', returnResponse: true}\n", backend.URL)
	writeFile(t, cfgPath, base)
	logs := &logRecorder{}
	api := startFromFile(t, cfgPath, switchboard.WithLogger(slog.New(logs)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go api.WatchConfig(ctx, 10*time.Millisecond)
	logged := func(match func(map[string]string) bool) bool { _, ok := logs.find(match); return ok }

	c := dial(t, api.URL())
	send(t, c, `{"action":"echo"}`) // the url came from the stage variable
	readFrame(t, c)
	send(t, c, `{"action":"late"}`)
	if got := readFrame(t, c); !strings.Contains(got, "Forbidden") {
		t.Fatalf("before the edit: %q", got)
	}
	first := api.DeploymentID()

	writeFile(t, cfgPath, base+"  late: {url: '${stageVariables.backend}/late', returnResponse: true}\n")
	eventually(t, "the edit to be deployed", func() bool { return api.DeploymentID() != first })
	send(t, c, `{"action":"late"}`)
	if got := readFrame(t, c); got != "late" {
		t.Fatalf("the open connection's next message: %q, want the added route's answer", got)
	}
	deployed := api.DeploymentID()
	if !logged(func(m map[string]string) bool {
		return m["msg"] == "deployed" && m["deploymentId"] == deployed && m["added"] == "late"
	}) {
		t.Errorf("the deployment %s is not logged", deployed)
	}

	// An invalid edit: a typo and an undefined stage variable. Nothing changes; both problems
	// are logged with file:line.
	writeFile(t, cfgPath, base+"  late: {url: '${stageVariables.nope}/late', returnResponse: true}\n  bad: {urll: x}\n")
	problem := func(at string) func() bool {
		return func() bool {
			return logged(func(m map[string]string) bool {
				return m["msg"] == "config change not applied" && strings.Contains(m["problem"], at)
			})
		}
	}
	eventually(t, "line 6's problem to be logged", problem("switchboard.yaml:6:"))
	eventually(t, "line 7's problem to be logged", problem("switchboard.yaml:7:"))
	if api.DeploymentID() != deployed {
		t.Fatal("an invalid edit was deployed")
	}
	send(t, c, `{"action":"late"}`)
	if got := readFrame(t, c); got != "late" {
		t.Fatalf("after the invalid edit: %q", got)
	}

	// A stage rename needs a restart: logged, not applied; the rest of the edit is.
	writeFile(t, cfgPath, strings.Replace(base, "name: prod", "name: staging", 1))
	eventually(t, "the restart-only change to be logged", func() bool {
		return logged(func(m map[string]string) bool {
			return strings.Contains(m["msg"], "needs a restart") && m["key"] == "stage.name" && m["running"] == "prod" && m["file"] == "staging"
		})
	})
	eventually(t, "the rest of the edit to be deployed", func() bool { return api.DeploymentID() != deployed })
	if !strings.HasSuffix(api.URL(), "/prod") {
		t.Errorf("URL %s: the stage was renamed without a restart", api.URL())
	}
	send(t, c, `{"action":"late"}`)
	if got := readFrame(t, c); !strings.Contains(got, "Forbidden") {
		t.Fatalf("late was removed by the last edit, got %q", got)
	}
}

// TestReloadWithoutAutoDeploy: with autoDeploy false the watcher leaves a change alone and
// Reload deploys it; Deploy returns an id like the reload's.
func TestReloadWithoutAutoDeploy(t *testing.T) {
	backend := opsBackend(t)
	cfgPath := filepath.Join(t.TempDir(), "switchboard.yaml")
	base := fmt.Sprintf("stage: {name: prod, autoDeploy: false}\nroutes:\n  echo: {url: '%s/echo', returnResponse: true}\n", backend.URL)
	writeFile(t, cfgPath, base)
	api := startFromFile(t, cfgPath)
	c := dial(t, api.URL())
	writeFile(t, cfgPath, base+fmt.Sprintf("  late: {url: '%s/late', returnResponse: true}\n", backend.URL))
	id, err := api.Reload(context.Background())
	if err != nil || len(id) != 10 || id != api.DeploymentID() {
		t.Fatalf("Reload: %q, %v (DeploymentID %q)", id, err, api.DeploymentID())
	}
	send(t, c, `{"action":"late"}`)
	if got := readFrame(t, c); got != "late" {
		t.Fatalf("after Reload: %q", got)
	}
	writeFile(t, cfgPath, "routes: {echo: {url: 'ftp://x'}}\n")
	if _, err := api.Reload(context.Background()); err == nil {
		t.Fatal("an invalid file was reloaded")
	}
	did, err := api.Deploy(context.Background())
	if err != nil || did == id || len(did) != 10 {
		t.Fatalf("Deploy: %q, %v", did, err)
	}
	var noFile *switchboard.API
	noFile, err = switchboard.New(switchboard.Props{Routes: map[string]switchboard.Route{"echo": {URL: backend.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noFile.Reload(context.Background()); err == nil || errors.Is(err, context.Canceled) {
		t.Fatalf("Reload of an API defined in Go: %v", err)
	}
}

// TestStageVariablesReachTheAuthorizer: the Lambda authorizer's event carries stageVariables,
// and a stage variable can be its identity source.
func TestStageVariablesReachTheAuthorizer(t *testing.T) {
	seen := make(chan map[string]string, 4)
	authorizer := func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		seen <- req.StageVariables
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "u",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn}},
			}},
		}, nil
	}
	api := startAPI(t, switchboard.Props{
		Stage:      switchboard.Stage{Name: "prod", Variables: map[string]string{"env": "staging", "key": "k1"}},
		Authorizer: switchboard.Authorizer{Type: "lambda", Handler: authorizer, IdentitySource: []string{"stageVariables.key"}},
	})
	dial(t, api.URL())
	select {
	case vars := <-seen:
		if vars["env"] != "staging" || vars["key"] != "k1" {
			t.Fatalf("the authorizer got stageVariables %v", vars)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the authorizer was not called")
	}
}

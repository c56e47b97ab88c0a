package switchboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

// startAPI starts props on a free loopback port and shuts it down with the test.
func startAPI(t *testing.T, props switchboard.Props, opts ...switchboard.Option) *switchboard.API {
	t.Helper()
	api, err := switchboard.New(props, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return serveAPI(t, api)
}

// serveAPI starts api on a free loopback port and shuts it down with the test.
func serveAPI(t *testing.T, api *switchboard.API) *switchboard.API {
	t.Helper()
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = api.Shutdown(ctx)
	})
	return api
}

// startGateway serves apis together on a free loopback port and shuts them down with the test.
func startGateway(t *testing.T, apis ...*switchboard.API) *switchboard.Gateway {
	t.Helper()
	gw, err := switchboard.NewGateway(apis...)
	if err != nil {
		t.Fatalf("NewGateway: %v", err)
	}
	if err := gw.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return gw
}

// managementClient is the real AWS SDK client pointed at the stage, as a handler would build it.
func managementClient(endpoint string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// readFrame reads the next frame. It waits past the default integration timeout (29 s), so a
// slow cold start on a loaded machine (a Python worker importing boto3 while every package's
// tests run) still gets its answer or API Gateway's timeout frame, never the test's deadline.
func readFrame(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func send(t *testing.T, c *websocket.Conn, s string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// connIDs collects connection ids from $connect and signals $disconnect.
type connIDs struct {
	mu          sync.Mutex
	ids         []string
	connected   chan string
	disconnects chan events.APIGatewayWebsocketProxyRequest
}

func newConnIDs() *connIDs {
	return &connIDs{connected: make(chan string, 16), disconnects: make(chan events.APIGatewayWebsocketProxyRequest, 16)}
}

func (c *connIDs) connect(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	c.mu.Lock()
	c.ids = append(c.ids, req.RequestContext.ConnectionID)
	c.mu.Unlock()
	c.connected <- req.RequestContext.ConnectionID
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func (c *connIDs) disconnect(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	c.disconnects <- req
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

// waitReady waits until a connection is registered (the gateway answers 410 while $connect runs).
func waitReady(t *testing.T, api *switchboard.API, id string) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if _, err := api.GetConnection(context.Background(), id); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("connection %s never became ready", id)
}

func nextID(t *testing.T, ch chan string) string {
	t.Helper()
	select {
	case id := <-ch:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no $connect")
		return ""
	}
}

// TestBroadcastThroughSDKFromHandler runs a Lambda-style handler that broadcasts with the real
// ApiGatewayManagementApi client, its endpoint derived from the event as AWS's samples do.
func TestBroadcastThroughSDKFromHandler(t *testing.T) {
	ids := newConnIDs()
	sendMessage := func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		endpoint := "http://" + req.RequestContext.DomainName + "/" + req.RequestContext.Stage
		client := managementClient(endpoint)
		var in struct{ Data string }
		if err := json.Unmarshal([]byte(req.Body), &in); err != nil {
			return events.APIGatewayProxyResponse{StatusCode: 400}, nil
		}
		ids.mu.Lock()
		targets := append([]string(nil), ids.ids...)
		ids.mu.Unlock()
		for _, id := range targets {
			if _, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
				ConnectionId: aws.String(id), Data: []byte(in.Data),
			}); err != nil {
				return events.APIGatewayProxyResponse{}, err
			}
		}
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	api := startAPI(t, switchboard.Props{
		Stage: switchboard.Stage{Name: "prod"},
		Routes: map[string]switchboard.Route{
			"$connect":    {Handler: ids.connect},
			"sendMessage": {Handler: sendMessage},
		},
	})
	if !strings.HasPrefix(api.URL(), "ws://127.0.0.1:") || !strings.HasSuffix(api.URL(), "/prod") {
		t.Fatalf("URL() = %s", api.URL())
	}
	a, b := dial(t, api.URL()), dial(t, api.URL())
	waitReady(t, api, nextID(t, ids.connected))
	waitReady(t, api, nextID(t, ids.connected))

	send(t, a, `{"action":"sendMessage","data":"hello room"}`)
	for _, c := range []*websocket.Conn{a, b} {
		if got := readFrame(t, c); got != "hello room" {
			t.Fatalf("broadcast frame = %q", got)
		}
	}
}

func TestManagementAPIWithRealSDKClient(t *testing.T) {
	ids := newConnIDs()
	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{"$connect": {Handler: ids.connect}, "$disconnect": {Handler: ids.disconnect}},
	})
	client := managementClient(api.ManagementEndpoint())
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, api.URL(), &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {"e2e-agent/1.0"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	id := nextID(t, ids.connected)
	waitReady(t, api, id)

	if _, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String(id), Data: []byte(`{"n":1}`),
	}); err != nil {
		t.Fatalf("PostToConnection: %v", err)
	}
	if got := readFrame(t, ws); got != `{"n":1}` {
		t.Fatalf("client got %q", got)
	}

	out, err := client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetConnection: %v", err)
	}
	if out.ConnectedAt == nil || out.LastActiveAt == nil || out.Identity == nil ||
		aws.ToString(out.Identity.SourceIp) != "127.0.0.1" || aws.ToString(out.Identity.UserAgent) != "e2e-agent/1.0" {
		t.Fatalf("GetConnection output: %+v identity %+v", out, out.Identity)
	}
	if out.LastActiveAt.Before(*out.ConnectedAt) || time.Since(*out.ConnectedAt) > time.Minute {
		t.Fatalf("GetConnection times: connectedAt %v lastActiveAt %v", out.ConnectedAt, out.LastActiveAt)
	}

	_, err = client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String(id), Data: make([]byte, 128*1024+1),
	})
	var tooLarge *types.PayloadTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Fatalf("oversized post: %v, want PayloadTooLargeException", err)
	}

	if _, err := client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)}); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, _, err := ws.Read(rctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("client close after DeleteConnection: %v, want 1000", err)
	}
	select {
	case d := <-ids.disconnects:
		if d.RequestContext.DisconnectStatusCode != 1000 || d.RequestContext.ConnectionID != id {
			t.Fatalf("$disconnect: %+v", d.RequestContext)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no $disconnect after DeleteConnection")
	}

	var gone *types.GoneException
	_, err = client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("x")})
	if !errors.As(err, &gone) {
		t.Fatalf("post to closed connection: %v, want GoneException", err)
	}
	_, err = client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("AAAAAAAAAAAAAAA=")})
	if !errors.As(err, &gone) {
		t.Fatalf("get unknown connection: %v, want GoneException", err)
	}
	_, err = client.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(id)})
	if !errors.As(err, &gone) {
		t.Fatalf("delete closed connection: %v, want GoneException", err)
	}
	_, err = client.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("not/a valid id")})
	if err == nil || errors.As(err, &gone) || !strings.Contains(err.Error(), "Invalid connection id") {
		t.Fatalf("malformed id: %v, want a 400 naming the id", err)
	}
}

func TestManagementAPIRefusesNonLoopbackCallers(t *testing.T) {
	api := startAPI(t, switchboard.Props{Stage: switchboard.Stage{Name: "dev"}})
	req := httptest.NewRequest(http.MethodPost, "/dev/@connections/AAAAAAAAAAAAAAA=", strings.NewReader("x"))
	req.RemoteAddr = "192.0.2.10:4567" // a documentation address; nothing is sent anywhere
	rec := httptest.NewRecorder()
	api.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || strings.TrimSpace(rec.Body.String()) != `{"message":"Forbidden"}` {
		t.Fatalf("non-loopback call: %d %s", rec.Code, rec.Body.String())
	}
}

func TestUnknownStageAndPaths(t *testing.T) {
	api := startAPI(t, switchboard.Props{Stage: switchboard.Stage{Name: "prod"}})
	base := strings.Replace(api.ManagementEndpoint(), "/prod", "", 1)
	// A stage or path no API claims gets API Gateway's 403 {"message":"Forbidden"}; a
	// management path it does not know is the management API's own 404 (GET @connections
	// without an id is Switchboard's connection list).
	for path, want := range map[string]int{
		"/":                         403,
		"/other":                    403,
		"/prod/elsewhere":           403,
		"/prod/@connections":        200,
		"/prod/@connections/abc=/x": 404,
		"/prod/@broadcast":          404, // POST only
		"/prod":                     426,
		"/other/@connections/abc=":  403,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
		}
	}
}

// TestURLBackend drives an HTTP backend route: the backend receives AWS's event JSON by POST and
// answers with a proxy response; a dead backend gives the Internal server error frame.
func TestURLBackend(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		body := ""
		if b, ok := ev["body"].(string); ok {
			body = "backend saw " + b
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": 200, "body": body})
	}))
	defer backend.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	api := startAPI(t, switchboard.Props{
		Routes: map[string]switchboard.Route{
			"$connect": {URL: backend.URL},
			"echo":     {URL: backend.URL, ReturnResponse: true},
			"down":     {URL: deadURL, ReturnResponse: true},
		},
	})
	c := dial(t, api.URL())
	send(t, c, `{"action":"echo"}`)
	if f := readFrame(t, c); f != `backend saw {"action":"echo"}` {
		t.Fatalf("frame %q", f)
	}
	send(t, c, `{"action":"down"}`)
	if f := readFrame(t, c); !strings.HasPrefix(f, `{"message": "Internal server error"`) {
		t.Fatalf("dead backend frame %q", f)
	}
	send(t, c, `{"action":"echo"}`)
	if f := readFrame(t, c); f != `backend saw {"action":"echo"}` {
		t.Fatalf("after a dead backend the connection must work: %q", f)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 {
		t.Fatalf("backend got %d events", len(got))
	}
	connect, message := got[0], got[1]
	for _, k := range []string{"headers", "multiValueHeaders", "requestContext", "isBase64Encoded"} {
		if _, ok := connect[k]; !ok {
			t.Errorf("CONNECT event lacks %q: %v", k, connect)
		}
	}
	for _, k := range []string{"body", "queryStringParameters"} {
		if _, ok := connect[k]; ok {
			t.Errorf("CONNECT event without a query string has %q", k)
		}
	}
	for _, k := range []string{"headers", "multiValueHeaders"} {
		if _, ok := message[k]; ok {
			t.Errorf("MESSAGE event has %q", k)
		}
	}
	rc := message["requestContext"].(map[string]any)
	for _, k := range []string{"routeKey", "messageId", "eventType", "extendedRequestId", "requestTime", "messageDirection",
		"stage", "connectedAt", "requestTimeEpoch", "identity", "requestId", "domainName", "connectionId", "apiId"} {
		if _, ok := rc[k]; !ok {
			t.Errorf("MESSAGE requestContext lacks %q", k)
		}
	}
	if rc["domainName"] == "" || rc["stage"] != "local" {
		t.Errorf("domainName %v stage %v", rc["domainName"], rc["stage"])
	}
}

func TestAddRoutesAtRunTime(t *testing.T) {
	api := startAPI(t, switchboard.Props{Routes: map[string]switchboard.Route{
		"$default": {Handler: func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "default"}, nil
		}, ReturnResponse: true},
	}})
	c := dial(t, api.URL())
	send(t, c, `{"action":"greet"}`)
	if f := readFrame(t, c); f != "default" {
		t.Fatalf("before AddRoutes: %q", f)
	}
	err := api.AddRoutes(context.Background(), map[string]switchboard.Route{
		"greet": {Handler: func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
			return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello " + req.RequestContext.RouteKey}, nil
		}, ReturnResponse: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, `{"action":"greet"}`)
	if f := readFrame(t, c); f != "hello greet" {
		t.Fatalf("existing connection after AddRoutes: %q", f)
	}
	if got := strings.Join(api.Routes(), ","); got != "$default,greet" {
		t.Fatalf("Routes() = %s", got)
	}
	if err := api.AddRoutes(context.Background(), map[string]switchboard.Route{"$bad": {URL: "http://127.0.0.1:1"}}); err == nil {
		t.Fatal("AddRoutes accepted a reserved-looking custom key")
	}
}

func TestMissingFunctionHandlerIsAClearStartupError(t *testing.T) {
	t.Setenv("SWITCHBOARD_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(path, []byte("routes:\n  $connect: src/connect.main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	starts := map[string]func(*switchboard.API) error{
		"StartOn": func(api *switchboard.API) error { return api.StartOn(context.Background(), "127.0.0.1:0") },
		"Serve": func(api *switchboard.API) error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			return api.Serve(context.Background(), ln)
		},
	}
	for name, start := range starts {
		api, err := switchboard.NewFromFile(path)
		if err != nil {
			t.Fatalf("NewFromFile with a function route: %v", err)
		}
		err = start(api)
		if err == nil {
			_ = api.Shutdown(context.Background())
			t.Fatalf("%s with a missing handler succeeded", name)
		}
		for _, want := range []string{"switchboard.yaml:2", "route $connect", "src/connect.js", "src/connect.py"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: start-up error lacks %q: %v", name, want, err)
			}
		}
	}
}

func TestGetFunctionAndPermissions(t *testing.T) {
	api, err := switchboard.New(switchboard.Props{
		Defaults: switchboard.Defaults{Function: &switchboard.FunctionProps{
			Timeout: 20 * time.Second, Environment: map[string]string{"TABLE": "t"},
			Permissions: []switchboard.Permission{{String: "dynamodb"}},
		}},
		Routes: map[string]switchboard.Route{
			"echo": {URL: "http://127.0.0.1:1/echo"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := api.GetFunction("echo"); f != nil {
		t.Fatalf("a URL route has no function, got %+v", f)
	}
	if err := api.AttachPermissionsToRoute("nope", switchboard.Permission{String: "s3"}); err == nil {
		t.Fatal("AttachPermissionsToRoute accepted an unknown route")
	}
	if err := api.AttachPermissionsToRoute("echo", switchboard.Permission{String: "s3"}); err != nil {
		t.Fatal(err)
	}
}

// TestStageThrottle: a stage throttle (CDK's WebSocketStage throttle, SST's stage settings) runs:
// handshakes past the $connect bucket get 429, as on AWS.
func TestStageThrottle(t *testing.T) {
	api := startAPI(t, switchboard.Props{
		Name:  "throttled",
		Stage: switchboard.Stage{Name: "dev", RateLimit: 0.001, BurstLimit: 1},
		Routes: map[string]switchboard.Route{
			"$default": {ReturnResponse: true, Handler: func(_ context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.Body}, nil
			}},
		},
	})
	c := dial(t, api.URL())
	defer c.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	second, resp, err := websocket.Dial(ctx, api.URL(), nil)
	if err == nil {
		second.CloseNow()
	}
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second handshake: %v, %v; want 429 Too Many Requests", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"message":"Too Many Requests"}` {
		t.Errorf("429 body %q", body)
	}
}

// TestAccessLog: with accessLog on (SST's accessLog prop), every CONNECT, MESSAGE and DISCONNECT
// request leaves one line in the default (JSON) format in the destination file, with the
// status the client got.
func TestAccessLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "access.log")
	disconnected := make(chan struct{})
	api, err := switchboard.New(switchboard.Props{
		Name:      "logged",
		Stage:     switchboard.Stage{Name: "dev"},
		AccessLog: switchboard.AccessLog{Enabled: true, Destination: logFile},
		Routes: map[string]switchboard.Route{
			"echo": {ReturnResponse: true, Handler: func(_ context.Context, r events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.Body}, nil
			}},
			"fail": {Handler: func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				return events.APIGatewayProxyResponse{}, errors.New("boom")
			}},
			"$disconnect": {Handler: func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				close(disconnected)
				return events.APIGatewayProxyResponse{StatusCode: 200}, nil
			}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := dial(t, api.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, msg := range []string{`{"action":"echo"}`, `{"action":"nope"}`, `{"action":"fail"}`} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil { // the echo, the Forbidden frame, the error frame
			t.Fatal(err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	<-disconnected
	if err := api.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec struct {
			RequestID, EventType, RouteKey, ConnectionID string
			Status                                       int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if rec.RequestID == "" || rec.ConnectionID == "" {
			t.Errorf("line %q lacks the request or connection id", line)
		}
		got = append(got, fmt.Sprintf("%s %s %d", rec.EventType, rec.RouteKey, rec.Status))
	}
	want := []string{"CONNECT $connect 200", "MESSAGE echo 200", "MESSAGE - 403", "MESSAGE fail 500", "DISCONNECT $disconnect 200"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("access log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

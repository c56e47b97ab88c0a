package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/smithy-go"
	"github.com/coder/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
	"github.com/switchboardhq/switchboard/internal/event"
)

// bucketKeys lists the keys of a KV bucket on s that match filter.
func bucketKeys(t *testing.T, s *natstest.Server, bucket, filter string) []string {
	t.Helper()
	nc, err := nats.Connect(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	l, err := kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range l.Keys() {
		keys = append(keys, k)
	}
	return keys
}

// eventsBackend is the url route of $connect and $disconnect: it hands out CONNECT ids in order
// and counts each connection's DISCONNECT events with their codes.
type eventsBackend struct {
	*httptest.Server
	connects    chan string
	mu          sync.Mutex
	disconnects map[string][]int
}

func newEventsBackend(t *testing.T) *eventsBackend {
	b := &eventsBackend{connects: make(chan string, 64), disconnects: map[string][]int{}}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			RequestContext struct {
				EventType            string `json:"eventType"`
				ConnectionID         string `json:"connectionId"`
				DisconnectStatusCode int    `json:"disconnectStatusCode"`
			} `json:"requestContext"`
		}
		_ = json.NewDecoder(r.Body).Decode(&ev)
		rc := ev.RequestContext
		switch rc.EventType {
		case "CONNECT":
			b.connects <- rc.ConnectionID
		case "DISCONNECT":
			b.mu.Lock()
			b.disconnects[rc.ConnectionID] = append(b.disconnects[rc.ConnectionID], rc.DisconnectStatusCode)
			b.mu.Unlock()
		}
		_, _ = w.Write([]byte(`{"statusCode":200}`))
	}))
	t.Cleanup(b.Close)
	return b
}

// codes returns the DISCONNECT codes received for id.
func (b *eventsBackend) codes(id string) []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.disconnects[id]...)
}

// clusterNode is one `switchboard serve` process of the cluster.
type clusterNode struct {
	name string
	cmd  *exec.Cmd
	url  string // ws://.../prod
	mgmt *apigatewaymanagementapi.Client
	errs fmt.Stringer
}

func startClusterNode(t *testing.T, name string, b *eventsBackend, natsURL string) *clusterNode {
	t.Helper()
	cfg := writeConfig(t, fmt.Sprintf("name: chat\nstage: {name: prod}\nserver: {nodeId: %s}\n"+
		"cluster: {leaseTtl: 2s, requestTimeout: 2s}\n"+
		"routes:\n  $connect: {type: url, url: '%s'}\n  $disconnect: {type: url, url: '%s'}\n", name, b.URL, b.URL))
	cmd, url, stderr := startServe(t, cfg, "--nats", natsURL)
	endpoint := "http" + strings.TrimPrefix(url, "ws")
	return &clusterNode{name: name, cmd: cmd, url: url, errs: stderr, mgmt: apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{}, // each call is one request: the test sees every answer
	})}
}

// client is a WebSocket client of a node with its connection id.
type client struct {
	id string
	c  *websocket.Conn
}

func (n *clusterNode) dial(t *testing.T, b *eventsBackend) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, n.url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", n.name, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	select {
	case id := <-b.connects:
		return &client{id: id, c: c}
	case <-ctx.Done():
		t.Fatal("no CONNECT event")
		return nil
	}
}

func (c *client) read(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, data, err := c.c.Read(ctx)
	if err != nil {
		t.Fatalf("client %s: %v", c.id, err)
	}
	return string(data)
}

func post(n *clusterNode, id, data string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := n.mgmt.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(data)})
	return err
}

func isGone(err error) bool {
	var gone *types.GoneException
	return errors.As(err, &gone)
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return "OK"
}

// eventuallyTrue polls cond until it holds or timeout passes.
func eventuallyTrue(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestClusterOfThreeProcesses runs three `switchboard serve --nats` processes on a real NATS
// server and checks the @connections API across nodes with the AWS SDK client, a node-id clash,
// a NATS outage under traffic, kill -9 of a node (410 at once, one $disconnect 1006 per lost
// connection within 30 s) and the SIGTERM drain of another.
func TestClusterOfThreeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three processes for about half a minute")
	}
	ns := natstest.Start(t)
	b := newEventsBackend(t)
	a := startClusterNode(t, "node-a", b, ns.URL())
	nb := startClusterNode(t, "node-b", b, ns.URL())
	c := startClusterNode(t, "node-c", b, ns.URL())
	bucket := "switchboard_" + event.APIIDFromName("chat")
	ctx := context.Background()

	a1 := a.dial(t, b)
	b1, b2 := nb.dial(t, b), nb.dial(t, b)
	c1, c2, c3 := c.dial(t, b), c.dial(t, b), c.dial(t, b)

	// Cross-node POST, in order, GET and DELETE with the SDK client, from any node.
	for i := range 20 {
		if err := post(a, b1.id, fmt.Sprintf("m%d", i)); err != nil {
			t.Fatalf("post %d via node-a to node-b's client: %v", i, err)
		}
	}
	for i := range 20 {
		if got, want := b1.read(t), fmt.Sprintf("m%d", i); got != want {
			t.Fatalf("message %d: got %q, want %q", i, got, want)
		}
	}
	if err := post(c, a1.id, "from c"); err != nil || a1.read(t) != "from c" {
		t.Fatalf("post via node-c to node-a's client: %v", err)
	}
	out, err := a.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(b1.id)})
	if err != nil || out.Identity == nil || aws.ToString(out.Identity.SourceIp) != "127.0.0.1" || out.ConnectedAt == nil ||
		time.Since(*out.ConnectedAt) > time.Minute || out.LastActiveAt == nil {
		t.Fatalf("GetConnection via node-a: %+v, %v", out, err)
	}
	if _, err := a.mgmt.DeleteConnection(ctx, &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String(b2.id)}); err != nil {
		t.Fatalf("DeleteConnection via node-a: %v", err)
	}
	if _, _, err := b2.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("deleted client saw %v, want close 1000", err)
	}
	eventuallyTrue(t, 10*time.Second, "$disconnect 1000 of the deleted connection", func() bool {
		codes := b.codes(b2.id)
		return len(codes) == 1 && codes[0] == 1000
	})
	if err := post(a, b2.id, "x"); !isGone(err) {
		t.Fatalf("post to the deleted connection: %v, want GoneException", err)
	}
	if _, err := a.mgmt.GetConnection(ctx, &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(b2.id)}); !isGone(err) {
		t.Fatalf("get of the deleted connection: %v, want GoneException", err)
	}

	// A second node with a node id in use is refused at start.
	clash := exec.Command(binary, "serve", "--listen", "127.0.0.1:0", "--nats", ns.URL(), "--config",
		writeConfig(t, "name: chat\nstage: {name: prod}\nserver: {nodeId: node-b}\n"))
	outText, err := clash.CombinedOutput()
	if code := clash.ProcessState.ExitCode(); code != 1 || !strings.Contains(string(outText), "node id already in use") ||
		!strings.Contains(string(outText), `server.nodeId is "node-b"`) {
		t.Fatalf("clashing node: exit %d, %v:\n%s", code, err, outText)
	}

	// NATS goes away under traffic: local posts keep working, cross-node posts fail at once with
	// 503, and both work again once NATS is back.
	go drain(b1.c)
	go drain(a1.c)
	var (
		mu       sync.Mutex
		outcomes []string
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			cross, local := post(a, b1.id, "cross"), post(a, a1.id, "local")
			mu.Lock()
			outcomes = append(outcomes, errorCode(cross)+"/"+errorCode(local))
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	seen := func(s string) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(outcomes) > 0 && outcomes[len(outcomes)-1] == s
		}
	}
	eventuallyTrue(t, 10*time.Second, "traffic flows", seen("OK/OK"))
	ns.Stop()
	eventuallyTrue(t, 10*time.Second, "cross-node posts get 503 while local posts work", seen("ServiceUnavailableException/OK"))
	ns.Start()
	eventuallyTrue(t, 20*time.Second, "cross-node posts work again", seen("OK/OK"))
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	for _, o := range outcomes {
		if !strings.HasSuffix(o, "/OK") {
			t.Errorf("a local post failed during the outage: %s", o)
		}
	}
	t.Logf("%d rounds of traffic across the outage", len(outcomes))
	mu.Unlock()

	// kill -9 of node-c: its connections are 410 at once, and each gets exactly one
	// $disconnect (1006) from a surviving node within 30 s.
	cHex := event.NodeIDFromString("node-c").String()
	eventuallyTrue(t, 10*time.Second, "node-c's records in KV", func() bool { return len(bucketKeys(t, ns, bucket, "c."+cHex+".>")) == 3 })
	killed := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var gone time.Duration
	for {
		start := time.Now()
		err := post(a, c1.id, "x")
		if isGone(err) {
			gone = time.Since(start)
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("posts to a killed node's connection: %v", err)
		}
	}
	t.Logf("kill -9: 410 GoneException %v after the kill; that call took %v", time.Since(killed), gone)
	lost := []string{c1.id, c2.id, c3.id}
	eventuallyTrue(t, 30*time.Second, "a $disconnect for each of node-c's connections", func() bool {
		for _, id := range lost {
			if len(b.codes(id)) == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("kill -9: every $disconnect delivered %v after the kill", time.Since(killed))
	eventuallyTrue(t, 10*time.Second, "node-c's records and lease removed", func() bool {
		return len(bucketKeys(t, ns, bucket, "c."+cHex+".>")) == 0 && len(bucketKeys(t, ns, bucket, "r.>")) == 0
	})
	time.Sleep(3 * time.Second) // more reaper rounds: no second delivery may follow
	for _, id := range lost {
		if codes := b.codes(id); len(codes) != 1 || codes[0] != 1006 {
			t.Errorf("connection %s of the killed node: $disconnect codes %v, want exactly [1006]", id, codes)
		}
	}

	// SIGTERM on node-b: its client is closed with 1001 and gets its $disconnect, its records
	// and lease go; node-a's client is untouched.
	bHex := event.NodeIDFromString("node-b").String()
	if err := nb.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, nb.cmd); code != 0 {
		t.Fatalf("node-b exit code %d; stderr:\n%s", code, nb.errs)
	}
	eventuallyTrue(t, 10*time.Second, "$disconnect 1001 of node-b's client", func() bool {
		codes := b.codes(b1.id)
		return len(codes) == 1 && codes[0] == 1001
	})
	if keys := bucketKeys(t, ns, bucket, "*."+bHex+".>"); len(keys) != 0 {
		t.Fatalf("node-b's records after its drain: %v", keys)
	}
	if keys := bucketKeys(t, ns, bucket, "n."+bHex); len(keys) != 0 {
		t.Fatalf("node-b's lease after its drain: %v", keys)
	}
	if err := post(a, b1.id, "x"); !isGone(err) {
		t.Fatalf("post to the drained node's client: %v, want GoneException", err)
	}
	if err := post(a, a1.id, "still here"); err != nil {
		t.Fatalf("node-a's client after node-b drained: %v", err)
	}
	time.Sleep(3 * time.Second) // node-a's reaper must not deliver node-b's $disconnect again
	if codes := b.codes(b1.id); len(codes) != 1 {
		t.Fatalf("node-b's client got $disconnect codes %v after the drain, want one", codes)
	}
	if codes := b.codes(a1.id); len(codes) != 0 {
		t.Fatalf("node-a's client got $disconnect %v", codes)
	}
}

// drain reads and discards a client's messages until it closes.
func drain(c *websocket.Conn) {
	for {
		if _, _, err := c.Read(context.Background()); err != nil {
			return
		}
	}
}

// TestServeNATSEmbed: `serve --nats-embed` runs a NATS server in the node and joins it; a second
// node joins with --nats, and a call on the second reaches a client of the first.
func TestServeNATSEmbed(t *testing.T) {
	t.Setenv("SWITCHBOARD_CACHE_DIR", t.TempDir()) // the embedded server's store goes there
	b := newEventsBackend(t)
	cfg := writeConfig(t, fmt.Sprintf("name: chat\nstage: {name: prod}\nroutes:\n  $connect: {type: url, url: '%s'}\n", b.URL))
	var natsURL, url1 string
	runServe(t, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "NATS server:"); ok {
			natsURL = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "WebSocket URL:"); ok {
			url1 = strings.TrimSpace(v)
		}
		return natsURL != "" && url1 != ""
	}, "--config", cfg, "--listen", "127.0.0.1:0", "--nats-embed", "127.0.0.1:0")
	if !strings.HasPrefix(natsURL, "nats://127.0.0.1:") || url1 == "" {
		t.Fatalf("serve --nats-embed printed NATS %q, URL %q", natsURL, url1)
	}
	_, url2, _ := startServe(t, cfg, "--nats", natsURL)
	n1 := &clusterNode{name: "embedding node", url: url1}
	c := n1.dial(t, b)
	n2 := &clusterNode{mgmt: apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http" + strings.TrimPrefix(url2, "ws")),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), Retryer: aws.NopRetryer{},
	})}
	if err := post(n2, c.id, "via the joining node"); err != nil {
		t.Fatalf("post on the joining node to the embedding node's client: %v", err)
	}
	if got := c.read(t); got != "via the joining node" {
		t.Fatalf("client got %q", got)
	}
	// --nats and --nats-embed together are refused.
	var stdout, stderr strings.Builder
	if code := run([]string{"serve", "--config", cfg, "--nats", natsURL, "--nats-embed", "127.0.0.1:0"}, &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "not both") {
		t.Fatalf("--nats with --nats-embed: exit %d, %s", code, stderr.String())
	}
}

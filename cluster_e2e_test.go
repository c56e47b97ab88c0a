package switchboard_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
)

// startNATS runs a NATS server with JetStream in the test process until the test ends.
func startNATS(t *testing.T) *switchboard.NATSServer {
	t.Helper()
	ns, err := switchboard.StartNATS("127.0.0.1:0", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// TestClusterThroughTheGoAPI: two APIs with the same name, each a node of one cluster on an
// embedded NATS server (StartNATS), reach each other's connections through PostToConnection,
// GetConnection and DeleteConnection.
func TestClusterThroughTheGoAPI(t *testing.T) {
	ns := startNATS(t)
	ids := newConnIDs()
	node := func(name string) *switchboard.API {
		return startAPI(t, switchboard.Props{
			Name:    "chat",
			Stage:   switchboard.Stage{Name: "prod"},
			Cluster: switchboard.Cluster{NATS: ns.URL(), NodeID: name, LeaseTTL: time.Second},
			Routes: map[string]switchboard.Route{
				"$connect":    {Handler: ids.connect},
				"$disconnect": {Handler: ids.disconnect},
			},
		})
	}
	a := node("node-a")
	b := node("node-b")
	ctx := context.Background()

	c := dial(t, b.URL())
	id := nextID(t, ids.connected)
	waitReady(t, b, id)
	if err := a.PostToConnection(ctx, id, []byte("hello from node-a")); err != nil {
		t.Fatalf("PostToConnection on node-a: %v", err)
	}
	if got := readFrame(t, c); got != "hello from node-a" {
		t.Fatalf("client got %q", got)
	}
	info, err := a.GetConnection(ctx, id)
	if err != nil || info.SourceIP != "127.0.0.1" || time.Since(info.ConnectedAt) > time.Minute {
		t.Fatalf("GetConnection on node-a: %+v, %v", info, err)
	}
	if err := a.DeleteConnection(ctx, id); err != nil {
		t.Fatalf("DeleteConnection on node-a: %v", err)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Fatalf("client saw %v, want 1000", err)
	}
	var disc events.APIGatewayWebsocketProxyRequest
	select {
	case disc = <-ids.disconnects:
	case <-time.After(10 * time.Second):
		t.Fatal("no $disconnect")
	}
	if disc.RequestContext.ConnectionID != id {
		t.Fatalf("$disconnect for %s, want %s", disc.RequestContext.ConnectionID, id)
	}
	if err := a.PostToConnection(ctx, id, []byte("x")); !errors.Is(err, switchboard.ErrGone) {
		t.Fatalf("post after delete: %v, want ErrGone", err)
	}

}

// TestClusterSharesTheThrottle: each of two nodes enforces half of the stage's burst of 4, so
// the third handshake on each node gets 429.
func TestClusterSharesTheThrottle(t *testing.T) {
	ns := startNATS(t)
	node := func(name string) *switchboard.API {
		return startAPI(t, switchboard.Props{
			Name:    "limited",
			Stage:   switchboard.Stage{Name: "prod", RateLimit: 0.001, BurstLimit: 4},
			Cluster: switchboard.Cluster{NATS: ns.URL(), NodeID: name, LeaseTTL: time.Second},
			Routes:  map[string]switchboard.Route{"$default": {Handler: echo}},
		})
	}
	a, b := node("node-a"), node("node-b")
	if a.ClusterNodes() > 2 || b.ClusterNodes() > 2 {
		t.Fatalf("nodes seen: %d, %d", a.ClusterNodes(), b.ClusterNodes())
	}
	deadline := time.Now().Add(10 * time.Second)
	for a.ClusterNodes() != 2 || b.ClusterNodes() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("nodes seen: %d, %d, want 2 each", a.ClusterNodes(), b.ClusterNodes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, api := range []*switchboard.API{a, b} {
		var statuses []int
		for range 3 {
			dctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			conn, resp, err := websocket.Dial(dctx, api.URL(), nil)
			cancel()
			switch {
			case err == nil:
				_ = conn.CloseNow()
				statuses = append(statuses, http.StatusSwitchingProtocols)
			case resp != nil:
				statuses = append(statuses, resp.StatusCode)
			default:
				t.Fatalf("handshake: %v", err)
			}
		}
		if want := []int{101, 101, 429}; fmt.Sprint(statuses) != fmt.Sprint(want) {
			t.Fatalf("handshakes on one of two nodes sharing a burst of 4: %v, want %v", statuses, want)
		}
	}
}

func echo(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: req.Body}, nil
}

// TestGatewayAPIsShareOneNATSConnection: two gateways (two nodes), each serving two APIs, use
// one NATS connection per process; each API forms its own cluster by its API id, so a
// connection of API "core" on node 2 is reached through API "core" on node 1 only.
func TestGatewayAPIsShareOneNATSConnection(t *testing.T) {
	ns := natstest.Start(t)
	type nodeAPIs struct{ chat, core *switchboard.API }
	ids := newConnIDs()
	start := func(node string) nodeAPIs {
		var apis []*switchboard.API
		for _, name := range []string{"chat", "core"} {
			api, err := switchboard.New(switchboard.Props{
				Name:    name,
				Stage:   switchboard.Stage{Name: name},
				Cluster: switchboard.Cluster{NATS: ns.URL(), NodeID: node, LeaseTTL: time.Second},
				Routes:  map[string]switchboard.Route{"$connect": {Handler: ids.connect}},
			})
			if err != nil {
				t.Fatal(err)
			}
			apis = append(apis, api)
		}
		startGateway(t, apis...)
		return nodeAPIs{apis[0], apis[1]}
	}
	n1 := start("node-1")
	n2 := start("node-2")
	if got := ns.NumClients(); got != 2 {
		t.Fatalf("%d NATS connections for two processes of two APIs each, want 2", got)
	}
	c := dial(t, n2.core.URL())
	id := nextID(t, ids.connected)
	waitReady(t, n2.core, id)
	ctx := context.Background()
	if err := n1.core.PostToConnection(ctx, id, []byte("via core")); err != nil {
		t.Fatalf("core on node-1: %v", err)
	}
	if got := readFrame(t, c); got != "via core" {
		t.Fatalf("client got %q", got)
	}
	if err := n1.chat.PostToConnection(ctx, id, []byte("via chat")); !errors.Is(err, switchboard.ErrGone) {
		t.Fatalf("chat on node-1 reached core's connection: %v, want ErrGone", err)
	}
}

// TestReloadKeepsTheCluster: a reload of a file served with WithNATS (serve --nats) is not a
// cluster change; a changed cluster key needs a restart (logged, not applied).
func TestReloadKeepsTheCluster(t *testing.T) {
	ns := natstest.Start(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "switchboard.yaml")
	base := "name: chat\nstage: {name: prod}\nroutes:\n  $default: {type: url, url: 'http://127.0.0.1:9/x'}\n"
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &logRecorder{}
	api, err := switchboard.NewFromFile(path, switchboard.WithNATS(ns.URL()), switchboard.WithLogger(slog.New(logs)))
	if err != nil {
		t.Fatal(err)
	}
	if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = api.Shutdown(ctx)
	})
	restart := func(m map[string]string) bool {
		return strings.Contains(m["msg"], "needs a restart") && m["key"] == "cluster"
	}
	if _, err := api.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, ok := logs.find(restart); ok {
		t.Fatalf("an unchanged file reloaded with --nats logged %v", m)
	}
	if err := os.WriteFile(path, []byte(base+"cluster: {leaseTtl: 5s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := logs.find(restart); !ok {
		t.Fatal("a changed cluster key was not logged as needing a restart")
	}
	if api.ClusterNodes() != 1 {
		t.Fatalf("nodes %d", api.ClusterNodes())
	}
}

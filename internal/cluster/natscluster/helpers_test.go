package natscluster

import (
	"context"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/cluster"
	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
	"github.com/switchboardhq/switchboard/internal/event"
)

// natsServer is the test's nats-server.
type natsServer = natstest.Server

func startNATS(t *testing.T) *natsServer { return natstest.Start(t) }

// testLogger writes to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// fakeHost is a node's connections for the tests of the cluster logic: a map of open ids, the
// posts each received in order, and the $disconnect deliveries made for other nodes.
type fakeHost struct {
	mu        sync.Mutex
	conns     map[string]apigw.ConnectionInfo
	posts     map[string][]string
	deleted   []string
	delivered []*event.Conn
	codes     []int
	postErr   error
	block     chan struct{} // when set, PostToConnection waits for it
	discard   bool          // count posts without keeping them
	count     int
}

func newFakeHost() *fakeHost {
	return &fakeHost{conns: map[string]apigw.ConnectionInfo{}, posts: map[string][]string{}}
}

func (h *fakeHost) add(id string) {
	h.mu.Lock()
	h.conns[id] = apigw.ConnectionInfo{ConnectedAt: time.UnixMilli(1_700_000_000_000), LastActiveAt: time.UnixMilli(1_700_000_001_000),
		SourceIP: "192.0.2.7", UserAgent: "test-agent"}
	h.mu.Unlock()
}

func (h *fakeHost) PostToConnection(_ context.Context, id string, data []byte) error {
	h.mu.Lock()
	block := h.block
	h.mu.Unlock()
	if block != nil {
		<-block
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[id]; !ok {
		return apigw.ErrGone
	}
	if h.postErr != nil {
		return h.postErr
	}
	h.count++
	if !h.discard {
		h.posts[id] = append(h.posts[id], string(data))
	}
	return nil
}

func (h *fakeHost) GetConnection(_ context.Context, id string) (apigw.ConnectionInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	info, ok := h.conns[id]
	if !ok {
		return apigw.ConnectionInfo{}, apigw.ErrGone
	}
	return info, nil
}

func (h *fakeHost) DeleteConnection(_ context.Context, id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.conns[id]; !ok {
		return apigw.ErrGone
	}
	delete(h.conns, id)
	h.deleted = append(h.deleted, id)
	return nil
}

func (h *fakeHost) ListConnections(_ context.Context, in apigw.ListInput) (apigw.ListOutput, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out apigw.ListOutput
	for id, info := range h.conns {
		if id > in.After && apigw.MatchTags(info.Tags, in.Tags) {
			info.ConnectionID = id
			out.Items = append(out.Items, info)
		}
	}
	return cluster.MergePages(in.Limit, out), nil
}

func (h *fakeHost) TagConnection(_ context.Context, id string, tags map[string]string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	info, ok := h.conns[id]
	if !ok {
		return apigw.ErrGone
	}
	merged := maps.Clone(info.Tags)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, tags)
	info.Tags = merged
	h.conns[id] = info
	return nil
}

func (h *fakeHost) UntagConnection(_ context.Context, id string, keys ...string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	info, ok := h.conns[id]
	if !ok {
		return apigw.ErrGone
	}
	info.Tags = maps.Clone(info.Tags)
	for _, k := range keys {
		delete(info.Tags, k)
	}
	h.conns[id] = info
	return nil
}

func (h *fakeHost) Broadcast(_ context.Context, data []byte, tags map[string]string) (apigw.BroadcastResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var res apigw.BroadcastResult
	for id, info := range h.conns {
		if apigw.MatchTags(info.Tags, tags) {
			h.posts[id] = append(h.posts[id], string(data))
			res.Sent++
		}
	}
	return res, nil
}

func (h *fakeHost) DeliverDisconnect(_ context.Context, c *event.Conn, code int, _ string) {
	h.mu.Lock()
	h.delivered = append(h.delivered, c)
	h.codes = append(h.codes, code)
	h.mu.Unlock()
}

func (h *fakeHost) deliveries() []*event.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*event.Conn(nil), h.delivered...)
}

// node is one cluster member with its own NATS connection.
type node struct {
	id     event.NodeID
	ids    *event.IDs
	host   *fakeHost
	client *Client
	m      *Member
	nodes  chan int
}

// joinNode connects a new node to s and joins the cluster of API "testapi12".
func joinNode(t testing.TB, s *natsServer, id event.NodeID, edit func(*Options)) (*node, error) {
	t.Helper()
	c, err := Connect(ClientOptions{URL: s.URL(), Name: "node-" + id.String(), ReconnectWait: 100 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		return nil, err
	}
	n := &node{id: id, ids: event.NewIDs(id), host: newFakeHost(), client: c, nodes: make(chan int, 100)}
	o := Options{APIID: "testapi12", Node: id, LeaseTTL: time.Second, RequestTimeout: 2 * time.Second, Host: n.host,
		Logger: testLogger(t).With("test-node", id.String()), OnNodes: func(k int) { n.nodes <- k }}
	if edit != nil {
		edit(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.m, err = Join(ctx, c, o)
	if err != nil {
		c.Close()
		return nil, err
	}
	t.Cleanup(n.crash)
	return n, nil
}

func mustJoin(t *testing.T, s *natsServer, name string) *node {
	t.Helper()
	n, err := joinNode(t, s, event.NodeIDFromString(name), nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// open makes a connection on the node and records it.
func (n *node) open() string {
	id := n.ids.ConnectionID()
	n.host.add(id)
	n.m.Opened(&event.Conn{ConnectionID: id, ConnectedAt: 1_700_000_000_000, Stage: "test", APIID: "testapi12",
		DomainName: "example.com", Identity: event.Identity{SourceIP: "192.0.2.7"},
		Authorizer: map[string]any{"principalId": "user-" + id}})
	return id
}

// crash stops the node as kill -9 would: its NATS connection goes, nothing is cleaned up.
func (n *node) crash() {
	n.client.Close()
	if n.m.cancel != nil {
		n.m.cancel()
	}
	n.m.wg.Wait()
}

// leave drains the node.
func (n *node) leave(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.m.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	n.client.Close()
}

// keys lists the bucket's keys matching filter, seen from n.
func (n *node) keys(t *testing.T, filter string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys, err := n.m.listKeys(ctx, filter)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package natscluster

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/cluster/natscluster/natstest"
	"github.com/switchboardhq/switchboard/internal/event"
)

// nodePermissions are the NATS permissions a node of API apiID needs with subject prefix
// prefix, as docs/cluster.md lists them: TestDocumentedPermissionsSuffice runs a cluster whose
// users have exactly these.
func nodePermissions(prefix, apiID string) (publish, subscribe []string) {
	base := prefix + "." + apiID
	stream := "KV_" + strings.ReplaceAll(prefix, ".", "_") + "_" + apiID
	bucket := strings.TrimPrefix(stream, "KV_")
	publish = []string{
		base + ".node.>",
		base + ".all.>",
		"$KV." + bucket + ".>",
		"$JS.API.INFO",
		"$JS.API.STREAM.INFO." + stream,
		"$JS.API.STREAM.CREATE." + stream,
		"$JS.API.DIRECT.GET." + stream + ".>",
		"$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DELETE." + stream + ".>",
		"$JS.FC." + stream + ".>",
	}
	subscribe = []string{base + ".node.>", base + ".all.>", "_INBOX.>"}
	return publish, subscribe
}

// TestDocumentedPermissionsSuffice: nodes whose NATS user may publish and subscribe only to
// the subjects docs/cluster.md lists join, call each other, record, drain and reap; no
// permission is violated.
func TestDocumentedPermissionsSuffice(t *testing.T) {
	pub, sub := nodePermissions(DefaultPrefix, "testapi12")
	perms := &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: sub},
		Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
	}
	var (
		mu         sync.Mutex
		violations []string
	)
	ns := natstest.StartWith(t, &server.Options{Users: []*server.User{{Username: "node", Password: "secret", Permissions: perms}}})
	url := "nats://node:secret@127.0.0.1:" + strconv.Itoa(ns.Port())
	join := func(name string) *node {
		t.Helper()
		c, err := Connect(ClientOptions{URL: url, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		c.nc.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			mu.Lock()
			violations = append(violations, err.Error())
			mu.Unlock()
		})
		id := event.NodeIDFromString(name)
		n := &node{id: id, ids: event.NewIDs(id), host: newFakeHost(), client: c}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.m, err = Join(ctx, c, Options{APIID: "testapi12", Node: id, LeaseTTL: time.Second, Host: n.host, Logger: testLogger(t)})
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("join with the documented permissions: %v; violations: %v", err, violations)
		}
		t.Cleanup(n.crash)
		return n
	}
	a, b, c := join("a"), join("b"), join("c")
	id := b.open()
	lost := c.open()
	eventually(t, 10*time.Second, "records written", func() bool { return len(a.keys(t, "c.>")) == 2 })
	ctx := context.Background()
	if err := a.m.PostToConnection(ctx, id, []byte("x")); err != nil {
		t.Fatalf("cross-node post: %v", err)
	}
	if _, err := a.m.GetConnection(ctx, id); err != nil {
		t.Fatalf("cross-node get: %v", err)
	}
	b.m.Closed(&event.Conn{ConnectionID: id})
	b.leave(t)
	if err := a.m.PostToConnection(ctx, id, []byte("x")); !errors.Is(err, apigw.ErrGone) {
		t.Fatalf("post after b left: %v", err)
	}
	c.crash()
	eventually(t, 20*time.Second, "the crashed node's connection reaped", func() bool {
		d := a.host.deliveries()
		return len(d) == 1 && d[0].ConnectionID == lost
	})
	mu.Lock()
	defer mu.Unlock()
	if len(violations) > 0 {
		t.Fatalf("permission violations: %v", violations)
	}
}

package natscluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/cluster"
	"github.com/switchboardhq/switchboard/internal/event"
)

// TestCallsReachTheHolder: POST, GET and DELETE for another node's connection reach it with the
// outcomes of a local call, and one caller's posts arrive in order.
func TestCallsReachTheHolder(t *testing.T) {
	s := startNATS(t)
	a, b := mustJoin(t, s, "a"), mustJoin(t, s, "b")
	ctx := context.Background()
	id := b.open()

	for i := range 50 {
		if err := a.m.PostToConnection(ctx, id, []byte(fmt.Sprint(i))); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	b.host.mu.Lock()
	got := strings.Join(b.host.posts[id], ",")
	b.host.mu.Unlock()
	if want := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(seq(50))), ","), "[]"); got != want {
		t.Fatalf("posts arrived as %s, want %s", got, want)
	}

	info, err := a.m.GetConnection(ctx, id)
	if err != nil || info.SourceIP != "192.0.2.7" || info.UserAgent != "test-agent" ||
		info.ConnectedAt.UnixMilli() != 1_700_000_000_000 || info.LastActiveAt.UnixMilli() != 1_700_000_001_000 {
		t.Fatalf("get: %+v, %v", info, err)
	}

	b.host.mu.Lock()
	b.host.postErr = apigw.ErrLimitExceeded
	b.host.mu.Unlock()
	err = a.m.PostToConnection(ctx, id, []byte("x"))
	var e *apigw.Error
	if !errors.As(err, &e) || e.Status != 429 || e.Type != "LimitExceededException" || e.Message != apigw.ErrLimitExceeded.Message {
		t.Fatalf("full queue on the holder: %#v", err)
	}
	if err := a.m.PostToConnection(ctx, id, make([]byte, 128<<10+1)); !errors.Is(err, apigw.ErrPayloadTooLarge) {
		t.Fatalf("oversized post: %v", err)
	}

	if err := a.m.DeleteConnection(ctx, id); err != nil {
		t.Fatalf("delete: %v", err)
	}
	for name, err := range map[string]error{
		"post after delete":   a.m.PostToConnection(ctx, id, []byte("x")),
		"get after delete":    second(a.m.GetConnection(ctx, id)),
		"delete after delete": a.m.DeleteConnection(ctx, id),
		"unknown id of b":     a.m.PostToConnection(ctx, b.ids.ConnectionID(), []byte("x")),
		"request id of b":     a.m.PostToConnection(ctx, b.ids.RequestID(), []byte("x")),
	} {
		if !errors.Is(err, apigw.ErrGone) {
			t.Errorf("%s: %v, want GoneException", name, err)
		}
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func second[T any](_ T, err error) error { return err }

// TestGoneNodeAnswersAtOnce: a connection of a node that nobody answers for (dead, or never
// there) is 410 from NATS's no-responders, without waiting for the timeout.
func TestGoneNodeAnswersAtOnce(t *testing.T) {
	s := startNATS(t)
	a := mustJoin(t, s, "a")
	b := mustJoin(t, s, "b")
	id := b.open()
	clients := s.NumClients()
	b.crash()
	// The server drops the dead node's subscriptions when it sees its connection close.
	eventually(t, 10*time.Second, "the server sees b's connection closed", func() bool { return s.NumClients() < clients })
	start := time.Now()
	err := a.m.PostToConnection(context.Background(), id, []byte("x"))
	took := time.Since(start)
	if !errors.Is(err, apigw.ErrGone) {
		t.Fatalf("post to a dead node's connection: %v", err)
	}
	t.Logf("410 for a dead node's connection after %v (request timeout %v)", took, a.m.opts.RequestTimeout)
	if took >= a.m.opts.RequestTimeout {
		t.Fatalf("the answer waited for the timeout (%v)", took)
	}
}

// TestSlowNodeTimesOut: a node that holds the request past the timeout gives 504.
func TestSlowNodeTimesOut(t *testing.T) {
	s := startNATS(t)
	a, err := joinNode(t, s, event.NodeIDFromString("a"), func(o *Options) { o.RequestTimeout = 300 * time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	b := mustJoin(t, s, "b")
	id := b.open()
	release := make(chan struct{})
	b.host.mu.Lock()
	b.host.block = release
	b.host.mu.Unlock()
	defer close(release)
	err = a.m.PostToConnection(context.Background(), id, []byte("x"))
	if !errors.Is(err, cluster.ErrTimeout) {
		t.Fatalf("slow node: %v, want %v", err, cluster.ErrTimeout)
	}
	// A caller that gives up first gets its own context's error.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.m.PostToConnection(ctx, id, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller's deadline: %v", err)
	}
}

// TestNATSOutage: while NATS is away calls fail at once with 503 and records wait; when it is
// back calls work again and the records made meanwhile are written.
func TestNATSOutage(t *testing.T) {
	s := startNATS(t)
	a, b := mustJoin(t, s, "a"), mustJoin(t, s, "b")
	ctx := context.Background()
	id := b.open()
	if err := a.m.PostToConnection(ctx, id, []byte("before")); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	eventually(t, 10*time.Second, "clients notice the outage", func() bool { return !a.client.Connected() && !b.client.Connected() })
	start := time.Now()
	if err := a.m.PostToConnection(ctx, id, []byte("during")); !errors.Is(err, cluster.ErrUnavailable) {
		t.Fatalf("during the outage: %v", err)
	}
	t.Logf("503 during the outage after %v", time.Since(start))
	// Calls during the outage leave nothing behind.
	goroutines := runtime.NumGoroutine()
	for range 2000 {
		_ = a.m.PostToConnection(ctx, id, []byte("during"))
		_, _ = a.m.GetConnection(ctx, id)
	}
	if n := runtime.NumGoroutine(); n > goroutines+5 {
		t.Fatalf("goroutines grew from %d to %d over 4000 calls during the outage", goroutines, n)
	}
	during := b.open() // recorded once NATS is back

	s.Start()
	eventually(t, 20*time.Second, "calls work again", func() bool {
		return a.m.PostToConnection(ctx, id, []byte("after")) == nil
	})
	eventually(t, 20*time.Second, "the record made during the outage is written", func() bool {
		for _, k := range a.keys(t, "c.>") {
			if strings.HasSuffix(k, during) {
				return true
			}
		}
		return false
	})
}

// TestNodeIDClash: a second live node with the same node id is refused at Join.
func TestNodeIDClash(t *testing.T) {
	s := startNATS(t)
	mustJoin(t, s, "a")
	_, err := joinNode(t, s, event.NodeIDFromString("a"), nil)
	if !errors.Is(err, ErrNodeIDInUse) {
		t.Fatalf("second node with id a: %v, want ErrNodeIDInUse", err)
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), event.NodeIDFromString("a").String()) || !strings.Contains(err.Error(), "give every node its own node id") {
		t.Errorf("the error should name the id and the key to change: %v", err)
	}
	// Another API may use the same node id.
	if _, err := joinNode(t, s, event.NodeIDFromString("a"), func(o *Options) { o.APIID = "otherapi12" }); err != nil {
		t.Fatalf("same node id for another API: %v", err)
	}
}

// TestCrashedNodeDisconnectsOnce: when a node dies, each of its connections gets exactly one
// $disconnect (1006) from exactly one of the surviving nodes, after its lease expired.
func TestCrashedNodeDisconnectsOnce(t *testing.T) {
	s := startNATS(t)
	a, b, c := mustJoin(t, s, "a"), mustJoin(t, s, "b"), mustJoin(t, s, "c")
	const n = 40
	want := map[string]bool{}
	for range n {
		want[c.open()] = true
	}
	eventually(t, 10*time.Second, "records written", func() bool { return len(a.keys(t, "c."+c.id.String()+".>")) == n })
	eventually(t, 10*time.Second, "three nodes seen", func() bool { return a.m.Nodes() == 3 && b.m.Nodes() == 3 })
	died := time.Now()
	c.crash()

	all := func() []*event.Conn { return append(a.host.deliveries(), b.host.deliveries()...) }
	eventually(t, 30*time.Second, "every lost connection's $disconnect", func() bool { return len(all()) >= n })
	t.Logf("%d $disconnect deliveries %v after the crash (lease %v)", n, time.Since(died), time.Second)
	eventually(t, 10*time.Second, "records and claim gone", func() bool {
		return len(a.keys(t, "c.>")) == 0 && len(a.keys(t, "r.>")) == 0
	})
	eventually(t, 10*time.Second, "two nodes seen", func() bool { return a.m.Nodes() == 2 && b.m.Nodes() == 2 })
	got := all()
	if len(got) != n {
		t.Fatalf("%d deliveries for %d connections", len(got), n)
	}
	for _, ev := range got {
		if !want[ev.ConnectionID] {
			t.Fatalf("delivery for %s: unknown or twice", ev.ConnectionID)
		}
		delete(want, ev.ConnectionID)
		if ev.Authorizer["principalId"] != "user-"+ev.ConnectionID || ev.ConnectedAt != 1_700_000_000_000 ||
			ev.DomainName != "example.com" || ev.Identity.SourceIP != "192.0.2.7" {
			t.Fatalf("DISCONNECT fields lost: %+v", ev)
		}
	}
	for _, h := range []*fakeHost{a.host, b.host} {
		for _, code := range h.codes {
			if code != 1006 {
				t.Fatalf("disconnectStatusCode %d, want 1006", code)
			}
		}
	}
}

// TestLeave: a drained node's records and lease are removed, and the others count one node
// less; nothing is delivered for it.
func TestLeave(t *testing.T) {
	s := startNATS(t)
	a, b := mustJoin(t, s, "a"), mustJoin(t, s, "b")
	x, y := b.open(), b.open()
	eventually(t, 10*time.Second, "records written", func() bool { return len(a.keys(t, "c.>")) == 2 })
	b.m.Closed(&event.Conn{ConnectionID: x})
	b.m.Closed(&event.Conn{ConnectionID: y})
	eventually(t, 10*time.Second, "a sees two nodes", func() bool { return a.m.Nodes() == 2 })
	b.leave(t)
	if keys := a.keys(t, ">"); len(keys) != 1 || keys[0] != "n."+a.id.String() {
		t.Fatalf("keys after b left: %v", keys)
	}
	eventually(t, 10*time.Second, "a sees one node", func() bool { return a.m.Nodes() == 1 })
	if err := a.m.PostToConnection(context.Background(), x, nil); !errors.Is(err, apigw.ErrGone) {
		t.Fatalf("post to a drained node: %v", err)
	}
	time.Sleep(3 * time.Second) // three reaper rounds
	if d := a.host.deliveries(); len(d) != 0 {
		t.Fatalf("%d deliveries for a node that left cleanly", len(d))
	}
}

// TestRestartReapsPredecessor: a node restarted with the same node id after a crash delivers the
// $disconnect of the connections its previous instance held, and takes over its lease.
func TestRestartReapsPredecessor(t *testing.T) {
	s := startNATS(t)
	c := mustJoin(t, s, "c")
	lost := c.open()
	eventually(t, 10*time.Second, "record written", func() bool { return len(c.keys(t, "c.>")) == 1 })
	c.crash()
	again := mustJoin(t, s, "c")
	eventually(t, 10*time.Second, "$disconnect of the previous instance's connection", func() bool {
		d := again.host.deliveries()
		return len(d) == 1 && d[0].ConnectionID == lost
	})
}

// TestLongOutageReapsNobody: after a NATS outage longer than the lease, the nodes renew their
// leases before anyone reaps: no $disconnect for connections that are still open, and their
// records are still there.
func TestLongOutageReapsNobody(t *testing.T) {
	s := startNATS(t)
	a, b := mustJoin(t, s, "a"), mustJoin(t, s, "b")
	ids := map[string]bool{b.open(): true, b.open(): true, a.open(): true}
	eventually(t, 10*time.Second, "records written", func() bool { return len(a.keys(t, "c.>")) == len(ids) })
	s.Stop()
	time.Sleep(2500 * time.Millisecond) // longer than the lease (1s)
	s.Start()
	eventually(t, 20*time.Second, "both reconnected", func() bool { return a.client.Connected() && b.client.Connected() })
	time.Sleep(3 * time.Second) // past the reconnect grace (one lease) and a few reaper rounds
	if d := append(a.host.deliveries(), b.host.deliveries()...); len(d) != 0 {
		t.Fatalf("%d $disconnect deliveries for live connections after an outage", len(d))
	}
	eventually(t, 10*time.Second, "records and leases back", func() bool {
		return len(a.keys(t, "c.>")) == len(ids) && len(a.keys(t, "n.>")) == 2
	})
}

// TestLeaveWhileNATSIsAway: a drain during a NATS outage does not wait for NATS; the node's
// record stays, and once NATS is back the other node reaps it after the lease.
func TestLeaveWhileNATSIsAway(t *testing.T) {
	s := startNATS(t)
	a, b := mustJoin(t, s, "a"), mustJoin(t, s, "b")
	id := b.open()
	eventually(t, 10*time.Second, "record written", func() bool { return len(a.keys(t, "c.>")) == 1 })
	s.Stop()
	eventually(t, 10*time.Second, "b notices the outage", func() bool { return !b.client.Connected() })
	b.m.Closed(&event.Conn{ConnectionID: id})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.m.Leave(ctx); err != nil {
		t.Fatalf("leave during the outage: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Leave waited for its context to end")
	}
	b.client.Close()
	s.Start()
	eventually(t, 30*time.Second, "the left-over record reaped by a", func() bool {
		d := a.host.deliveries()
		return len(d) == 1 && d[0].ConnectionID == id
	})
}

// TestLateNodeReapsOrphans: records of a node that died while no other node ran are found by
// the next node to start (its sweep), once that node has been connected for a lease.
func TestLateNodeReapsOrphans(t *testing.T) {
	s := startNATS(t)
	c := mustJoin(t, s, "c")
	lost := map[string]bool{c.open(): true, c.open(): true}
	eventually(t, 10*time.Second, "records written", func() bool { return len(c.keys(t, "c.>")) == 2 })
	c.crash()
	d := mustJoin(t, s, "d")
	eventually(t, 30*time.Second, "the orphans reaped by the late node", func() bool { return len(d.host.deliveries()) == 2 })
	for _, ev := range d.host.deliveries() {
		if !lost[ev.ConnectionID] {
			t.Fatalf("delivery for %s", ev.ConnectionID)
		}
	}
}

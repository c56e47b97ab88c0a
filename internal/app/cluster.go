package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/switchboardhq/switchboard/internal/cluster"
	"github.com/switchboardhq/switchboard/internal/cluster/natscluster"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// clusterState is an App's part in the cluster of its API (config `cluster`), joined by the
// Gateway before it serves. Without cluster.nats the App runs alone and none of this is used.
type clusterState struct {
	node    event.NodeID
	tracker *memberTracker // the server's Tracker; nil when not clustered
	member  cluster.Member // nil until joined
}

var (
	_ cluster.Host     = (*wsserver.Server)(nil)
	_ wsserver.Tracker = (*memberTracker)(nil)
)

// memberTracker is the wsserver Tracker of a clustered App: it passes connections on to the
// member once it has joined (before the listener serves, so none is missed).
type memberTracker struct {
	mu sync.RWMutex
	m  cluster.Member
}

func (t *memberTracker) set(m cluster.Member) {
	t.mu.Lock()
	t.m = m
	t.mu.Unlock()
}

func (t *memberTracker) get() cluster.Member {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.m
}

// Opened records the connection with the member.
func (t *memberTracker) Opened(c *event.Conn) {
	if m := t.get(); m != nil {
		m.Opened(c)
	}
}

// Closed removes the connection's record.
func (t *memberTracker) Closed(c *event.Conn) {
	if m := t.get(); m != nil {
		m.Closed(c)
	}
}

// clustered reports whether the App's API runs as a cluster.
func (a *App) clustered() bool { return a.cfg.Cluster.NATS != "" }

// clusterTracker returns the Tracker for the WebSocket server: nil (no tracking at all) unless
// the API runs as a cluster.
func (a *App) clusterTracker(node event.NodeID) wsserver.Tracker {
	a.cl.node = node
	if !a.clustered() {
		return nil
	}
	a.cl.tracker = &memberTracker{}
	return a.cl.tracker
}

// joinCluster makes the App a member of its API's cluster on c: forwarded @connections calls
// reach its connections, its connections are recorded, the throttle takes this node's share,
// and the management API and Connections reach every node's connections.
func (a *App) joinCluster(ctx context.Context, c *natscluster.Client) error {
	cc := a.cfg.Cluster
	m, err := natscluster.Join(ctx, c, natscluster.Options{
		APIID:           a.cfg.APIID,
		Node:            a.cl.node,
		Prefix:          cc.SubjectPrefix,
		LeaseTTL:        cc.LeaseTTL,
		RequestTimeout:  cc.RequestTimeout,
		Replicas:        cc.Replicas,
		MaxMessageBytes: a.cfg.Limits.MaxMessageBytes,
		Host:            a.ws,
		OnNodes:         a.ws.SetThrottleShare,
		Logger:          a.log,
	})
	if err != nil {
		if errors.Is(err, natscluster.ErrNodeIDInUse) && a.cfg.Server.NodeID != "" {
			return fmt.Errorf("%w (this one's server.nodeId is %q)", err, a.cfg.Server.NodeID)
		}
		return err
	}
	a.cl.member = m
	a.cl.tracker.set(m)
	h := *a.mgmt.Load() // deployments copy the handler, Conns included
	h.Conns = &cluster.Connections{Self: a.cl.node, Local: a.ws, Remote: m}
	h.Dir = &cluster.Directory{Self: a.cl.node, Local: a.ws, Remote: m}
	a.mgmt.Store(&h)
	return nil
}

// leaveCluster takes the App out of its cluster after its connections are closed.
func (a *App) leaveCluster(ctx context.Context) error {
	if a.cl.member == nil {
		return nil
	}
	return a.cl.member.Leave(ctx)
}

// ClusterNodes is the number of live nodes of the API's cluster that this node sees, itself
// included; 1 without a cluster.
func (a *App) ClusterNodes() int {
	if a.cl.member == nil {
		return 1
	}
	return a.cl.member.Nodes()
}

// natsClients are the NATS connections of a Gateway, one per distinct server and credentials:
// the APIs that name the same NATS share one.
type natsClients struct {
	log     *slog.Logger
	clients map[string]*natscluster.Client
}

// join connects (or reuses a connection) and joins every clustered app, each by its API id.
// On failure the apps that joined leave again and the connections are closed.
func (n *natsClients) join(ctx context.Context, apps []*App) (err error) {
	defer func() {
		if err != nil {
			for _, a := range apps {
				_ = a.leaveCluster(ctx)
			}
			n.close()
		}
	}()
	for _, a := range apps {
		if !a.clustered() {
			continue
		}
		cc := a.cfg.Cluster
		opts := natscluster.ClientOptions{URL: cc.NATS, Credentials: resolvePath(a.cfg, cc.Credentials),
			CAFile: resolvePath(a.cfg, cc.CAFile), Name: "switchboard node " + a.cl.node.String(), Logger: a.log}
		key := opts.URL + "\x00" + opts.Credentials + "\x00" + opts.CAFile
		c := n.clients[key]
		if c == nil {
			if c, err = natscluster.Connect(opts); err != nil {
				return err
			}
			if n.clients == nil {
				n.clients = map[string]*natscluster.Client{}
			}
			n.clients[key] = c
		}
		if err := a.joinCluster(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// close closes the connections (after the apps left).
func (n *natsClients) close() {
	for k, c := range n.clients {
		c.Close()
		delete(n.clients, k)
	}
}

// EmbeddedNATS is a NATS server with JetStream running inside this process (`serve
// --nats-embed`), which this node and others join.
type EmbeddedNATS struct {
	ns  *server.Server
	url string
}

// EmbedNATS starts a NATS server with JetStream on addr (HOST:PORT; port 0 picks one), keeping
// its data under storeDir ("" for <cache dir>/nats/<port>).
func EmbedNATS(addr, storeDir string, log *slog.Logger) (*EmbeddedNATS, error) {
	if storeDir == "" {
		_, port, _ := net.SplitHostPort(addr)
		storeDir = filepath.Join((&App{}).cacheDir(), "nats", port)
	}
	ns, err := natscluster.Embed(natscluster.EmbedOptions{Addr: addr, StoreDir: storeDir, Logger: log})
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	port := ns.Addr().(*net.TCPAddr).Port
	return &EmbeddedNATS{ns: ns, url: fmt.Sprintf("nats://%s", net.JoinHostPort(host, fmt.Sprint(port)))}, nil
}

// URL is where nodes join the server, nats://HOST:PORT.
func (e *EmbeddedNATS) URL() string { return e.url }

// Shutdown stops the server, after the nodes of this process left.
func (e *EmbeddedNATS) Shutdown() {
	e.ns.Shutdown()
	e.ns.WaitForShutdown()
}

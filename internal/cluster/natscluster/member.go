package natscluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboardhq/switchboard/internal/cluster"
	"github.com/switchboardhq/switchboard/internal/event"
)

// Defaults of Options.
const (
	DefaultPrefix         = "switchboard"
	DefaultLeaseTTL       = 15 * time.Second
	DefaultRequestTimeout = 5 * time.Second
	// MaxRequestTimeout bounds RequestTimeout: a slow node is answered within it.
	MaxRequestTimeout = 10 * time.Second
	// MaxLeaseTTL bounds LeaseTTL, so a dead node's $disconnect events start within 30 s.
	MaxLeaseTTL = 20 * time.Second
)

// PrefixPattern is what a subject prefix may look like: NATS subject tokens of letters, digits,
// '-' and '_', separated by dots.
var PrefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// Options configure Join.
type Options struct {
	// APIID scopes the subjects and the bucket: nodes of the same API id form one cluster.
	// Required.
	APIID string
	// Node is this node's id, the one its connection ids carry. Required.
	Node event.NodeID
	// Prefix starts every subject (see PrefixPattern). Default "switchboard".
	Prefix string
	// LeaseTTL is how long the node's lease lives without renewal (renewed every third of
	// it); a dead node's connections get their $disconnect after it. Default 15s, at least 1s,
	// at most MaxLeaseTTL.
	LeaseTTL time.Duration
	// RequestTimeout bounds a call to another node. Default 5s, at most MaxRequestTimeout.
	RequestTimeout time.Duration
	// Replicas is the bucket's replica count on a NATS cluster. Default 1.
	Replicas int
	// MaxMessageBytes is the largest PostToConnection payload. Default 131072.
	MaxMessageBytes int
	// Host is the node: its connections and its $disconnect delivery. Required.
	Host cluster.Host
	// OnNodes, when set, is called with the number of live nodes whenever it changes.
	OnNodes func(n int)
	// Logger receives cluster events. Default: discard.
	Logger *slog.Logger
}

// ErrNodeIDInUse is returned by Join when a live node already uses the node id.
var ErrNodeIDInUse = errors.New("node id already in use")

// Member is a node's part in the cluster of one API on NATS.
type Member struct {
	opts      Options
	client    *Client
	kv        jetstream.KeyValue
	log       *slog.Logger
	self      string // the node id in hex
	base      string // Prefix.APIID
	nodeSubj  string // base.node.self
	bucket    string
	instance  string // random per Join, in the lease's value
	started   time.Time
	markerTTL time.Duration

	sub    *nats.Subscription // P.A.node.N.>
	allSub *nats.Subscription // P.A.all.>
	rec    *recorder

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	leaseRev uint64
	live     map[string]bool // nodes with a lease at the last reading, this one included
	suspects map[string]bool // nodes that may be dead with records left
	nodes    int             // last count reported to OnNodes
	left     bool
}

var _ cluster.Member = (*Member)(nil)

// leaseValue is the value of a node's lease.
type leaseValue struct {
	Instance string    `json:"instance"`
	Started  time.Time `json:"started"`
	Host     string    `json:"host,omitempty"`
	PID      int       `json:"pid"`
}

// Join makes this node a member of its API's cluster: it creates the bucket if needed, answers
// requests for its connections, refuses to start when a live node already has its node id
// (ErrNodeIDInUse), takes the lease, and starts recording, renewing and reaping. The
// connection records a previous instance with the same node id left are reaped at once.
func Join(ctx context.Context, c *Client, o Options) (_ *Member, err error) {
	if o.APIID == "" || o.Host == nil {
		return nil, errors.New("natscluster: APIID and Host are required")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if !PrefixPattern.MatchString(o.Prefix) {
		return nil, fmt.Errorf("cluster subject prefix %q: want tokens of letters, digits, '-' and '_' separated by dots", o.Prefix)
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	o.LeaseTTL = min(max(o.LeaseTTL, time.Second), MaxLeaseTTL)
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	o.RequestTimeout = min(o.RequestTimeout, MaxRequestTimeout)
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 128 << 10
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // bounds every start-up step
	defer cancel()
	var inst [4]byte
	_, _ = rand.Read(inst[:])
	m := &Member{
		opts:      o,
		client:    c,
		self:      o.Node.String(),
		base:      o.Prefix + "." + o.APIID,
		bucket:    strings.ReplaceAll(o.Prefix, ".", "_") + "_" + o.APIID,
		instance:  hex.EncodeToString(inst[:]),
		started:   time.Now().UTC(),
		markerTTL: time.Minute,
		live:      map[string]bool{},
		suspects:  map[string]bool{},
		nodes:     1,
	}
	m.nodeSubj = m.base + ".node." + m.self
	m.log = o.Logger.With("cluster", m.base, "node", m.self)
	m.rec = newRecorder(m)
	defer func() {
		if err != nil {
			if m.sub != nil {
				_ = m.sub.Unsubscribe()
			}
			if m.allSub != nil {
				_ = m.allSub.Unsubscribe()
			}
			err = fmt.Errorf("join the cluster of API %s on NATS: %w", o.APIID, err)
		}
	}()

	if err := m.ensureBucket(ctx); err != nil {
		return nil, err
	}
	if m.sub, err = c.nc.Subscribe(m.nodeSubj+".>", m.serve); err != nil {
		return nil, err
	}
	if m.allSub, err = c.nc.Subscribe(m.base+".all.>", m.serveAll); err != nil {
		return nil, err
	}
	if err := c.nc.FlushWithContext(ctx); err != nil {
		return nil, err
	}
	// Another live node with this id answers the ping (this connection does not hear its own
	// messages). Two nodes starting at once both see the other's subscription: both refuse.
	if holder, alive, err := m.ping(ctx, m.self); err != nil {
		return nil, err
	} else if alive {
		return nil, fmt.Errorf("%w: a live node (instance %s) already serves node id %s of this API on this NATS; give every node its own node id",
			ErrNodeIDInUse, holder, m.self)
	}
	// Records of this id that exist now were left by a previous instance that died.
	predecessor, err := m.listKeys(ctx, "c."+m.self+".>")
	if err != nil {
		return nil, err
	}
	if err := m.takeLease(ctx); err != nil {
		return nil, err
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.start(predecessor)
	m.log.Info("joined the cluster", "bucket", m.bucket, "instance", m.instance)
	return m, nil
}

// ensureBucket creates the KV bucket, or binds to it when it exists (perhaps made by nodes with
// other settings).
func (m *Member) ensureBucket(ctx context.Context) error {
	kv, err := m.client.js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         m.bucket,
		Description:    "Switchboard cluster of API " + m.opts.APIID + ": node leases and connection records",
		History:        1,
		Storage:        jetstream.FileStorage,
		Replicas:       m.opts.Replicas,
		LimitMarkerTTL: m.markerTTL,
	})
	if errors.Is(err, jetstream.ErrBucketExists) {
		kv, err = m.client.js.KeyValue(ctx, m.bucket)
	}
	if err != nil {
		return fmt.Errorf("KV bucket %s: %w", m.bucket, err)
	}
	m.kv = kv
	return nil
}

func (m *Member) kvSubject(key string) string { return "$KV." + m.bucket + "." + key }
func (m *Member) recordKey(id string) string  { return "c." + m.self + "." + id }

// start runs the background work: the record writer, the lease renewal and the reaper (which
// reads the leases).
func (m *Member) start(predecessor []string) {
	m.wg.Add(3)
	go func() { defer m.wg.Done(); m.rec.run(m.ctx) }()
	go func() { defer m.wg.Done(); m.renewLoop(m.ctx) }()
	go func() { defer m.wg.Done(); m.reapLoop(m.ctx, predecessor) }()
}

// Opened queues the connection's record.
func (m *Member) Opened(c *event.Conn) { m.rec.opened(c) }

// Closed queues the removal of the connection's record.
func (m *Member) Closed(c *event.Conn) { m.rec.closed(c.ConnectionID) }

// Nodes is the number of live nodes this node sees, itself included.
func (m *Member) Nodes() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nodes
}

// Leave stops the background work, waits (within ctx) until the records are written, stops
// answering requests and removes the lease. Call it after the node's connections are closed.
// A drain that cannot finish its part in NATS (NATS is away, or ctx ends first) is logged, not
// returned: the records left behind are reaped by the other nodes once the lease expires, which
// delivers their $disconnect a second time. The error is for an unsubscribe that failed.
func (m *Member) Leave(ctx context.Context) error {
	m.mu.Lock()
	if m.left {
		m.mu.Unlock()
		return nil
	}
	m.left = true
	m.mu.Unlock()
	// The writer runs until the records are flushed; the rest stops now.
	wctx, stopWriter := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.rec.run(wctx); close(done) }()
	m.cancel()
	m.wg.Wait()
	m.rec.signal()
	if m.client.Connected() {
		select {
		case <-m.rec.flushed():
		case <-ctx.Done():
			m.log.Warn("leaving the cluster before every connection record was removed; the other nodes will deliver those $disconnect events again", "err", ctx.Err())
		}
	} else {
		m.log.Warn("leaving the cluster while NATS is away: connection records and lease stay until the lease expires, and the other nodes then deliver those $disconnect events again")
	}
	stopWriter()
	<-done
	var err error
	for _, s := range []*nats.Subscription{m.sub, m.allSub} {
		if uerr := s.Unsubscribe(); uerr != nil && !errors.Is(uerr, nats.ErrConnectionClosed) {
			err = errors.Join(err, fmt.Errorf("stop answering for node %s: %w", m.self, uerr))
		}
	}
	if m.client.Connected() {
		if perr := m.kv.Purge(ctx, "n."+m.self, jetstream.PurgeTTL(m.markerTTL)); perr != nil {
			m.log.Warn("lease not removed; it expires by itself", "err", perr)
		}
	}
	m.log.Info("left the cluster")
	return err
}

// hostName is the machine's name for the lease, "" when unknown.
func hostName() string {
	h, _ := os.Hostname()
	return h
}

func (m *Member) leaseValue() []byte {
	b, _ := json.Marshal(leaseValue{Instance: m.instance, Started: m.started, Host: hostName(), PID: os.Getpid()})
	return b
}

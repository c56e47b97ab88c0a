package natscluster

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboardhq/switchboard/internal/event"
)

// record is what the KV bucket keeps of a connection: the fields of its DISCONNECT event.
type record struct {
	ConnectionID   string            `json:"connectionId"`
	ConnectedAt    int64             `json:"connectedAt"`
	Identity       event.Identity    `json:"identity"`
	DomainName     string            `json:"domainName"`
	Stage          string            `json:"stage"`
	APIID          string            `json:"apiId"`
	Authorizer     map[string]any    `json:"authorizer,omitempty"`
	StageVariables map[string]string `json:"stageVariables,omitempty"`
	ForwardedProto string            `json:"forwardedProto,omitempty"`
	ForwardedPort  string            `json:"forwardedPort,omitempty"`
}

func recordOf(c *event.Conn) record {
	return record{ConnectionID: c.ConnectionID, ConnectedAt: c.ConnectedAt, Identity: c.Identity,
		DomainName: c.DomainName, Stage: c.Stage, APIID: c.APIID, Authorizer: c.Authorizer,
		StageVariables: c.StageVariables, ForwardedProto: c.ForwardedProto, ForwardedPort: c.ForwardedPort}
}

func (r *record) conn() *event.Conn {
	return &event.Conn{ConnectionID: r.ConnectionID, ConnectedAt: r.ConnectedAt, Identity: r.Identity,
		DomainName: r.DomainName, Stage: r.Stage, APIID: r.APIID, Authorizer: r.Authorizer,
		StageVariables: r.StageVariables, ForwardedProto: r.ForwardedProto, ForwardedPort: r.ForwardedPort}
}

// recorder writes a node's connection records in the background: a handshake never waits for
// NATS, and while NATS is away the changes wait (one entry per connection at most: a record
// put and removed before it was written is never written) and are written when it is back.
type recorder struct {
	m *Member

	mu sync.Mutex
	// pending maps a connection id to the record to put, or to nil for a record to remove.
	pending map[string]*event.Conn
	// live holds the connections open now, to write them all again when the bucket lost them.
	live     map[string]*event.Conn
	inflight bool          // the writer holds a batch
	wake     chan struct{} // capacity 1
	idle     chan struct{} // closed and replaced whenever the writer is done with everything
}

func newRecorder(m *Member) *recorder {
	return &recorder{m: m, pending: map[string]*event.Conn{}, live: map[string]*event.Conn{},
		wake: make(chan struct{}, 1), idle: make(chan struct{})}
}

func (r *recorder) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// opened queues the record of a new connection. It keeps a copy: the server changes the
// connection's fields later (a deployment's stage variables) while the writer reads them.
func (r *recorder) opened(conn *event.Conn) {
	c := new(event.Conn)
	*c = *conn
	r.mu.Lock()
	r.pending[c.ConnectionID] = c
	r.live[c.ConnectionID] = c
	r.mu.Unlock()
	r.signal()
}

// closed queues the removal of a connection's record; a record not yet written is dropped.
func (r *recorder) closed(id string) {
	r.mu.Lock()
	delete(r.live, id)
	if c, ok := r.pending[id]; ok && c != nil {
		delete(r.pending, id) // never written: nothing to remove
	} else {
		r.pending[id] = nil
	}
	r.mu.Unlock()
	r.signal()
}

// rewriteAll queues every live connection's record again (after the bucket was recreated or the
// node's lease had expired).
func (r *recorder) rewriteAll() {
	r.mu.Lock()
	for id, c := range r.live {
		r.pending[id] = c
	}
	r.mu.Unlock()
	r.signal()
}

// take removes up to n pending changes for writing.
func (r *recorder) take(n int) map[string]*event.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		if r.inflight {
			r.inflight = false
			close(r.idle)
			r.idle = make(chan struct{})
		}
		return nil
	}
	batch := make(map[string]*event.Conn, min(n, len(r.pending)))
	for id, c := range r.pending {
		if len(batch) == n {
			break
		}
		batch[id] = c
		delete(r.pending, id)
	}
	r.inflight = true
	return batch
}

// putBack returns changes that failed, unless a newer change for the same connection came.
func (r *recorder) putBack(failed map[string]*event.Conn) {
	r.mu.Lock()
	for id, c := range failed {
		if _, newer := r.pending[id]; !newer {
			r.pending[id] = c
		}
	}
	r.mu.Unlock()
}

// flushed returns a channel closed when nothing is pending or being written.
func (r *recorder) flushed() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 && !r.inflight {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return r.idle
}

// run writes changes until ctx ends.
func (r *recorder) run(ctx context.Context) {
	const batchSize = 1000
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		for {
			if !r.m.client.Connected() {
				// Wait for the connection; the changes stay pending.
				_, changed := r.m.client.state()
				if !r.m.client.Connected() {
					select {
					case <-ctx.Done():
						return
					case <-changed:
					}
					continue
				}
			}
			batch := r.take(batchSize)
			if batch == nil {
				break
			}
			if failed := r.write(ctx, batch); len(failed) > 0 {
				r.putBack(failed)
				select {
				case <-ctx.Done():
					return
				case <-time.After(500 * time.Millisecond):
				}
			}
		}
	}
}

// write sends a batch asynchronously and waits for the acknowledgements; it returns what failed.
func (r *recorder) write(ctx context.Context, batch map[string]*event.Conn) map[string]*event.Conn {
	m := r.m
	type sent struct {
		id string
		f  jetstream.PubAckFuture
	}
	futures := make([]sent, 0, len(batch))
	var failed map[string]*event.Conn
	fail := func(id string) {
		if failed == nil {
			failed = map[string]*event.Conn{}
		}
		failed[id] = batch[id]
	}
	for id, c := range batch {
		msg := nats.NewMsg(m.kvSubject(m.recordKey(id)))
		if c != nil {
			data, err := json.Marshal(recordOf(c))
			if err != nil {
				m.log.Error("connection record not written", "connectionId", id, "err", err)
				continue
			}
			msg.Data = data
		} else {
			setPurge(msg, m.markerTTL)
		}
		f, err := m.client.js.PublishMsgAsync(msg)
		if err != nil {
			fail(id)
			continue
		}
		futures = append(futures, sent{id, f})
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, s := range futures {
		select {
		case <-s.f.Ok():
		case err := <-s.f.Err():
			m.log.Debug("connection record not written; retrying", "connectionId", s.id, "err", err)
			fail(s.id)
		case <-wctx.Done():
			fail(s.id)
		}
	}
	return failed
}

// setPurge makes msg a KV purge of its key whose marker goes away after ttl.
func setPurge(msg *nats.Msg, ttl time.Duration) {
	msg.Header.Set("KV-Operation", "PURGE")
	msg.Header.Set(jetstream.MsgRollup, jetstream.MsgRollupSubject)
	msg.Header.Set(jetstream.MsgTTLHeader, ttl.String())
}

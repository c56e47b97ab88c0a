package natscluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboardhq/switchboard/internal/event"
)

// takeLease creates the node's lease, or takes over the lease a dead previous instance with
// the same node id left (Join checked that no live node answers for the id).
func (m *Member) takeLease(ctx context.Context) error {
	key := "n." + m.self
	rev, err := m.kv.Create(ctx, key, m.leaseValue(), jetstream.KeyTTL(m.opts.LeaseTTL))
	if errors.Is(err, jetstream.ErrKeyExists) {
		var e jetstream.KeyValueEntry
		if e, err = m.kv.Get(ctx, key); err == nil {
			rev, err = m.writeLease(ctx, e.Revision())
		}
		if err == nil {
			m.log.Info("took over the lease of a previous instance that is gone")
		}
	}
	if err != nil {
		return fmt.Errorf("lease %s: %w", key, err)
	}
	m.mu.Lock()
	m.leaseRev = rev
	m.mu.Unlock()
	return nil
}

// writeLease renews the lease if its revision is still rev.
func (m *Member) writeLease(ctx context.Context, rev uint64) (uint64, error) {
	ack, err := m.client.js.PublishMsg(ctx, &nats.Msg{Subject: m.kvSubject("n." + m.self), Data: m.leaseValue()},
		jetstream.WithMsgTTL(m.opts.LeaseTTL), jetstream.WithExpectLastSequencePerSubject(rev))
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// renewLoop renews the lease every third of its TTL, and at once when the NATS connection comes
// back. A lease that expired meanwhile is created again and the node's records are written
// again (the others may have taken the node for dead).
func (m *Member) renewLoop(ctx context.Context) {
	t := time.NewTicker(m.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		_, changed := m.client.state()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
		if m.client.Connected() {
			m.renew(ctx)
		}
	}
}

func (m *Member) renew(ctx context.Context) {
	rctx, cancel := context.WithTimeout(ctx, m.opts.LeaseTTL/3)
	defer cancel()
	m.mu.Lock()
	rev := m.leaseRev
	m.mu.Unlock()
	newRev, err := m.writeLease(rctx, rev)
	if err != nil && isWrongLastSeq(err) {
		// The lease changed under us: it expired (a NATS outage longer than the TTL), or the
		// bucket was lost, or another instance took the id.
		e, gerr := m.kv.Get(rctx, "n."+m.self)
		var lv leaseValue
		switch {
		case gerr == nil && json.Unmarshal(e.Value(), &lv) == nil && lv.Instance != m.instance:
			m.log.Error("another instance has taken this node id: give every node its own server.nodeId",
				"other", lv.Instance, "host", lv.Host, "pid", lv.PID)
			return
		case gerr == nil:
			newRev, err = m.writeLease(rctx, e.Revision())
		case errors.Is(gerr, jetstream.ErrKeyNotFound) || errors.Is(gerr, jetstream.ErrKeyDeleted):
			newRev, err = m.kv.Create(rctx, "n."+m.self, m.leaseValue(), jetstream.KeyTTL(m.opts.LeaseTTL))
			if err == nil {
				m.log.Warn("the node's lease had expired (NATS was away longer than the lease): lease and connection records written again")
				m.rec.rewriteAll()
			}
		default:
			err = gerr
		}
	}
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) {
		// The NATS system lost the bucket (a server restarted without its store).
		if berr := m.ensureBucket(rctx); berr == nil {
			if newRev, err = m.kv.Create(rctx, "n."+m.self, m.leaseValue(), jetstream.KeyTTL(m.opts.LeaseTTL)); err == nil {
				m.log.Warn("the cluster's KV bucket was gone: created again with this node's lease and records")
				m.rec.rewriteAll()
			}
		}
	}
	if err != nil {
		m.log.Warn("lease not renewed", "err", err)
		return
	}
	m.mu.Lock()
	m.leaseRev = newRev
	m.mu.Unlock()
}

// isWrongLastSeq reports a failed compare-and-set on a subject's last sequence.
func isWrongLastSeq(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// sweepEvery is how many lease readings pass between two sweeps of the records (the first
// sweep comes as soon as reaping may start).
const sweepEvery = 10

// reapLoop reaps the records of a dead previous instance of this node at once, then every
// third of the lease TTL reads the leases: the live nodes (for the throttle share) and the
// nodes whose lease went away, which become suspects. Once connected for a whole lease it
// reaps the suspects that are dead, and every sweepEvery readings it sweeps the bucket for
// records of nodes without a lease: nodes that died while no node ran, or that lived too
// briefly for a reading to see their lease.
func (m *Member) reapLoop(ctx context.Context, predecessor []string) {
	if len(predecessor) > 0 {
		n := m.reapKeys(ctx, predecessor)
		m.log.Info("delivered $disconnect for the connections a previous instance of this node left", "connections", n)
	}
	readings := 0 // since the last sweep; the first sweep is due at once
	t := time.NewTicker(m.opts.LeaseTTL / 3)
	defer t.Stop()
	for {
		since, _ := m.client.state()
		// Reap only after being connected for a whole lease: after a NATS outage the other
		// nodes renew their leases first.
		if !since.IsZero() && m.readLeases(ctx) && time.Since(since) >= m.opts.LeaseTTL {
			if readings%sweepEvery == 0 && !m.sweep(ctx) {
				readings-- // try again at the next reading
			}
			readings++
			m.reapSuspects(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readLeases lists the leases: nodes that had one and lost it become suspects, and the number
// of live nodes is updated. It reports whether the leases could be read.
func (m *Member) readLeases(ctx context.Context) bool {
	keys, err := m.listKeys(ctx, "n.*")
	if err != nil {
		m.log.Debug("leases not read", "err", err)
		return false
	}
	present := make(map[string]bool, len(keys)+1)
	for _, k := range keys {
		present[strings.TrimPrefix(k, "n.")] = true
	}
	present[m.self] = true
	m.mu.Lock()
	for node := range m.live {
		if !present[node] {
			m.suspects[node] = true
		}
	}
	for node := range present {
		delete(m.suspects, node)
	}
	m.live = present
	n := len(present)
	changed := n != m.nodes
	m.nodes = n
	m.mu.Unlock()
	if changed && m.opts.OnNodes != nil {
		m.opts.OnNodes(n)
	}
	return true
}

// reapSuspects reaps each suspect; those that need no more attention stop being suspects.
func (m *Member) reapSuspects(ctx context.Context) {
	m.mu.Lock()
	suspects := make([]string, 0, len(m.suspects))
	for node := range m.suspects {
		suspects = append(suspects, node)
	}
	m.mu.Unlock()
	for _, node := range suspects {
		if m.reap(ctx, node) {
			m.mu.Lock()
			delete(m.suspects, node)
			m.mu.Unlock()
		}
	}
}

// sweep makes suspects of the nodes that have records but no lease (they died while no node
// watched). It reports whether the sweep ran.
func (m *Member) sweep(ctx context.Context) bool {
	keys, err := m.listKeys(ctx, "c.>")
	if err != nil {
		m.log.Debug("sweep for orphaned records failed", "err", err)
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		node, _, _ := cutDot(strings.TrimPrefix(k, "c."))
		if node != m.self && !m.live[node] {
			m.suspects[node] = true
		}
	}
	return true
}

// reap delivers $disconnect for the records of node if it is dead: no lease, and no answer
// for it on NATS. One reaper at a time claims a node; each record is removed with a
// compare-and-set before its $disconnect goes out, so each is delivered once. It reports
// whether the node needs no more attention.
func (m *Member) reap(ctx context.Context, node string) bool {
	if _, err := m.kv.Get(ctx, "n."+node); err == nil {
		return true // alive again: its lease is back
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
		return false
	}
	if _, alive, err := m.ping(ctx, node); err != nil || alive {
		return alive // alive: it will renew its lease; err: try again later
	}
	claim := "r." + node
	if _, err := m.kv.Create(ctx, claim, []byte(m.self), jetstream.KeyTTL(m.opts.LeaseTTL)); err != nil {
		return false // another node is reaping it, or NATS failed: look again later
	}
	defer func() { _ = m.kv.Purge(context.WithoutCancel(ctx), claim, jetstream.PurgeTTL(m.markerTTL)) }()
	keys, err := m.listKeys(ctx, "c."+node+".>")
	if err != nil {
		return false
	}
	if len(keys) == 0 {
		return true
	}
	n := m.reapKeys(ctx, keys)
	m.log.Info("node is gone: delivered $disconnect for its connections", "gone", node, "connections", n)
	return ctx.Err() == nil
}

// reapKeys removes each record with a compare-and-set and delivers the $disconnect (1006) of
// those it removed, a few at a time. It returns how many it delivered.
func (m *Member) reapKeys(ctx context.Context, keys []string) int {
	const workers = 8
	var (
		mu        sync.Mutex
		delivered int
		wg        sync.WaitGroup
	)
	work := make(chan string)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range work {
				c := m.take(ctx, key)
				if c == nil {
					continue
				}
				// The record is gone: deliver even if the member is stopping meanwhile.
				m.opts.Host.DeliverDisconnect(context.WithoutCancel(ctx), c, 1006, event.CloseReason(1006))
				mu.Lock()
				delivered++
				mu.Unlock()
			}
		}()
	}
	for _, k := range keys {
		select {
		case work <- k:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return delivered
}

// take removes a record if no one else has, and returns its connection; nil when the record is
// gone, someone else removed it first, or it is unreadable.
func (m *Member) take(ctx context.Context, key string) *event.Conn {
	e, err := m.kv.Get(ctx, key)
	if err != nil {
		return nil
	}
	if err := m.kv.Purge(ctx, key, jetstream.LastRevision(e.Revision()), jetstream.PurgeTTL(m.markerTTL)); err != nil {
		return nil // another reaper won, or NATS failed (the record stays for a later try)
	}
	var r record
	if err := json.Unmarshal(e.Value(), &r); err != nil || r.ConnectionID == "" {
		m.log.Error("unreadable connection record dropped", "key", key, "err", err)
		return nil
	}
	return r.conn()
}

// listKeys lists the keys matching filter.
func (m *Member) listKeys(ctx context.Context, filter string) ([]string, error) {
	l, err := m.kv.ListKeysFiltered(ctx, filter)
	if err != nil {
		return nil, err
	}
	defer l.Stop()
	var keys []string
	for k := range l.Keys() {
		keys = append(keys, k)
	}
	return keys, nil
}

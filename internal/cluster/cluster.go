// Package cluster lets the nodes that serve one API act as one API Gateway stage: an
// @connections call made on any node reaches the node that holds the connection, and the
// $disconnect of a node that died is delivered by a node that did not.
//
// A connection id names the node that minted it (internal/event), so no lookup is needed: use
// Connections to answer this node's ids locally and send every other id to a Member, the node's
// part in a cluster. Standalone is the Member of a node that runs alone (every other id is gone);
// natscluster.Join makes a Member on NATS. Errors are *apigw.Error values, so the management API
// renders them as it renders local ones.
package cluster

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/event"
)

// The outcomes of a call that could not reach the node holding a connection. A node that is
// known to be gone gives apigw.ErrGone instead.
var (
	// ErrUnavailable: the cluster's messaging is down (503). Calls fail at once while it is.
	ErrUnavailable = &apigw.Error{Status: http.StatusServiceUnavailable, Type: "ServiceUnavailableException",
		Message: "Service Unavailable: the node that holds the connection cannot be reached"}
	// ErrTimeout: the node holding the connection is alive but did not answer in time (504,
	// API Gateway's integration-timeout text).
	ErrTimeout = &apigw.Error{Status: http.StatusGatewayTimeout, Type: "GatewayTimeoutException",
		Message: "Endpoint request timed out"}
)

// Member is a node's part in the cluster of the nodes serving one API.
type Member interface {
	// PostToConnection, GetConnection and DeleteConnection reach a connection held by another
	// node, with the outcomes the holder's local call has, or ErrGone, ErrUnavailable or
	// ErrTimeout.
	apigw.Connections
	// ListConnections and Broadcast cover the other nodes' connections; TagConnection and
	// UntagConnection reach a connection held by another node.
	apigw.Directory
	// Opened and Closed record this node's connections (see wsserver.Tracker); they do not block.
	Opened(c *event.Conn)
	Closed(c *event.Conn)
	// Nodes is the number of live nodes this node sees, itself included; at least 1.
	Nodes() int
	// Leave takes the node out of the cluster once its connections are closed: its records
	// and its lease are removed, and calls for its connections get 410 from then on. ctx
	// bounds the wait for the records to be written.
	Leave(ctx context.Context) error
}

// Host is what a Member needs from the node it runs in.
type Host interface {
	// Connections reaches the connections this node holds.
	apigw.Connections
	// Directory lists, tags and broadcasts to the connections this node holds.
	apigw.Directory
	// DeliverDisconnect invokes $disconnect for a connection of a node that died.
	DeliverDisconnect(ctx context.Context, c *event.Conn, code int, reason string)
}

// Connections is the @connections API of a node in a cluster: ids minted by Self (and ids that
// name no node) go to Local, every other id to Remote.
type Connections struct {
	Self   event.NodeID
	Local  apigw.Connections
	Remote apigw.Connections
}

var _ apigw.Connections = (*Connections)(nil)

// pick returns the connections that hold id.
func (c *Connections) pick(id string) apigw.Connections { return holder(c.Self, id, c.Local, c.Remote) }

// holder returns local for ids minted by self (and ids that name no node), else remote.
func holder[T any](self event.NodeID, id string, local, remote T) T {
	node, kind, ok := event.ParseID(id)
	if !ok || kind != event.KindConnection || node == self {
		return local
	}
	return remote
}

// PostToConnection queues data on the connection, wherever it is held.
func (c *Connections) PostToConnection(ctx context.Context, id string, data []byte) error {
	return c.pick(id).PostToConnection(ctx, id, data)
}

// GetConnection describes the connection, wherever it is held.
func (c *Connections) GetConnection(ctx context.Context, id string) (apigw.ConnectionInfo, error) {
	return c.pick(id).GetConnection(ctx, id)
}

// DeleteConnection closes the connection, wherever it is held.
func (c *Connections) DeleteConnection(ctx context.Context, id string) error {
	return c.pick(id).DeleteConnection(ctx, id)
}

// Directory is the list, tags and broadcast of a node in a cluster: lists and broadcasts cover
// Local and Remote (every other node) at once; tags go where the connection is held, as
// Connections does.
type Directory struct {
	Self   event.NodeID
	Local  apigw.Directory
	Remote apigw.Directory
}

var _ apigw.Directory = (*Directory)(nil)

func (d *Directory) pick(id string) apigw.Directory { return holder(d.Self, id, d.Local, d.Remote) }

// ListConnections merges a page of this node's connections with a page of the others'.
func (d *Directory) ListConnections(ctx context.Context, in apigw.ListInput) (apigw.ListOutput, error) {
	var (
		remote    apigw.ListOutput
		remoteErr error
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		remote, remoteErr = d.Remote.ListConnections(ctx, in)
	}()
	local, err := d.Local.ListConnections(ctx, in)
	<-done
	if err != nil {
		return apigw.ListOutput{}, err
	}
	if remoteErr != nil {
		return apigw.ListOutput{}, remoteErr
	}
	local.Items = append(local.Items, remote.Items...)
	local.More = local.More || remote.More
	return MergePages(in.Limit, local), nil
}

// TagConnection tags the connection, wherever it is held.
func (d *Directory) TagConnection(ctx context.Context, id string, tags map[string]string) error {
	return d.pick(id).TagConnection(ctx, id, tags)
}

// UntagConnection removes tags of the connection, wherever it is held.
func (d *Directory) UntagConnection(ctx context.Context, id string, keys ...string) error {
	return d.pick(id).UntagConnection(ctx, id, keys...)
}

// Broadcast sends to this node's matching connections and to the other nodes' at once; the
// counts are summed. When the other nodes cannot be reached, this node's connections still got
// the frame and the error says the rest did not.
func (d *Directory) Broadcast(ctx context.Context, data []byte, tags map[string]string) (apigw.BroadcastResult, error) {
	var (
		remote    apigw.BroadcastResult
		remoteErr error
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		remote, remoteErr = d.Remote.Broadcast(ctx, data, tags)
	}()
	res, err := d.Local.Broadcast(ctx, data, tags)
	<-done
	if err != nil {
		return res, err
	}
	res.Add(remote)
	return res, remoteErr
}

// MergePages sorts the items of pages gathered from several nodes (each in id order, each at
// most limit long) by id and keeps the first limit; More is set when any node had more or
// items were cut.
func MergePages(limit int, p apigw.ListOutput) apigw.ListOutput {
	if limit < 1 {
		limit = apigw.DefaultListLimit
	}
	slices.SortFunc(p.Items, func(a, b apigw.ConnectionInfo) int { return strings.Compare(a.ConnectionID, b.ConnectionID) })
	if len(p.Items) > limit {
		p.Items, p.More = p.Items[:limit], true
	}
	return p
}

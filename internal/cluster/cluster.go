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
func (c *Connections) pick(id string) apigw.Connections {
	node, kind, ok := event.ParseID(id)
	if !ok || kind != event.KindConnection || node == c.Self {
		return c.Local
	}
	return c.Remote
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

package cluster

import (
	"context"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/event"
)

// Standalone is the Member of a node without a cluster: no other node holds anything, so every
// call for another node's connection is 410 GoneException, and nothing is recorded.
type Standalone struct{}

var _ Member = Standalone{}

// PostToConnection answers ErrGone.
func (Standalone) PostToConnection(context.Context, string, []byte) error { return apigw.ErrGone }

// GetConnection answers ErrGone.
func (Standalone) GetConnection(context.Context, string) (apigw.ConnectionInfo, error) {
	return apigw.ConnectionInfo{}, apigw.ErrGone
}

// DeleteConnection answers ErrGone.
func (Standalone) DeleteConnection(context.Context, string) error { return apigw.ErrGone }

// Opened records nothing.
func (Standalone) Opened(*event.Conn) {}

// Closed records nothing.
func (Standalone) Closed(*event.Conn) {}

// Nodes is 1: this node alone.
func (Standalone) Nodes() int { return 1 }

// Leave has nothing to do.
func (Standalone) Leave(context.Context) error { return nil }

// ListConnections lists nothing: no other node holds connections.
func (Standalone) ListConnections(context.Context, apigw.ListInput) (apigw.ListOutput, error) {
	return apigw.ListOutput{}, nil
}

// TagConnection answers ErrGone.
func (Standalone) TagConnection(context.Context, string, map[string]string) error {
	return apigw.ErrGone
}

// UntagConnection answers ErrGone.
func (Standalone) UntagConnection(context.Context, string, ...string) error { return apigw.ErrGone }

// Broadcast reaches nobody.
func (Standalone) Broadcast(context.Context, []byte, map[string]string) (apigw.BroadcastResult, error) {
	return apigw.BroadcastResult{}, nil
}

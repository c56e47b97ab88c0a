package switchboard

import (
	"context"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

// ListOptions select a page of connections for ListConnections.
type ListOptions struct {
	// MaxResults is the most connections a page holds, 1 to 1000. Default 100.
	MaxResults int
	// NextToken continues from the page that returned it; "" starts at the first.
	NextToken string
	// Tags keeps the connections that carry every one of these tags. Default: all connections.
	Tags map[string]string
}

// ConnectionPage is a page of connections, in connection-id order.
type ConnectionPage struct {
	Connections []*Connection
	// NextToken fetches the next page; "" on the last.
	NextToken string
}

// BroadcastResult counts what Broadcast did.
type BroadcastResult struct {
	// Sent is the number of connections the frame was queued to.
	Sent int
	// Dropped is the number of connections whose send queue was full, which did not get it.
	Dropped int
}

// ErrBadToken is returned by ListConnections for a NextToken that is malformed or was issued
// for other Tags.
var ErrBadToken error = apigw.ErrBadToken

// ListConnections returns a page of the open connections (every node's, in a cluster), as
// GET /{stage}/@connections does.
func (a *API) ListConnections(ctx context.Context, opts ListOptions) (*ConnectionPage, error) {
	limit := opts.MaxResults
	if limit < 1 {
		limit = apigw.DefaultListLimit
	}
	limit = min(limit, apigw.MaxListLimit)
	after, err := apigw.DecodeListToken(opts.NextToken, opts.Tags)
	if err != nil {
		return nil, err
	}
	out, err := a.app.Directory().ListConnections(ctx, apigw.ListInput{After: after, Limit: limit, Tags: opts.Tags})
	if err != nil {
		return nil, err
	}
	page := &ConnectionPage{Connections: make([]*Connection, len(out.Items))}
	for i, info := range out.Items {
		page.Connections[i] = connectionOf(info)
	}
	if out.More && len(out.Items) > 0 {
		page.NextToken = apigw.EncodeListToken(out.Items[len(out.Items)-1].ConnectionID, opts.Tags)
	}
	return page, nil
}

// TagConnection merges tags into a connection's tags, or returns ErrGone.
func (a *API) TagConnection(ctx context.Context, connectionID string, tags map[string]string) error {
	return a.app.Directory().TagConnection(ctx, connectionID, tags)
}

// UntagConnection removes a connection's tags with these keys, or returns ErrGone.
func (a *API) UntagConnection(ctx context.Context, connectionID string, keys ...string) error {
	return a.app.Directory().UntagConnection(ctx, connectionID, keys...)
}

// Broadcast sends data as one text frame to every open connection that carries all of tags
// (every connection when tags is empty), on every node of a cluster. It never waits for a slow
// client: a connection whose send queue is full is counted as dropped.
func (a *API) Broadcast(ctx context.Context, data []byte, tags map[string]string) (BroadcastResult, error) {
	res, err := a.app.Directory().Broadcast(ctx, data, tags)
	return BroadcastResult(res), err
}

// connectionOf converts a connection's description.
func connectionOf(info apigw.ConnectionInfo) *Connection {
	return &Connection{ConnectionID: info.ConnectionID, ConnectedAt: info.ConnectedAt, LastActiveAt: info.LastActiveAt,
		SourceIP: info.SourceIP, UserAgent: info.UserAgent, PrincipalID: info.PrincipalID, Tags: info.Tags}
}

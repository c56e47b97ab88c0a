// Package apigw holds the domain types shared by the gateway's packages: the errors of the
// @connections API with the HTTP status and AWS error type each maps to, what GetConnection
// reports about a connection, and the Connections interface through which the management API,
// the public Go API and (later) other cluster nodes reach a connection.
package apigw

import (
	"context"
	"errors"
	"time"
)

// Error is a failure with the AWS-shaped outcome it maps to. The management API renders it as
// HTTP Status with the x-amzn-ErrorType header set to Type and, unless Message is empty, a JSON
// body {"message": Message}.
type Error struct {
	Status  int
	Type    string
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Type
	}
	return e.Type + ": " + e.Message
}

// Is reports whether target is an *Error of the same Type, so errors.Is(err, ErrGone) works for
// any GoneException.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// The @connections errors of the ApiGatewayManagementApi service model (reference §6).
var (
	// ErrGone: the connection does not exist, is not yet connected, or is closed (410, empty body).
	ErrGone = &Error{Status: 410, Type: "GoneException"}
	// ErrPayloadTooLarge: the data is over the message size limit (413).
	ErrPayloadTooLarge = &Error{Status: 413, Type: "PayloadTooLargeException", Message: "Request entity too large"}
	// ErrLimitExceeded: the connection's send queue is full (429), AWS's "client side buffer is full".
	ErrLimitExceeded = &Error{Status: 429, Type: "LimitExceededException", Message: "The client side buffer is full"}
	// ErrForbidden: the caller may not call the management API (403).
	ErrForbidden = &Error{Status: 403, Type: "ForbiddenException", Message: "Forbidden"}
)

// ErrorStatus returns the HTTP status and AWS error type for err, and 500 InternalServerError for
// errors that are not an *Error.
func ErrorStatus(err error) (status int, typ string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Type
	}
	return 500, "InternalServerErrorException"
}

// ConnectionInfo describes a live connection: what GetConnection returns (its connectedAt,
// lastActiveAt and identity) and what the connection list adds (its id, principal and tags).
type ConnectionInfo struct {
	ConnectionID string
	ConnectedAt  time.Time
	LastActiveAt time.Time
	SourceIP     string
	UserAgent    string
	// PrincipalID is the authorizer's principalId; "" when no Lambda authorizer ran.
	PrincipalID string
	// Tags are the connection's tags, a copy the caller owns; nil when it has none.
	Tags map[string]string
}

// Connections is the set of operations the @connections API offers. Implementations return
// ErrGone for unknown or closed connections and the other Err values above for their cases.
type Connections interface {
	// PostToConnection queues data as one text frame to the connection. It returns once the
	// frame is queued, not when it is written.
	PostToConnection(ctx context.Context, connectionID string, data []byte) error
	// GetConnection describes a live connection.
	GetConnection(ctx context.Context, connectionID string) (ConnectionInfo, error)
	// DeleteConnection closes the connection with 1000 and delivers $disconnect.
	DeleteConnection(ctx context.Context, connectionID string) error
}

// ListInput selects a page of connections, in connection-id order.
type ListInput struct {
	// After lists only ids strictly greater than this one; "" starts at the first.
	After string
	// Limit is the most items a page holds; below 1 means DefaultListLimit.
	Limit int
	// Tags keeps the connections that carry every one of these tags; nil keeps all.
	Tags map[string]string
}

// The bounds of a page of connections.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListOutput is a page of connections.
type ListOutput struct {
	Items []ConnectionInfo
	// More is set when connections after the last item match too.
	More bool
}

// BroadcastResult counts what a broadcast did: Sent frames queued, Dropped refused because the
// connection's send queue was full.
type BroadcastResult struct {
	Sent    int
	Dropped int
}

// Add adds o's counts to r.
func (r *BroadcastResult) Add(o BroadcastResult) {
	r.Sent += o.Sent
	r.Dropped += o.Dropped
}

// Directory is what Switchboard adds to the @connections API: listing connections, tagging
// them, and sending one message to many. Implementations return ErrGone for unknown or closed
// connections.
type Directory interface {
	// ListConnections returns a page of the open connections that carry in.Tags.
	ListConnections(ctx context.Context, in ListInput) (ListOutput, error)
	// TagConnection merges tags into the connection's tags.
	TagConnection(ctx context.Context, connectionID string, tags map[string]string) error
	// UntagConnection removes the tags with these keys; absent keys are ignored.
	UntagConnection(ctx context.Context, connectionID string, keys ...string) error
	// Broadcast queues data as one text frame to every open connection that carries all of
	// tags (every connection when tags is empty). It never waits for a slow client: a full send
	// queue counts as dropped.
	Broadcast(ctx context.Context, data []byte, tags map[string]string) (BroadcastResult, error)
}

// MatchTags reports whether have carries every key of want with the same value.
func MatchTags(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

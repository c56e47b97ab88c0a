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

// ConnectionInfo is what GetConnection returns for a live connection.
type ConnectionInfo struct {
	ConnectedAt  time.Time
	LastActiveAt time.Time
	SourceIP     string
	UserAgent    string
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

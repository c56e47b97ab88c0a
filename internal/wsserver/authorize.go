package wsserver

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// Handshake is what a ConnectAuthorizer sees of a connection attempt. The authorizer may fill
// Conn.Identity (IAM callers) and Conn.Authorizer (a Lambda authorizer's principalId and
// context); both then appear in every event of the connection.
type Handshake struct {
	Request   *http.Request
	Conn      *event.Conn
	RequestID string
	Now       time.Time
}

// ConnectAuthorizer decides whether a handshake may go on to $connect. It returns nil to allow,
// or an error; a *HandshakeError chooses the HTTP status (401, 403, 429, 500), any other error
// gives 500.
type ConnectAuthorizer interface {
	AuthorizeConnect(ctx context.Context, hs *Handshake) error
}

// HandshakeError refuses a handshake with Status and the body {"message": Message}.
type HandshakeError struct {
	Status  int
	Message string
	Err     error // the cause, for logs; may be nil
}

func (e *HandshakeError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *HandshakeError) Unwrap() error { return e.Err }

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
// or an error; an error that errors.As turns into an *apigw.Error chooses the answer (401, 403,
// 429, 500 with AWS's body), any other error gives 500.
type ConnectAuthorizer interface {
	AuthorizeConnect(ctx context.Context, hs *Handshake) error
}

// RouteAuthorizer decides, per message, whether a connection may use a route marked IAM. It
// sees only what the connection established at $connect (its identity), as API Gateway
// authorizes a WebSocket connection only when it connects.
type RouteAuthorizer interface {
	AuthorizeRoute(conn *event.Conn, routeKey string) bool
}

package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// ConnectAuthorizer decides whether a $connect handshake may become a connection. AWS
// authorizes a WebSocket connection only here: later messages are never re-authorized.
//
// AuthorizeConnect returns a Grant to apply to the connection's events, or an *Error whose
// Status is the HTTP answer to the handshake (401, 403 or 500). It is called concurrently and
// must honour ctx.
type ConnectAuthorizer interface {
	AuthorizeConnect(ctx context.Context, req *ConnectRequest) (*Grant, error)
}

// ConnectRequest is what an authorizer sees of a handshake.
type ConnectRequest struct {
	// HTTP is the upgrade request as received (SigV4 verification reads its raw path, query and
	// headers; the Lambda authorizer event takes Connection and Upgrade from it).
	HTTP *http.Request
	// Event is the CONNECT event the gateway built for the handshake: headers with the client's
	// casing, query maps, stage variables and requestContext.
	Event *event.Request
	// MethodARN is arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect.
	MethodARN string
	// Now is the time of the handshake; signature windows and cache expiry are measured from it.
	Now time.Time
}

// Grant is a successful authorization.
type Grant struct {
	// Authorizer is requestContext.authorizer for the CONNECT event and every later event of
	// the connection, $disconnect included: {principalId, integrationLatency, ...context}.
	// Nil when no Lambda authorizer ran.
	Authorizer map[string]any
	// Identity holds the identity fields AWS fills for IAM callers; zero otherwise.
	Identity Identity
}

// Identity is the part of requestContext.identity that AWS fills for SigV4-signed callers
// (reference §8): the access key, the account, the caller and user ids and the user's ARN.
type Identity struct {
	AccessKey string
	AccountID string
	Caller    string
	User      string
	UserARN   string
}

// IsZero reports whether no IAM identity is present.
func (id Identity) IsZero() bool { return id == Identity{} }

// Apply copies the grant into rc: the authorizer map, and the IAM identity fields when set. It
// leaves rc's other identity fields (sourceIp, userAgent) alone.
func (g *Grant) Apply(rc *event.RequestContext) {
	if g == nil {
		return
	}
	if g.Authorizer != nil {
		rc.Authorizer = g.Authorizer
	}
	if !g.Identity.IsZero() {
		rc.Identity.AccessKey = g.Identity.AccessKey
		rc.Identity.AccountID = g.Identity.AccountID
		rc.Identity.Caller = g.Identity.Caller
		rc.Identity.User = g.Identity.User
		rc.Identity.UserARN = g.Identity.UserARN
	}
}

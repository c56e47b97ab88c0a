package app

import (
	"net/http"

	"github.com/switchboardhq/switchboard/internal/edge"
	"github.com/switchboardhq/switchboard/internal/mgmt"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// Handler is the app alone as an http.Handler, for a server of the caller's own: requests are
// matched as on the gateway's listener (the custom domain and its mapping path, the
// execute-api host name, or /{stage}); /{stage} is the WebSocket endpoint and
// /{stage}/@connections/{id} the management API (the SDKs send "@" as %40 and "=" as %3D; both
// forms are accepted). Anything else is 403 {"message":"Forbidden"}, as on API Gateway.
func (a *App) Handler() http.Handler { return a.handler }

// writeAPIError renders an error the way the management API does.
func writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	(&mgmt.Handler{}).WriteError(w, r, "", err)
}

var (
	_ http.Handler = (*wsserver.Server)(nil)
	_ edge.Target  = (*App)(nil)
)

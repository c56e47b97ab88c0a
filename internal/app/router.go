package app

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/switchboardhq/switchboard/internal/mgmt"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// Handler routes requests by path: /{stage} is the WebSocket endpoint and
// /{stage}/@connections/{id} the management API (the SDKs send "@" as %40 and "=" as %3D; both
// forms are accepted). Anything else is 404.
func (a *App) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.route(w, r)
	})
}

func (a *App) route(w http.ResponseWriter, r *http.Request) {
	segs, ok := splitEscapedPath(r.URL.EscapedPath())
	if !ok || len(segs) == 0 || segs[0] != a.cfg.Stage.Name {
		notFound(w)
		return
	}
	switch {
	case len(segs) == 1 || (len(segs) == 2 && segs[1] == ""):
		a.ws.ServeHTTP(w, r)
	case len(segs) == 3 && segs[1] == "@connections" && segs[2] != "":
		a.mgmt.Serve(w, r, segs[2])
	case len(segs) >= 2 && segs[1] == "@connections":
		writeAPIError(w, r, mgmt.NoMethod(r, strings.Join(segs[1:], "/")))
	default:
		notFound(w)
	}
}

// splitEscapedPath splits an escaped URL path into unescaped segments, without the leading "/".
func splitEscapedPath(p string) ([]string, bool) {
	p = strings.TrimPrefix(p, "/")
	raw := strings.Split(p, "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", "NotFoundException")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"message":"Not Found"}`))
}

// writeAPIError renders an error the way the management API does.
func writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	(&mgmt.Handler{}).WriteError(w, r, "", err)
}

var _ http.Handler = (*wsserver.Server)(nil)

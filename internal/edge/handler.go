package edge

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// Router is the listener's HTTP handler: it matches each request to a site by host and path
// (see Table.Lookup) and hands it to the site's Target. Requests no site claims get API
// Gateway's 403 {"message":"Forbidden"}. The table can be replaced at any time.
type Router struct {
	table atomic.Pointer[Table]
}

// NewRouter returns a Router serving t.
func NewRouter(t *Table) *Router {
	r := &Router{}
	r.table.Store(t)
	return r
}

// SetTable replaces the table; requests already matched finish with the old one.
func (rt *Router) SetTable(t *Table) { rt.table.Store(t) }

// Table returns the table in use.
func (rt *Router) Table() *Table { return rt.table.Load() }

// ServeHTTP matches r and serves it.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, ok := NormalizeHost(r.Host)
	if !ok {
		WriteError(w, http.StatusBadRequest, "Bad Request", "invalid Host header")
		return
	}
	if r.TLS != nil && r.TLS.ServerName != "" && isIP(host) {
		// A client that dialled an address by IP but named the server in SNI: match the name.
		if sni, ok := NormalizeHost(r.TLS.ServerName); ok {
			host = sni
		}
	}
	segs, ok := SplitEscapedPath(r.URL.EscapedPath())
	if !ok {
		WriteError(w, http.StatusBadRequest, "Bad Request", "invalid escape in the path")
		return
	}
	site, m, ok := rt.table.Load().Lookup(host, segs)
	if !ok {
		Forbidden(w)
		return
	}
	site.Target.ServeEdge(w, r, m)
}

// SplitEscapedPath splits an escaped URL path into unescaped segments, without the leading
// "/" ("/" gives none). The SDKs send "@" as %40 and "=" as %3D; both forms give the same
// segments.
func SplitEscapedPath(p string) ([]string, bool) {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil, true
	}
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

// Forbidden writes API Gateway's answer to a request for a host, stage or path that no API
// claims: 403 {"message":"Forbidden"}.
func Forbidden(w http.ResponseWriter) {
	WriteError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
}

// WriteError writes an AWS-shaped JSON error: {"message": message} with x-amzn-ErrorType.
func WriteError(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", errorType)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"message":` + quote(message) + `}`))
}

// quote renders s as a JSON string; the messages here are ASCII without quotes or controls
// except where a caller passes one, which is escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

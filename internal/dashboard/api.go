package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

// maxBody bounds the JSON body of an action: a message of API Gateway's largest size, escaped.
const maxBody = 1 << 20

// httpError is an error with the HTTP status it answers.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// serve adapts a handler that returns an error: the error is rendered as {"message": ...} with
// its status (apigw's for the @connections errors) and logged when it is the server's fault.
func (h *Handler) serve(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.touch()
		err := fn(w, r)
		if err == nil {
			return
		}
		status := http.StatusInternalServerError
		var he *httpError
		var ae *apigw.Error
		switch {
		case errors.As(err, &he):
			status = he.status
		case errors.As(err, &ae):
			status, _ = apigw.ErrorStatus(err)
		}
		if status >= 500 {
			h.log.Error("dashboard request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		writeJSON(w, status, map[string]string{"message": err.Error()})
	}
}

// mutating guards an action against cross-site requests: it needs CSRFHeader, a JSON body, and
// what http.CrossOriginProtection checks (Sec-Fetch-Site, else Origin against Host).
func (h *Handler) mutating(fn func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := h.csrf.Check(r); err != nil {
			return errorf(http.StatusForbidden, "cross-origin request refused")
		}
		if r.Header.Get(CSRFHeader) == "" {
			return errorf(http.StatusForbidden, "the %s header is required", CSRFHeader)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			return errorf(http.StatusUnsupportedMediaType, "the body must be application/json")
		}
		return fn(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes the body into v.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "malformed body: %v", err)
	}
	return nil
}

// api returns the API the {api} path value names, with its index.
func (h *Handler) api(r *http.Request) (int, API, error) {
	return h.apiAt(r.PathValue("api"))
}

func (h *Handler) apiAt(s string) (int, API, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= len(h.opts.APIs) {
		return 0, nil, errorf(http.StatusNotFound, "no API %q", s)
	}
	return i, h.opts.APIs[i], nil
}

// apiView is an API in GET /api/apis.
type apiView struct {
	Index int `json:"index"`
	Info
}

func (h *Handler) listAPIs(w http.ResponseWriter, _ *http.Request) error {
	out := make([]apiView, len(h.opts.APIs))
	for i, a := range h.opts.APIs {
		out[i] = apiView{Index: i, Info: a.Info()}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// connView is a connection as the page shows it.
type connView struct {
	ID           string            `json:"id"`
	ConnectedAt  time.Time         `json:"connectedAt"`
	LastActiveAt time.Time         `json:"lastActiveAt"`
	SourceIP     string            `json:"sourceIp"`
	UserAgent    string            `json:"userAgent"`
	PrincipalID  string            `json:"principalId,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
}

func viewOf(c apigw.ConnectionInfo) connView {
	return connView{ID: c.ConnectionID, ConnectedAt: c.ConnectedAt, LastActiveAt: c.LastActiveAt,
		SourceIP: c.SourceIP, UserAgent: c.UserAgent, PrincipalID: c.PrincipalID, Tags: c.Tags}
}

// connPage is a page of connections.
type connPage struct {
	Items []connView `json:"items"`
	// Next is the id to list after for the next page; "" on the last.
	Next string `json:"next,omitempty"`
}

// page lists up to limit connections after after.
func (h *Handler) page(r *http.Request, a API, after string, limit int) (connPage, error) {
	out, err := a.Directory().ListConnections(r.Context(), apigw.ListInput{After: after, Limit: limit})
	if err != nil {
		return connPage{}, fmt.Errorf("list connections: %w", err)
	}
	p := connPage{Items: make([]connView, len(out.Items))}
	for i, c := range out.Items {
		p.Items[i] = viewOf(c)
	}
	if out.More && len(out.Items) > 0 {
		p.Next = out.Items[len(out.Items)-1].ConnectionID
	}
	return p, nil
}

// listConnections answers GET /api/apis/{api}/connections?after=ID&limit=N.
func (h *Handler) listConnections(w http.ResponseWriter, r *http.Request) error {
	_, a, err := h.api(r)
	if err != nil {
		return err
	}
	limit := h.opts.ListLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > apigw.MaxListLimit {
			return errorf(http.StatusBadRequest, "limit must be 1 to %d", apigw.MaxListLimit)
		}
		limit = n
	}
	p, err := h.page(r, a, r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// connDetail is one connection with its latest frames.
type connDetail struct {
	// Connection is nil once the connection has closed.
	Connection *connView `json:"connection"`
	Frames     []Frame   `json:"frames"`
	// Recorded is false when the dashboard keeps no frames of it (not tapping, or over the
	// budget).
	Recorded bool `json:"recorded"`
}

// detail describes the connection id of API i; ok is false when it is neither open nor
// recorded.
func (h *Handler) detail(r *http.Request, i int, a API, id string, after uint64) (connDetail, bool, error) {
	var d connDetail
	info, err := a.Connections().GetConnection(r.Context(), id)
	switch {
	case err == nil:
		v := viewOf(info)
		d.Connection = &v
	case !errors.Is(err, apigw.ErrGone):
		return d, false, fmt.Errorf("get connection %s: %w", id, err)
	}
	d.Frames, d.Recorded = h.recs[i].frames(id, after)
	if d.Frames == nil {
		d.Frames = []Frame{}
	}
	return d, d.Connection != nil || d.Recorded, nil
}

// getConnection answers GET /api/apis/{api}/connections/{id}.
func (h *Handler) getConnection(w http.ResponseWriter, r *http.Request) error {
	i, a, err := h.api(r)
	if err != nil {
		return err
	}
	d, ok, err := h.detail(r, i, a, r.PathValue("id"), 0)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusGone, "connection %s is closed", r.PathValue("id"))
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// message is the body of a send or a broadcast.
type message struct {
	Data string            `json:"data"`
	Tags map[string]string `json:"tags,omitempty"`
}

// postMessage answers POST /api/apis/{api}/connections/{id}/messages {"data": "..."}.
func (h *Handler) postMessage(w http.ResponseWriter, r *http.Request) error {
	_, a, err := h.api(r)
	if err != nil {
		return err
	}
	var m message
	if err := readJSON(r, &m); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := a.Connections().PostToConnection(r.Context(), id, []byte(m.Data)); err != nil {
		return fmt.Errorf("post to %s: %w", id, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sent": 1})
	return nil
}

// closeConnection answers POST /api/apis/{api}/connections/{id}/close {}.
func (h *Handler) closeConnection(w http.ResponseWriter, r *http.Request) error {
	_, a, err := h.api(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := a.Connections().DeleteConnection(r.Context(), id); err != nil {
		return fmt.Errorf("close %s: %w", id, err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"closed": id})
	return nil
}

// broadcast answers POST /api/apis/{api}/broadcast {"data": "...", "tags": {...}}.
func (h *Handler) broadcast(w http.ResponseWriter, r *http.Request) error {
	_, a, err := h.api(r)
	if err != nil {
		return err
	}
	var m message
	if err := readJSON(r, &m); err != nil {
		return err
	}
	res, err := a.Directory().Broadcast(r.Context(), []byte(m.Data), m.Tags)
	if err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	writeJSON(w, http.StatusOK, map[string]int{"sent": res.Sent, "dropped": res.Dropped})
	return nil
}

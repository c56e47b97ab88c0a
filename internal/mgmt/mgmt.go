// Package mgmt serves the @connections management API (ApiGatewayManagementApi 2018-11-29):
// POST sends data to a connection, GET describes it, DELETE closes it, with AWS's status codes,
// error types and bodies, so that the AWS SDKs' clients work unmodified. Beside it, in the same
// style, what AWS lacks: the connection list (GET @connections), tags (PUT and DELETE
// @connections/{id}/tags) and broadcast (POST @broadcast), see directory.go.
//
// Use Handler.ServePath from the stage router with the path segments below the stage; Guard
// decides who may call (LoopbackOnly until IAM is configured).
package mgmt

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

// Guard authorizes one management call; body is the request body (signatures cover it) and
// resource the path below the stage that the call acts on ("@connections/{id}",
// "@connections/" for the list, "@connections/{id}/tags", "@broadcast"). It returns nil to
// allow, or an error; an *apigw.Error chooses the response (403 for most refusals).
type Guard interface {
	AuthorizeManagement(r *http.Request, body []byte, resource string) error
}

// GuardFunc adapts a function to Guard.
type GuardFunc func(r *http.Request, body []byte, resource string) error

// AuthorizeManagement calls f.
func (f GuardFunc) AuthorizeManagement(r *http.Request, body []byte, resource string) error {
	return f(r, body, resource)
}

// LoopbackOnly allows calls from loopback addresses only, whether or not they are signed, and
// answers every other caller with AWS's 403 {"message":"Forbidden"}. It is the guard while no
// IAM authorization is configured.
var LoopbackOnly Guard = GuardFunc(func(r *http.Request, _ []byte, _ string) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return apigw.ErrForbidden
})

// Handler serves @connections calls for one stage.
type Handler struct {
	// Conns reaches the connections. Required.
	Conns apigw.Connections
	// Dir lists, tags and broadcasts; nil answers those paths as AWS answers unknown ones.
	Dir apigw.Directory
	// Guard authorizes each call. Default LoopbackOnly.
	Guard Guard
	// MaxBytes is the largest POST body (AWS: 131072). Required.
	MaxBytes int
	// ValidID reports whether a path segment is a well-formed connection id; malformed ids get
	// 400 BadRequestException before any lookup. Default: every id is well-formed.
	ValidID func(id string) bool
	// Logger receives refused and failed calls. Default: discard.
	Logger *slog.Logger
}

// ServePath handles one call for the path segments below the stage (unescaped), whose first is
// "@connections" or "@broadcast".
func (h *Handler) ServePath(w http.ResponseWriter, r *http.Request, rest []string) {
	id := ""
	if len(rest) > 1 {
		id = rest[1]
	}
	var err error
	switch {
	case len(rest) == 2 && rest[0] == "@connections" && id != "":
		err = h.serve(w, r, id)
	case h.Dir == nil:
		err = NoMethod(r, strings.Join(rest, "/"))
	case len(rest) == 1 && rest[0] == "@connections":
		err = h.serveList(w, r)
	case len(rest) >= 3 && rest[0] == "@connections" && id != "" && rest[2] == "tags":
		err = h.serveTags(w, r, id, rest[3:])
	case len(rest) == 1 && rest[0] == "@broadcast":
		err = h.serveBroadcast(w, r)
	default:
		err = NoMethod(r, strings.Join(rest, "/"))
	}
	if err != nil {
		h.WriteError(w, r, id, err)
	}
}

// Serve handles one @connections call for connectionID (already unescaped from the path).
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, connectionID string) {
	if err := h.serve(w, r, connectionID); err != nil {
		h.WriteError(w, r, connectionID, err)
	}
}

// authorize reads the body (at most limit bytes; a SigV4 signature covers it, so it is read
// before authorization) and asks the guard about resource.
func (h *Handler) authorize(r *http.Request, resource string, limit int) ([]byte, error) {
	guard := h.Guard
	if guard == nil {
		guard = LoopbackOnly
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return nil, &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException", Message: "Could not read the request body"}
	}
	if len(data) > limit {
		return nil, apigw.ErrPayloadTooLarge
	}
	if err := guard.AuthorizeManagement(r, data, resource); err != nil {
		return nil, err
	}
	return data, nil
}

// checkID answers 400 for a malformed connection id.
func (h *Handler) checkID(id string) error {
	if h.ValidID != nil && !h.ValidID(id) {
		return &apigw.Error{Status: http.StatusBadRequest, Type: "BadRequestException",
			Message: "Invalid connection id: " + quoteForMessage(id)}
	}
	return nil
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, id string) error {
	data, err := h.authorize(r, "@connections/"+id, h.MaxBytes)
	if err != nil {
		return err
	}
	if err := h.checkID(id); err != nil {
		return err
	}
	ctx := r.Context()
	switch r.Method {
	case http.MethodPost:
		if err := h.Conns.PostToConnection(ctx, id, data); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodGet:
		info, err := h.Conns.GetConnection(ctx, id)
		if err != nil {
			return err
		}
		body, err := json.Marshal(getConnectionOutput{
			ConnectedAt:  isoTime(info.ConnectedAt),
			Identity:     identity{SourceIP: info.SourceIP, UserAgent: info.UserAgent},
			LastActiveAt: isoTime(info.LastActiveAt),
		})
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return nil
	case http.MethodDelete:
		if err := h.Conns.DeleteConnection(ctx, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	default:
		return NoMethod(r, "@connections/"+id)
	}
}

// NoMethod is API Gateway's answer for a path or method the API does not have (observed text).
func NoMethod(r *http.Request, routePath string) error {
	return &apigw.Error{Status: http.StatusNotFound, Type: "NotFoundException",
		Message: "No method found matching route " + routePath + " for http method " + r.Method + "."}
}

// getConnectionOutput is GetConnection's JSON body, in the service model's member names.
type getConnectionOutput struct {
	ConnectedAt  string   `json:"connectedAt"`
	Identity     identity `json:"identity"`
	LastActiveAt string   `json:"lastActiveAt"`
}

type identity struct {
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// isoTime formats like AWS's GetConnection: ISO-8601 UTC with milliseconds.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// WriteError renders err: 410 with an empty body (SDKs read x-amzn-ErrorType), other errors as
// {"message": ...}. Errors that are not *apigw.Error are logged and answered 500.
func (h *Handler) WriteError(w http.ResponseWriter, r *http.Request, id string, err error) {
	status, typ := apigw.ErrorStatus(err)
	var e *apigw.Error
	msg := "Internal server error"
	if errors.As(err, &e) {
		msg = e.Message
	} else if h.Logger != nil {
		h.Logger.Error("management call failed", "method", r.Method, "connectionId", id, "err", err)
	}
	w.Header().Set("x-amzn-ErrorType", typ)
	if status == http.StatusGone || msg == "" {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{msg})
	_, _ = w.Write(body)
}

// quoteForMessage shortens and quotes untrusted input for an error message.
func quoteForMessage(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

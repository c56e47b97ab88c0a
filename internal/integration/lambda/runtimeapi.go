package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
)

// maxPayloadBytes is Lambda's limit for a synchronous response (6 MB).
const maxPayloadBytes = 6 << 20

// Runtime API header names.
const (
	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	headerErrorBody   = "Lambda-Runtime-Function-Error-Body" // a trailer, base64 JSON
)

// apiError is a refused Runtime API call, rendered as {"errorMessage", "errorType"} with status,
// the way the Runtime Interface Emulator answers.
type apiError struct {
	status  int
	errType string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.errType, e.message) }

func errInvalidRequestID(id string) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidRequestID", "Invalid request ID " + strconv.Quote(id)}
}

func errInvalidState(format string, args ...any) *apiError {
	return &apiError{http.StatusForbidden, "InvalidStateTransition", fmt.Sprintf(format, args...)}
}

// runtimeHooks are how the Runtime API of one worker tells the pool what its runtime did.
type runtimeHooks struct {
	// next: the runtime asked for an event (first: for the first time, so it has initialised).
	next func(first bool)
	// initError: the runtime reported that it could not initialise.
	initError func(*HandlerError)
	// result: the runtime posted the outcome of an invocation.
	result func(*invocation, result)
	// hangup: the runtime gave up its request for an event (it is exiting or broken).
	hangup func()
}

// runtimeAPI serves the Lambda Runtime API (2018-06-01) for one worker process: one invocation
// at a time, as in classic Lambda. offer hands it the next event.
type runtimeAPI struct {
	functionARN string
	hooks       runtimeHooks
	log         *slog.Logger
	events      chan *invocation // unbuffered: a send succeeds only into a waiting /next
	quit        <-chan struct{}  // closed when the worker is going away

	mu          sync.Mutex
	initialized bool        // the runtime has asked for an event at least once
	waiting     bool        // a /next is pending
	cur         *invocation // delivered and not yet answered
}

func newRuntimeAPI(functionARN string, hooks runtimeHooks, quit <-chan struct{}, log *slog.Logger) *runtimeAPI {
	return &runtimeAPI{functionARN: functionARN, hooks: hooks, log: log, events: make(chan *invocation), quit: quit}
}

// handler routes the Runtime API. Unknown paths get 404 and wrong methods 405.
func (a *runtimeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", a.serve(a.next))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", a.serve(a.response))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", a.serve(a.invocationError))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", a.serve(a.initError))
	return mux
}

// serve adapts a handler that returns an error: the one place refusals are rendered and logged.
func (a *runtimeAPI) serve(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{http.StatusInternalServerError, "InternalServerError", err.Error()}
		}
		a.log.Warn("runtime API call refused", "method", r.Method, "path", r.URL.Path,
			"status", ae.status, "errorType", ae.errType, "error", ae.message)
		writeJSON(w, ae.status, map[string]string{"errorMessage": ae.message, "errorType": ae.errType})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v) // maps of strings always marshal
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func accepted(w http.ResponseWriter) error {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
	return nil
}

// offer delivers inv to the runtime's pending /next. It returns false when the worker went away
// first (gone is closed). Once offer returns true, current reports inv until it is answered.
func (a *runtimeAPI) offer(inv *invocation, gone <-chan struct{}) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case a.events <- inv:
		a.cur = inv
		return true
	case <-gone:
		return false
	}
}

// current is the delivered invocation that has no result yet, or nil.
func (a *runtimeAPI) current() *invocation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

// next is GET /runtime/invocation/next: a long poll that returns the next event.
func (a *runtimeAPI) next(w http.ResponseWriter, r *http.Request) error {
	a.mu.Lock()
	switch {
	case a.waiting:
		a.mu.Unlock()
		return errInvalidState("the runtime is already waiting for the next invocation")
	case a.cur != nil:
		id := a.cur.id
		a.mu.Unlock()
		return errInvalidState("invocation %s has no response or error yet", id)
	}
	a.waiting = true
	first := !a.initialized
	a.initialized = true
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.waiting = false
		a.mu.Unlock()
	}()

	a.hooks.next(first)
	select {
	case inv := <-a.events:
		h := w.Header()
		h.Set(headerRequestID, inv.id)
		h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set(headerFunctionARN, a.functionARN)
		h.Set(headerTraceID, inv.traceID)
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
		return nil
	case <-a.quit:
		return &apiError{http.StatusGone, "ShuttingDown", "the worker is shutting down"}
	case <-r.Context().Done():
		a.hooks.hangup()
		return nil
	}
}

// answered takes the in-flight invocation named id, or fails with 400 InvalidRequestID.
func (a *runtimeAPI) answered(id string) (*invocation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cur == nil || a.cur.id != id {
		return nil, errInvalidRequestID(id)
	}
	inv := a.cur
	a.cur = nil
	return inv, nil
}

// readPayload reads a posted body up to Lambda's limit; too large is 413 RequestEntityTooLarge.
func readPayload(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayloadBytes+1))
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestFormat", "read body: " + err.Error()}
	}
	if len(body) > maxPayloadBytes {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", maxPayloadBytes)}
	}
	return body, nil
}

// response is POST /runtime/invocation/{id}/response: the invocation's result.
func (a *runtimeAPI) response(w http.ResponseWriter, r *http.Request) error {
	return a.answer(w, r, func(body []byte) result {
		// A runtime that fails while streaming its result reports the error in trailers.
		if t := r.Trailer.Get(headerErrorType); t != "" {
			errBody, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(headerErrorBody))
			return result{err: parseErrorPayload(errBody, t)}
		}
		return result{payload: body}
	})
}

// invocationError is POST /runtime/invocation/{id}/error: the handler failed.
func (a *runtimeAPI) invocationError(w http.ResponseWriter, r *http.Request) error {
	return a.answer(w, r, func(body []byte) result {
		return result{err: parseErrorPayload(bytes.TrimSpace(body), r.Header.Get(headerErrorType))}
	})
}

// answer completes the invocation named in the path with outcome(body). A body that cannot be
// read, or is over Lambda's limit, fails the invocation too.
func (a *runtimeAPI) answer(w http.ResponseWriter, r *http.Request, outcome func(body []byte) result) error {
	inv, err := a.answered(r.PathValue("id"))
	if err != nil {
		return err
	}
	body, err := readPayload(r)
	if err != nil {
		he := &HandlerError{Type: ErrorTypeUnknown, Message: err.Error()}
		if ae, ok := err.(*apiError); ok && ae.status == http.StatusRequestEntityTooLarge {
			he = &HandlerError{Type: ErrorTypeResponseTooLarge, Message: fmt.Sprintf(
				"Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayloadBytes)}
		}
		a.hooks.result(inv, result{err: he})
		return err
	}
	a.hooks.result(inv, outcome(body))
	return accepted(w)
}

// initError is POST /runtime/init/error: the runtime could not load the handler. It is only
// valid before the runtime's first /next.
func (a *runtimeAPI) initError(w http.ResponseWriter, r *http.Request) error {
	a.mu.Lock()
	initialized := a.initialized
	a.mu.Unlock()
	if initialized {
		return errInvalidState("the runtime has already initialised")
	}
	body, err := readPayload(r)
	if err != nil {
		return err
	}
	he := parseErrorPayload(bytes.TrimSpace(body), r.Header.Get(headerErrorType))
	he.Init = true
	a.hooks.initError(he)
	return accepted(w)
}

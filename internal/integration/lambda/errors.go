package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// Error types Switchboard reports for failures of the function rather than of the handler code,
// named as Lambda names them.
const (
	// ErrorTypeExit: the worker process exited (crashed) during an invocation or before its first
	// request for an event.
	ErrorTypeExit = "Runtime.ExitError"
	// ErrorTypeOutOfMemory: the worker used more than its memory size and was killed.
	ErrorTypeOutOfMemory = "Runtime.OutOfMemory"
	// ErrorTypeTimeout: the invocation (or the worker's initialisation) ran past its deadline.
	ErrorTypeTimeout = "Sandbox.Timedout"
	// ErrorTypeResponseTooLarge: the result was over Lambda's 6 MB synchronous payload limit.
	ErrorTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	// ErrorTypeUnknown: the runtime reported an error without naming its type.
	ErrorTypeUnknown = "Runtime.Unknown"
	// ErrorTypePrepare: the handler could not be built or found (a failed live rebuild); it fails
	// every invocation until its sources change, as a broken deployment fails Lambda's init.
	ErrorTypePrepare = "Runtime.BuildError"
)

// HandlerError is a failed invocation as Lambda reports it to a caller: the errorType and
// errorMessage of the function error payload. It is returned both for errors the handler code
// reported through the Runtime API (/invocation/{id}/error, /init/error: Type is what the runtime
// said, e.g. "errorString" for a Go error or "Error" for a JavaScript one) and for failures of the
// worker (Type is one of the ErrorType constants). Use errors.As to get it; an authorizer that
// denies access fails with Message "Unauthorized".
type HandlerError struct {
	// Type is the errorType.
	Type string
	// Message is the errorMessage.
	Message string
	// StackTrace holds the runtime's stackTrace entries, if any (JSON objects are kept as their
	// compact JSON text).
	StackTrace []string
	// Init is true when the failure happened while starting a worker, before the handler ran.
	Init bool

	cause error
}

// ErrorMessage returns the handler's errorMessage; an authorizer that fails with "Unauthorized"
// is recognised through it.
func (e *HandlerError) ErrorMessage() string { return e.Message }

// Error renders the error as "Type: Message", prefixed with "init: " for initialisation failures.
func (e *HandlerError) Error() string {
	var b strings.Builder
	if e.Init {
		b.WriteString("init: ")
	}
	b.WriteString(e.Type)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the condition behind a worker failure: context.DeadlineExceeded for a timeout,
// nil for errors the handler reported.
func (e *HandlerError) Unwrap() error { return e.cause }

// errorPayload is the body a runtime posts to /invocation/{id}/error and /init/error. Lambda's
// Node.js runtime names the stack "trace", the others "stackTrace".
type errorPayload struct {
	ErrorMessage string            `json:"errorMessage"`
	ErrorType    string            `json:"errorType"`
	StackTrace   []json.RawMessage `json:"stackTrace"`
	Trace        []json.RawMessage `json:"trace"`
}

// parseErrorPayload turns a posted error into a HandlerError. headerType is the
// Lambda-Runtime-Function-Error-Type header, used when the body names no type. A body that is not
// the expected JSON becomes the message, so nothing the runtime said is lost.
func parseErrorPayload(body []byte, headerType string) *HandlerError {
	var p errorPayload
	if err := json.Unmarshal(body, &p); err != nil {
		msg := strings.TrimSpace(string(body))
		return &HandlerError{Type: orDefault(headerType, ErrorTypeUnknown), Message: msg}
	}
	he := &HandlerError{Type: orDefault(p.ErrorType, orDefault(headerType, ErrorTypeUnknown)), Message: p.ErrorMessage}
	for _, raw := range append(p.StackTrace, p.Trace...) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			he.StackTrace = append(he.StackTrace, s)
		} else {
			he.StackTrace = append(he.StackTrace, string(raw))
		}
	}
	return he
}

// exitError is the failure of a worker that exited, as Lambda words it.
func exitError(requestID string, exitErr error, init bool) *HandlerError {
	msg := fmt.Sprintf("Runtime exited with error: %v", exitErr)
	if exitErr == nil {
		msg = "Runtime exited without providing a reason"
	}
	if requestID != "" {
		msg = "RequestId: " + requestID + " Error: " + msg
	}
	return &HandlerError{Type: ErrorTypeExit, Message: msg, Init: init}
}

// outOfMemoryError is the failure of a worker killed for using more than limitMB.
func outOfMemoryError(requestID string, usedMB, limitMB int) *HandlerError {
	return &HandlerError{
		Type: ErrorTypeOutOfMemory,
		Message: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed (memory used %d MB, limit %d MB)",
			requestID, usedMB, limitMB),
	}
}

// timeoutError is the failure of an invocation that ran past its deadline.
func timeoutError(requestID string, seconds float64) *HandlerError {
	return &HandlerError{
		Type:    ErrorTypeTimeout,
		Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", requestID, seconds),
		cause:   context.DeadlineExceeded,
	}
}

// isTimeout reports whether err is a timeout of the function itself.
func isTimeout(err error) bool {
	var he *HandlerError
	return errors.As(err, &he) && he.Type == ErrorTypeTimeout
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// PropError is a failure to start a function caused by one prop of its definition rather than by
// its handler: a runtime that cannot be had, or a layer that cannot be laid out (Prop "runtime" or
// "layers", Index the layer's position in the merged layers). Start's error wraps it (errors.As).
type PropError = runtimes.PropError

package auth

import (
	"errors"
	"net/http"

	"github.com/switchboardhq/switchboard/internal/apigw"
)

// Error is an authorization failure with the AWS-shaped answer it maps to: HTTP Status, the
// x-amzn-ErrorType header Type and the JSON body {"message": Message}. Err is the cause, kept
// for errors.Is and for logs; it is never shown to the client.
type Error struct {
	Status  int
	Type    string
	Message string
	Err     error
}

// Error returns "Type: Message (cause)" for logs; the client sees only Status, Type and Message.
func (e *Error) Error() string {
	s := e.Type
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil && (e.Message == "" || e.Err.Error() != e.Message) {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, lambdaauth.ErrIdentityMissing) and similar work.
func (e *Error) Unwrap() error { return e.Err }

// As lets errors.As(err, &apiErr) with apiErr *apigw.Error yield the client-facing part, so
// handlers that render apigw errors render authorization failures the same way.
func (e *Error) As(target any) bool {
	t, ok := target.(**apigw.Error)
	if !ok {
		return false
	}
	*t = &apigw.Error{Status: e.Status, Type: e.Type, Message: e.Message}
	return true
}

// Sentinel causes for the three outcomes every authorizer can produce; use errors.Is.
var (
	// ErrUnauthorized: no usable identity (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: the identity is not allowed (403).
	ErrForbidden = errors.New("forbidden")
	// ErrAuthorizerFailed: the authorizer itself failed or answered nonsense (500).
	ErrAuthorizerFailed = errors.New("authorizer failed")
)

// Unauthorized returns the 401 {"message":"Unauthorized"} answer with cause err (wrapped so
// errors.Is(…, ErrUnauthorized) holds).
func Unauthorized(err error) *Error {
	return &Error{Status: http.StatusUnauthorized, Type: "UnauthorizedException", Message: "Unauthorized", Err: join(ErrUnauthorized, err)}
}

// Forbidden returns the 403 {"message":"Forbidden"} answer with cause err.
func Forbidden(err error) *Error {
	return &Error{Status: http.StatusForbidden, Type: "ForbiddenException", Message: "Forbidden", Err: join(ErrForbidden, err)}
}

// AuthorizerFailure returns the 500 answer for an authorizer that failed or returned an
// unusable result, with cause err. AWS answers REST callers with AuthorizerConfigurationException
// in this case; the WebSocket body is [UNVERIFIED], we send {"message":"Internal server error"}.
func AuthorizerFailure(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Type: "AuthorizerConfigurationException", Message: "Internal server error", Err: join(ErrAuthorizerFailed, err)}
}

func join(sentinel, err error) error {
	if err == nil {
		return sentinel
	}
	return errors.Join(sentinel, err)
}

package sigv4

import (
	"errors"
	"net/http"

	"github.com/switchboardhq/switchboard/internal/auth"
)

// Causes of verification failures; every error Verify returns is an *auth.Error wrapping one.
var (
	// ErrMissingAuthentication: neither an Authorization header nor X-Amz-* query parameters.
	ErrMissingAuthentication = errors.New("sigv4: missing authentication")
	// ErrIncompleteSignature: the Authorization header or query parameters are malformed or
	// incomplete (including duplicated parameters).
	ErrIncompleteSignature = errors.New("sigv4: incomplete signature")
	// ErrInvalidScope: the credential scope names another region, service, terminator or date.
	ErrInvalidScope = errors.New("sigv4: invalid credential scope")
	// ErrExpired: the signing time is too old (header form: more than 5 minutes; presigned:
	// past X-Amz-Expires).
	ErrExpired = errors.New("sigv4: signature expired")
	// ErrNotYetValid: the signing time is more than 5 minutes in the future.
	ErrNotYetValid = errors.New("sigv4: signature not yet current")
	// ErrUnknownAccessKey: no credentials with that access key id.
	ErrUnknownAccessKey = errors.New("sigv4: unknown access key")
	// ErrInvalidSecurityToken: the session token is missing, unexpected or wrong.
	ErrInvalidSecurityToken = errors.New("sigv4: invalid security token")
	// ErrSignatureMismatch: the signature does not match (tampered request or wrong secret).
	ErrSignatureMismatch = errors.New("sigv4: signature mismatch")
	// ErrPayloadHashMismatch: x-amz-content-sha256 does not match the body.
	ErrPayloadHashMismatch = errors.New("sigv4: payload hash mismatch")
	// ErrMalformedQuery: the query string cannot be decoded.
	ErrMalformedQuery = errors.New("sigv4: malformed query string")
	// ErrTooLarge: the authentication data is over Options.MaxBytes.
	ErrTooLarge = errors.New("sigv4: request too large")
)

// AWS's x-amzn-ErrorType values for signature failures.
const (
	typeMissing    = "MissingAuthenticationTokenException"
	typeIncomplete = "IncompleteSignatureException"
	typeInvalid    = "InvalidSignatureException"
	typeToken      = "UnrecognizedClientException"
	typeBadRequest = "BadRequestException"
)

func fail(cause error, typ, message string) *auth.Error {
	status := http.StatusForbidden
	switch cause {
	case ErrMalformedQuery:
		status = http.StatusBadRequest
	case ErrTooLarge:
		status = http.StatusRequestHeaderFieldsTooLarge
	}
	return &auth.Error{Status: status, Type: typ, Message: message, Err: cause}
}

// The fixed messages.
const (
	// [OBS] {"message":"Missing Authentication Token"}, x-amzn-ErrorType
	// MissingAuthenticationTokenException (brain-power/Brain-Power-Amazon-Fidgetology#29).
	msgMissing = "Missing Authentication Token"
	// [OBS] kndt84/aws-api-gateway-client#31, aws-amplify/amplify-js#2626: the answer for an
	// unknown access key and for a bad or missing session token.
	msgInvalidToken = "The security token included in the request is invalid."
	// [OBS] mhart/aws4#110, aws/aws-sdk-js#2372: execute-api appends the expected canonical
	// request and string to sign.
	msgMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	// [UNVERIFIED] the wording AWS uses for incomplete query-string authentication elsewhere.
	msgQueryIncomplete = "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
	// [UNVERIFIED] S3's wording; execute-api has not been observed answering a bad hash.
	msgPayloadHash = "The provided 'x-amz-content-sha256' header does not match what was computed."
	// [UNVERIFIED] our own.
	msgTooLarge = "Request Header Fields Too Large"
)

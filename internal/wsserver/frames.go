package wsserver

import (
	"encoding/json"
	"strings"
)

// The texts of API Gateway's error frames (reference §5.1).
const (
	msgForbidden       = "Forbidden"
	msgInternalError   = "Internal server error"
	msgEndpointTimeout = "Endpoint request timed out"
)

// errorFrame renders an API Gateway error frame byte for byte as AWS sends it:
// {"message": "<text>", "connectionId":"<id>", "requestId":"<id>"} — one space after the first
// colon only. The ids never need escaping (URL-safe base64); the message is one of our constants.
func errorFrame(message, connectionID, requestID string) []byte {
	var b strings.Builder
	b.Grow(len(message) + len(connectionID) + len(requestID) + 48)
	b.WriteString(`{"message": `)
	b.WriteString(quoteJSON(message))
	b.WriteString(`, "connectionId":"`)
	b.WriteString(connectionID)
	b.WriteString(`", "requestId":"`)
	b.WriteString(requestID)
	b.WriteString(`"}`)
	return []byte(b.String())
}

// quoteJSON returns s as a JSON string literal.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

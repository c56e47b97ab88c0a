package event

import (
	"net/http"
	"strings"
)

// awsHeaderNames maps Go's canonical form of a header name (net/http rewrites "sec-websocket-key"
// and "Sec-WebSocket-Key" alike to "Sec-Websocket-Key") to the casing API Gateway shows in
// events. AWS passes the client's own casing (reference §2.3), which Go no longer knows after
// parsing, so this table holds the casing browsers, SDKs and AWS itself use for the names whose
// usual spelling is not Go's canonical one. Names not in the table keep Go's canonical form,
// which already is the usual spelling of most (User-Agent, Origin, Authorization, X-Amzn-Trace-Id,
// X-Forwarded-For, X-Amz-Date, X-Amz-Security-Token, ...).
var awsHeaderNames = map[string]string{
	"Sec-Websocket-Key":          "Sec-WebSocket-Key",
	"Sec-Websocket-Version":      "Sec-WebSocket-Version",
	"Sec-Websocket-Extensions":   "Sec-WebSocket-Extensions",
	"Sec-Websocket-Protocol":     "Sec-WebSocket-Protocol",
	"Sec-Websocket-Accept":       "Sec-WebSocket-Accept",
	"X-Api-Key":                  "x-api-key", // API Gateway's own spelling, as in DISCONNECT events
	"X-Restapi":                  "x-restapi", // likewise
	"X-Real-Ip":                  "X-Real-IP", // nginx's spelling
	"Dnt":                        "DNT",       // browsers' spelling
	"Sec-Ch-Ua":                  "sec-ch-ua", // Chromium sends client hints lower-case
	"Sec-Ch-Ua-Mobile":           "sec-ch-ua-mobile",
	"Sec-Ch-Ua-Platform":         "sec-ch-ua-platform",
	"Cloudfront-Viewer-Country":  "CloudFront-Viewer-Country",
	"Cloudfront-Forwarded-Proto": "CloudFront-Forwarded-Proto",
}

// awsHeaderName returns the casing API Gateway would show for a header that Go has
// canonicalised (see awsHeaderNames).
func awsHeaderName(canonical string) string {
	if name, ok := awsHeaderNames[canonical]; ok {
		return name
	}
	return canonical
}

// Header names Connect adds or removes, in AWS's casing.
const (
	headerHost           = "Host"
	headerTraceID        = "X-Amzn-Trace-Id"
	headerForwardedFor   = "X-Forwarded-For"
	headerForwardedPort  = "X-Forwarded-Port"
	headerForwardedProto = "X-Forwarded-Proto"
)

// strippedHeader reports the headers left out of CONNECT events: API Gateway removes the hop-by-hop upgrade
// headers from the integration event (reference §2.3; they remain in authorizer events).
func strippedHeader(canonical string) bool {
	return canonical == "Connection" || canonical == "Upgrade"
}

// eventHeaders converts handshake headers into the pair of maps an event carries: headers holds
// the last value of each name (as API Gateway does for proxy events), multiValueHeaders all of
// them in order. Both are keyed by awsHeaderName.
func eventHeaders(h http.Header) (single map[string]string, multi map[string][]string) {
	single = make(map[string]string, len(h)+5)
	multi = make(map[string][]string, len(h)+5)
	for key, values := range h {
		if len(values) == 0 {
			continue
		}
		canonical := http.CanonicalHeaderKey(key)
		if strippedHeader(canonical) {
			continue
		}
		name := awsHeaderName(canonical)
		if prev, ok := multi[name]; ok {
			// Two spellings of one name in h (possible when h was built by hand): merge them.
			values = append(append([]string(nil), prev...), values...)
		} else {
			values = append([]string(nil), values...)
		}
		multi[name] = values
		single[name] = values[len(values)-1]
	}
	return single, multi
}

// setHeader replaces every value of name in both maps with value.
func setHeader(single map[string]string, multi map[string][]string, name, value string) {
	single[name] = value
	multi[name] = []string{value}
}

// appendForwardedFor appends ip to the X-Forwarded-For value the client sent, if any, the way a
// proxy extends the chain ("client, proxy1, ip").
func appendForwardedFor(single map[string]string, multi map[string][]string, ip string) {
	prev := strings.Join(multi[headerForwardedFor], ", ")
	if prev == "" {
		setHeader(single, multi, headerForwardedFor, ip)
		return
	}
	setHeader(single, multi, headerForwardedFor, prev+", "+ip)
}

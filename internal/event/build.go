package event

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Conn holds what stays the same in every event of one connection. The gateway fills it once,
// at the handshake, and calls Connect, Message and Disconnect on it for each event. Its maps are
// shared by every event it builds, never copied: treat them as read-only once events are built.
type Conn struct {
	// ConnectionID is requestContext.connectionId, from IDs.ConnectionID.
	ConnectionID string
	// ConnectedAt is requestContext.connectedAt, in Unix milliseconds.
	ConnectedAt int64
	// Identity is requestContext.identity: SourceIP always, UserAgent when the client sent a
	// User-Agent header, the IAM fields for SigV4-authorized connections.
	Identity Identity
	// DomainName is requestContext.domainName and the Host header of CONNECT and DISCONNECT
	// events: the host the client connected to (AWS: "{api-id}.execute-api.{region}.amazonaws.com"
	// or the custom domain).
	DomainName string
	// Stage is requestContext.stage, the stage name even behind a custom domain.
	Stage string
	// APIID is requestContext.apiId (see APIIDFromName).
	APIID string
	// Authorizer is requestContext.authorizer: nil unless a Lambda authorizer ran on $connect,
	// then {principalId, integrationLatency, ...context} (reference §7.5).
	Authorizer map[string]any
	// StageVariables are the stage's variables. Events carry a stageVariables key only when the
	// stage has at least one variable: AWS is known to send the key to authorizers even when
	// empty, but whether proxy events carry an empty one is [UNVERIFIED] (reference §2.1), and
	// leaving it out matches every captured event.
	StageVariables map[string]string
	// ForwardedProto is the X-Forwarded-Proto of CONNECT events: "https" when the client
	// connected over TLS, "http" otherwise. Default "https", what AWS always sends.
	ForwardedProto string
	// ForwardedPort is the X-Forwarded-Port of CONNECT events: the port the client connected to.
	// Default: the port in DomainName if it has one, else 443 for https and 80 for http.
	ForwardedPort string
}

// Connect builds the CONNECT event of the $connect route (reference §2.3).
//
// h is the handshake's header and q its query. headers/multiValueHeaders hold h in AWS's casing
// (see awsHeaderNames), without Connection and Upgrade, plus what API Gateway adds: Host (the
// DomainName: net/http keeps the Host outside h), X-Amzn-Trace-Id
// ("Root=1-<8 hex epoch seconds>-<24 hex random>") unless the client sent one, X-Forwarded-For
// (remoteIP appended to any value the client sent), and X-Forwarded-Port and X-Forwarded-Proto
// (see ForwardedPort and ForwardedProto; they replace client-sent values). headers holds the last
// value of a repeated header, multiValueHeaders all of them.
//
// The query maps are present only when q is not empty, i.e. the URL had a query string;
// queryStringParameters holds the last value of a repeated key, as API Gateway does.
func (c *Conn) Connect(reqID string, now time.Time, h http.Header, q url.Values, remoteIP string) *Request {
	single, multi := eventHeaders(h)
	setHeader(single, multi, headerHost, c.DomainName)
	if _, ok := single[headerTraceID]; !ok {
		setHeader(single, multi, headerTraceID, newTraceID(now))
	}
	appendForwardedFor(single, multi, remoteIP)
	proto := c.forwardedProto()
	setHeader(single, multi, headerForwardedPort, c.forwardedPort(proto))
	setHeader(single, multi, headerForwardedProto, proto)

	req := &Request{
		Headers:           single,
		MultiValueHeaders: multi,
		RequestContext:    c.context(reqID, now, RouteConnect, TypeConnect),
	}
	if len(q) > 0 {
		req.QueryStringParameters, req.MultiValueQueryStringParameters = queryMaps(q)
	}
	c.addStageVariables(req)
	return req
}

// Message builds the MESSAGE event of one client message routed to routeKey (reference §2.5).
// MESSAGE events carry no headers or query; body is always present, "" for an empty frame, and
// base64 says whether body is the base64 of a binary frame (isBase64Encoded).
func (c *Conn) Message(reqID, msgID string, now time.Time, routeKey string, body string, base64 bool) *Request {
	return c.MessageInto(new(MessageEvent), reqID, msgID, now, routeKey, body, base64)
}

// MessageEvent is a MESSAGE event together with the body its Body points to, so that one
// allocation holds both, and so that a caller can reuse one for every message (MessageInto).
type MessageEvent struct {
	Request
	body string
}

// MessageInto is Message building the event in m, overwriting what m held, and returning
// &m.Request. The gateway reuses one MessageEvent per connection: an integration does not keep
// the event after its call returns.
func (c *Conn) MessageInto(m *MessageEvent, reqID, msgID string, now time.Time, routeKey string, body string, base64 bool) *Request {
	m.body = body
	m.Request = Request{
		RequestContext:  c.context(reqID, now, routeKey, TypeMessage),
		Body:            &m.body,
		IsBase64Encoded: base64,
	}
	req := &m.Request
	req.RequestContext.MessageID = msgID
	c.addStageVariables(req)
	return req
}

// Disconnect builds the DISCONNECT event of the $disconnect route (reference §2.4): exactly the
// four synthetic headers AWS sends (Host = DomainName; x-api-key, X-Forwarded-For and x-restapi
// empty), the close code as disconnectStatusCode and reason as disconnectReason, which is
// present even when "" (see CloseReason).
func (c *Conn) Disconnect(reqID string, now time.Time, code int, reason string) *Request {
	req := &Request{
		Headers: map[string]string{
			headerHost:         c.DomainName,
			"x-api-key":        "",
			headerForwardedFor: "",
			"x-restapi":        "",
		},
		MultiValueHeaders: map[string][]string{
			headerHost:         {c.DomainName},
			"x-api-key":        {""},
			headerForwardedFor: {""},
			"x-restapi":        {""},
		},
		RequestContext: c.context(reqID, now, RouteDisconnect, TypeDisconnect),
	}
	req.RequestContext.DisconnectStatusCode = code
	req.RequestContext.DisconnectReason = &reason
	c.addStageVariables(req)
	return req
}

// context fills the requestContext fields every event type shares.
func (c *Conn) context(reqID string, now time.Time, routeKey, eventType string) RequestContext {
	return RequestContext{
		RouteKey:          routeKey,
		EventType:         eventType,
		ExtendedRequestID: reqID,
		RequestTime:       FormatRequestTime(now),
		MessageDirection:  "IN",
		Stage:             c.Stage,
		ConnectedAt:       c.ConnectedAt,
		RequestTimeEpoch:  now.UnixMilli(),
		Identity:          c.Identity,
		RequestID:         reqID,
		DomainName:        c.DomainName,
		ConnectionID:      c.ConnectionID,
		APIID:             c.APIID,
		Authorizer:        c.Authorizer,
	}
}

func (c *Conn) addStageVariables(req *Request) {
	if len(c.StageVariables) > 0 {
		req.StageVariables = c.StageVariables
	}
}

func (c *Conn) forwardedProto() string {
	if c.ForwardedProto == "" {
		return "https"
	}
	return c.ForwardedProto
}

func (c *Conn) forwardedPort(proto string) string {
	if c.ForwardedPort != "" {
		return c.ForwardedPort
	}
	if _, port, err := net.SplitHostPort(c.DomainName); err == nil && port != "" {
		return port
	}
	if proto == "http" {
		return "80"
	}
	return "443"
}

// newTraceID returns an X-Ray trace header value of the form API Gateway adds:
// "Root=1-<8 hex digits of the epoch second>-<24 hex random digits>".
func newTraceID(now time.Time) string {
	var random [12]byte
	rand.Read(random[:])
	buf := make([]byte, 0, len("Root=1-")+8+1+24)
	buf = append(buf, "Root=1-"...)
	secs := strconv.FormatUint(uint64(uint32(now.Unix())), 16)
	for i := len(secs); i < 8; i++ {
		buf = append(buf, '0')
	}
	buf = append(buf, secs...)
	buf = append(buf, '-')
	buf = hex.AppendEncode(buf, random[:])
	return string(buf)
}

// queryMaps converts a parsed query string into the two event maps; the single-value map holds
// the last value of a repeated key.
func queryMaps(q url.Values) (single map[string]string, multi map[string][]string) {
	single = make(map[string]string, len(q))
	multi = make(map[string][]string, len(q))
	for key, values := range q {
		if len(values) == 0 {
			continue
		}
		multi[key] = append([]string(nil), values...)
		single[key] = values[len(values)-1]
	}
	return single, multi
}

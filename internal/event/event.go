// Package event defines the API Gateway WebSocket events that Switchboard sends to integrations
// and the responses it reads back, in exactly the JSON shape AWS uses (keys that AWS omits are
// omitted here too), plus the identifiers and timestamps that go into them.
//
// Use Conn (its Connect, Message and Disconnect methods) to build the CONNECT, MESSAGE and
// DISCONNECT events of a connection, DecodeResponse to read what a handler returned, NewIDs for
// AWS-style identifiers that carry the owning node (ParseID and WellFormedID to check them),
// FormatRequestTime for requestTime, and CloseReason for disconnectReason.
package event

// Event types, as they appear in requestContext.eventType.
const (
	TypeConnect    = "CONNECT"
	TypeMessage    = "MESSAGE"
	TypeDisconnect = "DISCONNECT"
)

// Reserved route keys.
const (
	RouteConnect    = "$connect"
	RouteDisconnect = "$disconnect"
	RouteDefault    = "$default"
)

// Request is the Lambda proxy event of an API Gateway WebSocket API (reference §2). The field
// order and omitempty choices reproduce what AWS sends: MESSAGE events carry no headers, CONNECT
// events carry query maps only when the handshake had a query string, and body is present only on
// MESSAGE events (as "" for an empty frame).
type Request struct {
	Headers                         map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders,omitempty"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters,omitempty"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters,omitempty"`
	StageVariables                  map[string]string   `json:"stageVariables,omitempty"`
	RequestContext                  RequestContext      `json:"requestContext"`
	Body                            *string             `json:"body,omitempty"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

// RequestContext is the requestContext object of a WebSocket event (reference §2.2).
type RequestContext struct {
	RouteKey             string         `json:"routeKey"`
	MessageID            string         `json:"messageId,omitempty"`
	DisconnectStatusCode int            `json:"disconnectStatusCode,omitempty"`
	EventType            string         `json:"eventType"`
	ExtendedRequestID    string         `json:"extendedRequestId"`
	RequestTime          string         `json:"requestTime"`
	MessageDirection     string         `json:"messageDirection"`
	DisconnectReason     *string        `json:"disconnectReason,omitempty"`
	Stage                string         `json:"stage"`
	ConnectedAt          int64          `json:"connectedAt"`
	RequestTimeEpoch     int64          `json:"requestTimeEpoch"`
	Identity             Identity       `json:"identity"`
	RequestID            string         `json:"requestId"`
	DomainName           string         `json:"domainName"`
	ConnectionID         string         `json:"connectionId"`
	APIID                string         `json:"apiId"`
	Authorizer           map[string]any `json:"authorizer,omitempty"`
}

// Identity is requestContext.identity. SourceIP is always present; the other fields appear only
// when known (UserAgent when the client sent one, the IAM fields for SigV4-authorized callers).
type Identity struct {
	SourceIP       string `json:"sourceIp"`
	UserAgent      string `json:"userAgent,omitempty"`
	AccessKey      string `json:"accessKey,omitempty"`
	AccountID      string `json:"accountId,omitempty"`
	Caller         string `json:"caller,omitempty"`
	User           string `json:"user,omitempty"`
	UserARN        string `json:"userArn,omitempty"`
	PrincipalOrgID string `json:"principalOrgId,omitempty"`
}

// Response is a Lambda proxy integration result (what aws-lambda-go calls
// events.APIGatewayProxyResponse). On $connect a non-2xx StatusCode rejects the handshake; on a
// route with returnResponse the Body is sent back to the client as a text frame.
type Response struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers,omitempty"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders,omitempty"`
	Body              string              `json:"body,omitempty"`
	IsBase64Encoded   bool                `json:"isBase64Encoded,omitempty"`
}

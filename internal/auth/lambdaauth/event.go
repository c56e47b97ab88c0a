package lambdaauth

import (
	"errors"
	"maps"
	"strings"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/event"
)

// Event is the WebSocket REQUEST authorizer event (reference §7.2). Unlike the CONNECT event it
// keeps the Connection and Upgrade headers, adds content-length: 0, and always carries the query
// and stage-variable maps, as {} when empty. aws-lambda-go's
// events.APIGatewayCustomAuthorizerRequestTypeRequest decodes it (without the WebSocket
// requestContext fields, which it does not model).
type Event struct {
	Type                            string               `json:"type"`
	MethodARN                       string               `json:"methodArn"`
	Headers                         map[string]string    `json:"headers"`
	MultiValueHeaders               map[string][]string  `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string    `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string  `json:"multiValueQueryStringParameters"`
	StageVariables                  map[string]string    `json:"stageVariables"`
	RequestContext                  event.RequestContext `json:"requestContext"`
}

// BuildEvent makes the authorizer event of a handshake from the CONNECT event the gateway
// built (req.Event) and the upgrade request (req.HTTP, for Connection and Upgrade).
func BuildEvent(req *auth.ConnectRequest) (*Event, error) {
	if req == nil || req.Event == nil {
		return nil, errors.New("lambdaauth: connect request without a CONNECT event")
	}
	src := req.Event
	ev := &Event{
		Type:                            "REQUEST",
		MethodARN:                       req.MethodARN,
		Headers:                         cloneOrEmpty(src.Headers),
		MultiValueHeaders:               cloneOrEmpty(src.MultiValueHeaders),
		QueryStringParameters:           cloneOrEmpty(src.QueryStringParameters),
		MultiValueQueryStringParameters: cloneOrEmpty(src.MultiValueQueryStringParameters),
		StageVariables:                  cloneOrEmpty(src.StageVariables),
		RequestContext:                  src.RequestContext,
	}
	ev.RequestContext.Authorizer = nil
	for _, name := range []string{"Connection", "Upgrade"} {
		if req.HTTP != nil {
			if v := req.HTTP.Header.Get(name); v != "" {
				ev.addHeader(name, v)
			}
		}
	}
	ev.addHeader("content-length", "0")
	return ev, nil
}

// addHeader sets a header unless one with the same name in any case is present.
func (ev *Event) addHeader(name, value string) {
	if _, ok := lookupFold(ev.Headers, name); ok {
		return
	}
	ev.Headers[name] = value
	ev.MultiValueHeaders[name] = []string{value}
}

func lookupFold[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

func cloneOrEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return maps.Clone(m)
}

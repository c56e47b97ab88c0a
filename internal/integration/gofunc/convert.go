package gofunc

import (
	"encoding/json"
	"maps"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboardhq/switchboard/internal/event"
)

// toLambdaRequest converts req into the value aws-lambda-go would decode from req's JSON: same
// fields, empty maps as nil, messageId as a string or nil, authorizer values as JSON types. Every
// map and pointer is copied, because a Lambda handler owns its event and may modify it while
// the gateway reuses the connection's maps for later events.
func toLambdaRequest(req *event.Request) events.APIGatewayWebsocketProxyRequest {
	rc := &req.RequestContext
	out := events.APIGatewayWebsocketProxyRequest{
		Headers:                         cloneMap(req.Headers),
		MultiValueHeaders:               cloneMultiMap(req.MultiValueHeaders),
		QueryStringParameters:           cloneMap(req.QueryStringParameters),
		MultiValueQueryStringParameters: cloneMultiMap(req.MultiValueQueryStringParameters),
		StageVariables:                  cloneMap(req.StageVariables),
		IsBase64Encoded:                 req.IsBase64Encoded,
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			Stage:     rc.Stage,
			RequestID: rc.RequestID,
			Identity: events.APIGatewayRequestIdentity{
				SourceIP:  rc.Identity.SourceIP,
				UserAgent: rc.Identity.UserAgent,
				AccessKey: rc.Identity.AccessKey,
				AccountID: rc.Identity.AccountID,
				Caller:    rc.Identity.Caller,
				User:      rc.Identity.User,
				UserArn:   rc.Identity.UserARN,
				// principalOrgId has no field in aws-lambda-go's type; decoding drops it too.
			},
			APIID:                rc.APIID,
			ConnectedAt:          rc.ConnectedAt,
			ConnectionID:         rc.ConnectionID,
			DomainName:           rc.DomainName,
			EventType:            rc.EventType,
			ExtendedRequestID:    rc.ExtendedRequestID,
			MessageDirection:     rc.MessageDirection,
			RequestTime:          rc.RequestTime,
			RequestTimeEpoch:     rc.RequestTimeEpoch,
			RouteKey:             rc.RouteKey,
			DisconnectStatusCode: int64(rc.DisconnectStatusCode),
		},
	}
	if req.Body != nil {
		out.Body = *req.Body
	}
	if rc.MessageID != "" {
		out.RequestContext.MessageID = rc.MessageID
	}
	if rc.DisconnectReason != nil {
		reason := *rc.DisconnectReason
		out.RequestContext.DisconnectReason = &reason
	}
	if len(rc.Authorizer) > 0 {
		out.RequestContext.Authorizer = jsonObject(rc.Authorizer)
	}
	return out
}

// fromLambdaResponse converts a handler's response; empty maps become nil, as
// event.DecodeResponse returns them, and maps are copied so that a handler returning a shared
// map (a package-level headers map, say) cannot change the response afterwards.
func fromLambdaResponse(r *events.APIGatewayProxyResponse) *event.Response {
	return &event.Response{
		StatusCode:        r.StatusCode,
		Headers:           cloneMap(r.Headers),
		MultiValueHeaders: cloneMultiMap(r.MultiValueHeaders),
		Body:              r.Body,
		IsBase64Encoded:   r.IsBase64Encoded,
	}
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func cloneMultiMap(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// jsonObject copies an authorizer map with every value as encoding/json would decode it
// (numbers as float64), so a handler's type assertions behave as on Lambda.
func jsonObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = jsonValue(v)
	}
	return out
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case uint:
		return float64(x)
	case uint64:
		return float64(x)
	case uint32:
		return float64(x)
	case map[string]any:
		return jsonObject(x)
	}
	// Rare shapes (float32, slices, structs, json.Number): take the slow, exact path.
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil
	}
	return out
}

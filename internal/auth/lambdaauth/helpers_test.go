package lambdaauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/event"
)

const methodARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/$connect"

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// tokenAuthorizer is a real aws-lambda-go handler in the style of AWS's samples: it reads the
// Authorization header (and a query token), and answers Allow, Deny, Unauthorized or a failure.
func tokenAuthorizer(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	var token string
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Authorization") {
			token = v
		}
	}
	if token == "" {
		token = req.QueryStringParameters["token"]
	}
	allow := func(resource string) events.APIGatewayCustomAuthorizerResponse {
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "user-" + token,
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{resource}},
			}},
			Context: map[string]interface{}{"userId": "u-42", "tier": 3, "admin": true},
		}
	}
	switch token {
	case "allow", "allow2":
		return allow(req.MethodArn), nil
	case "wildcard":
		return allow("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*"), nil
	case "two-levels":
		return allow("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*"), nil
	case "deny":
		r := allow(req.MethodArn)
		r.PolicyDocument.Statement[0].Effect = "Deny"
		return r, nil
	case "unauthorized":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	case "boom":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("database unreachable")
	case "slow":
		<-ctx.Done()
		return events.APIGatewayCustomAuthorizerResponse{}, ctx.Err()
	}
	return events.APIGatewayCustomAuthorizerResponse{}, errors.New("unexpected token " + token)
}

// counted wraps an InvokeFunc and counts calls.
type counted struct {
	calls  atomic.Int32
	invoke InvokeFunc
}

func (c *counted) Invoke(ctx context.Context, ev []byte) ([]byte, error) {
	c.calls.Add(1)
	return c.invoke(ctx, ev)
}

// goHandler adapts a real aws-lambda-go handler to InvokeFunc.
func goHandler(fn any) *counted {
	h := lambda.NewHandler(fn)
	return &counted{invoke: h.Invoke}
}

// rawResult is an invoker whose function returns fixed bytes.
func rawResult(out string) *counted {
	return &counted{invoke: func(context.Context, []byte) ([]byte, error) { return []byte(out), nil }}
}

// connect builds a handshake as the gateway would hand it over.
func connect(headers map[string]string, query map[string]string, now time.Time) *auth.ConnectRequest {
	r := httptest.NewRequest(http.MethodGet, "/prod", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	ev := &event.Request{
		Headers:           map[string]string{"Host": "abcdef1234.execute-api.us-east-1.amazonaws.com", "Sec-WebSocket-Version": "13"},
		MultiValueHeaders: map[string][]string{"Host": {"abcdef1234.execute-api.us-east-1.amazonaws.com"}, "Sec-WebSocket-Version": {"13"}},
		RequestContext: event.RequestContext{
			RouteKey: "$connect", EventType: "CONNECT", Stage: "prod", ConnectionID: "BFHPhfCWIAMCKlQ=", APIID: "abcdef1234",
			RequestID: "BFHPhFe3IAMF95g=", ExtendedRequestID: "BFHPhFe3IAMF95g=", MessageDirection: "IN",
			RequestTime: "01/May/2024:12:00:00 +0000", RequestTimeEpoch: t0.UnixMilli(), ConnectedAt: t0.UnixMilli(),
			Identity: event.Identity{SourceIP: "192.0.2.1"}, DomainName: "abcdef1234.execute-api.us-east-1.amazonaws.com",
		},
	}
	for k, v := range headers {
		ev.Headers[k] = v
		ev.MultiValueHeaders[k] = []string{v}
	}
	if query != nil {
		ev.QueryStringParameters = query
		ev.MultiValueQueryStringParameters = map[string][]string{}
		for k, v := range query {
			ev.MultiValueQueryStringParameters[k] = []string{v}
		}
	}
	return &auth.ConnectRequest{HTTP: r, Event: ev, MethodARN: methodARN, Now: now}
}

// stepClock advances by step on every call, so integrationLatency is deterministic.
func stepClock(step time.Duration) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t0.Add(time.Duration(n.Add(1)) * step) }
}

func newAuthorizer(t *testing.T, opts Options) *Authorizer {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = stepClock(42 * time.Millisecond)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// wantStatus fails unless err is an *auth.Error with status and cause.
func wantStatus(t *testing.T, err error, status int, cause error) {
	t.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) || ae.Status != status || !errors.Is(err, cause) {
		t.Fatalf("error = %v, want status %d with cause %v", err, status, cause)
	}
	if status == 401 && ae.Message != "Unauthorized" || status == 403 && ae.Message != "Forbidden" {
		t.Fatalf("message = %q", ae.Message)
	}
}

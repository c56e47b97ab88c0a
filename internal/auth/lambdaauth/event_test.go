package lambdaauth

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboardhq/switchboard/internal/auth"
)

func TestBuildEvent(t *testing.T) {
	req := connect(map[string]string{"Authorization": "allow"}, nil, t0)
	req.Event.RequestContext.Authorizer = map[string]any{"stale": true}
	ev, err := BuildEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"type":                            `"REQUEST"`,
		"methodArn":                       `"` + methodARN + `"`,
		"queryStringParameters":           `{}`,
		"multiValueQueryStringParameters": `{}`,
		"stageVariables":                  `{}`,
	} {
		if string(m[key]) != want {
			t.Errorf("%s = %s, want %s", key, m[key], want)
		}
	}
	for name, want := range map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "content-length": "0", "Authorization": "allow", "Sec-WebSocket-Version": "13"} {
		if ev.Headers[name] != want || len(ev.MultiValueHeaders[name]) != 1 || ev.MultiValueHeaders[name][0] != want {
			t.Errorf("header %s = %q / %q, want %q", name, ev.Headers[name], ev.MultiValueHeaders[name], want)
		}
	}
	if ev.RequestContext.Authorizer != nil || ev.RequestContext.ConnectionID != "BFHPhfCWIAMCKlQ=" || ev.RequestContext.EventType != "CONNECT" {
		t.Errorf("requestContext = %+v", ev.RequestContext)
	}
	if _, ok := m["requestContext"]; !ok {
		t.Error("no requestContext")
	}
	// The CONNECT event the gateway keeps must not change.
	if _, ok := req.Event.Headers["Connection"]; ok {
		t.Error("BuildEvent modified the CONNECT event's headers")
	}

	// aws-lambda-go's authorizer request type reads it.
	var typed events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(data, &typed); err != nil {
		t.Fatal(err)
	}
	if typed.Type != "REQUEST" || typed.MethodArn != methodARN || typed.Headers["Authorization"] != "allow" {
		t.Fatalf("typed = %+v", typed)
	}
}

func TestBuildEventKeepsExistingHeaders(t *testing.T) {
	req := connect(map[string]string{"connection": "keep-alive, Upgrade", "Content-Length": "0"}, map[string]string{"a": "b"}, t0)
	req.Event.StageVariables = map[string]string{"env": "test"}
	ev, err := BuildEvent(req)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Headers["connection"] != "keep-alive, Upgrade" || ev.Headers["Connection"] != "" || ev.Headers["content-length"] != "" {
		t.Fatalf("headers = %v", ev.Headers)
	}
	if ev.QueryStringParameters["a"] != "b" || ev.StageVariables["env"] != "test" {
		t.Fatalf("maps = %v %v", ev.QueryStringParameters, ev.StageVariables)
	}
	if _, err := BuildEvent(&auth.ConnectRequest{}); err == nil {
		t.Fatal("BuildEvent without an event succeeded")
	}
}

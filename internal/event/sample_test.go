package event

// The acceptance test of the event shapes: AWS's recorded sample events, shipped in the
// aws-lambda-go module (events/testdata), against what the builders produce. The samples are
// read from the module cache, never copied into this repository.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

var (
	lambdaGoDirOnce sync.Once
	lambdaGoDir     string
	lambdaGoDirErr  error
)

// readSample returns the named file of aws-lambda-go's events/testdata, as the module version
// in go.mod has it.
func readSample(t *testing.T, name string) []byte {
	t.Helper()
	lambdaGoDirOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
		lambdaGoDir, lambdaGoDirErr = strings.TrimSpace(string(out)), err
	})
	if lambdaGoDirErr != nil || lambdaGoDir == "" {
		t.Fatalf("locating github.com/aws/aws-lambda-go with go list: %v", lambdaGoDirErr)
	}
	data, err := os.ReadFile(filepath.Join(lambdaGoDir, "events", "testdata", name))
	if err != nil {
		t.Fatalf("reading sample: %v", err)
	}
	return data
}

func decodeAny(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return m
}

// mapLeaves are objects whose keys are data, not schema: their key sets are compared
// separately where they matter.
var mapLeaves = map[string]bool{
	"headers":                         true,
	"multiValueHeaders":               true,
	"queryStringParameters":           true,
	"multiValueQueryStringParameters": true,
	"pathParameters":                  true,
	"stageVariables":                  true,
	"requestContext.authorizer":       true,
}

// keyPaths lists every key of a decoded JSON object recursively, as dotted paths.
func keyPaths(m map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			path := prefix + k
			out = append(out, path)
			if child, ok := v.(map[string]any); ok && !mapLeaves[path] {
				walk(path+".", child)
			}
		}
	}
	walk("", m)
	slices.Sort(out)
	return out
}

// diffKeys returns the paths only in a and only in b.
func diffKeys(a, b []string) (onlyA, onlyB []string) {
	for _, k := range a {
		if !slices.Contains(b, k) {
			onlyA = append(onlyA, k)
		}
	}
	for _, k := range b {
		if !slices.Contains(a, k) {
			onlyB = append(onlyB, k)
		}
	}
	return onlyA, onlyB
}

// connFromSample rebuilds the Conn of a recorded event from its requestContext.
func connFromSample(t *testing.T, sample []byte) (*Conn, events.APIGatewayWebsocketProxyRequest) {
	t.Helper()
	var ev events.APIGatewayWebsocketProxyRequest
	if err := json.Unmarshal(sample, &ev); err != nil {
		t.Fatal(err)
	}
	rc := ev.RequestContext
	return &Conn{
		ConnectionID: rc.ConnectionID,
		ConnectedAt:  rc.ConnectedAt,
		Identity:     Identity{SourceIP: rc.Identity.SourceIP, UserAgent: rc.Identity.UserAgent},
		DomainName:   rc.DomainName,
		Stage:        rc.Stage,
		APIID:        rc.APIID,
	}, ev
}

// The MESSAGE sample is a real capture: built from the same inputs, our event must be the same
// JSON value, key for key and value for value.
func TestSampleMessage(t *testing.T) {
	sample := readSample(t, "apigw-websocket-request-send-message.json")
	c, ev := connFromSample(t, sample)
	rc := ev.RequestContext
	ours := c.Message(rc.RequestID, rc.MessageID.(string), time.UnixMilli(rc.RequestTimeEpoch), rc.RouteKey, ev.Body, false)
	compareWithSample(t, ours, sample)
}

// The DISCONNECT sample is a real capture of a browser tab closing (1001, reason "").
func TestSampleDisconnect(t *testing.T) {
	sample := readSample(t, "apigw-websocket-request-disconnect.json")
	c, ev := connFromSample(t, sample)
	rc := ev.RequestContext
	ours := c.Disconnect(rc.RequestID, time.UnixMilli(rc.RequestTimeEpoch), int(rc.DisconnectStatusCode), *rc.DisconnectReason)
	compareWithSample(t, ours, sample)
}

func compareWithSample(t *testing.T, ours *Request, sample []byte) {
	t.Helper()
	data, err := json.Marshal(ours)
	if err != nil {
		t.Fatal(err)
	}
	got, want := decodeAny(t, data), decodeAny(t, sample)
	if onlyOurs, onlySample := diffKeys(keyPaths(got), keyPaths(want)); len(onlyOurs)+len(onlySample) > 0 {
		t.Errorf("keys only in ours: %v; only in the sample: %v", onlyOurs, onlySample)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event differs from the sample\n ours: %s\nsample: %s", data, compactJSON(t, sample))
	}
	// And the other way round: the sample read into our type marshals back to itself, so our
	// omitempty choices reproduce AWS's shape.
	var back Request
	if err := json.Unmarshal(sample, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if !reflect.DeepEqual(decodeAny(t, again), want) {
		t.Errorf("sample -> Request -> JSON changed it\n got: %s\nwant: %s", again, compactJSON(t, sample))
	}
}

func compactJSON(t *testing.T, data []byte) string {
	t.Helper()
	out, err := json.Marshal(decodeAny(t, data))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// connectKeys is the CONNECT shape of reference §2.3 (a handshake with a query string, no
// authorizer, a stage without variables), written out as our own expectation because the only
// CONNECT sample in aws-lambda-go is a hybrid copied from a REST event.
var connectKeys = []string{
	"headers",
	"isBase64Encoded",
	"multiValueHeaders",
	"multiValueQueryStringParameters",
	"queryStringParameters",
	"requestContext",
	"requestContext.apiId",
	"requestContext.connectedAt",
	"requestContext.connectionId",
	"requestContext.domainName",
	"requestContext.eventType",
	"requestContext.extendedRequestId",
	"requestContext.identity",
	"requestContext.identity.sourceIp",
	"requestContext.messageDirection",
	"requestContext.requestId",
	"requestContext.requestTime",
	"requestContext.requestTimeEpoch",
	"requestContext.routeKey",
	"requestContext.stage",
}

// restLeftovers are the keys of aws-lambda-go's apigw-websocket-request.json that real
// WebSocket events do not have (reference §2.1, §2.6): REST fields, Cognito/API-key identity
// fields, and a body on a CONNECT.
var restLeftovers = []string{
	"body",
	"httpMethod",
	"path",
	"pathParameters",
	"resource",
	"requestContext.accountId",
	"requestContext.error",
	"requestContext.httpMethod",
	"requestContext.identity.accessKey",
	"requestContext.identity.accountId",
	"requestContext.identity.apiKey",
	"requestContext.identity.apiKeyId",
	"requestContext.identity.caller",
	"requestContext.identity.cognitoAuthenticationProvider",
	"requestContext.identity.cognitoAuthenticationType",
	"requestContext.identity.cognitoIdentityId",
	"requestContext.identity.cognitoIdentityPoolId",
	"requestContext.identity.user",
	"requestContext.identity.userArn",
	"requestContext.integrationLatency",
	"requestContext.resourceId",
	"requestContext.resourcePath",
	"requestContext.status",
}

func TestSampleConnect(t *testing.T) {
	c := testConn()
	c.Identity.UserAgent = ""
	h := http.Header{"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"13"}}
	q := url.Values{"token": {"abc"}}
	data, err := json.Marshal(c.Connect("R1koeHsUtjMFbRw=", testNow, h, q, "192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	got := keyPaths(decodeAny(t, data))
	if onlyOurs, onlySpec := diffKeys(got, connectKeys); len(onlyOurs)+len(onlySpec) > 0 {
		t.Errorf("CONNECT vs reference §2.3: only ours %v, only the reference %v", onlyOurs, onlySpec)
	}

	// Against the old hybrid sample: with an authorizer, stage variables and a User-Agent (all
	// of which the sample has), the only differences are the documented REST leftovers.
	c.Identity.UserAgent = "PostmanRuntime/2.4.5"
	c.Authorizer = map[string]any{"principalId": "admin"}
	c.StageVariables = map[string]string{"stageVariableName": "stageVariableValue"}
	data, _ = json.Marshal(c.Connect("R1koeHsUtjMFbRw=", testNow, h, q, "192.0.2.1"))
	sample := readSample(t, "apigw-websocket-request.json")
	onlyOurs, onlySample := diffKeys(keyPaths(decodeAny(t, data)), keyPaths(decodeAny(t, sample)))
	if len(onlyOurs) > 0 {
		t.Errorf("CONNECT has keys the sample lacks: %v", onlyOurs)
	}
	if want := slices.Sorted(slices.Values(restLeftovers)); !slices.Equal(onlySample, want) {
		t.Errorf("sample-only keys %v, want exactly the documented REST leftovers %v", onlySample, want)
	}
}

// Every event we produce must decode into aws-lambda-go's type with each field intact, so Go
// handlers written for Lambda read what they read on AWS.
func TestEventsDecodeIntoLambdaGo(t *testing.T) {
	c := testConn()
	c.Authorizer = map[string]any{"principalId": "user-1", "integrationLatency": float64(12), "tenant": "t1"}
	c.StageVariables = map[string]string{"table": "chat"}
	h := http.Header{"Sec-Websocket-Key": {"k"}, "X-Multi": {"1", "2"}}
	q := url.Values{"a": {"1", "2"}}
	cases := map[string]*Request{
		"connect":    c.Connect("R1koeHsUtjMFbRw=", testNow, h, q, "192.0.2.1"),
		"message":    c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", testNow, "chat", `{"action":"chat"}`, false),
		"binary":     c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", testNow, "$default", "AAEC", true),
		"disconnect": c.Disconnect("R1koeHsUtjMFbRw=", testNow, 1000, "Connection Closed Normally"),
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayWebsocketProxyRequest
			if err := json.Unmarshal(data, &ev); err != nil {
				t.Fatal(err)
			}
			checkLambdaGoEvent(t, req, &ev)
		})
	}
}

// checkLambdaGoEvent compares every field of ev with req.
func checkLambdaGoEvent(t *testing.T, req *Request, ev *events.APIGatewayWebsocketProxyRequest) {
	t.Helper()
	eq := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	rc, erc := req.RequestContext, ev.RequestContext
	eq("headers", ev.Headers, req.Headers)
	eq("multiValueHeaders", ev.MultiValueHeaders, req.MultiValueHeaders)
	eq("queryStringParameters", ev.QueryStringParameters, req.QueryStringParameters)
	eq("multiValueQueryStringParameters", ev.MultiValueQueryStringParameters, req.MultiValueQueryStringParameters)
	eq("stageVariables", ev.StageVariables, req.StageVariables)
	body := ""
	if req.Body != nil {
		body = *req.Body
	}
	eq("body", ev.Body, body)
	eq("isBase64Encoded", ev.IsBase64Encoded, req.IsBase64Encoded)
	eq("routeKey", erc.RouteKey, rc.RouteKey)
	eq("eventType", erc.EventType, rc.EventType)
	eq("requestId", erc.RequestID, rc.RequestID)
	eq("extendedRequestId", erc.ExtendedRequestID, rc.ExtendedRequestID)
	eq("requestTime", erc.RequestTime, rc.RequestTime)
	eq("requestTimeEpoch", erc.RequestTimeEpoch, rc.RequestTimeEpoch)
	eq("messageDirection", erc.MessageDirection, rc.MessageDirection)
	eq("stage", erc.Stage, rc.Stage)
	eq("connectedAt", erc.ConnectedAt, rc.ConnectedAt)
	eq("domainName", erc.DomainName, rc.DomainName)
	eq("connectionId", erc.ConnectionID, rc.ConnectionID)
	eq("apiId", erc.APIID, rc.APIID)
	eq("identity.sourceIp", erc.Identity.SourceIP, rc.Identity.SourceIP)
	eq("identity.userAgent", erc.Identity.UserAgent, rc.Identity.UserAgent)
	eq("disconnectStatusCode", erc.DisconnectStatusCode, int64(rc.DisconnectStatusCode))
	eq("disconnectReason", erc.DisconnectReason, rc.DisconnectReason)
	if rc.MessageID == "" {
		eq("messageId", erc.MessageID, nil)
	} else {
		eq("messageId", erc.MessageID, rc.MessageID)
	}
	if rc.Authorizer == nil {
		eq("authorizer", erc.Authorizer, nil)
	} else {
		eq("authorizer", erc.Authorizer, any(rc.Authorizer))
	}
}

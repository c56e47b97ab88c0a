package event

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"
	"time"
)

func testConn() *Conn {
	return &Conn{
		ConnectionID: "R1kmxc2VNjMCFIA=",
		ConnectedAt:  1705751697419,
		Identity:     Identity{SourceIP: "203.0.113.7", UserAgent: "test-agent/1.0"},
		DomainName:   "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com",
		Stage:        "prod",
		APIID:        "dl7ptocha9",
	}
}

var testNow = time.UnixMilli(1705751708326)

func TestConnectHeaders(t *testing.T) {
	h := http.Header{}
	// Header.Add canonicalises, as net/http does when it parses a handshake.
	h.Add("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
	h.Add("Sec-WebSocket-Version", "13")
	h.Add("sec-websocket-extensions", "permessage-deflate; client_max_window_bits")
	h.Add("Connection", "Upgrade")
	h.Add("Upgrade", "websocket")
	h.Add("User-Agent", "test-agent/1.0")
	h.Add("x-api-key", "k1")
	h.Add("X-Custom", "first")
	h.Add("X-Custom", "second")
	req := testConn().Connect("R1koeHsUtjMFbRw=", testNow, h, nil, "203.0.113.7")

	wantSingle := map[string]string{
		"Sec-WebSocket-Key":        "dGhlIHNhbXBsZSBub25jZQ==",
		"Sec-WebSocket-Version":    "13",
		"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
		"User-Agent":               "test-agent/1.0",
		"x-api-key":                "k1",
		"X-Custom":                 "second", // the last value, as API Gateway does
		"Host":                     "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com",
		"X-Forwarded-For":          "203.0.113.7",
		"X-Forwarded-Port":         "443",
		"X-Forwarded-Proto":        "https",
	}
	trace := req.Headers["X-Amzn-Trace-Id"]
	// 1705751708 is 0x65abb49c.
	if !regexp.MustCompile(`^Root=1-65abb49c-[0-9a-f]{24}$`).MatchString(trace) {
		t.Errorf("X-Amzn-Trace-Id = %q, want Root=1-65abb49c-<24 hex>", trace)
	}
	delete(req.Headers, "X-Amzn-Trace-Id")
	if !reflect.DeepEqual(req.Headers, wantSingle) {
		t.Errorf("headers:\n got %v\nwant %v", req.Headers, wantSingle)
	}
	if got := req.MultiValueHeaders["X-Custom"]; !reflect.DeepEqual(got, []string{"first", "second"}) {
		t.Errorf("multiValueHeaders[X-Custom] = %q", got)
	}
	if got := req.MultiValueHeaders["X-Amzn-Trace-Id"]; len(got) != 1 || got[0] != trace {
		t.Errorf("multiValueHeaders[X-Amzn-Trace-Id] = %q, want [%q]", got, trace)
	}
	if len(req.MultiValueHeaders) != len(wantSingle)+1 {
		t.Errorf("multiValueHeaders has %d names, want %d: %v", len(req.MultiValueHeaders), len(wantSingle)+1, req.MultiValueHeaders)
	}
	for _, name := range []string{"Connection", "Upgrade"} {
		if _, ok := req.MultiValueHeaders[name]; ok {
			t.Errorf("%s was not stripped", name)
		}
	}
	// The event must not share slices with the caller's header.
	h["X-Custom"][0] = "changed"
	if req.MultiValueHeaders["X-Custom"][0] != "first" {
		t.Error("multiValueHeaders aliases the handshake header")
	}
}

func TestConnectKeepsClientTraceAndExtendsForwardedFor(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amzn-Trace-Id", "Root=1-00000001-000000000000000000000001")
	h.Set("X-Forwarded-For", "198.51.100.1")
	h.Set("X-Forwarded-Port", "1234") // replaced: the gateway reports its own listener
	c := testConn()
	c.DomainName = "localhost:3001"
	c.ForwardedProto = "http"
	req := c.Connect("id", testNow, h, nil, "127.0.0.1")
	checks := map[string]string{
		"X-Amzn-Trace-Id":   "Root=1-00000001-000000000000000000000001",
		"X-Forwarded-For":   "198.51.100.1, 127.0.0.1",
		"X-Forwarded-Port":  "3001", // from the port in DomainName
		"X-Forwarded-Proto": "http",
		"Host":              "localhost:3001",
	}
	for name, want := range checks {
		if got := req.Headers[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
		if got := req.MultiValueHeaders[name]; len(got) != 1 || got[0] != want {
			t.Errorf("multiValueHeaders %s = %q, want [%q]", name, got, want)
		}
	}
}

func TestConnectForwardedPortDefaults(t *testing.T) {
	cases := []struct{ domain, proto, port, want string }{
		{"example.com", "", "", "443"},
		{"example.com", "https", "", "443"},
		{"example.com", "http", "", "80"},
		{"example.com:8443", "https", "", "8443"},
		{"example.com", "https", "9000", "9000"},
	}
	for _, tc := range cases {
		c := testConn()
		c.DomainName, c.ForwardedProto, c.ForwardedPort = tc.domain, tc.proto, tc.port
		if got := c.Connect("id", testNow, nil, nil, "192.0.2.1").Headers["X-Forwarded-Port"]; got != tc.want {
			t.Errorf("%+v: X-Forwarded-Port = %q, want %q", tc, got, tc.want)
		}
	}
}

func TestConnectQuery(t *testing.T) {
	c := testConn()
	noQuery := c.Connect("id", testNow, nil, url.Values{}, "192.0.2.1")
	if noQuery.QueryStringParameters != nil || noQuery.MultiValueQueryStringParameters != nil {
		t.Errorf("query maps present without a query string: %v %v", noQuery.QueryStringParameters, noQuery.MultiValueQueryStringParameters)
	}
	data, _ := json.Marshal(noQuery)
	if keys := topKeys(t, data); keys["queryStringParameters"] || keys["multiValueQueryStringParameters"] {
		t.Errorf("JSON without a query string has query keys: %s", data)
	}

	q, _ := url.ParseQuery("token=abc&tag=a&tag=b&empty=")
	req := c.Connect("id", testNow, nil, q, "192.0.2.1")
	wantSingle := map[string]string{"token": "abc", "tag": "b", "empty": ""}
	wantMulti := map[string][]string{"token": {"abc"}, "tag": {"a", "b"}, "empty": {""}}
	if !reflect.DeepEqual(req.QueryStringParameters, wantSingle) {
		t.Errorf("queryStringParameters = %v, want %v", req.QueryStringParameters, wantSingle)
	}
	if !reflect.DeepEqual(req.MultiValueQueryStringParameters, wantMulti) {
		t.Errorf("multiValueQueryStringParameters = %v, want %v", req.MultiValueQueryStringParameters, wantMulti)
	}
}

func TestConnectContext(t *testing.T) {
	c := testConn()
	c.Authorizer = map[string]any{"principalId": "user-1", "integrationLatency": 12}
	req := c.Connect("R1koeHsUtjMFbRw=", testNow, nil, nil, "192.0.2.1")
	rc := req.RequestContext
	want := RequestContext{
		RouteKey:          "$connect",
		EventType:         "CONNECT",
		ExtendedRequestID: "R1koeHsUtjMFbRw=",
		RequestTime:       "20/Jan/2024:11:55:08 +0000",
		MessageDirection:  "IN",
		Stage:             "prod",
		ConnectedAt:       1705751697419,
		RequestTimeEpoch:  1705751708326,
		Identity:          c.Identity,
		RequestID:         "R1koeHsUtjMFbRw=",
		DomainName:        c.DomainName,
		ConnectionID:      c.ConnectionID,
		APIID:             "dl7ptocha9",
		Authorizer:        c.Authorizer,
	}
	if !reflect.DeepEqual(rc, want) {
		t.Errorf("requestContext:\n got %+v\nwant %+v", rc, want)
	}
	if req.Body != nil || req.IsBase64Encoded {
		t.Errorf("CONNECT has body %v, isBase64Encoded %v", req.Body, req.IsBase64Encoded)
	}
}

func TestMessage(t *testing.T) {
	c := testConn()
	req := c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", testNow, "sendmessage", "", false)
	if req.Headers != nil || req.MultiValueHeaders != nil || req.QueryStringParameters != nil {
		t.Errorf("MESSAGE carries headers or query: %+v", req)
	}
	rc := req.RequestContext
	if rc.RouteKey != "sendmessage" || rc.EventType != "MESSAGE" || rc.MessageID != "R1knPc2ntjMCFIA=" ||
		rc.RequestID != "R1knPH17NjMFftw=" || rc.ExtendedRequestID != rc.RequestID || rc.MessageDirection != "IN" {
		t.Errorf("requestContext = %+v", rc)
	}
	// An empty frame still has "body": "".
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if body, ok := m["body"]; !ok || body != "" {
		t.Errorf(`want "body": "" in %s`, data)
	}
	bin := c.Message("r", "m", testNow, "$default", "AAEC", true)
	if !bin.IsBase64Encoded || *bin.Body != "AAEC" {
		t.Errorf("binary message: %+v", bin)
	}
}

func TestDisconnect(t *testing.T) {
	c := testConn()
	req := c.Disconnect("R1koeHsUtjMFbRw=", testNow, 1005, CloseReason(1005))
	wantSingle := map[string]string{
		"Host":            c.DomainName,
		"x-api-key":       "",
		"X-Forwarded-For": "",
		"x-restapi":       "",
	}
	wantMulti := map[string][]string{
		"Host":            {c.DomainName},
		"x-api-key":       {""},
		"X-Forwarded-For": {""},
		"x-restapi":       {""},
	}
	if !reflect.DeepEqual(req.Headers, wantSingle) || !reflect.DeepEqual(req.MultiValueHeaders, wantMulti) {
		t.Errorf("headers %v / %v, want %v / %v", req.Headers, req.MultiValueHeaders, wantSingle, wantMulti)
	}
	rc := req.RequestContext
	if rc.DisconnectStatusCode != 1005 || rc.DisconnectReason == nil || *rc.DisconnectReason != "Client-side close frame status not set" {
		t.Errorf("disconnect code/reason = %d/%v", rc.DisconnectStatusCode, rc.DisconnectReason)
	}
	if rc.RouteKey != "$disconnect" || rc.EventType != "DISCONNECT" || rc.MessageID != "" {
		t.Errorf("requestContext = %+v", rc)
	}
	// An empty reason is still sent, as AWS does for a client's 1001.
	data, _ := json.Marshal(c.Disconnect("r", testNow, 1001, ""))
	var m struct {
		RequestContext map[string]any `json:"requestContext"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if reason, ok := m.RequestContext["disconnectReason"]; !ok || reason != "" {
		t.Errorf(`want "disconnectReason": "" in %s`, data)
	}
}

func TestStageVariables(t *testing.T) {
	c := testConn()
	for name, req := range map[string]*Request{
		"connect":    c.Connect("r", testNow, nil, nil, "192.0.2.1"),
		"message":    c.Message("r", "m", testNow, "$default", "x", false),
		"disconnect": c.Disconnect("r", testNow, 1000, ""),
	} {
		data, _ := json.Marshal(req)
		if topKeys(t, data)["stageVariables"] {
			t.Errorf("%s: stageVariables present for a stage without variables: %s", name, data)
		}
	}
	c.StageVariables = map[string]string{"table": "chat"}
	for name, req := range map[string]*Request{
		"connect":    c.Connect("r", testNow, nil, nil, "192.0.2.1"),
		"message":    c.Message("r", "m", testNow, "$default", "x", false),
		"disconnect": c.Disconnect("r", testNow, 1000, ""),
	} {
		if req.StageVariables["table"] != "chat" {
			t.Errorf("%s: stageVariables = %v", name, req.StageVariables)
		}
	}
}

func TestCloseReason(t *testing.T) {
	observed := map[int]string{
		1000: "Connection Closed Normally",
		1005: "Client-side close frame status not set",
	}
	for code, want := range observed {
		if got := CloseReason(code); got != want {
			t.Errorf("CloseReason(%d) = %q, want %q", code, got, want)
		}
	}
	for _, code := range []int{1001, 1003, 1006, 1008, 1009, 1011, 1012} {
		if CloseReason(code) == "" {
			t.Errorf("CloseReason(%d) is empty", code)
		}
	}
	for _, code := range []int{0, 999, 1004, 4000} {
		if got := CloseReason(code); got != "" {
			t.Errorf("CloseReason(%d) = %q, want \"\"", code, got)
		}
	}
}

// topKeys returns the top-level keys of a JSON object.
func topKeys(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	keys := map[string]bool{}
	for k := range m {
		keys[k] = true
	}
	return keys
}

func BenchmarkMessage(b *testing.B) {
	c := testConn()
	ids := NewIDs(NewNodeID())
	body := `{"action":"sendmessage","data":"hello world"}`
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Message(ids.RequestID(), ids.MessageID(), time.Now(), "sendmessage", body, false)
		}
	})
	b.Run("build+marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := c.Message(ids.RequestID(), ids.MessageID(), time.Now(), "sendmessage", body, false)
			if _, err := json.Marshal(req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

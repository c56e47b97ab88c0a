package iam

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
	"github.com/switchboardhq/switchboard/internal/event"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func signedManagementRequest(t *testing.T, p Principal, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/local/%40connections/abc%3D", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, emptyHash, "execute-api", region, at); err != nil {
		t.Fatal(err)
	}
	return req
}

// managementServer stands in for the @connections handler: it authorizes every call with
// ManageConnections on the ARN of the verb and connection id, as the gateway will.
func managementServer(t *testing.T, s *Store) (*httptest.Server, func() (auth.Identity, error)) {
	var lastID auth.Identity
	var lastErr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		connID := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		resource := ManageConnectionsARN(region, account, apiID, stage, r.Method, connID)
		lastID, lastErr = s.AuthorizeRequest(r, body, ActionManageConnections, resource, time.Now())
		if lastErr != nil {
			var e *apigw.Error
			errors.As(lastErr, &e)
			w.Header().Set("x-amzn-ErrorType", e.Type)
			w.WriteHeader(e.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() (auth.Identity, error) { return lastID, lastErr }
}

func client(srv *httptest.Server, p Principal) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, p.SessionToken),
		BaseEndpoint: aws.String(srv.URL + "/" + stage),
		HTTPClient:   srv.Client(),
		Retryer:      aws.NopRetryer{},
	})
}

func post(c *apigatewaymanagementapi.Client, id string) error {
	_, err := c.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("hi")})
	return err
}

func TestManagementAPILockDown(t *testing.T) {
	s := newStore(t)
	if err := s.AddPrincipal(Principal{ARN: "arn:aws:iam::123456789012:user/backend", AccessKeyID: "AKIABACKEND", SecretAccessKey: "backend-secret",
		Statements: []policy.Statement{ManagementAPIStatement(region, account, apiID, stage)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPrincipal(Principal{ARN: "arn:aws:iam::123456789012:user/client", AccessKeyID: "AKIACLIENT", SecretAccessKey: "client-secret",
		Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{ActionInvoke}, Resource: []string{"*"}}}}); err != nil {
		t.Fatal(err)
	}
	srv, last := managementServer(t, s)

	backend, _ := s.Lookup("AKIABACKEND")
	if err := post(client(srv, backend), "BFHPhfCWIAMCKlQ="); err != nil {
		t.Fatalf("allowed principal: %v", err)
	}
	id, _ := last()
	if id.AccessKey != "AKIABACKEND" || id.UserARN != "arn:aws:iam::123456789012:user/backend" || id.AccountID != account || id.Caller == "" {
		t.Fatalf("identity = %+v", id)
	}

	clientP, _ := s.Lookup("AKIACLIENT")
	err := post(client(srv, clientP), "BFHPhfCWIAMCKlQ=")
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("denied principal: client error = %v", err)
	}
	_, verr := last()
	want := "User: arn:aws:iam::123456789012:user/client is not authorized to perform: execute-api:ManageConnections on resource: arn:aws:execute-api:us-east-1:123456789012:abcdef1234/local/POST/@connections/BFHPhfCWIAMCKlQ="
	if ae := new(auth.Error); !errors.As(verr, &ae) || ae.Message != want || !errors.Is(verr, ErrAccessDenied) {
		t.Fatalf("denial = %v\nwant message %q", verr, want)
	}

	// stage.grantManagementApiAccess at run time.
	if err := s.Grant("AKIACLIENT", ManagementAPIStatement(region, account, apiID, stage)); err != nil {
		t.Fatal(err)
	}
	if err := post(client(srv, clientP), "BFHPhfCWIAMCKlQ="); err != nil {
		t.Fatalf("after Grant: %v", err)
	}

	// An explicit Deny wins and says so.
	if err := s.Grant("AKIACLIENT", policy.Statement{Effect: policy.Deny, Action: []string{"execute-api:*"}, Resource: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	_ = post(client(srv, clientP), "x")
	if _, verr := last(); verr == nil || !strings.HasSuffix(verr.(*auth.Error).Message, " with an explicit deny") {
		t.Fatalf("explicit deny = %v", verr)
	}

	// A removed principal's key is unknown.
	s.RemovePrincipal("AKIABACKEND")
	err = post(client(srv, backend), "x")
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("removed principal: %v", err)
	}
}

func TestFunctionCredentialsWithRealClient(t *testing.T) {
	s := newStore(t)
	srv, last := managementServer(t, s)
	fn, err := s.GenerateFunctionCredentials("notify", []policy.Statement{ManagementAPIStatement(region, account, apiID, stage)})
	if err != nil {
		t.Fatal(err)
	}
	if err := post(client(srv, fn), "abc="); err != nil {
		t.Fatalf("function credentials: %v", err)
	}
	if id, _ := last(); !strings.HasPrefix(id.Caller, "AROA") || !strings.HasSuffix(id.Caller, ":notify") {
		t.Fatalf("identity = %+v", id)
	}
	noToken := fn
	noToken.SessionToken = ""
	if err := post(client(srv, noToken), "abc="); err == nil {
		t.Fatal("function credentials without the session token were accepted")
	}
	if _, verr := last(); !errors.Is(verr, sigv4.ErrInvalidSecurityToken) {
		t.Fatalf("missing token = %v", verr)
	}
}

// connectRequest presigns a handshake URL as a browser client would and returns the request
// as the server sees it.
func connectRequest(t *testing.T, p Principal, signAt time.Time) *auth.ConnectRequest {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "https://abcdef1234.execute-api.us-east-1.amazonaws.com/local?room=1&X-Amz-Expires=300", nil)
	c := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, emptyHash, "execute-api", region, signAt)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	server := httptest.NewRequest(http.MethodGet, u.RequestURI(), nil)
	server.Host = u.Host
	server.Header.Set("Connection", "Upgrade")
	server.Header.Set("Upgrade", "websocket")
	return &auth.ConnectRequest{HTTP: server, Event: &event.Request{}, MethodARN: ConnectARN(region, account, apiID, stage), Now: t0}
}

func TestAuthorizeConnect(t *testing.T) {
	s := newStore(t)
	allowed := Principal{ARN: "arn:aws:sts::123456789012:assumed-role/web/browser", AccessKeyID: "ASIAWEB", SecretAccessKey: "web", SessionToken: "tok",
		Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{ActionInvoke}, Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/local/*"}}}}
	wrongPattern := Principal{ARN: "arn:aws:iam::123456789012:user/ops", AccessKeyID: "AKIAOPS", SecretAccessKey: "ops",
		Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{ActionInvoke}, Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/local/*/*"}}}}
	for _, p := range []Principal{allowed, wrongPattern} {
		if err := s.AddPrincipal(p); err != nil {
			t.Fatal(err)
		}
	}
	var _ auth.ConnectAuthorizer = s

	g, err := s.AuthorizeConnect(context.Background(), connectRequest(t, allowed, t0))
	if err != nil {
		t.Fatalf("allowed: %v", err)
	}
	if g.Authorizer != nil || g.Identity.AccessKey != "ASIAWEB" || g.Identity.UserARN != allowed.ARN {
		t.Fatalf("grant = %+v", g)
	}
	rc := event.RequestContext{Identity: event.Identity{SourceIP: "127.0.0.1"}}
	g.Apply(&rc)
	if rc.Identity.SourceIP != "127.0.0.1" || rc.Identity.AccessKey != "ASIAWEB" || rc.Identity.AccountID != account || rc.Authorizer != nil {
		t.Fatalf("applied = %+v", rc)
	}

	// …/local/*/* does not cover …/local/$connect.
	_, err = s.AuthorizeConnect(context.Background(), connectRequest(t, wrongPattern, t0))
	if ae := new(auth.Error); !errors.As(err, &ae) || ae.Status != 403 || ae.Type != "AccessDeniedException" {
		t.Fatalf("wrong pattern = %v", err)
	}

	_, err = s.AuthorizeConnect(context.Background(), connectRequest(t, allowed, t0.Add(-10*time.Minute)))
	if !errors.Is(err, sigv4.ErrExpired) {
		t.Fatalf("expired presign = %v", err)
	}

	unsigned := &auth.ConnectRequest{HTTP: httptest.NewRequest(http.MethodGet, "/local", nil), MethodARN: ConnectARN(region, account, apiID, stage), Now: t0}
	if _, err := s.AuthorizeConnect(context.Background(), unsigned); !errors.Is(err, sigv4.ErrMissingAuthentication) {
		t.Fatalf("unsigned = %v", err)
	}
	if _, err := s.AuthorizeConnect(context.Background(), &auth.ConnectRequest{}); !errors.Is(err, auth.ErrAuthorizerFailed) {
		t.Fatalf("no HTTP request = %v", err)
	}
}

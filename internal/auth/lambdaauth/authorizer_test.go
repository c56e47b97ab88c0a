package lambdaauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth"
)

func TestAuthorizerOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		token  string
		status int // 0 = allowed
		cause  error
	}{
		{"allow on the methodArn", "allow", 0, nil},
		{"allow with …/prod/*", "wildcard", 0, nil},
		{"explicit deny", "deny", 403, ErrDenied},
		{"…/prod/*/* does not match $connect", "two-levels", 403, ErrDenied},
		{"Unauthorized error", "unauthorized", 401, ErrRejected},
		{"other error", "boom", 500, ErrInvokeFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := goHandler(tokenAuthorizer)
			a := newAuthorizer(t, Options{Invoke: inv.Invoke, IdentitySource: []string{"route.request.header.Authorization"}})
			g, err := a.AuthorizeConnect(context.Background(), connect(map[string]string{"Authorization": tc.token}, nil, t0))
			if inv.calls.Load() != 1 {
				t.Fatalf("invoked %d times", inv.calls.Load())
			}
			if tc.status != 0 {
				wantStatus(t, err, tc.status, tc.cause)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(g.Authorizer)
			want := `{"admin":true,"integrationLatency":42,"principalId":"user-` + tc.token + `","tier":3,"userId":"u-42"}`
			if string(data) != want {
				t.Fatalf("authorizer = %s\nwant         %s", data, want)
			}
			if !g.Identity.IsZero() {
				t.Fatalf("identity = %+v", g.Identity)
			}
		})
	}
}

func TestAuthorizerTimeout(t *testing.T) {
	inv := goHandler(tokenAuthorizer)
	a := newAuthorizer(t, Options{Invoke: inv.Invoke})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := a.AuthorizeConnect(ctx, connect(map[string]string{"Authorization": "slow"}, nil, t0))
	wantStatus(t, err, 500, ErrInvokeFailed)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cause lost: %v", err)
	}
}

// unauthorizedWorkerError is what a function worker returns for a handler that failed with a
// Lambda error payload.
type workerError struct{ msg string }

func (e *workerError) Error() string        { return "handler failed: " + e.msg }
func (e *workerError) ErrorMessage() string { return e.msg }

func TestUnauthorizedRecognition(t *testing.T) {
	for name, err := range map[string]error{
		"ErrorMessager":         &workerError{"Unauthorized"},
		"wrapped ErrorMessager": errors.Join(errors.New("invoke"), &workerError{"Unauthorized"}),
		"plain error":           errors.New("Unauthorized"),
		"wrapped plain error":   wrap{errors.New("Unauthorized")},
	} {
		t.Run(name, func(t *testing.T) {
			a := newAuthorizer(t, Options{Invoke: func(context.Context, []byte) ([]byte, error) { return nil, err }})
			_, got := a.AuthorizeConnect(context.Background(), connect(nil, nil, t0))
			wantStatus(t, got, 401, ErrRejected)
		})
	}
	for name, err := range map[string]error{
		"other message":   &workerError{"unauthorized"},
		"message in text": errors.New("Unauthorized: bad token"),
	} {
		t.Run(name, func(t *testing.T) {
			a := newAuthorizer(t, Options{Invoke: func(context.Context, []byte) ([]byte, error) { return nil, err }})
			_, got := a.AuthorizeConnect(context.Background(), connect(nil, nil, t0))
			wantStatus(t, got, 500, ErrInvokeFailed)
		})
	}
}

type wrap struct{ err error }

func (w wrap) Error() string { return "invoke authorizer: " + w.err.Error() }
func (w wrap) Unwrap() error { return w.err }

func TestMalformedResults(t *testing.T) {
	allow := `"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}`
	tests := []struct {
		name, result string
		cause        error
	}{
		{"proxy response instead of a policy", `{"statusCode":401}`, ErrMalformedResult},
		{"null", `null`, ErrMalformedResult},
		{"not JSON", `allow`, ErrMalformedResult},
		{"no principalId", `{` + allow + `}`, ErrMalformedResult},
		{"numeric principalId", `{"principalId":5,` + allow + `}`, ErrMalformedResult},
		{"no policy", `{"principalId":"u"}`, ErrMalformedResult},
		{"null policy", `{"principalId":"u","policyDocument":null}`, ErrMalformedResult},
		{"bad policy", `{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow"}]}}`, ErrMalformedResult},
		{"context with an object", `{"principalId":"u",` + allow + `,"context":{"user":{"id":1}}}`, ErrMalformedResult},
		{"context with an array", `{"principalId":"u",` + allow + `,"context":{"roles":["a"]}}`, ErrMalformedResult},
		{"context with null", `{"principalId":"u",` + allow + `,"context":{"x":null}}`, ErrMalformedResult},
		{"context not an object", `{"principalId":"u",` + allow + `,"context":"x"}`, ErrMalformedResult},
		{"over 8 KB", `{"principalId":"u",` + allow + `,"context":{"pad":"` + string(bytes.Repeat([]byte("x"), MaxResultBytes)) + `"}}`, ErrResultTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := rawResult(tc.result)
			a := newAuthorizer(t, Options{Invoke: inv.Invoke})
			_, err := a.AuthorizeConnect(context.Background(), connect(nil, nil, t0))
			wantStatus(t, err, 500, tc.cause)
			var ae *auth.Error
			errors.As(err, &ae)
			if ae.Type != "AuthorizerConfigurationException" {
				t.Fatalf("type = %q", ae.Type)
			}
		})
	}
	// Exactly at the limit is fine.
	base := `{"principalId":"u",` + allow + `,"context":{"pad":""}}`
	full := base[:len(base)-3] + string(bytes.Repeat([]byte("x"), MaxResultBytes-len(base))) + `"}}`
	if len(full) != MaxResultBytes {
		t.Fatalf("test result is %d bytes", len(full))
	}
	a := newAuthorizer(t, Options{Invoke: rawResult(full).Invoke})
	if _, err := a.AuthorizeConnect(context.Background(), connect(nil, nil, t0)); err != nil {
		t.Fatalf("8192-byte result: %v", err)
	}
}

func TestIdentitySources(t *testing.T) {
	tests := []struct {
		name    string
		sources []string
		headers map[string]string
		query   map[string]string
		stage   map[string]string
		invoked bool
	}{
		{"header present", []string{"route.request.header.Authorization"}, map[string]string{"Authorization": "allow"}, nil, nil, true},
		{"header case-insensitive", []string{"route.request.header.authorization"}, map[string]string{"AUTHORIZATION": "allow"}, nil, nil, true},
		{"header missing", []string{"route.request.header.Authorization"}, nil, nil, nil, false},
		{"header empty", []string{"route.request.header.Authorization"}, map[string]string{"Authorization": ""}, nil, nil, false},
		{"query present", []string{"route.request.querystring.token"}, nil, map[string]string{"token": "allow"}, nil, true},
		{"query is case-sensitive", []string{"route.request.querystring.token"}, nil, map[string]string{"Token": "allow"}, nil, false},
		{"one of two missing", []string{"route.request.querystring.token", "route.request.header.X-Tenant"}, nil, map[string]string{"token": "allow"}, nil, false},
		{"stage variable", []string{"stageVariables.env"}, map[string]string{"Authorization": "allow"}, nil, map[string]string{"env": "prod"}, true},
		{"stage variable missing", []string{"stageVariables.env"}, map[string]string{"Authorization": "allow"}, nil, nil, false},
		{"context field", []string{"context.connectionId"}, map[string]string{"Authorization": "allow"}, nil, nil, true},
		{"nested context field", []string{"context.identity.sourceIp"}, map[string]string{"Authorization": "allow"}, nil, nil, true},
		{"numeric context field", []string{"context.connectedAt"}, map[string]string{"Authorization": "allow"}, nil, nil, true},
		{"missing context field", []string{"context.identity.userAgent"}, map[string]string{"Authorization": "allow"}, nil, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := goHandler(tokenAuthorizer)
			a := newAuthorizer(t, Options{Invoke: inv.Invoke, IdentitySource: tc.sources})
			req := connect(tc.headers, tc.query, t0)
			req.Event.StageVariables = tc.stage
			_, err := a.AuthorizeConnect(context.Background(), req)
			if !tc.invoked {
				wantStatus(t, err, 401, ErrMissingIdentity)
				if inv.calls.Load() != 0 {
					t.Fatal("authorizer invoked despite a missing identity source")
				}
				return
			}
			if err != nil || inv.calls.Load() != 1 {
				t.Fatalf("err = %v, calls = %d", err, inv.calls.Load())
			}
		})
	}
}

func TestNewValidatesOptions(t *testing.T) {
	inv := rawResult("{}").Invoke
	for name, opts := range map[string]Options{
		"no invoke":          {},
		"HTTP API syntax":    {Invoke: inv, IdentitySource: []string{"$request.header.Authorization"}},
		"unknown prefix":     {Invoke: inv, IdentitySource: []string{"header.Authorization"}},
		"bad name":           {Invoke: inv, IdentitySource: []string{"route.request.header.A B"}},
		"empty name":         {Invoke: inv, IdentitySource: []string{"route.request.querystring."}},
		"cache without key":  {Invoke: inv, ResultsCacheTTL: time.Minute},
		"negative cache TTL": {Invoke: inv, IdentitySource: []string{"route.request.header.A"}, ResultsCacheTTL: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(opts); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
}

// TestURLAuthorizer runs the authorizer as an HTTP backend (the `url` handler kind): the event
// is POSTed and the result read back.
func TestURLAuthorizer(t *testing.T) {
	h := goHandler(tokenAuthorizer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out, err := h.Invoke(r.Context(), body)
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error()})
			return
		}
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	invoke := func(ctx context.Context, ev []byte) ([]byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(ev))
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			var e struct{ ErrorMessage string }
			_ = json.Unmarshal(out, &e)
			return nil, &workerError{e.ErrorMessage}
		}
		return out, nil
	}
	a := newAuthorizer(t, Options{Invoke: invoke, IdentitySource: []string{"route.request.querystring.token"}})
	g, err := a.AuthorizeConnect(context.Background(), connect(nil, map[string]string{"token": "allow"}, t0))
	if err != nil || g.Authorizer["principalId"] != "user-allow" {
		t.Fatalf("allow: %v %v", g, err)
	}
	_, err = a.AuthorizeConnect(context.Background(), connect(nil, map[string]string{"token": "unauthorized"}, t0))
	wantStatus(t, err, 401, ErrRejected)
}

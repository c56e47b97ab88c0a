package switchboard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/smithy-go"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
)

const (
	region  = "us-east-1"
	account = "123456789012"
)

// credentialsFile writes an IAM credentials file with five principals: a browser client allowed
// to connect and to use the "secure" route, a reader allowed only to connect, a backend allowed
// to manage connections and broadcast, a poster allowed only to post to connections, and an
// outsider allowed nothing of this API.
func credentialsFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "credentials.yaml")
	data := `principals:
  - arn: arn:aws:iam::123456789012:user/browser
    accessKeyId: AKIABROWSER000000001
    secretAccessKey: browser-secret
    statements:
      - Effect: Allow
        Action: execute-api:Invoke
        Resource:
          - arn:aws:execute-api:us-east-1:123456789012:*/local/$connect
          - arn:aws:execute-api:us-east-1:123456789012:*/local/secure
  - arn: arn:aws:iam::123456789012:user/backend
    accessKeyId: AKIABACKEND000000001
    secretAccessKey: backend-secret
    statements:
      - Effect: Allow
        Action: execute-api:ManageConnections
        Resource:
          - arn:aws:execute-api:us-east-1:123456789012:*/local/*/@connections/*
          - arn:aws:execute-api:us-east-1:123456789012:*/local/POST/@broadcast
  - arn: arn:aws:iam::123456789012:user/poster
    accessKeyId: AKIAPOSTER0000000001
    secretAccessKey: poster-secret
    statements:
      - Effect: Allow
        Action: execute-api:ManageConnections
        Resource: arn:aws:execute-api:us-east-1:123456789012:*/local/POST/@connections/*
  - arn: arn:aws:iam::123456789012:user/reader
    accessKeyId: AKIAREADER0000000001
    secretAccessKey: reader-secret
    statements:
      - Effect: Allow
        Action: execute-api:Invoke
        Resource: arn:aws:execute-api:us-east-1:123456789012:*/local/$connect
  - arn: arn:aws:iam::123456789012:user/outsider
    accessKeyId: AKIAOUTSIDER00000001
    secretAccessKey: outsider-secret
    statements:
      - Effect: Allow
        Action: s3:GetObject
        Resource: "*"
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// presign returns the API's WebSocket URL presigned like a browser client does it: a GET to
// the https form of the URL, signed for execute-api in the query string, valid for 15 minutes.
func presign(t *testing.T, wsURL, akid, secret string, at time.Time) string {
	t.Helper()
	return presignFor(t, wsURL, akid, secret, at, 15*time.Minute)
}

// presignFor is presign with the validity (X-Amz-Expires) given.
func presignFor(t *testing.T, wsURL, akid, secret string, at time.Time, valid time.Duration) string {
	t.Helper()
	httpsURL := "https" + strings.TrimPrefix(wsURL, "ws") + fmt.Sprintf("?X-Amz-Expires=%d", int(valid.Seconds()))
	req, err := http.NewRequest(http.MethodGet, httpsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	emptyHash := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, hex.EncodeToString(emptyHash[:]),
		"execute-api", region, at)
	if err != nil {
		t.Fatal(err)
	}
	return "ws" + strings.TrimPrefix(signed, "https")
}

func dialStatus(t *testing.T, url string, h http.Header) (*websocket.Conn, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
		return c, http.StatusSwitchingProtocols
	}
	if resp == nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	return nil, resp.StatusCode
}

func signedClient(endpoint, akid, secret string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestIAMConnectAndManagementLockDown(t *testing.T) {
	ids := newConnIDs()
	var connectEvent atomic.Pointer[events.APIGatewayWebsocketProxyRequest]
	api := startAPI(t, switchboard.Props{
		Region: region, AccountID: account,
		Authorizer: switchboard.Authorizer{Type: "iam", CredentialsFile: credentialsFile(t)},
		Routes: map[string]switchboard.Route{
			"$connect": {Handler: func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
				connectEvent.Store(&req)
				return ids.connect(ctx, req)
			}},
		},
	})

	t.Run("unsigned handshake is refused with 403", func(t *testing.T) {
		if _, status := dialStatus(t, api.URL(), nil); status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("presigned with the wrong secret is refused", func(t *testing.T) {
		if _, status := dialStatus(t, presign(t, api.URL(), "AKIABROWSER000000001", "wrong", time.Now()), nil); status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("presigned URL past its X-Amz-Expires is refused", func(t *testing.T) {
		u := presignFor(t, api.URL(), "AKIABROWSER000000001", "browser-secret", time.Now().Add(-30*time.Minute), 15*time.Minute)
		if _, status := dialStatus(t, u, nil); status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", status)
		}
	})
	t.Run("presigned URL within its X-Amz-Expires is accepted", func(t *testing.T) {
		u := presignFor(t, api.URL(), "AKIABROWSER000000001", "browser-secret", time.Now().Add(-30*time.Minute), time.Hour)
		if _, status := dialStatus(t, u, nil); status != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", status)
		}
		nextID(t, ids.connected)
	})
	t.Run("principal without execute-api:Invoke is refused", func(t *testing.T) {
		if _, status := dialStatus(t, presign(t, api.URL(), "AKIAOUTSIDER00000001", "outsider-secret", time.Now()), nil); status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", status)
		}
	})

	// A browser-style presigned URL connects, and the event carries the IAM identity.
	c, status := dialStatus(t, presign(t, api.URL(), "AKIABROWSER000000001", "browser-secret", time.Now()), nil)
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("presigned handshake: status %d", status)
	}
	id := nextID(t, ids.connected)
	waitReady(t, api, id)
	ev := connectEvent.Load()
	if got := ev.RequestContext.Identity; got.AccessKey != "AKIABROWSER000000001" || got.UserArn != "arn:aws:iam::123456789012:user/browser" || got.AccountID != account {
		t.Fatalf("CONNECT identity = %+v", got)
	}

	// A client that signs headers instead of the query string connects too.
	req, _ := http.NewRequest(http.MethodGet, "https"+strings.TrimPrefix(api.URL(), "ws"), nil)
	emptyHash := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIABROWSER000000001", SecretAccessKey: "browser-secret"},
		req, hex.EncodeToString(emptyHash[:]), "execute-api", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, k := range []string{"Authorization", "X-Amz-Date"} {
		h.Set(k, req.Header.Get(k))
	}
	if _, status := dialStatus(t, api.URL(), h); status != http.StatusSwitchingProtocols {
		t.Fatalf("header-signed handshake: status %d", status)
	}
	nextID(t, ids.connected)

	ctx := context.Background()
	post := func(client *apigatewaymanagementapi.Client) error {
		_, err := client.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte("hi")})
		return err
	}
	// With IAM configured, unsigned management calls are refused even from loopback.
	resp, err := http.Post(api.ManagementEndpoint()+"/@connections/"+id, "application/json", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned loopback management call: %d, want 403", resp.StatusCode)
	}
	if err := post(signedClient(api.ManagementEndpoint(), "AKIABACKEND000000001", "wrong-secret")); apiErrorCode(err) != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	err = post(signedClient(api.ManagementEndpoint(), "AKIAOUTSIDER00000001", "outsider-secret"))
	if apiErrorCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "is not authorized to perform: execute-api:ManageConnections") {
		t.Fatalf("outsider: %v", err)
	}
	if err := post(signedClient(api.ManagementEndpoint(), "AKIABACKEND000000001", "backend-secret")); err != nil {
		t.Fatalf("backend principal: %v", err)
	}
	if got := readFrame(t, c); got != "hi" {
		t.Fatalf("client got %q", got)
	}

	// grantManagementApiAccess lets a new principal in.
	if err := post(signedClient(api.ManagementEndpoint(), "AKIANEWCOMER00000001", "newcomer-secret")); err == nil {
		t.Fatal("an unknown principal was allowed")
	}
	if err := api.GrantManagementAPIAccess(switchboard.Principal{Name: "newcomer", ARN: "arn:aws:iam::123456789012:user/newcomer",
		AccessKeyID: "AKIANEWCOMER00000001", SecretAccessKey: "newcomer-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := post(signedClient(api.ManagementEndpoint(), "AKIANEWCOMER00000001", "newcomer-secret")); err != nil {
		t.Fatalf("after GrantManagementAPIAccess: %v", err)
	}
	if got := readFrame(t, c); got != "hi" {
		t.Fatalf("client got %q", got)
	}

	t.Run("AWS CLI v2", func(t *testing.T) {
		awsCLI := "/usr/bin/aws" // Debian's awscli (v2); a pyenv shim on PATH may be v1
		out, err := exec.Command(awsCLI, "--version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "aws-cli/2") {
			t.Skipf("AWS CLI v2 not installed at %s (scripts/test.sh installs it): %v %s", awsCLI, err, out)
		}
		// --connection-id=ID, not --connection-id ID: an id may start with "-" (the URL-safe
		// base64 alphabet, as AWS's), which the CLI would take for an option (exit 252).
		cmd := exec.Command(awsCLI, "apigatewaymanagementapi", "post-to-connection",
			"--endpoint-url", api.ManagementEndpoint(), "--connection-id="+id, "--data", "from the cli",
			"--cli-binary-format", "raw-in-base64-out", "--region", region)
		cmd.Env = []string{"AWS_ACCESS_KEY_ID=AKIABACKEND000000001", "AWS_SECRET_ACCESS_KEY=backend-secret",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "AWS_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("aws cli: %v\n%s", err, out)
		}
		if got := readFrame(t, c); got != "from the cli" {
			t.Fatalf("client got %q", got)
		}
	})
}

// TestIAMOnAMessageRoute: auth.iam on a message route admits connections whose $connect was
// signed by a principal allowed to invoke that route; other connections get the Forbidden frame
// for it and keep their connection. With the authorizer type none, unsigned connections are
// admitted too (only the route is protected).
func TestIAMOnAMessageRoute(t *testing.T) {
	echo := func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok " + req.RequestContext.RouteKey}, nil
	}
	for _, typ := range []string{"iam", "none"} {
		t.Run("authorizer "+typ, func(t *testing.T) {
			api := startAPI(t, switchboard.Props{
				Region: region, AccountID: account,
				Authorizer: switchboard.Authorizer{Type: typ, CredentialsFile: credentialsFile(t)},
				Routes: map[string]switchboard.Route{
					"secure": {Handler: echo, ReturnResponse: true, IAM: true},
					"open":   {Handler: echo, ReturnResponse: true},
				},
			})
			try := func(c *websocket.Conn, route string) string {
				send(t, c, `{"action":"`+route+`"}`)
				return readFrame(t, c)
			}
			browser, status := dialStatus(t, presign(t, api.URL(), "AKIABROWSER000000001", "browser-secret", time.Now()), nil)
			if status != http.StatusSwitchingProtocols {
				t.Fatalf("browser: status %d", status)
			}
			if got := try(browser, "secure"); got != "ok secure" {
				t.Fatalf("browser on secure: %q", got)
			}
			reader, status := dialStatus(t, presign(t, api.URL(), "AKIAREADER0000000001", "reader-secret", time.Now()), nil)
			if status != http.StatusSwitchingProtocols {
				t.Fatalf("reader: status %d", status)
			}
			if got := try(reader, "secure"); !strings.HasPrefix(got, `{"message": "Forbidden"`) {
				t.Fatalf("reader on secure: %q", got)
			}
			if got := try(reader, "open"); got != "ok open" {
				t.Fatalf("reader on open after Forbidden: %q", got)
			}
			_, status = dialStatus(t, api.URL(), nil)
			if typ == "iam" {
				if status != http.StatusForbidden {
					t.Fatalf("unsigned handshake with authorizer iam: %d, want 403", status)
				}
				return
			}
			if status != http.StatusSwitchingProtocols {
				t.Fatalf("unsigned handshake with only a protected message route: %d, want 101", status)
			}
			if _, status := dialStatus(t, presign(t, api.URL(), "AKIABROWSER000000001", "tampered", time.Now()), nil); status != http.StatusForbidden {
				t.Fatalf("a bad signature must be refused even where signing is optional: %d", status)
			}
		})
	}
}

// lambdaAuthorizerBackend is a URL authorizer: it allows the token "good" with a context, denies
// "bad", answers 401 for "nope" and garbage for "broken".
func lambdaAuthorizerBackend(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var ev struct {
			Type      string            `json:"type"`
			MethodArn string            `json:"methodArn"`
			Headers   map[string]string `json:"headers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.Type != "REQUEST" {
			http.Error(w, "bad event", 400)
			return
		}
		effect := "Allow"
		switch ev.Headers["Authorization"] {
		case "bad":
			effect = "Deny"
		case "nope":
			w.WriteHeader(http.StatusUnauthorized)
			return
		case "broken":
			_, _ = w.Write([]byte(`{"policyDocument": 7}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"principalId": "user-42",
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{
				{"Action": "execute-api:Invoke", "Effect": effect, "Resource": ev.MethodArn},
			}},
			"context": map[string]any{"tenant": "acme", "tier": 3, "admin": true},
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestLambdaAuthorizerURL(t *testing.T) {
	var calls atomic.Int32
	backend := lambdaAuthorizerBackend(t, &calls)
	seen := make(chan events.APIGatewayWebsocketProxyRequest, 8)
	record := func(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		seen <- req
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "ok"}, nil
	}
	api := startAPI(t, switchboard.Props{
		Authorizer: switchboard.Authorizer{Type: "lambda", URL: backend.URL},
		Routes: map[string]switchboard.Route{
			"$connect":    {Handler: record},
			"$default":    {Handler: record, ReturnResponse: true},
			"$disconnect": {Handler: record},
		},
	})
	for token, want := range map[string]int{"bad": 403, "nope": 401, "broken": 500} {
		if _, status := dialStatus(t, api.URL(), http.Header{"Authorization": {token}}); status != want {
			t.Errorf("token %q: status %d, want %d", token, status, want)
		}
	}
	before := calls.Load()
	if _, status := dialStatus(t, api.URL(), nil); status != http.StatusUnauthorized {
		t.Errorf("missing identity source: status %d, want 401", status)
	}
	if calls.Load() != before {
		t.Error("the authorizer was invoked although the identity source was missing")
	}

	c, status := dialStatus(t, api.URL(), http.Header{"Authorization": {"good"}})
	if status != http.StatusSwitchingProtocols {
		t.Fatalf("good token: status %d", status)
	}
	send(t, c, "hello")
	readFrame(t, c)
	_ = c.Close(websocket.StatusNormalClosure, "")
	for _, wantType := range []string{"CONNECT", "MESSAGE", "DISCONNECT"} {
		select {
		case ev := <-seen:
			a, _ := ev.RequestContext.Authorizer.(map[string]any)
			if ev.RequestContext.EventType != wantType || a["principalId"] != "user-42" || a["tenant"] != "acme" ||
				a["tier"] != float64(3) || a["admin"] != true {
				t.Fatalf("%s event authorizer = %v (type %s)", wantType, a, ev.RequestContext.EventType)
			}
			if _, ok := a["integrationLatency"]; !ok {
				t.Fatalf("%s event authorizer lacks integrationLatency: %v", wantType, a)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", wantType)
		}
	}
}

func TestLambdaAuthorizerGoHandler(t *testing.T) {
	authorizer := func(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if req.QueryStringParameters["token"] != "letmein" {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID: "go-user",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{req.MethodArn}},
			}},
		}, nil
	}
	api := startAPI(t, switchboard.Props{
		Authorizer: switchboard.Authorizer{Type: "lambda", Handler: authorizer, IdentitySource: []string{"route.request.querystring.token"}},
	})
	if _, status := dialStatus(t, api.URL()+"?token=wrong", nil); status != http.StatusUnauthorized {
		t.Fatalf("wrong token: status %d, want 401", status)
	}
	if _, status := dialStatus(t, api.URL()+"?token=letmein", nil); status != http.StatusSwitchingProtocols {
		t.Fatalf("right token: status %d, want 101", status)
	}
}

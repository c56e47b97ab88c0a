package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// goConfig is a validated config whose $connect reports each connection's id and
// X-Forwarded-Proto on connected.
func goConfig(t *testing.T, connected chan<- [2]string) *config.Config {
	t.Helper()
	cfg := &config.Config{Routes: map[string]config.Route{
		"$connect": {Key: "$connect", Target: config.Target{Kind: config.TargetGo, Go: integration.Func(
			func(_ context.Context, req *event.Request) (*event.Response, error) {
				connected <- [2]string{req.RequestContext.ConnectionID, req.Headers["X-Forwarded-Proto"]}
				return &event.Response{StatusCode: 200}, nil
			})}},
	}}
	if err := config.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// trustingClient is an HTTP client that trusts only the CA in caFile.
func trustingClient(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// readWithin reads the next frame.
func readWithin(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// TestOnePortServesWSWSSHTTPAndHTTPS connects over ws:// and wss:// to the same port, and posts
// to both connections with the real AWS SDK client over http:// and https://, the HTTPS one at
// the URL a handler builds as https://{domainName}/{stage}.
func TestOnePortServesWSWSSHTTPAndHTTPS(t *testing.T) {
	connected := make(chan [2]string, 4)
	a := startApp(t, goConfig(t, connected), Options{CacheDir: t.TempDir()})
	if a.CAFile() == "" || !strings.HasPrefix(a.SecureManagementEndpoint(), "https://127.0.0.1:") {
		t.Fatalf("HTTPS is off: CA %q endpoint %q", a.CAFile(), a.SecureManagementEndpoint())
	}
	client := trustingClient(t, a.CAFile())

	plain := dialWS(t, a.URL(), nil)
	plainConn := <-connected
	secureURL := "wss://" + strings.TrimPrefix(a.URL(), "ws://")
	secure := dialWS(t, secureURL, &websocket.DialOptions{HTTPClient: client})
	secureConn := <-connected
	if plainConn[1] != "http" || secureConn[1] != "https" {
		t.Errorf("X-Forwarded-Proto: ws:// %q, wss:// %q", plainConn[1], secureConn[1])
	}
	_, port, _ := net.SplitHostPort(a.Addr().String())
	// domainName is what the client connected to: handlers build https://{domainName}/{stage}.
	domainName := "127.0.0.1:" + port

	for _, tc := range []struct {
		name, endpoint string
		conn           *websocket.Conn
		connID         string
	}{
		{"http", a.ManagementEndpoint(), secure, secureConn[0]},
		{"https", "https://" + domainName + "/" + a.Config().Stage.Name, plain, plainConn[0]},
		{"https localhost", "https://localhost:" + port + "/" + a.Config().Stage.Name, secure, secureConn[0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mgmt := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(tc.endpoint),
				Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
				HTTPClient:   client,
			})
			_, err := mgmt.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
				ConnectionId: aws.String(tc.connID), Data: []byte("posted over " + tc.name),
			})
			if err != nil {
				t.Fatalf("PostToConnection at %s: %v", tc.endpoint, err)
			}
			if got := readWithin(t, tc.conn); got != "posted over "+tc.name {
				t.Errorf("client got %q", got)
			}
		})
	}
}

// TestHTTPSOffWhenTheCADirectoryIsUnusable serves plain HTTP only, and gives functions an
// http:// endpoint, when the local CA cannot be stored.
func TestHTTPSOffWhenTheCADirectoryIsUnusable(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	connected := make(chan [2]string, 1)
	a, err := New(goConfig(t, connected), Options{CacheDir: notADir})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Serve(context.Background(), ln); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	if a.SecureManagementEndpoint() != "" || a.CAFile() != "" {
		t.Errorf("HTTPS reported on: %q %q", a.SecureManagementEndpoint(), a.CAFile())
	}
	dialWS(t, a.URL(), nil)
	<-connected

	// A function cannot start without a cache directory (Serve would fail), so its environment
	// is checked on an App whose listener went through the same TLS set-up without serving.
	cfg := goConfig(t, make(chan [2]string, 1))
	cfg.Routes["fn"] = config.Route{Key: "fn", Target: config.Target{Kind: config.TargetFunction, Function: &config.Function{Handler: "fn.handler"}}}
	fa, err := New(cfg, Options{CacheDir: notADir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fa.closeInvokers() })
	fln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer fln.Close()
	fa.ln = fln
	if fa.secure() != nil {
		t.Fatal("the local CA was set up in a file")
	}
	f, _ := fa.routeFunction("fn")
	env := strings.Join(fa.functionEnv(f), "\n")
	if !strings.Contains(env, EndpointEnv+"="+fa.ManagementEndpoint()) || strings.Contains(env, "SSL_CERT_FILE") {
		t.Errorf("function environment without HTTPS:\n%s", env)
	}
}

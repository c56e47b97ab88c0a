package switchboard_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard"
	"github.com/switchboardhq/switchboard/internal/tlsconf"
)

// domainCA is a certificate authority of the test's own (not Switchboard's local CA), standing
// in for the CA that signed an operator's certificate files.
type domainCA struct {
	ca   *tlsconf.Authority
	pool *x509.CertPool
}

func newDomainCA(t *testing.T) *domainCA {
	t.Helper()
	ca, err := tlsconf.LoadAuthority(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &domainCA{ca: ca, pool: pool}
}

// writePair issues a certificate for names and writes it (with the CA: a full chain) and its
// key as PEM files; it returns the leaf's serial number.
func (d *domainCA) writePair(t *testing.T, certFile, keyFile string, names ...string) string {
	t.Helper()
	cert, err := d.ca.Issue(names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	chain := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	chain = append(chain, d.ca.CertPEM()...)
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	// Written as an operator's tool would: the certificate first, then the key.
	if err := os.WriteFile(certFile, chain, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert.Leaf.SerialNumber.String()
}

// resolvingClient is an HTTP client that dials every host name at addr (as a hosts-file line
// would) and trusts roots: what curl --resolve does.
func resolvingClient(addr string, roots *x509.CertPool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: roots},
	}}
}

// recorder is a route handler that records each event's route key, domain name and stage.
type recorder struct {
	name   string
	mu     sync.Mutex
	events []string
	ids    chan string
}

func newRecorder(name string) *recorder { return &recorder{name: name, ids: make(chan string, 16)} }

func (r *recorder) handle(_ context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	rc := req.RequestContext
	r.mu.Lock()
	r.events = append(r.events, rc.RouteKey+" "+rc.DomainName+" "+rc.Stage)
	r.mu.Unlock()
	if rc.RouteKey == "$connect" {
		r.ids <- rc.ConnectionID
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: r.name + ":" + req.Body}, nil
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func (r *recorder) props(name, stage string, domain switchboard.CustomDomain) switchboard.Props {
	return switchboard.Props{
		Name:         name,
		Stage:        switchboard.Stage{Name: stage},
		CustomDomain: domain,
		Routes: map[string]switchboard.Route{
			"$connect": {Handler: r.handle},
			"$default": {Handler: r.handle, ReturnResponse: true},
		},
	}
}

// TestCustomDomainsOnOneListener serves three APIs in one process over real TLS on 127.0.0.1:
// two under /chat and /core of api.example.com (certificate files given by one of them) and a
// third on the wildcard *.tenants.example.com (a certificate from the local CA). Clients dial
// 127.0.0.1 with the domain as SNI and Host.
func TestCustomDomainsOnOneListener(t *testing.T) {
	useFunctionCache(t) // the local CA lives in the shared cache
	dir := t.TempDir()
	operatorCA := newDomainCA(t)
	certFile, keyFile := filepath.Join(dir, "api.pem"), filepath.Join(dir, "api-key.pem")
	firstSerial := operatorCA.writePair(t, certFile, keyFile, "api.example.com")

	chat, core, tenants := newRecorder("chat"), newRecorder("core"), newRecorder("tenants")
	newAPI := func(p switchboard.Props) *switchboard.API {
		api, err := switchboard.New(p, switchboard.WithCertReloadInterval(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		return api
	}
	chatAPI := newAPI(chat.props("chat", "local", switchboard.CustomDomain{DomainName: "api.example.com", Path: "chat", CertificateFile: certFile, KeyFile: keyFile}))
	coreAPI := newAPI(core.props("core", "prod", switchboard.CustomDomain{DomainName: "api.example.com", Path: "core"}))
	tenantsAPI := newAPI(tenants.props("tenants", "t", switchboard.CustomDomain{DomainName: "*.tenants.example.com", SecurityPolicy: "TLS_1_3"}))
	gw := startGateway(t, chatAPI, coreAPI, tenantsAPI)
	addr := gw.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	if got, want := chatAPI.CustomDomainURL(), "wss://api.example.com:"+port+"/chat"; got != want {
		t.Errorf("CustomDomainURL = %q, want %q", got, want)
	}
	if got, want := coreAPI.CustomDomainManagementEndpoint(), "https://api.example.com:"+port+"/core"; got != want {
		t.Errorf("CustomDomainManagementEndpoint = %q, want %q", got, want)
	}

	localCA, err := os.ReadFile(chatAPI.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := operatorCA.pool.Clone()
	roots.AppendCertsFromPEM(localCA)
	client := resolvingClient(addr, roots)
	dialDomain := func(url string) (*websocket.Conn, *tls.ConnectionState) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			t.Fatalf("dial %s: %v", url, err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		return c, resp.TLS
	}

	// Each API through its mapping; the handler sees the host the client used and the stage.
	chatConn, state := dialDomain(chatAPI.CustomDomainURL())
	if got := state.PeerCertificates[0].SerialNumber.String(); got != firstSerial {
		t.Errorf("api.example.com served certificate %s, want the file's %s", got, firstSerial)
	}
	chatID := nextID(t, chat.ids)
	coreConn, _ := dialDomain(coreAPI.CustomDomainURL())
	nextID(t, core.ids)
	tenantConn, tstate := dialDomain("wss://acme.tenants.example.com:" + port)
	nextID(t, tenants.ids)
	if tstate.Version != tls.VersionTLS13 {
		t.Errorf("TLS_1_3 domain negotiated version %x", tstate.Version)
	}
	if err := tstate.PeerCertificates[0].VerifyHostname("acme.tenants.example.com"); err != nil {
		t.Errorf("wildcard certificate from the local CA: %v", err)
	}
	send(t, chatConn, "hi")
	send(t, coreConn, "hi")
	send(t, tenantConn, "hi")
	for conn, want := range map[*websocket.Conn]string{chatConn: "chat:hi", coreConn: "core:hi", tenantConn: "tenants:hi"} {
		if got := readFrame(t, conn); got != want {
			t.Errorf("reply %q, want %q", got, want)
		}
	}
	host := "api.example.com:" + port
	if got := strings.Join(chat.seen(), ", "); got != "$connect "+host+" local, $default "+host+" local" {
		t.Errorf("chat events: %s", got)
	}
	if got := strings.Join(core.seen(), ", "); got != "$connect "+host+" prod, $default "+host+" prod" {
		t.Errorf("core events: %s", got)
	}

	// The real SDK client, its endpoint the custom domain and mapping, as AWS tells handlers
	// behind a custom domain to build it.
	mc := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(chatAPI.CustomDomainManagementEndpoint()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   client,
	})
	if _, err := mc.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(chatID), Data: []byte("via the domain")}); err != nil {
		t.Fatalf("PostToConnection through the mapping: %v", err)
	}
	if got := readFrame(t, chatConn); got != "via the domain" {
		t.Errorf("got %q", got)
	}
	// The stage form on the default URL keeps working.
	if _, err := managementClient(chatAPI.ManagementEndpoint()).GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(chatID)}); err != nil {
		t.Errorf("GetConnection on the stage URL: %v", err)
	}
	// Another API's mapping does not know the connection.
	mcCore := apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(coreAPI.CustomDomainManagementEndpoint()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), HTTPClient: client,
	})
	if _, err := mcCore.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String(chatID)}); apiErrorCode(err) != "GoneException" {
		t.Errorf("chat's connection through core's mapping: %v", err)
	}

	// The API's own AWS host name reaches it at /{stage}, with a certificate from the local CA.
	execHost := chatAPI.ExecuteAPIHost()
	resp := get(t, client, "https://"+execHost+":"+port+"/local/@connections/"+chatID)
	if resp.status != 200 || !strings.Contains(resp.body, `"connectedAt"`) {
		t.Errorf("GET through %s: %d %s", execHost, resp.status, resp.body)
	}

	// What no API claims gets 403, never another API.
	for _, url := range []string{
		"https://api.example.com:" + port + "/nope",
		"https://api.example.com:" + port + "/local",
		"https://a.b.tenants.example.com:" + port + "/",
		"https://" + execHost + ":" + port + "/prod",
		"http://unknown.example.org:" + port + "/other",
	} {
		if url == "https://a.b.tenants.example.com:"+port+"/" {
			// No certificate covers two labels under the wildcard: ask over plain HTTP.
			url = "http://a.b.tenants.example.com:" + port + "/"
		}
		r := get(t, client, url)
		if r.status != 403 || r.body != `{"message":"Forbidden"}` {
			t.Errorf("GET %s: %d %s, want 403 Forbidden", url, r.status, r.body)
		}
	}
	// A malformed Host header is refused clearly.
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(raw, "GET /local HTTP/1.1\r\nHost: bad_host!\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(raw)
	raw.Close()
	if !strings.HasPrefix(string(b), "HTTP/1.1 400") {
		t.Errorf("malformed Host: %q", b)
	}

	// New certificate files are picked up under open connections, and no handshake fails while
	// they are replaced (the key is written after the certificate).
	var failed atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "api.example.com", RootCAs: roots})
			if err != nil {
				failed.Add(1)
				t.Logf("handshake during the swap: %v", err)
				continue
			}
			c.Close()
		}
	}()
	secondSerial := operatorCA.writePair(t, certFile, keyFile, "api.example.com")
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "api.example.com", RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		serial := c.ConnectionState().PeerCertificates[0].SerialNumber.String()
		c.Close()
		if serial == secondSerial {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new certificate was not picked up (still %s)", serial)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d handshakes failed while the certificate files were replaced", n)
	}
	send(t, chatConn, "still here")
	if got := readFrame(t, chatConn); got != "chat:still here" {
		t.Errorf("after the swap: %q", got)
	}
}

type response struct {
	status int
	body   string
}

func get(t *testing.T, c *http.Client, url string) response {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b)}
}

// TestGatewayRefusesClashesAndBadCertificates checks start-up errors: two APIs on the same
// mapping (both named), and a garbage certificate file (named, with the config's key).
func TestGatewayRefusesClashesAndBadCertificates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.yaml", "name: a\nstage:\n  name: a\ncustomDomain:\n  domainName: api.example.com\n  path: chat\n")
	b := write("b.yaml", "name: b\nstage:\n  name: b\ncustomDomain:\n  domainName: API.example.com\n  path: chat\n")
	err := switchboard.ValidateFiles(a, b)
	if err == nil {
		t.Fatal("clashing mappings accepted")
	}
	for _, want := range []string{b + ":4:1", a + ":4:1", "api.example.com/chat"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("clash error %q does not contain %q", err, want)
		}
	}
	apiA, errA := switchboard.NewFromFile(a)
	apiB, errB := switchboard.NewFromFile(b)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if _, err := switchboard.NewGateway(apiA, apiB); err == nil || !strings.Contains(err.Error(), "already claimed") {
		t.Errorf("NewGateway with a clash: %v", err)
	}

	write("garbage.pem", "not a certificate")
	write("garbage-key.pem", "not a key")
	c := write("c.yaml", "name: c\ncustomDomain:\n  domainName: api.example.com\n  certificate: garbage.pem\n  key: garbage-key.pem\n")
	apiC, err := switchboard.NewFromFile(c)
	if err != nil {
		t.Fatal(err)
	}
	_, err = switchboard.NewGateway(apiC)
	if err == nil || !strings.Contains(err.Error(), c+":4:3: customDomain.certificate") || !strings.Contains(err.Error(), "garbage.pem") {
		t.Errorf("garbage certificate: %v", err)
	}
	if err := apiC.StartOn(context.Background(), "127.0.0.1:0"); err == nil {
		_ = apiC.Shutdown(context.Background())
		t.Error("Start with a garbage certificate succeeded")
	}
}

// TestSeedDomainExamples runs each custom-domain example of the seeds (SST's customDomain as a
// string, a wildcard, the full props, an external domain, SST v3's domain {name, path}, CDK's
// domainMapping with a mapping key), in Switchboard's config terms (docs/domains.md), and
// reaches each API through its domain.
func TestSeedDomainExamples(t *testing.T) {
	useFunctionCache(t)
	for _, c := range []struct {
		name, customDomain string
		host, path         string // how a client reaches it
		url                string // CustomDomainURL, PORT for the listener's port
	}{
		{"string", `customDomain: api.domain.com`, "api.domain.com", "/", "wss://api.domain.com:PORT"},
		{"wildcard", `customDomain: "*.domain.com"`, "tenant.domain.com", "/", "wss://*.domain.com:PORT"},
		{"full config", "customDomain:\n  domainName: api.domain.com\n  hostedZone: domain.com\n  path: v1", "api.domain.com", "/v1", "wss://api.domain.com:PORT/v1"},
		{"external domain", "customDomain:\n  isExternalDomain: true\n  domainName: api.domain.com", "api.domain.com", "/", "wss://api.domain.com:PORT"},
		{"SST v3 domain with a path", "customDomain: {domainName: api.example.com, path: v1}", "api.example.com", "/v1", "wss://api.example.com:PORT/v1"},
		{"CDK domainMapping with a mapping key", "customDomain: {domainName: api.example.com, path: chat/v2}", "api.example.com", "/chat/v2", "wss://api.example.com:PORT/chat/v2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "switchboard.yaml")
			if err := os.WriteFile(path, []byte("name: seed\n"+c.customDomain+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec := newRecorder("seed")
			api, err := switchboard.NewFromFile(path, switchboard.WithHandler("$default", rec.handle))
			if err != nil {
				t.Fatal(err)
			}
			if err := api.StartOn(context.Background(), "127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
			_, port, _ := net.SplitHostPort(strings.Split(api.URL(), "/")[2])
			if want := strings.Replace(c.url, "PORT", port, 1); api.CustomDomainURL() != want {
				t.Errorf("CustomDomainURL = %q, want %q", api.CustomDomainURL(), want)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, _, err := websocket.Dial(ctx, "ws://127.0.0.1:"+port+c.path, &websocket.DialOptions{Host: c.host})
			if err != nil {
				t.Fatalf("dial %s%s: %v", c.host, c.path, err)
			}
			defer conn.CloseNow()
			send(t, conn, "hello")
			want := "$default " + c.host + " local"
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if seen := rec.seen(); len(seen) > 0 {
					if seen[0] != want {
						t.Errorf("event %q, want %q", seen[0], want)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the message never reached the API")
				}
			}
		})
	}
}

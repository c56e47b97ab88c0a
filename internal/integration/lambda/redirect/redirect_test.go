package redirect

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/tlsconf"
)

func TestRulesMatchOnlyTheirHostsOnPort443(t *testing.T) {
	r := Rules{Hosts: []string{"AbC123.execute-api.eu-west-1.amazonaws.com"}, To: "127.0.0.1:3001"}
	for _, c := range []struct {
		host, port string
		want       bool
	}{
		{"abc123.execute-api.eu-west-1.amazonaws.com", "443", true},
		{"ABC123.EXECUTE-API.EU-WEST-1.AMAZONAWS.COM.", "443", true},
		{"abc123.execute-api.eu-west-1.amazonaws.com", "80", false},
		{"other.execute-api.eu-west-1.amazonaws.com", "443", false},
		{"dynamodb.eu-west-1.amazonaws.com", "443", false},
	} {
		if got := r.Match(c.host, c.port); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.host, c.port, got, c.want)
		}
	}
	wild := Rules{Hosts: []string{"*.ws.example.com"}, To: "127.0.0.1:3001"}
	if !wild.Match("tenant1.ws.example.com", "443") || wild.Match("a.b.ws.example.com", "443") || wild.Match("ws.example.com", "443") {
		t.Error("a wildcard domain should match exactly one more label")
	}
	if (Rules{Hosts: r.Hosts}).Match("abc123.execute-api.eu-west-1.amazonaws.com", "443") {
		t.Error("rules without a destination matched")
	}
}

func TestNoProxyMatchesAsGoDoes(t *testing.T) {
	np := parseNoProxy(" example.com, .internal.test ,10.0.0.0/8,192.168.1.5,db.local:8443,*.wild.test")
	for _, c := range []struct {
		host, port string
		want       bool
	}{
		{"example.com", "443", true},
		{"api.example.com", "443", true},
		{"notexample.com", "443", false},
		{"internal.test", "443", false},
		{"a.internal.test", "443", true},
		{"10.1.2.3", "443", true},
		{"192.168.1.5", "80", true},
		{"db.local", "8443", true},
		{"db.local", "443", false},
		{"x.wild.test", "443", true},
	} {
		if got := np.match(c.host, c.port); got != c.want {
			t.Errorf("NO_PROXY match(%q, %q) = %v, want %v", c.host, c.port, got, c.want)
		}
	}
	if !parseNoProxy("*").match("anything.example", "443") {
		t.Error(`"*" does not match everything`)
	}
}

func TestWorkerEnvironments(t *testing.T) {
	r := Rules{Hosts: []string{"abc.execute-api.us-east-1.amazonaws.com"}, To: "127.0.0.1:3001"}
	if got := r.BootstrapEnv(nil); !slices.Equal(got, []string{HostsEnv + "=abc.execute-api.us-east-1.amazonaws.com", ToEnv + "=127.0.0.1:3001"}) {
		t.Errorf("BootstrapEnv = %q", got)
	}
	// A function that uses a proxy of its own reaches the redirected names without it.
	got := r.BootstrapEnv(map[string]string{"https_proxy": "http://corp:3128", "NO_PROXY": "internal.test"})
	if !slices.Contains(got, "NO_PROXY=internal.test,abc.execute-api.us-east-1.amazonaws.com") ||
		!slices.Contains(got, "no_proxy=internal.test,abc.execute-api.us-east-1.amazonaws.com") {
		t.Errorf("BootstrapEnv with a proxy = %q", got)
	}
	// A Go worker's NO_PROXY must not let the redirected names bypass the redirecting proxy.
	got = r.ProxyEnv("http://127.0.0.1:9", map[string]string{"NO_PROXY": ".amazonaws.com,internal.test"})
	if !slices.Equal(got, []string{"HTTPS_PROXY=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "NO_PROXY=internal.test", "no_proxy=internal.test"}) {
		t.Errorf("ProxyEnv = %q", got)
	}
	if (Rules{}).BootstrapEnv(nil) != nil || (Rules{}).ProxyEnv("http://x", nil) != nil {
		t.Error("rules that redirect nothing set variables")
	}
}

// testCA is a certificate authority of a test (tlsconf's), and servers whose certificates it signs.
type testCA struct {
	ca   *tlsconf.Authority
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	ca, err := tlsconf.LoadAuthority(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &testCA{ca: ca, pool: pool}
}

// serve starts an HTTPS server on 127.0.0.1 with a certificate for names, answering with its name.
func (ca *testCA) serve(t *testing.T, name string, names ...string) (addr string, hits *atomic.Int64) {
	t.Helper()
	cert, err := ca.ca.Issue(append(names, "127.0.0.1"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	hits = &atomic.Int64{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, "%s %s %s", name, r.Host, r.URL.Path)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), hits
}

// client is a real net/http client that sends HTTPS requests through the proxy, as a Go worker's
// http.ProxyFromEnvironment does with HTTPS_PROXY set, trusting pool.
func client(proxyURL string, pool *x509.CertPool) *http.Client {
	u, _ := url.Parse(proxyURL)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy:           http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestProxyTunnelsRedirectedNamesToTheGatewayAndOthersOn sends real HTTPS requests through the
// proxy: the execute-api name reaches the "gateway" (TLS verified for that name against the
// gateway's CA), another HTTPS service with a CA of its own is reached where it is.
func TestProxyTunnelsRedirectedNamesToTheGatewayAndOthersOn(t *testing.T) {
	const apiHost = "abc123defg.execute-api.us-east-1.amazonaws.com"
	gatewayCA, serviceCA := newTestCA(t), newTestCA(t)
	gateway, gatewayHits := gatewayCA.serve(t, "gateway", apiHost)
	service, _ := serviceCA.serve(t, "service", "localhost")
	p, err := Listen(Options{Rules: Rules{Hosts: []string{apiHost}, To: gateway}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	if got := get(t, client(p.URL(), gatewayCA.pool), "https://"+apiHost+"/local/@connections/x"); got != "gateway "+apiHost+" /local/@connections/x" {
		t.Errorf("the execute-api name reached %q", got)
	}
	_, port, _ := net.SplitHostPort(service)
	if got := get(t, client(p.URL(), serviceCA.pool), "https://localhost:"+port+"/ping"); got != "service localhost:"+port+" /ping" {
		t.Errorf("another HTTPS service reached %q", got)
	}
	if gatewayHits.Load() != 1 {
		t.Errorf("the gateway got %d requests, want 1", gatewayHits.Load())
	}
}

// TestProxyChainsToTheFunctionsOwnProxy checks that destinations other than the redirected names
// go through the proxy the function's environment names (honouring its NO_PROXY), while the
// redirected names never do.
func TestProxyChainsToTheFunctionsOwnProxy(t *testing.T) {
	const apiHost = "abc123defg.execute-api.us-east-1.amazonaws.com"
	ca := newTestCA(t)
	gateway, _ := ca.serve(t, "gateway", apiHost)
	service, _ := ca.serve(t, "service", "service.test", "direct.test")
	// The function's own proxy: a CONNECT proxy that sends every tunnel to service and counts them.
	var upstreamTunnels atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil || req.Method != http.MethodConnect || req.Header.Get("Proxy-Authorization") == "" {
					io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
					return
				}
				upstreamTunnels.Add(1)
				far, err := net.Dial("tcp", service)
				if err != nil {
					return
				}
				defer far.Close()
				io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
				splice(c, far)
			}()
		}
	}()
	p, err := Listen(Options{
		Rules: Rules{Hosts: []string{apiHost}, To: gateway},
		Env:   map[string]string{"HTTPS_PROXY": "http://user:secret@" + ln.Addr().String(), "no_proxy": "direct.test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := client(p.URL(), ca.pool)
	if got := get(t, c, "https://service.test/x"); !strings.HasPrefix(got, "service service.test") {
		t.Errorf("through the function's proxy: %q", got)
	}
	if got := get(t, c, "https://"+apiHost+"/local"); !strings.HasPrefix(got, "gateway") {
		t.Errorf("the execute-api name reached %q", got)
	}
	if n := upstreamTunnels.Load(); n != 1 {
		t.Errorf("the function's proxy opened %d tunnels, want 1 (service.test only)", n)
	}
	// NO_PROXY destinations and loopback addresses go direct, never through the function's proxy.
	for host, want := range map[string]string{"direct.test": routeDirect, "a.direct.test": routeDirect,
		"127.0.0.1": routeDirect, "localhost": routeDirect, "service.test": routeUpstream, apiHost: routeGateway} {
		if got := p.route(host, "443"); got != want {
			t.Errorf("route(%s) = %s, want %s", host, got, want)
		}
	}
}

func TestProxyRefusesWhatIsNotATunnel(t *testing.T) {
	p, err := Listen(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := http.Get(p.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET to the proxy: %d, want 405", resp.StatusCode)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

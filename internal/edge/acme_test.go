package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewACMERefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing-ca.pem")
	cases := []struct {
		name string
		opts ACMEOptions
		want []string
	}{
		{"wildcard", ACMEOptions{Domain: "*.example.com", CacheDir: dir}, []string{"*.example.com", "wildcard", "TLS-ALPN-01", "certificate and key files"}},
		{"no domain", ACMEOptions{CacheDir: dir}, []string{"not a domain name"}},
		{"IP address", ACMEOptions{Domain: "192.0.2.7", CacheDir: dir}, []string{"192.0.2.7", "not a domain name"}},
		{"one label", ACMEOptions{Domain: "localhost", CacheDir: dir}, []string{"localhost", "not a domain name"}},
		{"bad host", ACMEOptions{Domain: "api example.com", CacheDir: dir}, []string{"not a domain name"}},
		{"unreadable caFile", ACMEOptions{Domain: "api.example.com", CAFile: missing, CacheDir: dir}, []string{"caFile " + missing, "no such file"}},
		{"caFile without certificates", ACMEOptions{Domain: "api.example.com", CAFile: garbage, CacheDir: dir}, []string{"caFile " + garbage, "no PEM certificate"}},
		{"plain HTTP directory", ACMEOptions{Domain: "api.example.com", Directory: "http://ca.example.com/dir", CacheDir: dir}, []string{"http://ca.example.com/dir", "https://"}},
		{"directory not a URL", ACMEOptions{Domain: "api.example.com", Directory: "ca.example.com", CacheDir: dir}, []string{"ca.example.com", "https://"}},
		{"bad email", ACMEOptions{Domain: "api.example.com", Email: "ops at example.com", CacheDir: dir}, []string{"ops at example.com", "email"}},
		{"email with a name", ACMEOptions{Domain: "api.example.com", Email: "Ops <ops@example.com>", CacheDir: dir}, []string{"email"}},
		{"no cache directory", ACMEOptions{Domain: "api.example.com"}, []string{"cache directory"}},
		{"client and caFile", ACMEOptions{Domain: "api.example.com", CAFile: garbage, HTTPClient: http.DefaultClient, CacheDir: dir}, []string{"not both"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewACME(c.opts)
			if err == nil {
				t.Fatalf("NewACME(%+v) = %v, want an error", c.opts, a)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewACMEDefaults(t *testing.T) {
	dir := t.TempDir()
	a, err := NewACME(ACMEOptions{Domain: "API.Example.com.", Email: "ops@example.com", CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if a.Domain() != "api.example.com" {
		t.Errorf("Domain() = %q, want api.example.com", a.Domain())
	}
	if a.directory != "https://acme-v02.api.letsencrypt.org/directory" {
		t.Errorf("directory = %q, want Let's Encrypt production", a.directory)
	}
	if want := filepath.Join(dir, "acme-v02.api.letsencrypt.org-directory"); a.Dir() != want {
		t.Errorf("Dir() = %q, want %q", a.Dir(), want)
	}
	if p := a.Protos(); len(p) != 1 || p[0] != "acme-tls/1" {
		t.Errorf("Protos() = %q, want [acme-tls/1]", p)
	}
	b, err := NewACME(ACMEOptions{Domain: "api.example.com", Directory: "https://127.0.0.1:14000/dir", CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "127.0.0.1-14000-dir"); b.Dir() != want {
		t.Errorf("Dir() = %q, want %q: each CA its own directory", b.Dir(), want)
	}
}

func TestACMERetryDelay(t *testing.T) {
	want := []time.Duration{0, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for n := 1; n < len(want); n++ {
		if got := retryDelay(n); got != want[n] {
			t.Errorf("retryDelay(%d) = %v, want %v", n, got, want[n])
		}
	}
	if got := retryDelay(1000); got != time.Hour {
		t.Errorf("retryDelay(1000) = %v, want 1h", got)
	}
	// At most 5 tries in the first hour (Let's Encrypt's failed-validation limit per host name).
	tries, at := 1, time.Duration(0)
	for n := 1; ; n++ {
		at += retryDelay(n)
		if at >= time.Hour {
			break
		}
		tries++
	}
	if tries > 5 {
		t.Errorf("%d tries in the first hour, want at most 5", tries)
	}
}

// countingTransport counts the requests it passes on; a nil next fails them.
type countingTransport struct {
	next     http.RoundTripper
	orderURL atomic.Pointer[string] // requests to it are also counted in orders
	requests atomic.Int32
	orders   atomic.Int32
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	if u := c.orderURL.Load(); u != nil && req.URL.String() == *u {
		c.orders.Add(1)
	}
	if c.next == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return c.next.RoundTrip(req)
}

func TestACMECertificateOnlyForItsDomain(t *testing.T) {
	ct := &countingTransport{}
	a, err := NewACME(ACMEOptions{Domain: "api.example.com", CacheDir: t.TempDir(), HTTPClient: &http.Client{Transport: ct}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sni := range []string{"other.example.com", "", "x.api.example.com"} {
		_, err := a.Certificate(&tls.ClientHelloInfo{ServerName: sni})
		if err == nil || !strings.Contains(err.Error(), "api.example.com") {
			t.Errorf("Certificate(SNI %q) error = %v, want one naming api.example.com", sni, err)
		}
	}
	if n := ct.requests.Load(); n != 0 {
		t.Errorf("%d requests to the CA for names not ours, want 0", n)
	}
}

// The CA's problem reports reach the error even where autocert drops them (an invalid
// authorization after a failed challenge), and the ACME client still reads the whole body.
func TestACMEProblemWatch(t *testing.T) {
	const authz = `{"status":"invalid","identifier":{"type":"dns","value":"api.example.com"},` +
		`"challenges":[{"type":"tls-alpn-01","status":"invalid","error":{"type":"urn:ietf:params:acme:error:connection","detail":"Timeout during connect (likely firewall problem)"}}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/authz":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, authz)
		case "/nonce":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce"}`)
		case "/order":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates already issued"}`)
		}
	}))
	defer srv.Close()
	a, err := NewACME(ACMEOptions{Domain: "api.example.com", CacheDir: t.TempDir(), HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	client := a.m.Client.HTTPClient
	for _, path := range []string{"/authz", "/nonce", "/order"} {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if path == "/authz" && string(body) != authz {
			t.Errorf("body after the watch = %q, want %q", body, authz)
		}
	}
	var got []string
	for _, p := range a.problems {
		got = append(got, p.text)
	}
	want := []string{
		"api.example.com tls-alpn-01: urn:ietf:params:acme:error:connection: Timeout during connect (likely firewall problem)",
		"urn:ietf:params:acme:error:rateLimited: too many certificates already issued",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems noted:\n%s\nwant (badNonce left out):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A failed issuance is returned to the handshakes that follow without asking the CA again
// until the retry time.
func TestACMEFailureWaitsBeforeRetrying(t *testing.T) {
	ct := &countingTransport{} // every request fails
	a, err := NewACME(ACMEOptions{Domain: "api.example.com", Directory: "https://ca.example.com/dir", CacheDir: t.TempDir(), HTTPClient: &http.Client{Transport: ct}})
	if err != nil {
		t.Fatal(err)
	}
	hello := &tls.ClientHelloInfo{ServerName: "api.example.com"}
	_, err = a.Certificate(hello)
	var ae *ACMEError
	if !errors.As(err, &ae) {
		t.Fatalf("Certificate error = %v, want an *ACMEError", err)
	}
	asked := ct.requests.Load()
	if asked == 0 {
		t.Fatal("no request to the CA")
	}
	if wait := time.Until(ae.RetryAt); wait < time.Minute || wait > 2*time.Minute {
		t.Errorf("retry in %v, want about 2m", wait)
	}
	for _, want := range []string{"api.example.com", "https://ca.example.com/dir", "next try after"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	for range 3 {
		if _, err2 := a.Certificate(hello); err2 != err {
			t.Errorf("handshake during the wait: error %v, want the recorded %v", err2, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err2 := a.Prepare(ctx); err2 != err {
		t.Errorf("Prepare during the wait: error %v, want the recorded %v", err2, err)
	}
	if n := ct.requests.Load(); n != asked {
		t.Errorf("%d more requests to the CA during the wait, want 0", n-asked)
	}
	// The CA's challenge handshakes are never held back.
	if _, err := a.Certificate(&tls.ClientHelloInfo{ServerName: "api.example.com", SupportedProtos: []string{ACMEProto}}); err == nil || errors.As(err, &ae) {
		t.Errorf("challenge hello with no challenge pending: error %v, want autocert's", err)
	}
}

package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveBoth serves a handler that reports the scheme on a Listener with a fresh local CA.
func serveBoth(t *testing.T, opts ListenerOptions) (*Local, *Listener) {
	t.Helper()
	local, err := Provision(Options{Dir: t.TempDir(), SystemRoots: "-"})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(inner, local.Config, opts)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS != nil {
				io.WriteString(w, "https "+r.TLS.NegotiatedProtocol)
				return
			}
			io.WriteString(w, "http")
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return local, ln
}

func clientTrusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true,
	}}
}

func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestListenerServesTLSAndPlainOnOnePort(t *testing.T) {
	local, ln := serveBoth(t, ListenerOptions{})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c := clientTrusting(t, local.CAFile)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if got := get(t, c, "http://"+host+":"+port+"/"); got != "http" {
			t.Errorf("http://%s: %q", host, got)
		}
		// HTTP/2 is offered by the client but the server config allows HTTP/1.1 only.
		if got := get(t, c, "https://"+host+":"+port+"/"); got != "https http/1.1" {
			t.Errorf("https://%s: %q", host, got)
		}
	}
	// A client that does not trust the CA fails the handshake.
	if _, err := http.Get("https://127.0.0.1:" + port + "/"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an untrusting client got %v, want a certificate error", err)
	}
}

func TestListenerSilentClientDoesNotBlockAccept(t *testing.T) {
	local, ln := serveBoth(t, ListenerOptions{PeekTimeout: time.Minute})
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// The silent connection is still waiting for its first byte; others are served meanwhile.
	c := clientTrusting(t, local.CAFile)
	if got := get(t, c, "https://"+ln.Addr().String()+"/"); got != "https http/1.1" {
		t.Errorf("https while a client stays silent: %q", got)
	}
	if got := get(t, c, "http://"+ln.Addr().String()+"/"); got != "http" {
		t.Errorf("http while a client stays silent: %q", got)
	}
}

func TestListenerClosesSilentClientAfterPeekTimeout(t *testing.T) {
	_, ln := serveBoth(t, ListenerOptions{PeekTimeout: 50 * time.Millisecond})
	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// The server closes the connection: the read ends with EOF (or a reset), long before the
	// test's own bound.
	silent.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = silent.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("silent connection read: %v, want it closed by the server", err)
	}
}

func TestListenerCloseEndsAcceptAndPending(t *testing.T) {
	local, err := Provision(Options{Dir: t.TempDir(), SystemRoots: "-"})
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(inner, local.Config, ListenerOptions{PeekTimeout: time.Minute})
	pending, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Close()
	// Wait until the listener holds the connection as pending.
	for deadline := time.Now().Add(10 * time.Second); ; {
		ln.mu.Lock()
		n := len(ln.pending)
		ln.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the connection never became pending")
		}
		time.Sleep(5 * time.Millisecond)
	}
	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
	pending.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := pending.Read(make([]byte, 1)); err == nil {
		t.Error("the pending connection was not closed by Close")
	}
	if err := ln.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestProvisionFiles(t *testing.T) {
	dir := t.TempDir()
	roots := filepath.Join(dir, "roots.pem")
	other, err := LoadAuthority(filepath.Join(dir, "other"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(roots, other.CertPEM(), 0o644)
	local, err := Provision(Options{Dir: filepath.Join(dir, "tls"), Hosts: []string{"gw.test"},
		SystemRoots: roots, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if local.CAFile != filepath.Join(dir, "tls", CACertFile) || local.BundleFile != filepath.Join(dir, "tls", BundleFile) {
		t.Errorf("files: CA %s bundle %s", local.CAFile, local.BundleFile)
	}
	leaf := local.Config.Certificates[0].Leaf
	if !strings.Contains(strings.Join(leaf.DNSNames, ","), "gw.test") || len(leaf.IPAddresses) != 2 {
		t.Errorf("leaf names: %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	bundle, _ := os.ReadFile(local.BundleFile)
	if !strings.HasPrefix(string(bundle), string(other.CertPEM())) || !strings.HasSuffix(string(bundle), string(local.Authority.CertPEM())) {
		t.Error("bundle is not the system roots followed by the CA")
	}
	if _, err := Provision(Options{}); err == nil {
		t.Error("Provision without a directory succeeded")
	}
}

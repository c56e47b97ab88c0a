package edge

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/tlsconf"
)

// requirePebbleEnv makes a missing pebble a failure instead of a skip (scripts/test.sh sets it).
const requirePebbleEnv = "SWITCHBOARD_REQUIRE_PEBBLE"

// pebbleWait bounds each wait in the pebble test: start-up, one issuance, one handshake.
const pebbleWait = 2 * time.Minute

// TestACMEPebble obtains certificates from a real ACME CA, Debian's pebble, which validates
// each domain with TLS-ALPN-01 against a Switchboard listener (Certs on a tlsconf.Listener)
// on 127.0.0.1: the domain's name resolves there through a DNS responder the test runs.
func TestACMEPebble(t *testing.T) {
	bin := pebbleBinary(t)
	const (
		first    = "ws.switchboard.test"       // issued during a client's handshake
		prepared = "prepared.switchboard.test" // issued by Prepare before any client
		nowhere  = "nowhere.switchboard.test"  // not in DNS: the CA cannot validate it
	)
	dns := startTestDNS(t, first, prepared)
	edgeSrv := startEdge(t)
	pb := startPebble(t, bin, edgeSrv.port, dns.addr)
	cache := filepath.Join(t.TempDir(), "acme")

	// 1. The first client's handshake waits for issuance and gets a certificate chaining to
	// pebble's root, after the CA validated the domain on the listener.
	logs1 := &lockedBuffer{}
	a1, err := NewACME(ACMEOptions{Domain: first, Email: "ops@switchboard.test", Directory: pb.directory, CAFile: pb.caFile, CacheDir: cache, Logger: slog.New(slog.NewTextHandler(logs1, nil))})
	if err != nil {
		t.Fatal(err)
	}
	spy1 := &challengeSpy{CertSource: a1}
	edgeSrv.certs.SetDomains([]DomainTLS{{Domain: first, Source: spy1, Protos: a1.Protos()}})
	leaf1 := pb.handshake(t, edgeSrv.addr, first)
	if n := spy1.challenges.Load(); n == 0 {
		t.Errorf("the CA made no %s handshake on the listener", ACMEProto)
	}
	if n := dns.queries(first); n == 0 {
		t.Errorf("the CA never resolved %s through the test's DNS", first)
	}
	for _, f := range []string{first, "acme_account+key"} {
		if _, err := os.Stat(filepath.Join(a1.Dir(), f)); err != nil {
			t.Errorf("cache entry: %v", err)
		}
	}
	if !strings.Contains(logs1.String(), "ACME certificate obtained and stored") {
		t.Errorf("no issuance logged:\n%s", logs1)
	}

	// 2. Prepare obtains the certificate before any client; the client then needs the CA no more.
	orders := &countingTransport{next: pb.client.Transport}
	orders.orderURL.Store(&pb.newOrder)
	a2, err := NewACME(ACMEOptions{Domain: prepared, Directory: pb.directory, CacheDir: cache, HTTPClient: &http.Client{Transport: orders}})
	if err != nil {
		t.Fatal(err)
	}
	spy2 := &challengeSpy{CertSource: a2}
	edgeSrv.certs.SetDomains([]DomainTLS{
		{Domain: first, Source: spy1, Protos: a1.Protos()},
		{Domain: prepared, Source: spy2, Protos: a2.Protos()},
	})
	ctx, cancel := context.WithTimeout(context.Background(), pebbleWait)
	defer cancel()
	if err := a2.Prepare(ctx); err != nil {
		t.Fatalf("Prepare: %v\npebble:\n%s", err, pb.out)
	}
	if spy2.challenges.Load() == 0 || orders.orders.Load() == 0 {
		t.Errorf("Prepare: %d challenge handshakes, %d orders; want both > 0", spy2.challenges.Load(), orders.orders.Load())
	}
	before := orders.requests.Load()
	pb.handshake(t, edgeSrv.addr, prepared)
	if n := orders.requests.Load() - before; n != 0 {
		t.Errorf("the client's handshake after Prepare made %d requests to the CA, want 0", n)
	}

	// 3. After a restart (a new ACME on the same cache directory) the stored certificate is
	// served without a single request to the CA.
	logs3 := &lockedBuffer{}
	none := &countingTransport{next: pb.client.Transport}
	a3, err := NewACME(ACMEOptions{Domain: first, Directory: pb.directory, CacheDir: cache, HTTPClient: &http.Client{Transport: none}, Logger: slog.New(slog.NewTextHandler(logs3, nil))})
	if err != nil {
		t.Fatal(err)
	}
	edgeSrv.certs.SetDomains([]DomainTLS{{Domain: first, Source: a3, Protos: a3.Protos()}})
	leaf3 := pb.handshake(t, edgeSrv.addr, first)
	if !leaf3.Equal(leaf1) {
		t.Errorf("after the restart: certificate serial %x, want the stored one %x", leaf3.SerialNumber, leaf1.SerialNumber)
	}
	if n := none.requests.Load(); n != 0 {
		t.Errorf("after the restart: %d requests to the CA, want 0", n)
	}
	if !strings.Contains(logs3.String(), "ACME certificate loaded from the cache") {
		t.Errorf("reuse not logged:\n%s", logs3)
	}

	// 4. A domain the CA cannot validate: the handshake fails with the CA's problem detail,
	// logged, and the next handshakes get the error without a new order until the retry time.
	logs4 := &lockedBuffer{}
	failing := &countingTransport{next: pb.client.Transport}
	failing.orderURL.Store(&pb.newOrder)
	a4, err := NewACME(ACMEOptions{Domain: nowhere, Directory: pb.directory, CacheDir: cache, HTTPClient: &http.Client{Transport: failing}, Logger: slog.New(slog.NewTextHandler(logs4, nil))})
	if err != nil {
		t.Fatal(err)
	}
	edgeSrv.certs.SetDomains([]DomainTLS{{Domain: nowhere, Source: a4, Protos: a4.Protos()}})
	if _, err := pb.dial(edgeSrv.addr, nowhere); err == nil {
		t.Fatalf("handshake for %s succeeded, want a failure", nowhere)
	}
	// pebble's words for a name that does not resolve (va.go, validateTLSALPN01).
	const detail = `Could not resolve URL \"nowhere.switchboard.test\"`
	const plainDetail = `Could not resolve URL "nowhere.switchboard.test"`
	waitFor(t, "the handshake error in the server's log", func() bool { return strings.Contains(edgeSrv.errs.String(), plainDetail) })
	if !strings.Contains(logs4.String(), "ACME certificate not obtained") || !strings.Contains(logs4.String(), detail) {
		t.Errorf("failure not logged with the CA's detail:\n%s", logs4)
	}
	ordered := failing.orders.Load()
	if ordered == 0 {
		t.Errorf("no order placed for %s", nowhere)
	}
	_, err = a4.Certificate(&tls.ClientHelloInfo{ServerName: nowhere})
	var ae *ACMEError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), plainDetail) || !ae.RetryAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("second handshake: error %v, want an ACMEError with the CA's detail and a retry time 2 minutes ahead", err)
	}
	if n := failing.orders.Load(); n != ordered {
		t.Errorf("second handshake placed %d new orders, want 0 before the retry time", n-ordered)
	}
}

// pebbleBinary finds Debian's pebble (SWITCHBOARD_PEBBLE overrides), skipping the test when it
// is missing, unless requirePebbleEnv is set.
func pebbleBinary(t *testing.T) string {
	bin := os.Getenv("SWITCHBOARD_PEBBLE")
	if bin == "" {
		bin = "/usr/bin/pebble"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv(requirePebbleEnv) != "" {
			t.Fatalf("pebble ACME test server not found at %s (%v) and %s is set: install Debian's pebble package", bin, err, requirePebbleEnv)
		}
		t.Skipf("pebble ACME test server not found at %s: install Debian's pebble package (scripts/test.sh does, and sets %s=1 so the test cannot be skipped)", bin, requirePebbleEnv)
	}
	return bin
}

// edgeServer is a Switchboard-style listener: Certs on a tlsconf.Listener, on 127.0.0.1.
type edgeServer struct {
	addr  string
	port  int
	certs *Certs
	errs  *lockedBuffer // the HTTP server's error log (handshake errors)
}

func startEdge(t *testing.T) *edgeServer {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	certs := NewCerts(CertsOptions{})
	ln := tlsconf.NewListener(inner, certs.Config(), tlsconf.ListenerOptions{})
	errs := &lockedBuffer{}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s", r.Host)
		}),
		ErrorLog:          log.New(errs, "", 0),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return &edgeServer{addr: inner.Addr().String(), port: inner.Addr().(*net.TCPAddr).Port, certs: certs, errs: errs}
}

// challengeSpy counts the TLS-ALPN-01 validation handshakes its source answers.
type challengeSpy struct {
	CertSource
	challenges atomic.Int32
}

func (s *challengeSpy) Certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	for _, p := range hello.SupportedProtos {
		if p == ACMEProto {
			s.challenges.Add(1)
		}
	}
	return s.CertSource.Certificate(hello)
}

// pebble is a running pebble process.
type pebble struct {
	directory string            // ACME directory URL
	newOrder  string            // the directory's newOrder URL
	caFile    string            // the CA of pebble's own HTTPS certificate
	client    *http.Client      // trusts caFile
	root      *x509.Certificate // pebble's issuing root
	roots     *x509.CertPool    // holds root
	out       *lockedBuffer
}

// startPebble runs pebble on free loopback ports, validating TLS-ALPN-01 on tlsPort and
// resolving names with the DNS server at dnsAddr, and waits until it serves its directory.
func startPebble(t *testing.T, bin string, tlsPort int, dnsAddr string) *pebble {
	dir := t.TempDir()
	// pebble's HTTPS certificate, from a CA made for the test (the one behind caFile).
	ca, err := tlsconf.LoadAuthority(filepath.Join(dir, "ca"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"127.0.0.1", "localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	writeFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))

	listen, mgmt, httpPort := freePort(t), freePort(t), freePort(t)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":           "127.0.0.1:" + strconv.Itoa(listen),
		"managementListenAddress": "127.0.0.1:" + strconv.Itoa(mgmt),
		"certificate":             certFile,
		"privateKey":              keyFile,
		"httpPort":                httpPort, // nothing listens: only TLS-ALPN-01 is used
		"tlsPort":                 tlsPort,
	}}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "pebble.json")
	writeFile(t, cfgFile, data)

	out := &lockedBuffer{}
	cmd := exec.Command(bin, "-config", cfgFile, "-dnsserver", dnsAddr)
	cmd.Dir = dir
	// No random waits before validating; and validation is never skipped.
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("pebble's output:\n%s", out)
		}
	})

	client, err := caClient(ca.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	pb := &pebble{directory: fmt.Sprintf("https://127.0.0.1:%d/dir", listen), caFile: ca.CertFile, client: client, out: out}
	var dirDoc struct {
		NewOrder string `json:"newOrder"`
	}
	deadline := time.Now().Add(pebbleWait)
	for {
		select {
		case <-exited:
			t.Fatalf("pebble exited at start-up:\n%s", out)
		default:
		}
		body, err := get(client, pb.directory)
		if err == nil && json.Unmarshal(body, &dirDoc) == nil && dirDoc.NewOrder != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble does not serve %s after %v (last error %v):\n%s", pb.directory, pebbleWait, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	pb.newOrder = dirDoc.NewOrder
	rootPEM, err := get(client, fmt.Sprintf("https://127.0.0.1:%d/roots/0", mgmt))
	if err != nil {
		t.Fatalf("pebble's root: %v", err)
	}
	block, _ := pem.Decode(rootPEM)
	if block == nil {
		t.Fatalf("pebble's /roots/0 is not PEM: %q", rootPEM)
	}
	if pb.root, err = x509.ParseCertificate(block.Bytes); err != nil {
		t.Fatalf("pebble's /roots/0: %v", err)
	}
	pb.roots = x509.NewCertPool()
	pb.roots.AddCert(pb.root)
	return pb
}

// dial connects to addr with SNI name, verifying the certificate against pebble's root.
func (pb *pebble) dial(addr, name string) (*tls.Conn, error) {
	return tls.DialWithDialer(&net.Dialer{Timeout: pebbleWait}, "tcp", addr, &tls.Config{
		ServerName: name,
		RootCAs:    pb.roots,
		NextProtos: []string{"http/1.1"},
	})
}

// handshake dials name on addr, checks that the certificate chains to pebble's root and that
// HTTP is served over the connection, and returns the leaf.
func (pb *pebble) handshake(t *testing.T, addr, name string) *x509.Certificate {
	t.Helper()
	conn, err := pb.dial(addr, name)
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v\npebble:\n%s", name, err, pb.out)
	}
	defer conn.Close()
	cs := conn.ConnectionState()
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) < 2 {
		t.Fatalf("%s: no verified chain to pebble's root", name)
	}
	leaf := cs.PeerCertificates[0]
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != name {
		t.Errorf("certificate for %q, want [%s]", leaf.DNSNames, name)
	}
	chain := cs.VerifiedChains[0]
	if root := chain[len(chain)-1]; !root.Equal(pb.root) {
		t.Errorf("%s: chain ends at %s, not pebble's root", name, root.Subject)
	}
	conn.SetDeadline(time.Now().Add(pebbleWait))
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "hello "+name {
		t.Errorf("%s: response %q", name, body)
	}
	return leaf
}

func get(client *http.Client, url string) ([]byte, error) {
	res, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return body, err
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback TCP port free a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it holds, failing the test after pebbleWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(pebbleWait); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v", what, pebbleWait)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testDNS answers A queries for its names with 127.0.0.1 over UDP; other types of query for
// them get an empty answer, other names NXDOMAIN.
type testDNS struct {
	addr  string
	names map[string]bool

	mu   sync.Mutex
	seen map[string]int
}

func startTestDNS(t *testing.T, names ...string) *testDNS {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &testDNS{addr: pc.LocalAddr().String(), names: map[string]bool{}, seen: map[string]int{}}
	for _, n := range names {
		d.names[n] = true
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := d.answer(buf[:n]); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return d
}

// queries is how many queries for name arrived.
func (d *testDNS) queries(name string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[name]
}

// answer builds the response to one query message (RFC 1035 §4.1), nil for a malformed one.
func (d *testDNS) answer(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 || q[2]&0x80 != 0 {
		return nil
	}
	i := 12
	var labels []string
	for {
		if i >= len(q) {
			return nil
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l&0xc0 != 0 || i+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil
	}
	qtype, qclass := binary.BigEndian.Uint16(q[i:]), binary.BigEndian.Uint16(q[i+2:])
	question := q[12 : i+4]
	name := strings.ToLower(strings.Join(labels, "."))
	d.mu.Lock()
	d.seen[name]++
	d.mu.Unlock()

	known := d.names[name]
	resp := []byte{q[0], q[1], 0x84 | q[2]&0x79, 0x00, 0, 1, 0, 0, 0, 0, 0, 0} // QR, AA; opcode and RD copied
	if !known {
		resp[3] = 3 // NXDOMAIN
	}
	resp = append(resp, question...)
	if known && qtype == 1 && qclass == 1 { // A, IN
		resp[7] = 1 // ANCOUNT
		resp = append(resp,
			0xc0, 12, // the name: a pointer to the question's
			0, 1, 0, 1, // A, IN
			0, 0, 0, 60, // TTL
			0, 4, 127, 0, 0, 1)
	}
	return resp
}

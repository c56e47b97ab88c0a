package edge

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testCA signs leaf certificates for the tests.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pool *x509.CertPool
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "edge test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// leafPEM returns a certificate (with the CA after it: a full chain) and key in PEM for names,
// valid from notBefore to notAfter, with an RSA key when rsaKey is set, else ECDSA.
func (ca *testCA) leafPEM(t testing.TB, names []string, notBefore, notAfter time.Time, rsaKey bool) (certPEM, keyPEM []byte) {
	t.Helper()
	var key crypto.Signer
	var err error
	if rsaKey {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw})...)
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
}

// writePair writes a pair to dir/name.pem and dir/name-key.pem.
func writePair(t testing.TB, dir, name string, certPEM, keyPEM []byte) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestLoadFileCertRefusesBadPairs(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	now := time.Now()
	good, goodKey := ca.leafPEM(t, []string{"api.example.com"}, now.Add(-time.Hour), now.Add(time.Hour), true)
	_, otherKey := ca.leafPEM(t, []string{"api.example.com"}, now.Add(-time.Hour), now.Add(time.Hour), true)
	expired, expiredKey := ca.leafPEM(t, []string{"api.example.com"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour), false)
	wrong, wrongKey := ca.leafPEM(t, []string{"other.example.com"}, now.Add(-time.Hour), now.Add(time.Hour), false)

	for _, c := range []struct {
		name      string
		domain    string
		cert, key []byte
		want      string // in the error; "" for success
	}{
		{"rsa", "api.example.com", good, goodKey, ""},
		{"mismatched key", "api.example.com", good, otherKey, "with key"},
		{"expired", "api.example.com", expired, expiredKey, "expired on"},
		{"other name", "api.example.com", wrong, wrongKey, "does not cover api.example.com (it is for other.example.com)"},
		{"garbage certificate", "api.example.com", []byte("hello"), goodKey, "no PEM certificate in the file"},
		{"garbage key", "api.example.com", good, []byte("hello"), "no PEM private key in the file"},
		{"wildcard needs a wildcard certificate", "*.example.com", good, goodKey, "does not cover *.example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			certFile, keyFile := writePair(t, dir, strings.ReplaceAll(c.name, " ", "-"), c.cert, c.key)
			f, err := LoadFileCert(c.domain, certFile, keyFile, nil, nil)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if f.Leaf().DNSNames[0] != "api.example.com" {
					t.Errorf("leaf %v", f.Leaf().DNSNames)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("err = %v, does not name the file", err)
			}
		})
	}
	if _, err := LoadFileCert("api.example.com", filepath.Join(dir, "missing.pem"), filepath.Join(dir, "missing-key.pem"), nil, nil); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFileCertReload(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	now := time.Now()
	c1, k1 := ca.leafPEM(t, []string{"*.example.com"}, now.Add(-time.Hour), now.Add(time.Hour), false)
	certFile, keyFile := writePair(t, dir, "wild", c1, k1)
	f, err := LoadFileCert("*.example.com", certFile, keyFile, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := f.Leaf().SerialNumber

	if swapped, err := f.Reload(); swapped || err != nil {
		t.Fatalf("unchanged files: swapped %v, err %v", swapped, err)
	}
	// Half a replacement: a new certificate with the old key. The old pair stays.
	c2, k2 := ca.leafPEM(t, []string{"*.example.com"}, now.Add(-time.Hour), now.Add(2*time.Hour), true)
	if err := os.WriteFile(certFile, c2, 0o644); err != nil {
		t.Fatal(err)
	}
	if swapped, err := f.Reload(); swapped || err == nil {
		t.Fatalf("mismatched files: swapped %v, err %v", swapped, err)
	}
	if f.Leaf().SerialNumber.Cmp(first) != 0 {
		t.Fatal("a mismatched pair replaced the certificate")
	}
	// The key follows: the new pair is taken.
	if err := os.WriteFile(keyFile, k2, 0o600); err != nil {
		t.Fatal(err)
	}
	if swapped, err := f.Reload(); !swapped || err != nil {
		t.Fatalf("new pair: swapped %v, err %v", swapped, err)
	}
	cert, _ := f.Certificate(nil)
	if cert.Leaf.SerialNumber.Cmp(first) == 0 || cert.Leaf.PublicKeyAlgorithm != x509.RSA {
		t.Errorf("after reload: serial %v, key %v", cert.Leaf.SerialNumber, cert.Leaf.PublicKeyAlgorithm)
	}
}

// TestCertsBySNI makes real TLS handshakes against Certs' configuration: each server name gets
// its domain's certificate, a TLS_1_3 domain refuses TLS 1.2, an execute-api host and a domain
// without files get the local CA's, and other names the default.
func TestCertsBySNI(t *testing.T) {
	ca := newTestCA(t)
	local := newTestCA(t)
	dir := t.TempDir()
	now := time.Now()
	apiCert, apiKey := ca.leafPEM(t, []string{"api.example.com"}, now.Add(-time.Hour), now.Add(time.Hour), false)
	certFile, keyFile := writePair(t, dir, "api", apiCert, apiKey)
	files, err := LoadFileCert("api.example.com", certFile, keyFile, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defCert, defKey := local.leafPEM(t, []string{"localhost"}, now.Add(-time.Hour), now.Add(time.Hour), false)
	def, err := tls.X509KeyPair(defCert, defKey)
	if err != nil {
		t.Fatal(err)
	}
	var issued atomic.Int32
	certs := NewCerts(CertsOptions{
		Default: &def,
		Local: func(host string, _ time.Time) (*tls.Certificate, error) {
			issued.Add(1)
			c, k := local.leafPEM(t, []string{host}, now.Add(-time.Hour), now.Add(30*24*time.Hour), false)
			pair, err := tls.X509KeyPair(c, k)
			return &pair, err
		},
	})
	certs.SetDomains([]DomainTLS{
		{Domain: "api.example.com", Source: files, MinVersion: tls.VersionTLS13},
		{Domain: "*.tenants.example.com"},
	})
	certs.SetHosts([]string{"abc1234567.execute-api.us-east-1.amazonaws.com"})

	ln, err := tls.Listen("tcp", "127.0.0.1:0", certs.Config())
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
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}()
		}
	}()
	dial := func(sni string, roots *x509.CertPool, maxVersion uint16) (*x509.Certificate, error) {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: sni, RootCAs: roots, MaxVersion: maxVersion})
		if err != nil {
			return nil, err
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0], nil
	}
	if leaf, err := dial("api.example.com", ca.pool, 0); err != nil || leaf.DNSNames[0] != "api.example.com" {
		t.Errorf("api.example.com: %v %v", leaf, err)
	}
	if _, err := dial("api.example.com", ca.pool, tls.VersionTLS12); err == nil {
		t.Error("TLS 1.2 accepted on a TLS_1_3 domain")
	}
	if leaf, err := dial("t1.tenants.example.com", local.pool, tls.VersionTLS12); err != nil || leaf.DNSNames[0] != "*.tenants.example.com" {
		t.Errorf("wildcard from the local CA: %v %v", leaf, err)
	}
	if leaf, err := dial("abc1234567.execute-api.us-east-1.amazonaws.com", local.pool, 0); err != nil || leaf.DNSNames[0] != "abc1234567.execute-api.us-east-1.amazonaws.com" {
		t.Errorf("execute-api host: %v %v", leaf, err)
	}
	if _, err := dial("abc1234567.execute-api.us-east-1.amazonaws.com", local.pool, 0); err != nil {
		t.Error(err)
	}
	if n := issued.Load(); n != 2 {
		t.Errorf("the local CA issued %d certificates, want 2 (one per name, then cached)", n)
	}
	// A name nobody claims gets the default certificate, which does not cover it.
	if _, err := dial("nobody.example.org", local.pool, 0); err == nil || !strings.Contains(err.Error(), "not nobody.example.org") {
		t.Errorf("unknown server name: %v", err)
	}
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("no server name: %v", err)
	}
	if got := c.ConnectionState().PeerCertificates[0].DNSNames[0]; got != "localhost" {
		t.Errorf("no server name got %q, want the default", got)
	}
	c.Close()
}

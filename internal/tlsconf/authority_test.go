package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func TestLoadAuthorityCreatesOnceAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	a, err := LoadAuthority(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := a.Cert
	if !c.IsCA || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("not a CA certificate: IsCA %v MaxPathLenZero %v KeyUsage %v", c.IsCA, c.MaxPathLenZero, c.KeyUsage)
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("CA key is %T, want ECDSA P-256", c.PublicKey)
	}
	if got := c.NotAfter.Sub(testNow); got < CALifetime-time.Minute || got > CALifetime+time.Minute {
		t.Errorf("CA valid for %v after creation, want %v", got, CALifetime)
	}
	for file, want := range map[string]os.FileMode{CAKeyFile: 0o600, CACertFile: 0o644, ".": 0o700} {
		fi, err := os.Stat(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", file, fi.Mode().Perm(), want)
		}
	}
	if a.CertFile != filepath.Join(dir, CACertFile) {
		t.Errorf("CertFile %q", a.CertFile)
	}
	onDisk, err := os.ReadFile(a.CertFile)
	if err != nil || string(onDisk) != string(a.CertPEM()) {
		t.Errorf("ca.pem does not hold the CA certificate (err %v)", err)
	}

	again, err := LoadAuthority(dir, testNow.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if again.Cert.SerialNumber.Cmp(c.SerialNumber) != 0 {
		t.Error("a second LoadAuthority created a new CA instead of reusing the stored one")
	}
}

func TestLoadAuthorityConcurrentFirstRunAgrees(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	serials := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := LoadAuthority(dir, testNow)
			if err != nil {
				t.Error(err)
				return
			}
			serials[i] = a.Cert.SerialNumber.String()
		}()
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if serials[i] != serials[0] {
			t.Fatalf("concurrent first runs got different CAs: %v", serials)
		}
	}
}

func TestLoadAuthorityReplacesExpiringCA(t *testing.T) {
	dir := t.TempDir()
	old, err := LoadAuthority(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	later := old.Cert.NotAfter.Add(-renewBefore / 2)
	renewed, err := LoadAuthority(dir, later)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Cert.SerialNumber.Cmp(old.Cert.SerialNumber) == 0 {
		t.Fatal("a CA expiring within 30 days was kept")
	}
	if !renewed.Cert.NotAfter.After(later.Add(CALifetime - time.Hour)) {
		t.Errorf("renewed CA expires %v", renewed.Cert.NotAfter)
	}
}

func TestLoadAuthorityRefusesCorruptFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, CAKeyFile)
	if err := os.WriteFile(keyFile, []byte("not a pem file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadAuthority(dir, testNow)
	if err == nil || !strings.Contains(err.Error(), keyFile) || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("LoadAuthority with a corrupt key file: %v", err)
	}
	if data, _ := os.ReadFile(keyFile); string(data) != "not a pem file\n" {
		t.Error("the corrupt CA file was replaced")
	}
}

func TestIssueCoversHostsAndVerifies(t *testing.T) {
	a, err := LoadAuthority(t.TempDir(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := a.Issue([]string{"127.0.0.1", "::1", "localhost", "gateway.test", "localhost", ""}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if len(leaf.IPAddresses) != 2 || len(leaf.DNSNames) != 2 {
		t.Errorf("SANs: IPs %v DNS %v", leaf.IPAddresses, leaf.DNSNames)
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Cert)
	for _, name := range []string{"127.0.0.1", "::1", "localhost", "gateway.test"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: testNow,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			t.Errorf("leaf does not verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: roots, CurrentTime: testNow}); err == nil {
		t.Error("leaf verifies for a name it was not issued for")
	}
	if got := leaf.NotAfter.Sub(testNow); got > LeafLifetime {
		t.Errorf("leaf valid for %v, more than %v", got, LeafLifetime)
	}
	if _, err := a.Issue(nil, testNow); err == nil {
		t.Error("Issue without hosts succeeded")
	}
}

func TestExpandHostsUnspecified(t *testing.T) {
	got := expandHosts([]string{"127.0.0.1", "0.0.0.0", "127.0.0.1"})
	seen := map[string]int{}
	for _, h := range got {
		seen[h]++
	}
	if seen["127.0.0.1"] != 1 || seen["0.0.0.0"] != 0 {
		t.Errorf("expandHosts = %v: want 127.0.0.1 once and no 0.0.0.0", got)
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip("no interface addresses here:", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && seen[n.IP.String()] != 1 {
			t.Errorf("expandHosts = %v lacks interface address %s", got, n.IP)
		}
	}
}

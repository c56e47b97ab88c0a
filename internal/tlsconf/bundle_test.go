package tlsconf

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteBundleAppendsCAOnce(t *testing.T) {
	dir := t.TempDir()
	other, err := LoadAuthority(filepath.Join(dir, "other"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := LoadAuthority(filepath.Join(dir, "ours"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	system := filepath.Join(dir, "system.pem")
	if err := os.WriteFile(system, other.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle.pem")
	if err := WriteBundle(bundle, system, ours.CertPEM()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatal("bundle holds no certificates")
	}
	for name, a := range map[string]*Authority{"system root": other, "our CA": ours} {
		if _, err := a.Cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: testNow}); err != nil {
			t.Errorf("bundle does not hold the %s: %v", name, err)
		}
	}
	if fi, _ := os.Stat(bundle); fi.Mode().Perm() != 0o644 {
		t.Errorf("bundle mode %v", fi.Mode().Perm())
	}

	// The bundle as the system roots (SSL_CERT_FILE left pointing at it): the CA is not
	// appended a second time.
	if err := WriteBundle(bundle, bundle, ours.CertPEM()); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(bundle)
	if !bytes.Equal(again, data) {
		t.Errorf("rewriting the bundle from itself changed it:\n%s", again)
	}
}

func TestWriteBundleWithoutSystemRoots(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadAuthority(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "b.pem")
	if err := WriteBundle(bundle, "", ca.CertPEM()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(bundle); !bytes.Equal(data, ca.CertPEM()) {
		t.Errorf("bundle without system roots = %q", data)
	}
	if err := WriteBundle(bundle, filepath.Join(dir, "missing.pem"), ca.CertPEM()); err == nil {
		t.Error("WriteBundle with a missing system roots file succeeded")
	}
}

func TestSystemRootsFileHonoursSSLCertFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", f)
	if got := SystemRootsFile(); got != f {
		t.Errorf("SystemRootsFile() = %q with SSL_CERT_FILE=%s", got, f)
	}
	t.Setenv("SSL_CERT_FILE", filepath.Join(t.TempDir(), "missing.pem"))
	if got := SystemRootsFile(); got != "" {
		if _, err := os.Stat(got); err != nil {
			t.Errorf("SystemRootsFile() = %q, which does not exist", got)
		}
	}
}

package tlsconf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// systemRootFiles are where systems keep their root certificates in one PEM file: Debian and
// Ubuntu, Fedora and RHEL, openSUSE, OpenELEC, CentOS, Alpine and macOS (the list crypto/x509
// searches, with macOS's).
var systemRootFiles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// SystemRootsFile returns the file holding the system's root certificates: the one SSL_CERT_FILE
// names when set and readable, else the first of the usual places that exists; "" when there is
// none (Windows, or a minimal container).
func SystemRootsFile() string {
	candidates := systemRootFiles
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		candidates = append([]string{f}, candidates...)
	}
	for _, f := range candidates {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

// WriteBundle writes path (mode 0644) with the certificates of the file systemRoots ("" for
// none) followed by each of extra (PEM) that the roots do not already hold. It replaces path
// atomically and leaves it alone when the content is unchanged, so that concurrent writers of
// the same bundle do not disturb each other. systemRoots may be path itself (a bundle left in
// SSL_CERT_FILE by an earlier run): it is then read before being replaced.
func WriteBundle(path, systemRoots string, extra ...[]byte) error {
	var buf bytes.Buffer
	if systemRoots != "" {
		roots, err := os.ReadFile(systemRoots)
		if err != nil {
			return fmt.Errorf("write CA bundle: system roots: %w", err)
		}
		buf.Write(roots)
	}
	for _, pemCert := range extra {
		if bytes.Contains(buf.Bytes(), bytes.TrimSpace(pemCert)) {
			continue
		}
		if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
			buf.WriteByte('\n')
		}
		buf.Write(pemCert)
	}
	if err := writeIfChanged(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write CA bundle: %w", err)
	}
	return nil
}

// writeIfChanged replaces path with data (through a temporary file and a rename) unless it
// already holds exactly data with mode perm.
func writeIfChanged(path string, data []byte, perm os.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() == perm {
			return nil
		}
	}
	tmp, err := writeTemp(filepath.Dir(path), data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// writeTemp writes data to a new temporary file in dir with mode perm and returns its name.
func writeTemp(dir string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return name, nil
}

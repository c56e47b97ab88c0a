package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultReloadInterval is how often FileCert looks at its files for a new certificate.
const DefaultReloadInterval = 10 * time.Second

// FileCert is a certificate and key from PEM files (full chain; RSA, ECDSA or Ed25519 keys),
// re-read when the files change. A handshake always gets a complete, valid pair: a new one
// replaces the old atomically, and a change that does not load (half written, mismatched,
// expired) keeps the old one and is logged.
type FileCert struct {
	certFile, keyFile string
	domain            string // the custom domain the certificate must cover
	now               func() time.Time
	log               *slog.Logger

	cert atomic.Pointer[tls.Certificate]

	mu   sync.Mutex
	seen [sha256.Size]byte // digest of the files' contents last tried, loaded or not
}

var _ CertSource = (*FileCert)(nil)

// LoadFileCert loads the pair for domain ("api.example.com" or "*.example.com"). The error
// names the file at fault: unreadable, not PEM, a key that does not match the certificate, a
// certificate that has expired or is not yet valid, or one that does not cover domain.
func LoadFileCert(domain, certFile, keyFile string, now func() time.Time, log *slog.Logger) (*FileCert, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &FileCert{certFile: certFile, keyFile: keyFile, domain: domain, now: now, log: log}
	certPEM, keyPEM, digest, err := f.read()
	if err != nil {
		return nil, err
	}
	cert, err := f.parse(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	f.seen = digest
	f.cert.Store(cert)
	return f, nil
}

// Certificate returns the current pair.
func (f *FileCert) Certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return f.cert.Load(), nil
}

// Leaf is the current certificate.
func (f *FileCert) Leaf() *x509.Certificate { return f.cert.Load().Leaf }

// Files are the certificate and key files.
func (f *FileCert) Files() (certFile, keyFile string) { return f.certFile, f.keyFile }

// Reload re-reads the files and, when their contents changed since the last try and load, swaps
// the certificate in. It reports whether a new certificate is in use; a failure keeps the old
// one and is returned (and not tried again until the files change again).
func (f *FileCert) Reload() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	certPEM, keyPEM, digest, err := f.read()
	if err != nil {
		return false, err
	}
	if digest == f.seen {
		return false, nil
	}
	f.seen = digest
	cert, err := f.parse(certPEM, keyPEM)
	if err != nil {
		return false, err
	}
	f.cert.Store(cert)
	return true, nil
}

// Watch calls Reload every interval (DefaultReloadInterval when zero or less) until ctx ends,
// logging each swap and each failure.
func (f *FileCert) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultReloadInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		swapped, err := f.Reload()
		switch {
		case err != nil:
			f.log.Warn("certificate files changed but do not load; the previous certificate stays in use", "domain", f.domain, "err", err)
		case swapped:
			leaf := f.Leaf()
			f.log.Info("certificate reloaded", "domain", f.domain, "certificate", f.certFile, "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}
}

// read returns both files' contents and a digest of them.
func (f *FileCert) read() (certPEM, keyPEM []byte, digest [sha256.Size]byte, err error) {
	if certPEM, err = os.ReadFile(f.certFile); err != nil {
		return nil, nil, digest, fmt.Errorf("certificate %s: %w", f.certFile, err)
	}
	if keyPEM, err = os.ReadFile(f.keyFile); err != nil {
		return nil, nil, digest, fmt.Errorf("key %s: %w", f.keyFile, err)
	}
	h := sha256.New()
	h.Write(certPEM)
	h.Write([]byte{0})
	h.Write(keyPEM)
	copy(digest[:], h.Sum(nil))
	return certPEM, keyPEM, digest, nil
}

// parse checks a pair and returns it with its leaf parsed.
func (f *FileCert) parse(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	if !bytes.Contains(certPEM, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, fmt.Errorf("certificate %s: no PEM certificate in the file", f.certFile)
	}
	if !bytes.Contains(keyPEM, []byte("PRIVATE KEY-----")) {
		return nil, fmt.Errorf("key %s: no PEM private key in the file", f.keyFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate %s with key %s: %w", f.certFile, f.keyFile, err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("certificate %s: %w", f.certFile, err)
		}
		cert.Leaf = leaf
	}
	now := f.now()
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("certificate %s: expired on %s", f.certFile, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("certificate %s: not valid before %s", f.certFile, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if err := leaf.VerifyHostname(sampleName(f.domain)); err != nil {
		return nil, fmt.Errorf("certificate %s: does not cover %s (it is for %s)", f.certFile, f.domain, strings.Join(leaf.DNSNames, ", "))
	}
	return &cert, nil
}

// sampleName is a host name that domain stands for: domain itself, or for a wildcard one name
// it covers.
func sampleName(domain string) string {
	if strings.HasPrefix(domain, "*.") {
		return "switchboard-check" + domain[1:]
	}
	return domain
}

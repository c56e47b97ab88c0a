package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"time"
)

// Lifetimes and file names of the certificates.
const (
	// CALifetime is how long a new CA certificate is valid.
	CALifetime = 10 * 365 * 24 * time.Hour
	// LeafLifetime is how long an issued leaf certificate is valid: 397 days, the most that
	// browsers and Apple platforms accept for a server certificate.
	LeafLifetime = 397 * 24 * time.Hour
	// CACertFile is the CA certificate (PEM, mode 0644) in the CA directory: the file to trust.
	CACertFile = "ca.pem"
	// CAKeyFile holds the CA's private key and certificate (PEM, mode 0600) in the CA directory.
	CAKeyFile = "ca-key.pem"
)

// renewBefore is how long before its expiry a CA is replaced by a new one.
const renewBefore = 30 * 24 * time.Hour

// backdate is subtracted from NotBefore so that a client whose clock runs a little behind
// accepts a certificate issued just now.
const backdate = time.Hour

// Authority is a local certificate authority kept in a directory.
type Authority struct {
	// Cert is the CA certificate.
	Cert *x509.Certificate
	// CertFile is the absolute path of the CA certificate in PEM (CACertFile in the directory).
	CertFile string

	certPEM []byte
	key     *ecdsa.PrivateKey
}

// CertPEM returns the CA certificate in PEM.
func (a *Authority) CertPEM() []byte { return append([]byte(nil), a.certPEM...) }

// LoadAuthority returns the CA kept in dir, creating dir (mode 0700) and the CA on first use or
// when the CA has expired or expires within 30 days. Several processes may call it at once: the
// first to create the CA wins and the others load it. A CA file that cannot be read as a CA is
// an error naming the file; it is never replaced silently, since users may have trusted it.
func LoadAuthority(dir string, now time.Time) (*Authority, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local CA: create %s: %w", dir, err)
	}
	keyFile := filepath.Join(dir, CAKeyFile)
	for attempt := 0; ; attempt++ {
		a, err := readAuthority(keyFile)
		switch {
		case err == nil && now.Add(renewBefore).Before(a.Cert.NotAfter):
			a.CertFile = filepath.Join(dir, CACertFile)
			if err := writeIfChanged(a.CertFile, a.certPEM, 0o644); err != nil {
				return nil, fmt.Errorf("local CA: %w", err)
			}
			return a, nil
		case err == nil && attempt == 0:
			// Expired or about to: replace it. A concurrent process may do the same; either
			// way the next read finds a valid CA.
			if err := os.Remove(keyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("local CA: replace expiring %s: %w", keyFile, err)
			}
		case err == nil:
			return nil, fmt.Errorf("local CA: %s expires %s; check the system clock", keyFile, a.Cert.NotAfter.Format(time.RFC3339))
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("local CA: %w (delete the file to create a new CA)", err)
		case attempt > 1:
			return nil, fmt.Errorf("local CA: %s vanished while it was being created", keyFile)
		}
		if err := createAuthority(keyFile, now); err != nil {
			return nil, fmt.Errorf("local CA: %w", err)
		}
	}
}

// readAuthority parses the key file: an EC private key and the CA certificate, in PEM.
func readAuthority(keyFile string) (*Authority, error) {
	data, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	a := &Authority{}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if a.Cert, err = x509.ParseCertificate(b.Bytes); err != nil {
				return nil, fmt.Errorf("%s: certificate: %w", keyFile, err)
			}
			a.certPEM = pem.EncodeToMemory(b)
		case "EC PRIVATE KEY":
			if a.key, err = x509.ParseECPrivateKey(b.Bytes); err != nil {
				return nil, fmt.Errorf("%s: private key: %w", keyFile, err)
			}
		}
	}
	switch {
	case a.Cert == nil || a.key == nil:
		return nil, fmt.Errorf("%s does not hold a certificate and an EC private key", keyFile)
	case !a.Cert.IsCA:
		return nil, fmt.Errorf("%s: the certificate is not a CA", keyFile)
	case !a.key.PublicKey.Equal(a.Cert.PublicKey):
		return nil, fmt.Errorf("%s: the private key does not match the certificate", keyFile)
	}
	return a, nil
}

// createAuthority generates a CA and stores it at keyFile unless that file exists by then: the
// file is written under a temporary name and linked into place, which fails if another process
// got there first.
func createAuthority(keyFile string, now time.Time) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{Organization: []string{"Switchboard"}, CommonName: "Switchboard local CA " + owner()},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)

	tmp, err := writeTemp(filepath.Dir(keyFile), data, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, keyFile); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("store %s: %w", keyFile, err)
	}
	return nil
}

// Issue signs a server certificate for hosts (DNS names and IP addresses; duplicates and empty
// entries are ignored) with a fresh ECDSA P-256 key, valid from now for LeafLifetime or until
// the CA expires, whichever is sooner. The chain in the result holds the leaf only.
func (a *Authority) Issue(hosts []string, now time.Time) (*tls.Certificate, error) {
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{Organization: []string{"Switchboard"}, CommonName: "Switchboard local server"},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(LeafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter.After(a.Cert.NotAfter) {
		tmpl.NotAfter = a.Cert.NotAfter
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if len(seen) == 0 {
		return nil, errors.New("issue certificate: no host names")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// randomSerial returns a random 128-bit positive serial number.
func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b)
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b)
}

// owner names who created the CA, so that it can be told apart in a trust store.
func owner() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		name += "@" + h
	}
	return name
}

package edge

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"
)

// CertSource gives a custom domain's certificate for a TLS handshake. Implementations are safe
// for concurrent use and never block a handshake on disk or network I/O they could do earlier.
type CertSource interface {
	Certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error)
}

// Issuer signs a certificate for one host name (a wildcard "*.example.com" included): the local
// certificate authority.
type Issuer func(host string, now time.Time) (*tls.Certificate, error)

// DomainTLS is how one custom domain is served over TLS.
type DomainTLS struct {
	// Domain is "api.example.com" or "*.example.com".
	Domain string
	// Source gives the certificate; nil for one from the local CA.
	Source CertSource
	// MinVersion is the lowest TLS version accepted (tls.VersionTLS12 or tls.VersionTLS13).
	// Default tls.VersionTLS12, API Gateway's TLS_1_2 security policy.
	MinVersion uint16
	// Protos are ALPN protocols offered besides "http/1.1" when the client asks for one of them
	// ("acme-tls/1" for ACME's TLS-ALPN-01 challenge).
	Protos []string
}

// CertsOptions configure NewCerts.
type CertsOptions struct {
	// Default is served to clients that send no server name, an IP address, or a name no API
	// claims: the local CA's certificate for the loopback names and the listen host.
	Default *tls.Certificate
	// Local issues certificates for execute-api host names and for custom domains that have
	// no Source. Nil: those get Default.
	Local Issuer
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Certs chooses the certificate and TLS settings of each handshake by its server name (SNI).
// Its tables are replaced as a whole by SetDomains and SetHosts; handshakes in flight keep
// what they started with.
type Certs struct {
	opts CertsOptions

	mu      sync.RWMutex
	domains map[string]DomainTLS // by lower-case domain, wildcards as written
	hosts   map[string]bool      // execute-api host names

	issuedMu sync.Mutex
	issued   map[string]*tls.Certificate // local-CA certificates by host name
}

// renewBefore is how long before expiry a certificate issued by the local CA is replaced.
const renewBefore = 7 * 24 * time.Hour

// NewCerts returns Certs serving opts.Default until domains and hosts are set.
func NewCerts(opts CertsOptions) *Certs {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Certs{opts: opts, domains: map[string]DomainTLS{}, hosts: map[string]bool{}, issued: map[string]*tls.Certificate{}}
}

// SetDomains replaces the custom domains served.
func (c *Certs) SetDomains(ds []DomainTLS) {
	m := make(map[string]DomainTLS, len(ds))
	for _, d := range ds {
		h, ok := NormalizeHost(d.Domain)
		if !ok && len(d.Domain) > 2 && d.Domain[:2] == "*." {
			if rest, ok2 := NormalizeHost(d.Domain[2:]); ok2 {
				h, ok = "*."+rest, true
			}
		}
		if ok {
			m[h] = d
		}
	}
	c.mu.Lock()
	c.domains = m
	c.mu.Unlock()
}

// SetHosts replaces the execute-api host names served with certificates from the local CA.
func (c *Certs) SetHosts(hosts []string) {
	m := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		m[h] = true
	}
	c.mu.Lock()
	c.hosts = m
	c.mu.Unlock()
}

// Config is the listener's TLS configuration: each handshake gets the settings of its server
// name. HTTP/1.1 only, since a WebSocket upgrade is an HTTP/1.1 request.
func (c *Certs) Config() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		NextProtos:         []string{"http/1.1"},
		GetConfigForClient: c.configFor,
	}
}

// configFor picks the settings for a handshake: a custom domain's (exact, then wildcard), an
// execute-api host's, or the default certificate's.
func (c *Certs) configFor(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	name, _ := NormalizeHost(hello.ServerName)
	c.mu.RLock()
	d, isDomain := c.domains[name]
	if !isDomain {
		if w, ok := wildcardOf(name); ok {
			d, isDomain = c.domains[w]
		}
	}
	isHost := c.hosts[name]
	c.mu.RUnlock()

	cfg := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	switch {
	case isDomain:
		if d.MinVersion != 0 {
			cfg.MinVersion = d.MinVersion
		}
		for _, p := range d.Protos {
			for _, offered := range hello.SupportedProtos {
				if p == offered {
					cfg.NextProtos = append(cfg.NextProtos, p)
				}
			}
		}
		if d.Source != nil {
			src := d.Source
			cfg.GetCertificate = src.Certificate
			return cfg, nil
		}
		cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.local(d.Domain) }
	case isHost:
		cfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.local(name) }
	default:
		cfg.GetCertificate = c.defaultCert
	}
	return cfg, nil
}

func (c *Certs) defaultCert(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c.opts.Default == nil {
		return nil, errors.New("no certificate for this server name")
	}
	return c.opts.Default, nil
}

// local returns the local CA's certificate for host, issuing (and caching) one when there is
// none or it nears expiry.
func (c *Certs) local(host string) (*tls.Certificate, error) {
	if c.opts.Local == nil {
		return c.defaultCert(nil)
	}
	now := c.opts.Now()
	c.issuedMu.Lock()
	defer c.issuedMu.Unlock()
	if cert := c.issued[host]; cert != nil && cert.Leaf != nil && now.Add(renewBefore).Before(cert.Leaf.NotAfter) {
		return cert, nil
	}
	cert, err := c.opts.Local(host, now)
	if err != nil {
		return nil, fmt.Errorf("local certificate for %s: %w", host, err)
	}
	c.issued[host] = cert
	return cert, nil
}

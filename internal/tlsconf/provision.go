package tlsconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// BundleFile is the CA bundle Provision writes in its directory: the system's roots and the CA.
const BundleFile = "bundle.pem"

// LoopbackHosts are the names every issued certificate covers.
var LoopbackHosts = []string{"127.0.0.1", "::1", "localhost"}

// Options configure Provision.
type Options struct {
	// Dir holds the CA and the bundle. Required.
	Dir string
	// Hosts are the names and addresses the server certificate covers besides LoopbackHosts,
	// such as the listen host. An unspecified address ("0.0.0.0", "::") stands for every address
	// of this machine's interfaces and its host name. Default none.
	Hosts []string
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// SystemRoots is the PEM file of root certificates put into the bundle before the CA.
	// Default SystemRootsFile(); "-" for none.
	SystemRoots string
}

// Local is what a server needs for HTTPS with the local CA.
type Local struct {
	// Authority is the CA.
	Authority *Authority
	// CAFile is the CA certificate (PEM): what NODE_EXTRA_CA_CERTS names, and what a browser
	// or curl (--cacert) should trust.
	CAFile string
	// BundleFile is the system's roots followed by the CA (PEM): what AWS_CA_BUNDLE,
	// SSL_CERT_FILE and REQUESTS_CA_BUNDLE name, so that a worker trusts both this server and
	// the real HTTPS services it may call.
	BundleFile string
	// SystemRoots is the file whose roots the bundle holds; "" when none was found.
	SystemRoots string
	// Hosts are the names and addresses the server certificate covers.
	Hosts []string
	// Config is the server's TLS configuration: the leaf certificate, TLS 1.2 or newer, and
	// HTTP/1.1 only (WebSocket upgrades need it).
	Config *tls.Config
}

// Provision loads or creates the CA in opts.Dir, issues a server certificate for
// LoopbackHosts and opts.Hosts, and writes the bundle file. A new certificate is issued at every
// call, so it always covers the current names; only the CA persists.
func Provision(opts Options) (*Local, error) {
	if opts.Dir == "" {
		return nil, errors.New("local TLS: no directory")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now()
	ca, err := LoadAuthority(opts.Dir, now)
	if err != nil {
		return nil, err
	}
	hosts := expandHosts(append(append([]string(nil), LoopbackHosts...), opts.Hosts...))
	leaf, err := ca.Issue(hosts, now)
	if err != nil {
		return nil, fmt.Errorf("local TLS: %w", err)
	}
	roots := opts.SystemRoots
	switch roots {
	case "":
		roots = SystemRootsFile()
	case "-":
		roots = ""
	}
	bundle := filepath.Join(filepath.Dir(ca.CertFile), BundleFile)
	if err := WriteBundle(bundle, roots, ca.CertPEM()); err != nil {
		return nil, fmt.Errorf("local TLS: %w", err)
	}
	return &Local{
		Authority:   ca,
		CAFile:      ca.CertFile,
		BundleFile:  bundle,
		SystemRoots: roots,
		Hosts:       hosts,
		Config:      ServerConfig(leaf),
	}, nil
}

// ServerConfig is a server TLS configuration for cert: TLS 1.2 or newer and ALPN "http/1.1"
// only, since a WebSocket upgrade is an HTTP/1.1 request.
func ServerConfig(cert *tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{*cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	}
}

// expandHosts replaces unspecified addresses with this machine's interface addresses and host
// name, and drops duplicates and empty entries.
func expandHosts(hosts []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(h string) {
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	for _, h := range hosts {
		ip := net.ParseIP(h)
		if ip == nil || !ip.IsUnspecified() {
			add(h)
			continue
		}
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					add(n.IP.String())
				}
			}
		}
		if name, err := os.Hostname(); err == nil {
			add(name)
		}
	}
	return out
}

package app

import (
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/tlsconf"
)

// secureState is the stage's HTTPS: the local CA's files and the server configuration, set up
// when first needed (Serve, or a function's first use) and again if the listen host changed
// since (a use before Start, then Start on another address).
type secureState struct {
	mu    sync.Mutex
	done  bool
	host  string         // the listen host the certificate was issued for
	local *tlsconf.Local // nil when HTTPS could not be set up
}

// secure sets up HTTPS with the local CA kept in <cache dir>/tls, for the loopback names and the
// listen host, and returns it; nil when that failed (logged: the stage is then served over plain
// HTTP only and functions get an http:// endpoint).
func (a *App) secure() *tlsconf.Local {
	host, _, err := net.SplitHostPort(a.listenAddr())
	if err != nil {
		host = ""
	}
	a.tls.mu.Lock()
	defer a.tls.mu.Unlock()
	if a.tls.done && a.tls.host == host {
		return a.tls.local
	}
	a.tls.done, a.tls.host = true, host
	local, err := tlsconf.Provision(tlsconf.Options{
		Dir:   filepath.Join(a.cacheDir(), "tls"),
		Hosts: []string{host},
		// Clients check certificates against the real clock, never a test's.
		Now: time.Now,
	})
	if err != nil {
		a.log.Warn("HTTPS is off: the local certificate authority could not be set up; set "+CacheDirEnv+" to a writable directory", "err", err)
		a.tls.local = nil
		return nil
	}
	a.tls.local = local
	a.log.Debug("HTTPS and WSS served on the same port", "caFile", local.CAFile, "bundle", local.BundleFile, "hosts", local.Hosts)
	return local
}

// listenAddr is the listener's address, or the configured one before Start.
func (a *App) listenAddr() string {
	if a.ln != nil {
		return a.ln.Addr().String()
	}
	return a.cfg.Server.Listen
}

// adoptSecure makes a use other's local CA and server certificate: apps on one gateway share
// them, so that every function trusts the one CA the listener's certificates chain to.
func (a *App) adoptSecure(other *App) {
	local := other.secure()
	a.tls.mu.Lock()
	defer a.tls.mu.Unlock()
	a.tls.done, a.tls.local = true, local
	a.tls.host, _, _ = net.SplitHostPort(a.listenAddr())
}

// SecureManagementEndpoint is the @connections base URL over HTTPS, https://host:port/{stage}:
// what handlers build from the event as https://{domainName}/{stage}. It is "" when HTTPS is
// off.
func (a *App) SecureManagementEndpoint() string {
	if a.secure() == nil {
		return ""
	}
	return "https://" + a.hostPort() + "/" + a.cfg.Stage.Name
}

// CAFile is the local CA certificate that HTTPS and WSS clients must trust, "" when HTTPS is off.
func (a *App) CAFile() string {
	if local := a.secure(); local != nil {
		return local.CAFile
	}
	return ""
}

package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/edge"
	"github.com/switchboardhq/switchboard/internal/tlsconf"
)

// Gateway serves one or more Apps on one listener: each request goes to the App whose custom
// domain, execute-api host name or stage path it names (internal/edge), and each TLS handshake
// gets the certificate of its server name.
type Gateway struct {
	apps   []*App
	log    *slog.Logger
	router *edge.Router
	certs  *edge.Certs
	// files are the custom domains' certificate files, watched while serving.
	files  []*edge.FileCert
	acme   []acmeSource
	domain []edge.DomainTLS

	ln      net.Listener
	httpSrv *http.Server
	served  chan error
	stop    context.CancelFunc // ends the certificate watchers
	watches sync.WaitGroup
	nats    natsClients // the clustered apps' NATS connections (cluster.go)
}

// NewGateway checks that no two apps answer the same host and path (the error names both
// claims, file:line) and loads the custom domains' certificates (an unreadable, mismatched or
// expired file is an error naming it). It starts nothing.
func NewGateway(apps []*App, log *slog.Logger) (*Gateway, error) {
	if len(apps) == 0 {
		return nil, errors.New("no API to serve")
	}
	if log == nil {
		log = apps[0].log
	}
	sites := make([]edge.Site, len(apps))
	for i, a := range apps {
		sites[i] = a.site()
	}
	table, err := edge.NewTable(sites)
	if err != nil {
		return nil, err
	}
	g := &Gateway{apps: apps, log: log, router: edge.NewRouter(table)}
	if err := g.loadDomains(); err != nil {
		return nil, err
	}
	return g, nil
}

// Start listens on addr (the first app's server.listen when empty) and serves (see Serve).
func (g *Gateway) Start(ctx context.Context, addr string) error {
	if addr == "" {
		addr = g.apps[0].cfg.Server.Listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if err := g.Serve(ctx, ln); err != nil {
		ln.Close()
		g.ln = nil
		for _, a := range g.apps {
			a.ln = nil
		}
		return err
	}
	return nil
}

// Serve starts every app's integrations (a broken function handler fails here, with every
// problem of every app at once) and serves on ln in the background. Connections that open with
// a TLS handshake are served over TLS, the others as plain HTTP, so ws://, wss://, http:// and
// https:// all work on ln's port.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	g.ln = ln
	for _, a := range g.apps {
		a.ln = ln // the integrations' environment names the listen address
	}
	// One local CA and server certificate for every app, so all functions trust the same one.
	local := g.apps[0].secure()
	for _, a := range g.apps[1:] {
		a.adoptSecure(g.apps[0])
	}
	var errs []error
	for _, a := range g.apps {
		if err := a.startInvokers(ctx, a.snapshotInvokers()); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, a := range g.apps {
		a.startTicker()
	}
	if err := g.nats.join(ctx, g.apps); err != nil {
		for _, a := range g.apps { // nothing serves: stop what started
			a.stopTicker()
			a.closeInvokers()
		}
		return err
	}

	wctx, stop := context.WithCancel(context.Background())
	g.stop = stop
	ln = g.withTLS(wctx, local, ln)
	g.httpSrv = &http.Server{
		Handler:           g.router,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
	}
	g.served = make(chan error, 1)
	go func() {
		err := g.httpSrv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		g.served <- err
	}()
	return nil
}

// withTLS wraps ln so that it serves TLS besides plain connections, with certificates chosen
// by server name, and starts watching certificate files. ln is returned as it is when there is
// no certificate at all (the local CA could not be set up and no domain has one).
func (g *Gateway) withTLS(ctx context.Context, local *tlsconf.Local, ln net.Listener) net.Listener {
	opts := edge.CertsOptions{}
	if local != nil {
		cert := local.Config.Certificates[0]
		opts.Default = &cert
		ca := local.Authority
		opts.Local = func(host string, now time.Time) (*tls.Certificate, error) { return ca.Issue([]string{host}, now) }
	}
	if local == nil && len(g.files) == 0 && len(g.acme) == 0 {
		return ln
	}
	g.certs = edge.NewCerts(opts)
	g.certs.SetDomains(g.domain)
	var hosts []string
	for _, s := range g.router.Table().Sites() {
		hosts = append(hosts, s.ExecuteAPIHost)
	}
	g.certs.SetHosts(hosts)
	for _, f := range g.files {
		g.watches.Add(1)
		go func() {
			defer g.watches.Done()
			f.Watch(ctx, g.apps[0].opts.CertReloadInterval)
		}()
	}
	for _, a := range g.acme {
		g.watches.Add(1)
		go func() {
			defer g.watches.Done()
			a.Prepare(ctx)
		}()
	}
	return tlsconf.NewListener(ln, g.certs.Config(), tlsconf.ListenerOptions{})
}

// Wait blocks until the server stops and returns its serving error, if any.
func (g *Gateway) Wait() error { return <-g.served }

// Addr is the address the gateway listens on, once started.
func (g *Gateway) Addr() net.Addr {
	if g.ln == nil {
		return nil
	}
	return g.ln.Addr()
}

// Handler is the gateway's HTTP handler, for a server of the caller's own (no TLS by server
// name then: that server's TLS configuration applies).
func (g *Gateway) Handler() http.Handler { return g.router }

// Apps returns the apps served, in the order given.
func (g *Gateway) Apps() []*App { return g.apps }

// Shutdown stops accepting connections, closes every client of every app with 1001, waits for
// their $disconnect deliveries (bounded by ctx) and releases the integrations.
func (g *Gateway) Shutdown(ctx context.Context) error {
	var wg sync.WaitGroup
	var httpErr error
	if g.httpSrv != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			httpErr = g.httpSrv.Shutdown(ctx)
		}()
	}
	errs := make([]error, len(g.apps))
	for i, a := range g.apps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = a.drain(ctx)
		}()
	}
	wg.Wait()
	g.nats.close()
	if g.stop != nil {
		g.stop()
		g.watches.Wait()
	}
	return errors.Join(append(errs, httpErr)...)
}

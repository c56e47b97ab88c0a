// Package app is Switchboard's composition root: it turns a validated config snapshot into the
// running object graph (integrations, route table, WebSocket server, @connections API, HTTP
// listener) and takes it down again in order.
//
// Use New to build an App, Start to listen and serve, AddRoutes/Deploy to change routes at run
// time, and Shutdown to drain. Only this package knows the concrete integration kinds.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/edge"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/integration/httpurl"
	"github.com/switchboardhq/switchboard/internal/metrics"
	"github.com/switchboardhq/switchboard/internal/mgmt"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// Supported lists the config features this build can run; config.Unsupported reports uses of the
// others at start-up.
var Supported = config.Support{Functions: true, IAM: true, LambdaAuthorizer: true, Throttle: true, AccessLog: true, CustomDomain: true}

// Options are the dependencies an App takes from its caller.
type Options struct {
	// Logger receives all logs. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// HTTPClient is used by URL integrations. Default: a client with keep-alive.
	HTTPClient *http.Client
	// CacheDir holds function builds, the AWS SDK provided to Node.js handlers and the local
	// certificate authority (in its tls/ directory). Default: $SWITCHBOARD_CACHE_DIR, else
	// <user cache dir>/switchboard, else <temp dir>/switchboard-cache.
	CacheDir string
	// CertReloadInterval is how often custom domains' certificate files are checked for
	// changes. Default edge.DefaultReloadInterval (10s).
	CertReloadInterval time.Duration
	// NoMetrics turns metrics off (they are on by default; this exists to measure their cost).
	NoMetrics bool
}

// App is one API stage, built from a config snapshot.
type App struct {
	// cfg is the snapshot the App was built from; the keys a deployment cannot change (the
	// API's identity, stage name, listener) are read from it.
	cfg  *config.Config
	cur  atomic.Pointer[config.Config] // the deployed snapshot (deploy.go)
	log  *slog.Logger
	opts Options

	metrics *metrics.Registry // nil with Options.NoMetrics (metrics.go)
	ticker  chan struct{}     // closed to stop the metrics ticker; nil when not started

	ws   *wsserver.Server
	mgmt atomic.Pointer[mgmt.Handler] // replaced by a deployment that changes limits.maxMessageBytes
	// iam holds the principals that may sign requests: the IAM credentials file's and every
	// function's generated credentials.
	iam *iam.Store

	mu         sync.Mutex
	routes     map[string]config.Route // the deployed routes
	added      map[string]config.Route // routes added through AddRoutes, deployed or not
	live       map[string]*liveRoute   // the deployed routes' integrations
	auth       *authState              // the deployed Lambda authorizer, if any
	access     *accessState            // the deployed access log
	deployment string                  // the deployment id
	retiring   []*retiring             // parts of earlier deployments waiting to be closed
	grace      time.Duration           // the longest integration timeout deployed: how long retired parts wait
	invokers   []integration.Invoker   // every invoker in use, for Close

	fns functions    // function routes' state (functions.go)
	cl  clusterState // the API's cluster on NATS, when configured (cluster.go)
	tls secureState  // HTTPS on the listener's port (tls.go)

	// handler serves the app alone (Handler); gw is the gateway Start and Serve create.
	handler *edge.Router
	gw      *Gateway
	ln      net.Listener // the listener served on, set by the gateway
}

// New builds the object graph for cfg. It starts nothing.
func New(cfg *config.Config, opts Options) (_ *App, err error) {
	if err := cfg.Unsupported(Supported); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	}
	a := &App{cfg: cfg, log: opts.Logger, opts: opts}
	a.cur.Store(cfg)
	a.metrics = a.newMetrics()
	defer func() {
		if err != nil {
			a.closeInvokers()
			if a.access != nil && a.access.file != nil {
				_ = a.access.file.Close()
			}
		}
	}()
	if a.iam, err = newIAMStore(cfg, opts); err != nil {
		return nil, err
	}

	p, err := a.build(cfg)
	if err != nil {
		return nil, err
	}
	a.live, a.routes, a.auth, a.access, a.invokers = p.live, p.routes, p.auth, p.access, p.fresh
	node := event.NewNodeID()
	if cfg.Server.NodeID != "" {
		node = event.NodeIDFromString(cfg.Server.NodeID)
	}
	if err := a.grantConfiguredAccess(); err != nil {
		return nil, err
	}
	a.ws, err = wsserver.New(wsserver.Options{
		Stage:           cfg.Stage.Name,
		APIID:           cfg.APIID,
		StageVariables:  cfg.Stage.Variables,
		Limits:          cfg.Limits,
		Throttle:        cfg.Stage.Throttle,
		AccessLog:       p.access.logger,
		Routes:          p.table,
		IDs:             event.NewIDs(node),
		Authorizer:      a.connectAuthorizer(cfg, p.auth, p.routes),
		RouteAuthorizer: &routeAuth{store: a.iam, cfg: cfg},
		Observer:        a.wsObserver(),
		Tracker:         a.clusterTracker(node),
		ConnectionTags:  cfg.ConnectionTags,
		Logger:          a.log,
		Now:             opts.Now,
	})
	if err != nil {
		return nil, err
	}
	if a.metrics != nil {
		a.metrics.SetConnections(a.ws.Len)
	}
	a.deployment = newDeploymentID()
	a.grace = cfg.Limits.IntegrationTimeout
	a.log.Debug("deployed", "deploymentId", a.deployment, "stage", cfg.Stage.Name, "trigger", "start",
		"routes", strings.Join(p.table.Keys(), " "))
	a.mgmt.Store(&mgmt.Handler{
		Conns:    a.ws,
		Dir:      a.ws,
		Guard:    a.managementGuard(),
		MaxBytes: cfg.Limits.MaxMessageBytes,
		ValidID:  event.WellFormedID,
		Logger:   a.log,
	})
	t, err := edge.NewTable([]edge.Site{a.site()})
	if err != nil {
		return nil, err
	}
	a.handler = edge.NewRouter(t)
	return a, nil
}

// newInvoker creates the integration of a route's target (url: the target's URL with the stage
// variables substituted). Only this function knows the kinds. Callers hold a.mu, or own a
// exclusively (New).
func (a *App) newInvoker(cfg *config.Config, key string, t config.Target, url string, replacing *function) (integration.Invoker, error) {
	var inv integration.Invoker
	switch t.Kind {
	case config.TargetGo:
		inv = t.Go
	case config.TargetURL:
		inv = httpurl.New(url, a.opts.HTTPClient)
	case config.TargetFunction:
		f, err := a.newFunction(cfg, key, t.Function, replacing)
		if err != nil {
			return nil, err
		}
		inv = f
	default:
		return nil, fmt.Errorf("route has no target")
	}
	if inv == nil {
		return nil, errors.New("route has no handler")
	}
	return inv, nil
}

// Start listens on addr (the config's server.listen when empty), starts the integrations that
// need it (functions are found and built now, with the address their environment names known)
// and serves the app alone in the background (a Gateway of one). Serving errors are reported by
// Wait. The port serves HTTPS and WSS as well as HTTP and WS (see Serve).
func (a *App) Start(ctx context.Context, addr string) error {
	g, err := NewGateway([]*App{a}, a.log)
	if err != nil {
		return err
	}
	if err := g.Start(ctx, addr); err != nil {
		return err
	}
	a.gw = g
	return nil
}

// Serve starts the integrations that need it (a broken function handler fails here, with every
// problem at once) and serves on ln in the background. Connections that open with a TLS
// handshake are served over TLS with a certificate chosen by server name (the custom domain's,
// else one from the local CA; see SecureManagementEndpoint), the others as plain HTTP, so
// ws://, wss://, http:// and https:// all work on ln's port.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	g, err := NewGateway([]*App{a}, a.log)
	if err != nil {
		return err
	}
	if err := g.Serve(ctx, ln); err != nil {
		return err
	}
	a.gw = g
	return nil
}

// Wait blocks until the server that Start or Serve began stops and returns its serving error,
// if any.
func (a *App) Wait() error {
	if a.gw == nil {
		return errors.New("app: not started")
	}
	return a.gw.Wait()
}

func (a *App) snapshotInvokers() []integration.Invoker {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]integration.Invoker(nil), a.invokers...)
}

// startInvokers starts every invoker that needs it and reports every failure at once (each
// broken function handler, say).
func (a *App) startInvokers(ctx context.Context, invs []integration.Invoker) error {
	var errs []error
	for _, inv := range invs {
		if s, ok := inv.(integration.Starter); ok {
			if err := s.Start(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (a *App) closeInvokers() {
	for _, inv := range a.snapshotInvokers() {
		if c, ok := inv.(integration.Closer); ok {
			if err := c.Close(); err != nil {
				a.log.Warn("closing integration", "err", err)
			}
		}
	}
}

// Addr is the address the App listens on, once started.
func (a *App) Addr() net.Addr {
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// hostPort is the host:port clients should use: the listener's address, with an unspecified IP
// replaced by 127.0.0.1, or the configured address before Start.
func (a *App) hostPort() string {
	addr := a.cfg.Server.Listen
	if a.ln != nil {
		addr = a.ln.Addr().String()
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// URL is the stage's WebSocket URL, ws://host:port/{stage}.
func (a *App) URL() string { return "ws://" + a.hostPort() + "/" + a.cfg.Stage.Name }

// ManagementEndpoint is the base URL of the @connections API, http://host:port/{stage}; SDK
// clients take it as their endpoint and append /@connections/{id}.
func (a *App) ManagementEndpoint() string { return "http://" + a.hostPort() + "/" + a.cfg.Stage.Name }

// Connections reaches the stage's connections without HTTP.
func (a *App) Connections() apigw.Connections { return a.mgmt.Load().Conns }

// Directory lists, tags and broadcasts to the stage's connections (every node's, in a
// cluster) without HTTP.
func (a *App) Directory() apigw.Directory { return a.mgmt.Load().Dir }

// SetFrameTap makes t hear every frame in and out of the stage's connections on this node, and
// their starts and ends; nil stops it.
func (a *App) SetFrameTap(t wsserver.FrameTap) { a.ws.SetTap(t) }

// Config returns the deployed config snapshot.
func (a *App) Config() *config.Config { return a.cur.Load() }

// RouteKeys lists the deployed route keys, sorted.
func (a *App) RouteKeys() []string { return a.ws.Routes().Keys() }

// AddRoutes adds or replaces routes. With stage.autoDeploy they take effect at once, for
// existing connections too; otherwise they wait for Deploy, as on API Gateway. Routes added
// this way stay across later deployments of the config file.
func (a *App) AddRoutes(ctx context.Context, routes map[string]config.Route) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	before := maps.Clone(a.added)
	if a.added == nil {
		a.added = map[string]config.Route{}
	}
	maps.Copy(a.added, routes)
	if !a.cur.Load().Stage.AutoDeploy {
		return nil
	}
	if _, err := a.deployLocked(ctx, a.cur.Load(), "addRoutes"); err != nil {
		a.added = before
		return err
	}
	return nil
}

// Deploy makes the routes added since the last deployment take effect, as a new deployment,
// and returns its id.
func (a *App) Deploy(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deployLocked(ctx, a.cur.Load(), "deploy")
}

// Route returns the deployed config of a route.
func (a *App) Route(key string) (config.Route, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.routes[key]
	return r, ok
}

// Shutdown stops accepting connections (when Start or Serve began serving), closes every
// client with 1001, waits for their $disconnect deliveries (bounded by ctx) and releases the
// integrations.
func (a *App) Shutdown(ctx context.Context) error {
	if a.gw != nil {
		return a.gw.Shutdown(ctx)
	}
	return a.drain(ctx)
}

// drain closes every client with 1001, waits for their $disconnect deliveries (bounded by ctx)
// and releases the integrations; the listener is the gateway's business.
func (a *App) drain(ctx context.Context) error {
	wsErr := a.ws.Shutdown(ctx)
	a.stopTicker()
	wsErr = errors.Join(wsErr, a.leaveCluster(ctx))
	a.closeInvokers()
	a.mu.Lock()
	retiring := slices.Clone(a.retiring)
	access := a.access
	a.mu.Unlock()
	for _, r := range retiring {
		a.finishRetiring(r)
	}
	if access != nil && access.file != nil && wsErr == nil {
		// Only once every $disconnect has been logged; after a cut-short shutdown a late entry
		// may still come, and the file stays open for it.
		_ = access.file.Close()
	}
	return wsErr
}

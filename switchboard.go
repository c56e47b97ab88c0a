// Package switchboard runs Amazon API Gateway-style WebSocket APIs: routes $connect,
// $disconnect, $default and custom keys chosen by a route selection expression, Lambda proxy
// events, two-way routes and the @connections management API, with AWS's error frames, close
// codes, status codes and limits.
//
// Use New to define an API from Props (the Go mirror of SST's WebSocketApiProps), NewFromFile
// to load a config file (docs/config.md), or NewFromTemplate to run the WebSocket APIs of a SAM,
// CloudFormation, CDK (cdk.out) or Serverless Framework definition; Synth writes a config as a
// SAM template for AWS (docs/templates.md). Use Start or Run to serve it, or NewGateway to serve
// several APIs on one listener (told apart by custom domain, execute-api host name or stage;
// docs/domains.md). Use URL, ManagementEndpoint, SecureManagementEndpoint, CustomDomainURL and
// ExecuteAPIHost for its addresses (CAFile for the local CA that the https:// and wss:// forms
// use), AddRoutes to add routes while it runs, and PostToConnection, GetConnection and
// DeleteConnection to reach clients without HTTP. Use Reload or WatchConfig to deploy a changed
// config file while clients stay connected, Metric for API Gateway's CloudWatch metrics, and
// NewAdmin for the admin endpoints (the dashboard at /, /metrics, /healthz, /readyz;
// docs/operations.md, docs/dashboard.md). ListConnections, TagConnection, UntagConnection and
// Broadcast go beyond API Gateway (docs/connections.md).
// Handlers are ordinary AWS Lambda handlers (see Handler).
package switchboard

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/app"
	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/config"
)

// The @connections errors, for errors.Is on what PostToConnection, GetConnection and
// DeleteConnection return.
var (
	// ErrGone: no such connection, or it is closed (HTTP 410 GoneException).
	ErrGone error = apigw.ErrGone
	// ErrPayloadTooLarge: the data is over the message limit (413 PayloadTooLargeException).
	ErrPayloadTooLarge error = apigw.ErrPayloadTooLarge
	// ErrLimitExceeded: the connection's send queue is full (429 LimitExceededException).
	ErrLimitExceeded error = apigw.ErrLimitExceeded
)

// Option configures New and NewFromFile.
type Option func(*options)

type options struct {
	logger   *slog.Logger
	handlers map[string]Handler
	now      func() time.Time
	// certReload is how often certificate files are checked (tests shorten it).
	certReload time.Duration
	noMetrics  bool
	// nats overrides cluster.nats (WithNATS).
	nats string
}

// WithLogger sets the logger. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithHandler attaches an in-process handler to a route key; with NewFromFile it adds the route
// or replaces the file's target for that key.
func WithHandler(routeKey string, h Handler) Option {
	return func(o *options) {
		if o.handlers == nil {
			o.handlers = map[string]Handler{}
		}
		o.handlers[routeKey] = h
	}
}

// API is a defined WebSocket API with one stage.
type API struct {
	app          *app.App
	opts         *options // for Reload: the handlers to attach again
	fromTemplate bool     // defined by NewFromTemplate: Reload and WatchConfig do not apply
}

// New defines an API from props. It validates everything at once and starts nothing.
func New(props Props, opts ...Option) (*API, error) {
	o := collect(opts)
	cfg, err := props.toConfig()
	if err != nil {
		return nil, err
	}
	for key, h := range o.handlers {
		cfg.Routes[key] = goRoute(key, h, cfg.Routes[key])
	}
	if err := config.Validate(cfg); err != nil {
		return nil, err
	}
	return build(cfg, o)
}

// NewFromFile loads a config file (YAML or JSON) and defines its API. Every problem in the file
// is reported at once, each with file, line and key.
func NewFromFile(path string, opts ...Option) (*API, error) {
	o := collect(opts)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if len(o.handlers) > 0 {
		if cfg.Routes == nil { // a file without routes
			cfg.Routes = map[string]config.Route{}
		}
		for key, h := range o.handlers {
			cfg.Routes[key] = goRoute(key, h, cfg.Routes[key])
		}
		if err := config.Validate(cfg); err != nil {
			return nil, err
		}
	}
	return build(cfg, o)
}

// ValidateFile checks a config file without running it: syntax, keys, values, and features this
// build cannot run yet. It returns nil when the file is valid.
func ValidateFile(path string) error { return ValidateFiles(path) }

// ValidateFiles checks config files that are to be served together: each file as ValidateFile
// does, and that no two APIs answer the same host and path (a clash names both files and
// lines). It returns every problem at once, nil when all is valid.
func ValidateFiles(paths ...string) error { return ValidateAll(paths, "", TemplateOptions{}) }

func collect(opts []Option) *options {
	o := &options{}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

func build(cfg *config.Config, o *options) (*API, error) {
	if err := applyNATS(cfg, o); err != nil {
		return nil, err
	}
	a, err := app.New(cfg, app.Options{Logger: o.logger, Now: o.now, CertReloadInterval: o.certReload, NoMetrics: o.noMetrics})
	if err != nil {
		return nil, err
	}
	return &API{app: a, opts: o}, nil
}

// Start listens on the configured address (Props.Listen or the file's server.listen) and serves
// in the background until Shutdown.
func (a *API) Start(ctx context.Context) error { return a.app.Start(ctx, "") }

// StartOn listens on addr ("127.0.0.1:0" picks a free port) and serves in the background.
func (a *API) StartOn(ctx context.Context, addr string) error { return a.app.Start(ctx, addr) }

// Serve serves on a listener the caller created, in the background, after starting the
// function workers (a broken handler is reported here).
func (a *API) Serve(ctx context.Context, ln net.Listener) error { return a.app.Serve(ctx, ln) }

// Run starts the API and serves until ctx is cancelled, then shuts down gracefully within the
// config's server.shutdownTimeout.
func (a *API) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-a.wait():
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.app.Config().Server.ShutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

func (a *API) wait() <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- a.app.Wait() }()
	return ch
}

// Shutdown stops accepting connections, closes every client with 1001, delivers $disconnect for
// each (waiting at most until ctx ends) and releases the handlers' resources.
func (a *API) Shutdown(ctx context.Context) error { return a.app.Shutdown(ctx) }

// Handler returns the API as an http.Handler, to mount in a server of your own instead of Start.
// WebSocket clients connect at /{stage}; the management API is at /{stage}/@connections/{id}.
func (a *API) Handler() http.Handler { return a.app.Handler() }

// CustomDomainURL is the API's WebSocket URL through its custom domain,
// wss://{domainName}[:port][/{path}] (SST's `customDomainUrl`; the port is left out when it is
// 443), "" without a custom domain. Clients reach it when the domain resolves to this server.
func (a *API) CustomDomainURL() string { return a.app.CustomDomainURL() }

// CustomDomainManagementEndpoint is the @connections base URL through the custom domain,
// https://{domainName}[:port]/{path}, "" without a custom domain. It is what AWS tells handlers
// behind a custom domain to use; the stage form (ManagementEndpoint) keeps working.
func (a *API) CustomDomainManagementEndpoint() string {
	return a.app.CustomDomainManagementEndpoint()
}

// URL is the stage's WebSocket URL, ws://host:port/{stage} (SST's `url`).
func (a *API) URL() string { return a.app.URL() }

// ManagementEndpoint is the endpoint for ApiGatewayManagementApi clients,
// http://host:port/{stage} (SST's `managementEndpoint`).
func (a *API) ManagementEndpoint() string { return a.app.ManagementEndpoint() }

// SecureManagementEndpoint is the same endpoint over HTTPS, https://host:port/{stage}: the URL
// handlers build from their event as https://{domainName}/{stage}. The port serves TLS with a
// certificate from Switchboard's local CA (docs/functions.md); "" when HTTPS could not be set
// up.
func (a *API) SecureManagementEndpoint() string { return a.app.SecureManagementEndpoint() }

// CAFile is the local CA certificate (PEM) that wss:// and https:// clients must trust; "" when
// HTTPS could not be set up.
func (a *API) CAFile() string { return a.app.CAFile() }

// Routes lists the deployed route keys, sorted (SST's `routes`).
func (a *API) Routes() []string { return a.app.RouteKeys() }

// AddRoutes adds or replaces routes while the API runs (SST's addRoutes). With autoDeploy (the
// default) they take effect at once, for connections already open too; otherwise at Deploy.
func (a *API) AddRoutes(ctx context.Context, routes map[string]Route) error {
	cfgRoutes := make(map[string]config.Route, len(routes))
	for key, r := range routes {
		cr, err := r.toConfig(key)
		if err != nil {
			return err
		}
		cfgRoutes[key] = cr
	}
	probe := *a.app.Config()
	probe.Routes = cfgRoutes
	if err := config.Validate(&probe); err != nil {
		return err
	}
	return a.app.AddRoutes(ctx, cfgRoutes)
}

// Deploy makes routes added with autoDeploy off take effect, as a new deployment, and returns
// its id (the id a config reload logs, too; see DeploymentID).
func (a *API) Deploy(ctx context.Context) (string, error) { return a.app.Deploy(ctx) }

// GetFunction returns the resolved function of a route — its props merged with
// defaults.function and the permissions attached so far — or nil when the route is not a
// function route (SST's getFunction).
func (a *API) GetFunction(routeKey string) *FunctionProps {
	f, ok := a.app.Function(routeKey)
	if !ok {
		return nil
	}
	return fromConfigFunction(f)
}

// AttachPermissions grants permissions to every route's function, including routes added later
// (SST's attachPermissions): the function's credentials may do what they allow from the next
// request they sign. It fails, granting nothing, when a permission is not a valid statement.
func (a *API) AttachPermissions(perms ...Permission) error {
	return a.app.AttachPermissions(toConfigPermissions(perms))
}

// AttachPermissionsToRoute grants permissions to one route's function (SST's
// attachPermissionsToRoute). It fails for an unknown route or an invalid permission, and does
// nothing for a route that is not a function route.
func (a *API) AttachPermissionsToRoute(routeKey string, perms ...Permission) error {
	return a.app.AttachPermissionsToRoute(routeKey, toConfigPermissions(perms))
}

// Principal is an IAM principal: its credentials and who it is.
type Principal struct {
	// Name is a label for logs. ARN is reported as userArn ("arn:aws:iam::{account}:user/{name}").
	Name, ARN string
	// AccessKeyID and SecretAccessKey sign requests; SessionToken is required when set.
	AccessKeyID, SecretAccessKey, SessionToken string
}

// GrantManagementAPIAccess lets p call the stage's @connections API (CDK's
// stage.grantManagementApiAccess); p is added when the API does not know its access key yet. It
// matters with IAM authorization, when every management call must be signed.
func (a *API) GrantManagementAPIAccess(p Principal) error {
	return a.app.GrantManagementAccess(iam.Principal{
		Name: p.Name, ARN: p.ARN, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken,
	})
}

func toConfigPermissions(perms []Permission) []config.Permission {
	out := make([]config.Permission, len(perms))
	for i, p := range perms {
		out[i] = config.Permission(p)
	}
	return out
}

// Connection describes a live connection: GetConnection's output, and in a connection list its
// id, principal and tags too.
type Connection struct {
	ConnectionID string
	ConnectedAt  time.Time
	LastActiveAt time.Time
	SourceIP     string
	UserAgent    string
	// PrincipalID is the Lambda authorizer's principalId; "" without one.
	PrincipalID string
	// Tags are the connection's tags (a copy).
	Tags map[string]string
}

// PostToConnection sends data to a client as one text frame. It returns once the frame is
// queued; errors match ErrGone, ErrPayloadTooLarge and ErrLimitExceeded.
func (a *API) PostToConnection(ctx context.Context, connectionID string, data []byte) error {
	return a.app.Connections().PostToConnection(ctx, connectionID, data)
}

// GetConnection describes a live connection, or returns ErrGone.
func (a *API) GetConnection(ctx context.Context, connectionID string) (*Connection, error) {
	info, err := a.app.Connections().GetConnection(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	return connectionOf(info), nil
}

// DeleteConnection closes a connection with 1000 and delivers its $disconnect, or returns
// ErrGone.
func (a *API) DeleteConnection(ctx context.Context, connectionID string) error {
	return a.app.Connections().DeleteConnection(ctx, connectionID)
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var errNoTarget = errors.New("needs exactly one of Handler, URL or Function")

// ShutdownTimeout is how long a graceful shutdown may take (server.shutdownTimeout).
func (a *API) ShutdownTimeout() time.Duration { return a.app.Config().Server.ShutdownTimeout }

// Name is the API's name (config `name`; SST's cdk.webSocketApi.apiName).
func (a *API) Name() string { return a.app.Config().Name }

// ExecuteAPIHost is the API's AWS host name, {apiId}.execute-api.{region}.amazonaws.com. A
// request with it as Host (and TLS server name) reaches this API at /{stage}, as on AWS, with a
// certificate from the local CA; handlers that build their management endpoint from it reach
// this server.
func (a *API) ExecuteAPIHost() string { return a.app.ExecuteAPIHost() }

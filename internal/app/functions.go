package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/integration/lambda"
	"github.com/switchboardhq/switchboard/internal/integration/lambda/redirect"
)

// CacheDirEnv names the environment variable that overrides where Switchboard keeps Go builds,
// the AWS SDK it provides to Node.js handlers, and the local certificate authority.
const CacheDirEnv = "SWITCHBOARD_CACHE_DIR"

// EndpointEnv is the variable the AWS SDKs read as the endpoint of ApiGatewayManagementApi
// clients created without one; workers get it set to this stage's HTTPS @connections endpoint.
const EndpointEnv = "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"

// functions is the App's state for function routes.
type functions struct {
	mu       sync.Mutex
	all      []*function          // every function built, in order
	names    map[string]*function // function names in use, and by which function
	attached []config.Permission  // AttachPermissions grants, for functions built later too
}

// function runs one route's Lambda-style handler through a lambda.Function. The lambda.Function
// is created on first use (Start or the first invocation), because the environment it gives the
// workers names the stage's address, known only once the App listens. Its credentials exist from
// the start, so that permissions can be attached before that.
type function struct {
	app         *App
	route       string
	name        string
	cfg         *config.Function // merged with defaults.function
	own         *config.Function // the route's own function, before the merge
	credentials []string         // AWS_ACCESS_KEY_ID=..., AWS_SECRET_ACCESS_KEY=..., AWS_SESSION_TOKEN=...
	accessKeyID string
	attached    []config.Permission // granted after creation; guarded by app.fns.mu
	authorizer  bool                // the Lambda authorizer's function, not a route's
	src         *config.Config      // the snapshot it was built from, for file:line in errors
	replaced    *function           // the function it took the name of, if any

	fn     atomic.Pointer[lambda.Function]
	mu     sync.Mutex // creation and Close
	closed bool
}

var (
	_ integration.Invoker    = (*function)(nil)
	_ integration.RawInvoker = (*function)(nil)
	_ integration.Starter    = (*function)(nil)
	_ integration.Closer     = (*function)(nil)
)

var errFunctionClosed = errors.New("the function is shut down")

// newFunction builds the invoker of a function route: fn merged with defaults.function, named
// <api name>-<route key without $>, with credentials allowing the stage's @connections API plus
// its permissions and those attached to every function. The authorizer's function (the config's
// authorizer.function, built under the key "authorizer") takes neither defaults.function nor
// attached permissions, as in SST. A function that replaces another (a deployment changed the
// route's function) takes its name.
func (a *App) newFunction(cfg *config.Config, key string, fn *config.Function, replacing *function) (*function, error) {
	authorizer := key == "authorizer" && fn != nil && fn == cfg.Authorizer.Target.Function
	defaults := cfg.Defaults.Function
	if authorizer {
		defaults = nil
	}
	merged := config.MergeFunction(defaults, fn)
	if merged == nil || merged.Handler == "" {
		return nil, errors.New("function has no handler")
	}
	a.fns.mu.Lock()
	defer a.fns.mu.Unlock()
	name := a.functionNameLocked(key, replacing)
	var attached []config.Permission
	if !authorizer {
		attached = slices.Clone(a.fns.attached)
	}
	creds, err := a.functionCredentials(name, append(slices.Clone(merged.Permissions), attached...))
	if err != nil {
		return nil, err
	}
	f := &function{app: a, route: key, name: name, cfg: merged, own: fn, credentials: creds, attached: attached,
		authorizer: authorizer, src: cfg, replaced: replacing}
	a.fns.names[name] = f
	for _, kv := range creds {
		if v, ok := strings.CutPrefix(kv, "AWS_ACCESS_KEY_ID="); ok {
			f.accessKeyID = v
		}
	}
	a.fns.all = append(a.fns.all, f)
	return f, nil
}

// functionNameLocked names a route's function <api name>-<route key without $>, in the
// characters IAM allows in role names (others become "-"), at most 64 long, and unique within
// the App (a numeric suffix tells apart keys that differ only in dropped characters); a name
// held by replacing may be taken over.
func (a *App) functionNameLocked(key string, replacing *function) string {
	clean := func(s string, max int) string {
		b := []byte(s)
		for i, c := range b {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
				b[i] = '-'
			}
		}
		if len(b) > max {
			b = b[:max]
		}
		return string(b)
	}
	base := clean(a.cfg.Name+"-"+strings.TrimPrefix(key, "$"), 64)
	if a.fns.names == nil {
		a.fns.names = map[string]*function{}
	}
	taken := func(name string) bool {
		f, ok := a.fns.names[name]
		return ok && (replacing == nil || f != replacing)
	}
	name := base
	for n := 2; taken(name); n++ {
		suffix := "-" + strconv.Itoa(n)
		name = clean(base, 64-len(suffix)) + suffix
	}
	a.fns.names[name] = replacing // newFunction records the new function as the holder
	return name
}

// forgetFunction drops a closed function: from the functions AttachPermissions grants to, its
// name (unless a newer function holds it now), and its credentials.
func (a *App) forgetFunction(f *function) {
	a.fns.mu.Lock()
	defer a.fns.mu.Unlock()
	a.fns.all = slices.DeleteFunc(a.fns.all, func(g *function) bool { return g == f })
	if a.fns.names[f.name] == f {
		if r := f.replaced; r != nil && slices.Contains(a.fns.all, r) {
			a.fns.names[f.name] = r // a failed deployment: the function it was to replace goes on
		} else {
			delete(a.fns.names, f.name)
		}
	}
	a.iam.RemovePrincipal(f.accessKeyID)
}

// lambdaFunction returns the function's lambda.Function, creating it on first use.
func (f *function) lambdaFunction() (*lambda.Function, error) {
	if fn := f.fn.Load(); fn != nil {
		return fn, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, fmt.Errorf("function %s: %w", f.name, errFunctionClosed)
	}
	if fn := f.fn.Load(); fn != nil {
		return fn, nil
	}
	a := f.app
	fn, err := lambda.New(lambda.Options{
		Name:      f.name,
		Config:    f.cfg,
		Root:      functionRoot(a.cfg, f.cfg),
		CacheDir:  a.cacheDir(),
		Region:    a.cfg.Region,
		AccountID: a.cfg.AccountID,
		Env:       a.functionEnv(f),
		Redirect:  a.redirectRules(),
		Logger:    a.log.With("route", f.route),
		Observer:  a.functionObserver(f.name),
	})
	if err != nil {
		return nil, err
	}
	f.fn.Store(fn)
	return fn, nil
}

// Start prepares the handler (finds it, builds a Go handler), so that a broken handler stops
// start-up with an error naming the route, its place in the config file and the paths tried.
// Before the App listens it does nothing: the workers' environment names the App's address, and
// the App's Start starts every function once it listens.
func (f *function) Start(ctx context.Context) error {
	if f.app.ln == nil {
		return nil
	}
	fn, err := f.lambdaFunction()
	if err == nil {
		err = fn.Start(ctx)
	}
	if err != nil {
		label := "route " + f.route
		if f.authorizer {
			label = "authorizer"
		}
		key, prop := f.keyPath(err)
		if prop {
			label += ": " + key
		}
		return f.app.configError(f.src, key, label, err)
	}
	return nil
}

// keyPath is the config key a start-up failure of the function is about: the prop a
// *lambda.PropError names (prop true) — the route's own runtime or layer, or defaults.function's
// when the value came from there — else the handler.
func (f *function) keyPath(err error) (key string, prop bool) {
	base := "routes." + f.route + ".function"
	if f.authorizer {
		base = "authorizer.function"
	}
	var pe *lambda.PropError
	if !errors.As(err, &pe) {
		if f.authorizer {
			return base, false
		}
		return base + ".handler", false
	}
	defaults := f.src.Defaults.Function
	if f.authorizer {
		defaults = nil
	}
	own := f.own
	if own == nil {
		own = &config.Function{}
	}
	switch pe.Prop {
	case "runtime":
		if own.Runtime == "" && defaults != nil && defaults.Runtime != "" {
			return "defaults.function.runtime", true
		}
		return base + ".runtime", true
	case "layers":
		if pe.Index < len(f.cfg.Layers) {
			layer := f.cfg.Layers[pe.Index]
			if i := slices.Index(own.Layers, layer); i >= 0 {
				return fmt.Sprintf("%s.layers[%d]", base, i), true
			}
			if defaults != nil {
				if i := slices.Index(defaults.Layers, layer); i >= 0 {
					return fmt.Sprintf("defaults.function.layers[%d]", i), true
				}
			}
		}
		return base + ".layers", true
	}
	return base + "." + pe.Prop, true
}

// Invoke runs the event through a worker.
func (f *function) Invoke(ctx context.Context, req *event.Request) (*event.Response, error) {
	fn, err := f.lambdaFunction()
	if err != nil {
		return nil, err
	}
	return fn.Invoke(ctx, req)
}

// InvokeRaw runs a JSON event through a worker and returns its JSON result (authorizers).
func (f *function) InvokeRaw(ctx context.Context, payload []byte) ([]byte, error) {
	fn, err := f.lambdaFunction()
	if err != nil {
		return nil, err
	}
	return fn.InvokeRaw(ctx, payload)
}

// Close stops the workers; the function cannot be used afterwards.
func (f *function) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	if fn := f.fn.Load(); fn != nil {
		return fn.Close()
	}
	return nil
}

// configError prefixes err with what failed (label) and, for a config file, the file and line of
// keyPath (or of its nearest ancestor the file gives) in cfg.
func (a *App) configError(cfg *config.Config, keyPath, label string, err error) error {
	if cfg.File != "" {
		if line, _ := cfg.Position(keyPath); line > 0 {
			return fmt.Errorf("%s:%d: %s: %w", cfg.File, line, label, err)
		}
	}
	return fmt.Errorf("%s: %w", label, err)
}

// functionEnv is what a function's workers get besides Lambda's own variables: its credentials,
// the SDKs' endpoint variable for this stage's @connections API and, with HTTPS on, the CA
// bundle variables of Node.js, the AWS SDKs, OpenSSL/Go and Python requests. A variable the
// function's own environment sets (other than the credentials) is left to it.
func (a *App) functionEnv(f *function) []string {
	env := slices.Clone(f.credentials)
	add := func(k, v string) {
		if _, own := f.cfg.Environment[k]; !own {
			env = append(env, k+"="+v)
		}
	}
	scheme := "http"
	if local := a.secure(); local != nil {
		scheme = "https"
		add("NODE_EXTRA_CA_CERTS", local.CAFile)
		add("AWS_CA_BUNDLE", local.BundleFile)
		add("SSL_CERT_FILE", local.BundleFile)
		add("REQUESTS_CA_BUNDLE", local.BundleFile)
	}
	add(EndpointEnv, scheme+"://"+a.hostPort()+"/"+a.cfg.Stage.Name)
	return env
}

// redirectRules send function workers' HTTPS connections to ManagementHosts to the listener;
// nothing when HTTPS is off (such a connection would find no TLS there).
func (a *App) redirectRules() redirect.Rules {
	if a.secure() == nil {
		return redirect.Rules{}
	}
	return redirect.Rules{Hosts: a.ManagementHosts(), To: a.hostPort()}
}

// cacheDir is Options.CacheDir, else $SWITCHBOARD_CACHE_DIR, else <user cache dir>/switchboard,
// else <temp dir>/switchboard-cache.
func (a *App) cacheDir() string {
	if a.opts.CacheDir != "" {
		return a.opts.CacheDir
	}
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "switchboard")
	}
	return filepath.Join(os.TempDir(), "switchboard-cache")
}

// routeFunction returns the function of a deployed route, if it is a function route.
func (a *App) routeFunction(key string) (*function, bool) {
	r, ok := a.ws.Routes().Get(key)
	if !ok {
		return nil, false
	}
	f, ok := r.Invoker.(*function)
	return f, ok
}

// Function returns the resolved function of a deployed route: its props merged with
// defaults.function and every permission attached since (SST's getFunction). ok is false when
// the route does not exist or is not a function route.
func (a *App) Function(routeKey string) (_ *config.Function, ok bool) {
	f, ok := a.routeFunction(routeKey)
	if !ok {
		return nil, false
	}
	a.fns.mu.Lock()
	defer a.fns.mu.Unlock()
	out := config.MergeFunction(nil, f.cfg) // a deep copy
	out.Permissions = append(out.Permissions, f.attached...)
	return out, true
}

// AttachPermissions grants perms to every function route's function (not the authorizer's),
// and to the functions of routes added later (SST's attachPermissions): their credentials may do what perms allow from
// the next request they sign. Nothing is granted when a permission is not a valid statement;
// errors are logged as well as returned.
func (a *App) AttachPermissions(perms []config.Permission) (err error) {
	defer func() {
		if err != nil {
			a.log.Error("attach permissions", "err", err)
		}
	}()
	if err := validPermissions(perms); err != nil {
		return err
	}
	a.fns.mu.Lock()
	defer a.fns.mu.Unlock()
	a.fns.attached = append(a.fns.attached, perms...)
	var errs []error
	for _, f := range a.fns.all {
		if !f.authorizer {
			errs = append(errs, a.grantLocked(f, perms))
		}
	}
	return errors.Join(errs...)
}

// AttachPermissionsToRoute grants perms to the function of one deployed route (SST's
// attachPermissionsToRoute). It fails for an unknown route and does nothing for a route that is
// not a function route.
func (a *App) AttachPermissionsToRoute(routeKey string, perms []config.Permission) error {
	if _, ok := a.ws.Routes().Get(routeKey); !ok {
		return fmt.Errorf("attach permissions: no route %q", routeKey)
	}
	if err := validPermissions(perms); err != nil {
		return err
	}
	f, ok := a.routeFunction(routeKey)
	if !ok {
		return nil
	}
	a.fns.mu.Lock()
	defer a.fns.mu.Unlock()
	return a.grantLocked(f, perms)
}

// validPermissions checks that each permission makes a valid IAM statement.
func validPermissions(perms []config.Permission) error {
	for i, st := range permissionStatements(perms) {
		if err := st.Validate(); err != nil {
			return fmt.Errorf("attach permissions: permission %d: %w", i, err)
		}
	}
	return nil
}

// grantLocked adds perms to f's credentials' policy and to what Function reports.
func (a *App) grantLocked(f *function, perms []config.Permission) error {
	if err := a.iam.Grant(f.accessKeyID, permissionStatements(perms)...); err != nil {
		return fmt.Errorf("attach permissions to function %s: %w", f.name, err)
	}
	f.attached = append(f.attached, perms...)
	return nil
}

// functionRoot is the directory fn's handler is relative to: its own Root (a template function's
// code directory), else the config's directory.
func functionRoot(cfg *config.Config, fn *config.Function) string {
	if fn.Root != "" {
		return fn.Root
	}
	return cfg.Dir()
}

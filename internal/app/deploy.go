package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/auth/lambdaauth"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/route"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// A deployment is what the stage runs, built from one config snapshot plus the routes added
// through the Go API: the route table with an integration per route, the authorizer, the
// throttle, the access log, the stage variables and the limits for new connections. Deploying
// builds the new parts first, reusing those that did not change (a function whose merged props
// are the same keeps its warm workers), starts them, and only then swaps the whole deployment in
// at once (wsserver.Server.Deploy); if anything fails, nothing changes. Parts no longer used are
// closed once the calls they may still be serving have had the integration timeout to finish.

// liveRoute is a deployed route and its integration.
type liveRoute struct {
	route  config.Route
	url    string           // a url route's URL with the stage variables substituted
	merged *config.Function // a function route's props merged with defaults.function
	inv    integration.Invoker
}

// authState is the deployed Lambda authorizer: its config, and what was built for it.
type authState struct {
	cfg  config.Authorizer
	impl *lambdaauth.Authorizer
	inv  integration.Invoker // the authorizer's own integration (function or url), when it has one
}

// plan is a deployment being built.
type plan struct {
	cfg    *config.Config
	routes map[string]config.Route
	live   map[string]*liveRoute
	table  *route.Table[*wsserver.Route]
	auth   *authState
	access *accessState
	fresh  []integration.Invoker // built for this plan: closed if it fails
	// added, removed and changed are the route keys the plan changes, for the log.
	added, removed, changed []string
}

// build builds the deployment of cfg plus the routes added through the Go API, reusing the
// deployed parts that cfg leaves unchanged. It starts nothing. Callers hold a.mu (or own a).
func (a *App) build(cfg *config.Config) (_ *plan, err error) {
	p := &plan{cfg: cfg, routes: maps.Clone(cfg.Routes), live: map[string]*liveRoute{}}
	if p.routes == nil {
		p.routes = map[string]config.Route{}
	}
	maps.Copy(p.routes, a.added)
	defer func() {
		if err != nil {
			a.discard(p)
		}
	}()

	entries := make(map[string]*wsserver.Route, len(p.routes))
	for _, key := range slices.Sorted(maps.Keys(p.routes)) {
		r := p.routes[key]
		lr, err := a.liveRoute(cfg, key, r, p)
		if err != nil {
			return nil, a.configError(cfg, "routes."+key, "route "+key, err)
		}
		p.live[key] = lr
		entries[key] = &wsserver.Route{Key: key, Invoker: lr.inv, ReturnResponse: r.ReturnResponse, IAM: r.IAM}
	}
	expr, err := route.Parse(cfg.RouteSelectionExpression)
	if err != nil {
		return nil, fmt.Errorf("routeSelectionExpression: %w", err)
	}
	p.table = route.NewTable(expr, entries)

	if cfg.Authorizer.Type == config.AuthorizerLambda {
		if old := a.auth; old != nil && reflect.DeepEqual(old.cfg, cfg.Authorizer) {
			p.auth = old
		} else if p.auth, err = a.lambdaAuthorizer(cfg); err != nil {
			return nil, fmt.Errorf("authorizer: %w", err)
		} else if p.auth.inv != nil {
			p.fresh = append(p.fresh, p.auth.inv)
		}
	}
	if p.access, err = a.openAccessLog(cfg, a.access); err != nil {
		return nil, err
	}

	for key := range p.live {
		old, ok := a.live[key]
		switch {
		case !ok:
			p.added = append(p.added, key)
		case !sameInvoker(old.inv, p.live[key].inv) || old.route.ReturnResponse != p.routes[key].ReturnResponse || old.route.IAM != p.routes[key].IAM:
			p.changed = append(p.changed, key)
		}
	}
	for key := range a.live {
		if _, ok := p.live[key]; !ok {
			p.removed = append(p.removed, key)
		}
	}
	slices.Sort(p.added)
	slices.Sort(p.changed)
	slices.Sort(p.removed)
	return p, nil
}

// liveRoute returns the deployed route for key: the one in force when its target is the same,
// else a new one (added to p.fresh).
func (a *App) liveRoute(cfg *config.Config, key string, r config.Route, p *plan) (*liveRoute, error) {
	lr := &liveRoute{route: r}
	switch r.Target.Kind {
	case config.TargetURL:
		u, err := config.ExpandStageVariables(r.Target.URL, cfg.Stage.Variables)
		if err != nil {
			return nil, err
		}
		lr.url = u
	case config.TargetFunction:
		lr.merged = config.MergeFunction(cfg.Defaults.Function, r.Target.Function)
	}
	old := a.live[key]
	if old != nil && old.route.Target.Kind == r.Target.Kind {
		same := false
		switch r.Target.Kind {
		case config.TargetGo:
			same = sameInvoker(old.inv, r.Target.Go)
		case config.TargetURL:
			same = old.url == lr.url
		case config.TargetFunction:
			same = reflect.DeepEqual(old.merged, lr.merged)
		}
		if same {
			lr.inv = old.inv
			return lr, nil
		}
	}
	var replacing *function
	if old != nil {
		replacing, _ = old.inv.(*function)
	}
	inv, err := a.newInvoker(cfg, key, r.Target, lr.url, replacing)
	if err != nil {
		return nil, err
	}
	lr.inv = inv
	if r.Target.Kind != config.TargetGo {
		p.fresh = append(p.fresh, inv)
	}
	return lr, nil
}

// sameInvoker reports whether two in-process handlers are the same value (false for values Go
// cannot compare).
func sameInvoker(x, y integration.Invoker) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return x == y
}

// discard closes what a failed plan built.
func (a *App) discard(p *plan) {
	a.closeNow(p.fresh)
	if p.access != nil && p.access != a.access && p.access.file != nil && (a.access == nil || p.access.file != a.access.file) {
		_ = p.access.file.Close()
	}
}

// commit swaps p in: the WebSocket server's deployment, the App's records and a new deployment
// id. What p no longer uses is retired. Callers hold a.mu and have started p's integrations.
func (a *App) commit(p *plan) string {
	a.ws.Deploy(wsserver.Deployment{
		Routes:          p.table,
		StageVariables:  p.cfg.Stage.Variables,
		Limits:          p.cfg.Limits,
		Throttle:        p.cfg.Stage.Throttle,
		AccessLog:       p.access.logger,
		Authorizer:      a.connectAuthorizer(p.cfg, p.auth, p.routes),
		RouteAuthorizer: &routeAuth{store: a.iam, cfg: a.cfg},
		ConnectionTags:  p.cfg.ConnectionTags,
	})
	if a.metrics != nil {
		a.metrics.SetDetailed(p.cfg.Stage.DetailedMetrics)
	}
	var retired []integration.Invoker
	for key, old := range a.live {
		if lr, ok := p.live[key]; !ok || !sameInvoker(lr.inv, old.inv) {
			if old.route.Target.Kind != config.TargetGo {
				retired = append(retired, old.inv)
			}
		}
	}
	if a.auth != nil && a.auth != p.auth && a.auth.inv != nil {
		retired = append(retired, a.auth.inv)
	}
	var oldFile *accessState
	if a.access != nil && a.access.file != nil && (p.access == nil || p.access.file != a.access.file) {
		oldFile = a.access
	}
	if h := a.mgmt.Load(); h != nil && h.MaxBytes != p.cfg.Limits.MaxMessageBytes {
		n := *h
		n.MaxBytes = p.cfg.Limits.MaxMessageBytes
		a.mgmt.Store(&n)
	}
	a.live, a.routes, a.auth, a.access = p.live, p.routes, p.auth, p.access
	a.grace = max(a.grace, p.cfg.Limits.IntegrationTimeout)
	a.cur.Store(p.cfg)
	a.retire(retired, oldFile)

	id := newDeploymentID()
	a.deployment = id
	return id
}

// deployLocked builds, starts and commits the deployment of cfg, and logs it with its id.
// Callers hold a.mu.
func (a *App) deployLocked(ctx context.Context, cfg *config.Config, why string) (string, error) {
	p, err := a.build(cfg)
	if err != nil {
		return "", err
	}
	if err := a.startInvokers(ctx, p.fresh); err != nil {
		a.discard(p)
		return "", err
	}
	id := a.commit(p)
	a.invokers = append(a.invokers, p.fresh...)
	a.log.Info("deployed", "deploymentId", id, "stage", a.cfg.Stage.Name, "trigger", why,
		"routes", strings.Join(slices.Sorted(maps.Keys(p.routes)), " "),
		"added", strings.Join(p.added, " "), "removed", strings.Join(p.removed, " "), "changed", strings.Join(p.changed, " "))
	return id, nil
}

// retire closes invokers and an access log file a deployment no longer uses, once calls they
// may still be serving have had the integration timeout to end (at once when the App drains).
func (a *App) retire(invs []integration.Invoker, access *accessState) {
	if len(invs) == 0 && access == nil {
		return
	}
	a.invokers = slices.DeleteFunc(a.invokers, func(inv integration.Invoker) bool { return slices.Contains(invs, inv) })
	r := &retiring{invs: invs, access: access}
	a.retiring = append(a.retiring, r)
	r.timer = time.AfterFunc(a.grace+time.Second, func() { a.finishRetiring(r) })
}

// retiring is what a deployment stopped using, waiting to be closed.
type retiring struct {
	invs   []integration.Invoker
	access *accessState
	timer  *time.Timer
}

// finishRetiring closes r's parts, once.
func (a *App) finishRetiring(r *retiring) {
	a.mu.Lock()
	i := slices.Index(a.retiring, r)
	if i < 0 {
		a.mu.Unlock()
		return
	}
	a.retiring = slices.Delete(a.retiring, i, i+1)
	a.mu.Unlock()
	r.timer.Stop()
	a.closeNow(r.invs)
	if r.access != nil && r.access.file != nil {
		_ = r.access.file.Close()
	}
}

// closeNow closes invokers and forgets the functions among them (their names, their
// credentials).
func (a *App) closeNow(invs []integration.Invoker) {
	for _, inv := range invs {
		if c, ok := inv.(integration.Closer); ok {
			if err := c.Close(); err != nil {
				a.log.Warn("closing integration", "err", err)
			}
		}
		if f, ok := inv.(*function); ok {
			a.forgetFunction(f)
		}
	}
}

// Apply deploys a new config snapshot of the App's file (a reload): changes that need a restart
// (listen address, stage name, node id, API identity, custom domain, admin address, the IAM
// credentials file and grants) are logged with their file:line and left as they are; the rest
// is deployed as one deployment, or not at all. It returns the deployment's id.
func (a *App) Apply(ctx context.Context, next *config.Config, why string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.cur.Load()
	next = a.keepRestartOnly(cur, next)
	id, err := a.deployLocked(ctx, next, why)
	if err != nil {
		a.LogRejected(err, why)
		return "", err
	}
	return id, nil
}

// restartOnly are the keys a running App cannot change, and how to read them.
var restartOnly = []struct {
	key string
	get func(c *config.Config) any
	set func(dst, src *config.Config)
}{
	{"name", func(c *config.Config) any { return c.Name }, func(d, s *config.Config) { d.Name = s.Name }},
	{"apiId", func(c *config.Config) any { return c.APIID }, func(d, s *config.Config) { d.APIID = s.APIID }},
	{"region", func(c *config.Config) any { return c.Region }, func(d, s *config.Config) { d.Region = s.Region }},
	{"accountId", func(c *config.Config) any { return c.AccountID }, func(d, s *config.Config) { d.AccountID = s.AccountID }},
	{"stage.name", func(c *config.Config) any { return c.Stage.Name }, func(d, s *config.Config) { d.Stage.Name = s.Stage.Name }},
	{"server.listen", func(c *config.Config) any { return c.Server.Listen }, func(d, s *config.Config) { d.Server.Listen = s.Server.Listen }},
	{"server.nodeId", func(c *config.Config) any { return c.Server.NodeID }, func(d, s *config.Config) { d.Server.NodeID = s.Server.NodeID }},
	{"server.admin", func(c *config.Config) any { return c.Server.Admin }, func(d, s *config.Config) { d.Server.Admin = s.Server.Admin }},
	{"customDomain", func(c *config.Config) any { return c.CustomDomain }, func(d, s *config.Config) { d.CustomDomain = s.CustomDomain }},
	{"authorizer.credentialsFile", func(c *config.Config) any { return c.Authorizer.CredentialsFile },
		func(d, s *config.Config) { d.Authorizer.CredentialsFile = s.Authorizer.CredentialsFile }},
	{"stage.grantManagementApiAccess", func(c *config.Config) any { return c.Stage.GrantManagementAPIAccess },
		func(d, s *config.Config) { d.Stage.GrantManagementAPIAccess = s.Stage.GrantManagementAPIAccess }},
	{"cluster", func(c *config.Config) any { return c.Cluster }, func(d, s *config.Config) { d.Cluster = s.Cluster }},
}

// keepRestartOnly returns next with the keys that need a restart set back to cur's values,
// logging each one that differed.
func (a *App) keepRestartOnly(cur, next *config.Config) *config.Config {
	out := *next
	for _, k := range restartOnly {
		if reflect.DeepEqual(k.get(cur), k.get(next)) {
			continue
		}
		a.log.Warn("config change needs a restart; not applied", "at", where(next, k.key), "key", k.key,
			"running", fmt.Sprint(k.get(cur)), "file", fmt.Sprint(k.get(next)))
		k.set(&out, cur)
	}
	if out.Authorizer.Type == config.AuthorizerIAM && out.Authorizer.CredentialsFile == "" && cur.Authorizer.Type != config.AuthorizerIAM {
		// authorizer: iam without a file trusts the credentials Switchboard runs with.
		if p, ok := iam.EnvironmentPrincipal(os.Getenv, out.AccountID); ok {
			if _, known := a.iam.Lookup(p.AccessKeyID); !known {
				_ = a.iam.AddPrincipal(p)
			}
		}
	}
	return &out
}

// LogRejected logs a config change that was not applied: each problem of a config error on a
// line of its own, with its file:line, key and message; another error as it is.
func (a *App) LogRejected(err error, why string) {
	var probs config.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			a.log.Error("config change not applied", "trigger", why, "problem", p.String())
		}
		return
	}
	a.log.Error("config change not applied", "trigger", why, "err", err)
}

// DeploymentID is the id of the deployment in force.
func (a *App) DeploymentID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.deployment
}

// AutoDeploy reports whether the deployed config has stage.autoDeploy on.
func (a *App) AutoDeploy() bool { return a.cur.Load().Stage.AutoDeploy }

// newDeploymentID returns an id like API Gateway's deployment ids: ten lowercase letters and
// digits.
func newDeploymentID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/iam"
	"github.com/switchboardhq/switchboard/internal/auth/lambdaauth"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/integration/httpurl"
	"github.com/switchboardhq/switchboard/internal/mgmt"
	"github.com/switchboardhq/switchboard/internal/wsserver"
)

// iamConfigured reports whether the deployed config uses IAM authorization: then every
// @connections call must be signed, from anywhere.
func (a *App) iamConfigured() bool { return a.cur.Load().Authorizer.Type == config.AuthorizerIAM }

// connectAuthorizer returns what authorizes handshakes, nil when nothing does:
//   - the Lambda authorizer, for authorizer type lambda;
//   - IAM, required, for authorizer type iam or auth.iam on $connect;
//   - IAM, optional, when only message routes have auth.iam: a signed handshake is verified
//     (a bad signature is refused) so that its principal can use those routes, an unsigned one
//     connects without an identity.
//
// la is the deployment's Lambda authorizer, routes its routes.
func (a *App) connectAuthorizer(cfg *config.Config, la *authState, routes map[string]config.Route) wsserver.ConnectAuthorizer {
	arn := iam.ConnectARN(a.cfg.Region, a.cfg.AccountID, a.cfg.APIID, a.cfg.Stage.Name)
	if la != nil {
		return &connectAuth{impl: la.impl, arn: arn}
	}
	connectIAM, routeIAM := false, false
	for key, r := range routes {
		if r.IAM {
			if key == event.RouteConnect {
				connectIAM = true
			} else {
				routeIAM = true
			}
		}
	}
	switch {
	case cfg.Authorizer.Type == config.AuthorizerIAM || connectIAM:
		return &connectAuth{impl: a.iam, arn: arn}
	case routeIAM:
		return &connectAuth{impl: a.iam, arn: arn, optional: true}
	}
	return nil
}

// lambdaAuthorizer builds the Lambda REQUEST authorizer from cfg's target.
func (a *App) lambdaAuthorizer(cfg *config.Config) (*authState, error) {
	c := cfg.Authorizer
	st := &authState{cfg: c}
	var raw integration.RawInvoker
	switch t := c.Target; t.Kind {
	case config.TargetGo:
		r, ok := t.Go.(integration.RawInvoker)
		if !ok {
			return nil, errors.New("the Go handler cannot be called as an authorizer")
		}
		raw = r
	case config.TargetURL:
		u, err := config.ExpandStageVariables(t.URL, cfg.Stage.Variables)
		if err != nil {
			return nil, err
		}
		inv := httpurl.New(u, a.opts.HTTPClient)
		st.inv, raw = inv, inv
	case config.TargetFunction:
		f, err := a.newFunction(cfg, "authorizer", t.Function, nil)
		if err != nil {
			return nil, err
		}
		st.inv, raw = f, f
	default:
		return nil, errors.New("a lambda authorizer needs a function, a url or a Go handler")
	}
	impl, err := lambdaauth.New(lambdaauth.Options{
		Invoke:          raw.InvokeRaw,
		IdentitySource:  c.IdentitySource,
		ResultsCacheTTL: c.ResultsCacheTTL,
		Clock:           a.opts.Now,
		Logger:          a.log,
	})
	if err != nil {
		if st.inv != nil {
			a.closeNow([]integration.Invoker{st.inv})
		}
		return nil, err
	}
	st.impl = impl
	return st, nil
}

// connectAuth adapts an auth.ConnectAuthorizer to the server's handshake seam.
type connectAuth struct {
	impl     auth.ConnectAuthorizer
	arn      string
	optional bool // verify only handshakes that carry a signature
}

func (c *connectAuth) AuthorizeConnect(ctx context.Context, hs *wsserver.Handshake) error {
	if c.optional && !signed(hs.Request) {
		return nil
	}
	r := hs.Request
	ev := hs.Conn.Connect(hs.RequestID, hs.Now, r.Header, r.URL.Query(), hs.Conn.Identity.SourceIP)
	g, err := c.impl.AuthorizeConnect(ctx, &auth.ConnectRequest{HTTP: r, Event: ev, MethodARN: c.arn, Now: hs.Now})
	if err != nil {
		return err // an *auth.Error, which renders as AWS's answer
	}
	if g.Authorizer != nil {
		hs.Conn.Authorizer = g.Authorizer
	}
	if id := g.Identity; !id.IsZero() {
		hs.Conn.Identity.AccessKey = id.AccessKey
		hs.Conn.Identity.AccountID = id.AccountID
		hs.Conn.Identity.Caller = id.Caller
		hs.Conn.Identity.User = id.User
		hs.Conn.Identity.UserARN = id.UserARN
	}
	return nil
}

// signed reports whether a request carries a SigV4 signature, in headers or presigned.
func signed(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-") ||
		r.URL.Query().Has("X-Amz-Signature") || r.URL.Query().Has("X-Amz-Algorithm")
}

// routeAuth allows a connection to use a route with auth.iam when the principal it connected
// with may execute-api:Invoke the route's ARN.
type routeAuth struct {
	store *iam.Store
	cfg   *config.Config
}

func (r *routeAuth) AuthorizeRoute(conn *event.Conn, routeKey string) bool {
	key := conn.Identity.AccessKey
	if key == "" {
		return false
	}
	arn := iam.RouteARN(r.cfg.Region, r.cfg.AccountID, r.cfg.APIID, r.cfg.Stage.Name, routeKey)
	return r.store.Authorize(key, iam.ActionInvoke, arn) == nil
}

// managementGuard returns who may call @connections and @broadcast: with IAM, callers whose
// signature verifies and whose principal may execute-api:ManageConnections the resource's ARN
// (…/{stage}/{VERB}/@connections/{id}, …/@connections/ for the list, …/@connections/{id}/tags
// for tags, …/@broadcast), from anywhere; without, loopback callers.
//
// The choice follows the deployed config at each call.
func (a *App) managementGuard() mgmt.Guard {
	return mgmt.GuardFunc(func(r *http.Request, body []byte, resource string) error {
		if !a.iamConfigured() {
			return mgmt.LoopbackOnly.AuthorizeManagement(r, body, resource)
		}
		arn := iam.ExecuteAPIARN(a.cfg.Region, a.cfg.AccountID, a.cfg.APIID, a.cfg.Stage.Name, r.Method, resource)
		_, err := a.iam.AuthorizeRequest(r, body, iam.ActionManageConnections, arn, a.opts.Now())
		return err
	})
}

// grantConfiguredAccess applies stage.grantManagementApiAccess.
func (a *App) grantConfiguredAccess() error {
	var errs []error
	for _, ref := range a.cfg.Stage.GrantManagementAPIAccess {
		p, ok := a.iam.Find(ref)
		if !ok {
			errs = append(errs, fmt.Errorf("stage.grantManagementApiAccess: no principal %q in %s", ref, a.cfg.Authorizer.CredentialsFile))
			continue
		}
		if err := a.iam.Grant(p.AccessKeyID, a.managementStatement()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// GrantManagementAccess lets a principal call the stage's @connections API (CDK's
// stage.grantManagementApiAccess), adding it when the store does not hold its access key yet.
func (a *App) GrantManagementAccess(p iam.Principal) error {
	if _, ok := a.iam.Lookup(p.AccessKeyID); !ok {
		if err := a.iam.AddPrincipal(p); err != nil {
			return err
		}
	}
	return a.iam.Grant(p.AccessKeyID, a.managementStatement())
}

package switchboard

import (
	"fmt"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/integration/gofunc"
)

// toConfig converts props to the config snapshot that config.Validate checks and the app runs;
// the file and the Go API share one validation.
func (p Props) toConfig() (*config.Config, error) {
	c := &config.Config{
		Name:                     p.Name,
		Region:                   p.Region,
		AccountID:                p.AccountID,
		APIID:                    p.APIID,
		RouteSelectionExpression: p.RouteSelectionExpression,
		Defaults:                 config.Defaults{Function: p.Defaults.Function.toConfig()},
		Routes:                   make(map[string]config.Route, len(p.Routes)),
		AccessLog: config.AccessLog{
			Enabled: p.AccessLog.Enabled, Format: p.AccessLog.Format, Destination: p.AccessLog.Destination,
		},
		CustomDomain: config.CustomDomain{
			DomainName: p.CustomDomain.DomainName, HostedZone: p.CustomDomain.HostedZone,
			Path: p.CustomDomain.Path, IsExternalDomain: p.CustomDomain.IsExternalDomain,
			CertificateFile: p.CustomDomain.CertificateFile, KeyFile: p.CustomDomain.KeyFile,
			SecurityPolicy: p.CustomDomain.SecurityPolicy,
		},
		Stage: config.Stage{
			Name:            p.Stage.Name,
			AutoDeploy:      !p.Stage.DisableAutoDeploy,
			Throttle:        config.Throttle{RateLimit: p.Stage.RateLimit, BurstLimit: p.Stage.BurstLimit},
			Variables:       p.Stage.Variables,
			DetailedMetrics: p.Stage.DetailedMetrics,

			GrantManagementAPIAccess: p.Stage.GrantManagementAPIAccess,
		},
		Limits: config.Limits{
			MaxMessageBytes:       p.Limits.MaxMessageBytes,
			MaxFrameBytes:         p.Limits.MaxFrameBytes,
			IdleTimeout:           p.Limits.IdleTimeout,
			MaxConnectionDuration: p.Limits.MaxConnectionDuration,
			IntegrationTimeout:    p.Limits.IntegrationTimeout,
			SendQueueBytes:        p.Limits.SendQueueBytes,
			WriteTimeout:          p.Limits.WriteTimeout,
		},
		Server:  config.Server{Listen: p.Listen, NodeID: p.Cluster.NodeID},
		Cluster: p.Cluster.toConfig(),

		ConnectionTags: p.ConnectionTags,
	}
	if a := p.CustomDomain.ACME; a != nil {
		c.CustomDomain.ACME = &config.ACME{Email: a.Email, Directory: a.Directory, CAFile: a.CAFile}
	}
	if p.Limits.AcceptBinary {
		c.Limits.BinaryMessages = config.BinaryBase64
	}
	for _, key := range sortedKeys(p.Routes) {
		r, err := p.Routes[key].toConfig(key)
		if err != nil {
			return nil, err
		}
		c.Routes[key] = r
	}
	auth, err := p.Authorizer.toConfig()
	if err != nil {
		return nil, err
	}
	c.Authorizer = auth
	return c, nil
}

func (r Route) toConfig(key string) (config.Route, error) {
	t, err := target(r.Handler, r.URL, r.Function)
	if err != nil {
		return config.Route{}, fmt.Errorf("route %s: %w", key, err)
	}
	return config.Route{Key: key, Target: t, ReturnResponse: r.ReturnResponse, IAM: r.IAM}, nil
}

// target builds a config target from exactly one of a handler, a URL or a function.
func target(h Handler, url string, fn *FunctionProps) (config.Target, error) {
	n := 0
	var t config.Target
	if h != nil {
		n++
		t = config.Target{Kind: config.TargetGo, Go: gofunc.New(gofunc.Handler(h))}
	}
	if url != "" {
		n++
		t = config.Target{Kind: config.TargetURL, URL: url}
	}
	if fn != nil {
		n++
		t = config.Target{Kind: config.TargetFunction, Function: fn.toConfig()}
	}
	if n != 1 {
		return config.Target{}, errNoTarget
	}
	return t, nil
}

// goRoute makes key an in-process route running h, keeping the other settings of the route the
// config already had for key.
func goRoute(key string, h Handler, existing config.Route) config.Route {
	existing.Key = key
	existing.Target = config.Target{Kind: config.TargetGo, Go: gofunc.New(gofunc.Handler(h))}
	return existing
}

func (a Authorizer) toConfig() (config.Authorizer, error) {
	c := config.Authorizer{
		Type:            config.AuthorizerType(a.Type),
		Name:            a.Name,
		IdentitySource:  a.IdentitySource,
		ResultsCacheTTL: a.ResultsCacheTTL,
		CredentialsFile: a.CredentialsFile,
	}
	if c.Type == "" {
		c.Type = config.AuthorizerNone
	}
	if c.Type == config.AuthorizerLambda {
		var t config.Target
		var err error
		if a.Handler != nil {
			if a.URL != "" || a.Function != nil {
				return c, fmt.Errorf("authorizer: %w", errNoTarget)
			}
			t = config.Target{Kind: config.TargetGo, Go: gofunc.NewAuthorizer(gofunc.AuthorizerHandler(a.Handler))}
		} else if t, err = target(nil, a.URL, a.Function); err != nil {
			return c, fmt.Errorf("authorizer: %w", err)
		}
		c.Target = t
	}
	return c, nil
}

func (f *FunctionProps) toConfig() *config.Function {
	if f == nil {
		return nil
	}
	c := &config.Function{
		Handler:             f.Handler,
		Runtime:             f.Runtime,
		Timeout:             f.Timeout,
		MemoryMB:            f.MemoryMB,
		Environment:         f.Environment,
		Layers:              f.Layers,
		ReservedConcurrency: f.ReservedConcurrency,
		Permissions:         toConfigPermissions(f.Permissions),
	}
	return c
}

func fromConfigFunction(c *config.Function) *FunctionProps {
	if c == nil {
		return nil
	}
	f := &FunctionProps{
		Handler:             c.Handler,
		Runtime:             c.Runtime,
		Timeout:             c.Timeout,
		MemoryMB:            c.MemoryMB,
		Environment:         c.Environment,
		Layers:              c.Layers,
		ReservedConcurrency: c.ReservedConcurrency,
	}
	for _, p := range c.Permissions {
		f.Permissions = append(f.Permissions, Permission(p))
	}
	return f
}

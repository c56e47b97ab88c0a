package wsserver

import (
	"github.com/switchboardhq/switchboard/internal/accesslog"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/route"
)

// Deployment is what a stage deployment may change while the server runs. Deploy swaps it in
// atomically: handshakes from then on and the next message of every open connection use it.
type Deployment struct {
	// Routes is the route table. Required.
	Routes *route.Table[*Route]
	// StageVariables are delivered as stageVariables when non-empty, from the next event on.
	StageVariables map[string]string
	// Limits apply to connections opened from now on; open connections keep theirs. Zero fields
	// fall back to AWS's quotas.
	Limits config.Limits
	// Throttle is the stage's route throttle; zero means none. Its token buckets start full
	// when it changes, and carry on when it does not.
	Throttle config.Throttle
	// AccessLog, when set, gets an entry per CONNECT, MESSAGE and DISCONNECT request.
	AccessLog *accesslog.Logger
	// Authorizer decides on handshakes; nil allows every handshake.
	Authorizer ConnectAuthorizer
	// RouteAuthorizer decides on routes marked IAM; nil refuses them all.
	RouteAuthorizer RouteAuthorizer
	// ConnectionTags are `connectionTags`, for handshakes from now on.
	ConnectionTags map[string]string
}

// deployed is a Deployment as the server uses it.
type deployed struct {
	routes      *route.Table[*Route]
	vars        map[string]string
	limits      *config.Limits // defaults applied; shared by the connections opened under it
	throttleCfg config.Throttle
	throttle    *throttle // nil without throttling
	access      *accesslog.Logger
	authorizer  ConnectAuthorizer
	routeAuth   RouteAuthorizer
	tagsCfg     map[string]string
	tagRules    []tagRule
}

// Deploy swaps in d. Open connections stay open: their next message is routed by d's table, with
// d's stage variables, throttle, access log and route authorizer; they keep their limits.
func (s *Server) Deploy(d Deployment) {
	s.deploy(d)
}

func (s *Server) deploy(d Deployment) {
	lim := d.Limits
	config.ApplyLimitDefaults(&lim)
	n := &deployed{
		routes:      d.Routes,
		vars:        d.StageVariables,
		limits:      &lim,
		throttleCfg: d.Throttle,
		access:      d.AccessLog,
		authorizer:  d.Authorizer,
		routeAuth:   d.RouteAuthorizer,
		tagsCfg:     d.ConnectionTags,
		tagRules:    compileTags(d.ConnectionTags),
	}
	if old := s.dep.Load(); old != nil && old.throttleCfg == d.Throttle {
		n.throttle = old.throttle
	} else {
		n.throttle = newThrottle(d.Throttle, s.now)
		n.throttle.setShare(int(s.throttleShare.Load()))
	}
	s.dep.Store(n)
	// A SetThrottleShare that ran meanwhile set the previous throttle's share: set it again.
	n.throttle.setShare(int(s.throttleShare.Load()))
}

// current returns the deployment in force as a Deployment.
func (d *deployed) deployment() Deployment {
	return Deployment{Routes: d.routes, StageVariables: d.vars, Limits: *d.limits, Throttle: d.throttleCfg,
		AccessLog: d.access, Authorizer: d.authorizer, RouteAuthorizer: d.routeAuth, ConnectionTags: d.tagsCfg}
}

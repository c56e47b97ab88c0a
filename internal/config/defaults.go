package config

import (
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// The defaults ApplyDefaults fills in. The limits are AWS's quotas for WebSocket APIs.
const (
	DefaultName                     = "switchboard"
	DefaultRegion                   = "us-east-1"
	DefaultAccountID                = "000000000000"
	DefaultRouteSelectionExpression = "$request.body.action"
	DefaultIdentitySource           = "route.request.header.Authorization"
	DefaultAccessLogDestination     = "stdout"
	DefaultStageName                = "local"
	DefaultMaxMessageBytes          = 128 << 10
	DefaultMaxFrameBytes            = 32 << 10
	DefaultIdleTimeout              = 10 * time.Minute
	DefaultMaxConnectionDuration    = 2 * time.Hour
	DefaultIntegrationTimeout       = 29 * time.Second
	DefaultBinaryMessages           = BinaryReject
	DefaultSendQueueBytes           = 1 << 20
	DefaultWriteTimeout             = 10 * time.Second
	DefaultListen                   = "127.0.0.1:3001"
	DefaultShutdownTimeout          = 10 * time.Second
)

// DefaultAccessLogFormat is the access log format used when access logging is on and no format
// is given: a JSON line with the same fields as SST's default format for WebSocket APIs.
const DefaultAccessLogFormat = `{"requestTime":"$context.requestTime","requestId":"$context.requestId",` +
	`"eventType":"$context.eventType","routeKey":"$context.routeKey","status":$context.status,` +
	`"integrationRequestId":"$context.awsEndpointRequestId","integrationStatus":"$context.integrationStatus",` +
	`"integrationLatency":"$context.integrationLatency","integrationServiceStatus":"$context.integration.integrationStatus",` +
	`"ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",` +
	`"cognitoIdentityId":"$context.identity.cognitoIdentityId","connectedAt":"$context.connectedAt",` +
	`"connectionId":"$context.connectionId"}`

// ApplyDefaults fills the zero fields of c with their defaults (types.go states each one), in
// place, and fills Routes[key].Key. Values already set are kept. Stage.AutoDeploy is not touched,
// because false is a meaningful value: Load defaults it to true, and a config built in Go must
// set it. Permission effects are normalised to "Allow" (also when empty) or "Deny". Nil-safe.
func ApplyDefaults(c *Config) {
	if c == nil {
		return
	}
	setDefault(&c.Name, DefaultName)
	setDefault(&c.Region, DefaultRegion)
	setDefault(&c.AccountID, DefaultAccountID)
	setDefault(&c.APIID, event.APIIDFromName(c.Name))
	setDefault(&c.RouteSelectionExpression, DefaultRouteSelectionExpression)

	normalizeFunction(c.Defaults.Function)
	for key, r := range c.Routes {
		setDefault(&r.Key, key)
		normalizeFunction(r.Target.Function)
		c.Routes[key] = r
	}

	a := &c.Authorizer
	setDefault(&a.Type, AuthorizerNone)
	if a.Type == AuthorizerLambda && len(a.IdentitySource) == 0 {
		a.IdentitySource = []string{DefaultIdentitySource}
	}
	normalizeFunction(a.Target.Function)

	if c.AccessLog.Enabled {
		setDefault(&c.AccessLog.Format, DefaultAccessLogFormat)
		setDefault(&c.AccessLog.Destination, DefaultAccessLogDestination)
	}

	if d := &c.CustomDomain; d.DomainName != "" {
		setDefault(&d.SecurityPolicy, SecurityPolicyTLS12)
		if d.ACME != nil {
			setDefault(&d.ACME.Directory, DefaultACMEDirectory)
		}
	}

	setDefault(&c.Stage.Name, DefaultStageName)

	ApplyLimitDefaults(&c.Limits)

	setDefault(&c.Server.Listen, DefaultListen)
	setDefault(&c.Server.ShutdownTimeout, DefaultShutdownTimeout)
}

// ApplyLimitDefaults fills the zero fields of l with AWS's quotas (the Default* constants).
func ApplyLimitDefaults(l *Limits) {
	setDefault(&l.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&l.MaxFrameBytes, DefaultMaxFrameBytes)
	setDefault(&l.IdleTimeout, DefaultIdleTimeout)
	setDefault(&l.MaxConnectionDuration, DefaultMaxConnectionDuration)
	setDefault(&l.IntegrationTimeout, DefaultIntegrationTimeout)
	setDefault(&l.BinaryMessages, DefaultBinaryMessages)
	setDefault(&l.SendQueueBytes, DefaultSendQueueBytes)
	setDefault(&l.WriteTimeout, DefaultWriteTimeout)
}

// setDefault sets *dst to def when it is the zero value.
func setDefault[T comparable](dst *T, def T) {
	var zero T
	if *dst == zero {
		*dst = def
	}
}

// normalizeFunction gives every permission statement of f a canonical effect: "Allow" when
// empty, and "Allow"/"Deny" whatever the case written (SST v3 writes "allow", IAM "Allow").
func normalizeFunction(f *Function) {
	if f == nil {
		return
	}
	for i := range f.Permissions {
		p := &f.Permissions[i]
		if p.String != "" {
			continue
		}
		switch strings.ToLower(p.Effect) {
		case "", "allow":
			p.Effect = "Allow"
		case "deny":
			p.Effect = "Deny"
		}
	}
}

package switchboard

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Handler is an in-process route handler with the signature of an AWS Lambda handler for API
// Gateway WebSocket events, so a handler written for Lambda compiles and runs unchanged.
// A returned error gives the client AWS's "Internal server error" frame (502 on $connect).
type Handler func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// AuthorizerHandler is an in-process Lambda REQUEST authorizer with aws-lambda-go's types, so an
// authorizer written for Lambda compiles and runs unchanged. Its policy is evaluated against the
// $connect method ARN; returning an error with the text "Unauthorized" answers 401, as on AWS.
type AuthorizerHandler func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)

// Props defines an API and its stage; it mirrors the config file (docs/config.md) and SST's
// WebSocketApiProps. Zero fields take the defaults the config file has.
type Props struct {
	// Name is the API name. Default "switchboard".
	Name string
	// Region, AccountID and APIID appear in events and ARNs. Defaults "us-east-1",
	// "000000000000" and an id derived from Name.
	Region, AccountID, APIID string
	// RouteSelectionExpression picks a message's route. Default "$request.body.action".
	RouteSelectionExpression string
	// Routes maps route keys ($connect, $disconnect, $default or custom keys) to their targets.
	Routes map[string]Route
	// Defaults holds props applied to every route's function.
	Defaults Defaults
	// Authorizer is "none" (default), "iam" or a Lambda authorizer.
	Authorizer Authorizer
	// AccessLog configures access logging. Default off.
	AccessLog AccessLog
	// CustomDomain configures a custom domain. Default none.
	CustomDomain CustomDomain
	// Stage holds the stage settings.
	Stage Stage
	// Limits holds the runtime limits; zero fields take AWS's quotas.
	Limits Limits
	// Listen is the address Start listens on. Default "127.0.0.1:3001".
	Listen string
	// Cluster makes the API one node of several on NATS. Default: the API runs alone.
	Cluster Cluster
	// ConnectionTags are the tags each connection gets at its handshake (config
	// `connectionTags`): a tag name to a literal or $request.querystring.NAME,
	// $request.header.NAME, $context.authorizer.NAME or $context.identity.sourceIp.
	ConnectionTags map[string]string
}

// Route is the target of one route key: exactly one of Handler, URL or Function.
type Route struct {
	// Handler runs in-process.
	Handler Handler
	// URL is an HTTP backend that receives the event JSON by POST and answers with a Lambda proxy
	// response.
	URL string
	// Function is a Lambda-style function run by a worker process.
	Function *FunctionProps
	// ReturnResponse makes the route two-way: the handler's body is sent back to the client.
	// Default false (one-way), as on API Gateway.
	ReturnResponse bool
	// IAM requires SigV4 authorization for the route (SST `auth: {iam: true}`).
	IAM bool
}

// Defaults is SST's `defaults`.
type Defaults struct {
	// Function is merged into every route's function: Environment, Permissions and Layers are
	// merged, every other prop is overridden by the route's own.
	Function *FunctionProps
}

// FunctionProps is SST's FunctionProps, for functions run by worker processes.
type FunctionProps struct {
	// Handler is the handler path, e.g. "src/connect.main".
	Handler string
	// Runtime is e.g. "nodejs22.x", "python3.12" or "go": the handler runs on that Node.js or
	// Python version. "" infers the language from the files; a Node.js handler then runs as
	// nodejs22.x, SST's default.
	Runtime string
	// Timeout bounds one invocation. Default 10 seconds.
	Timeout time.Duration
	// MemoryMB is the memory size in MB. Default 1024.
	MemoryMB int
	// Environment is added to the worker's environment.
	Environment map[string]string
	// Permissions are what the function may do with its credentials.
	Permissions []Permission
	// Layers are directories or .zip files laid out as Lambda lays layers out under /opt, in
	// order (paths relative to the working directory, or the config file's). A layer ARN fails
	// Start: published layers cannot be fetched.
	Layers []string
	// ReservedConcurrency caps concurrent invocations.
	ReservedConcurrency int
}

// Permission is an SST permission: either a plain string ("s3", "dynamodb:GetItem", an ARN), or
// an IAM statement with Effect, Actions and Resources.
type Permission struct {
	String    string
	Effect    string
	Actions   []string
	Resources []string
}

// Authorizer is SST's authorizer prop.
type Authorizer struct {
	// Type is "none" (default), "iam" or "lambda".
	Type string
	// Name names a Lambda authorizer.
	Name string
	// Handler, URL or Function is a Lambda authorizer's target. A URL authorizer receives the
	// authorizer event by POST and answers with the authorizer's JSON result; HTTP 401 means
	// "Unauthorized".
	Handler  AuthorizerHandler
	URL      string
	Function *FunctionProps
	// IdentitySource lists where the identity comes from. Default
	// ["route.request.header.Authorization"].
	IdentitySource []string
	// ResultsCacheTTL caches results by identity. Default 0 (no cache).
	ResultsCacheTTL time.Duration
	// CredentialsFile names the IAM credentials file of an "iam" authorizer.
	CredentialsFile string
}

// AccessLog is SST's accessLog prop.
type AccessLog struct {
	Enabled bool
	// Format is the $context template.
	Format string
	// Destination is "stdout", "stderr" or a file path. Default "stdout".
	Destination string
}

// CustomDomain is SST's customDomain prop (CDK's domainMapping): through the domain the API is
// at wss://{DomainName}/{Path}, as behind an API Gateway custom domain and API mapping.
type CustomDomain struct {
	// DomainName is "api.example.com" or a one-label wildcard "*.example.com". Required.
	DomainName string
	// HostedZone and IsExternalDomain are accepted for SST compatibility and have no effect.
	HostedZone       string
	IsExternalDomain bool
	// Path is the API mapping key ("v1", "chat/v2"); "" maps the domain root.
	Path string
	// CertificateFile and KeyFile are PEM files for TLS on the domain, re-read when they
	// change. Default: a certificate from the local CA (or from ACME when ACME is set).
	CertificateFile, KeyFile string
	// SecurityPolicy is the lowest TLS version: "TLS_1_2" (default) or "TLS_1_3".
	SecurityPolicy string
	// ACME obtains and renews the certificate from an ACME CA (TLS-ALPN-01 on the listener).
	// Default nil: no ACME.
	ACME *ACME
}

// ACME configures certificates from an ACME CA such as Let's Encrypt.
type ACME struct {
	// Email is the account's contact. Default none.
	Email string
	// Directory is the ACME directory URL. Default Let's Encrypt's production directory.
	Directory string
	// CAFile is a PEM file of CAs to trust for the directory's HTTPS (private ACME CAs).
	// Default the system's roots.
	CAFile string
}

// Stage holds the stage settings (CDK WebSocketStage).
type Stage struct {
	// Name is the stage name and the first path segment of the URLs. Default "local".
	Name string
	// AutoDeploy makes AddRoutes take effect at once. Default true (SST); set DisableAutoDeploy
	// to require Deploy, as CDK's default does.
	DisableAutoDeploy bool
	// RateLimit and BurstLimit throttle the stage's routes (CDK's WebSocketStage throttle): each
	// route key has a token bucket refilled at RateLimit per second up to BurstLimit. A throttled
	// handshake gets 429 and a throttled message closes its connection with 1008. Default (both
	// 0): no throttling.
	RateLimit  float64
	BurstLimit int
	// Variables are delivered to handlers and the Lambda authorizer as stageVariables, to access
	// logs as $stageVariables.name, and to a route's URL as ${stageVariables.name}.
	Variables map[string]string
	// DetailedMetrics keeps metrics per route key (API Gateway's DetailedMetricsEnabled): a
	// route label on /metrics, and MetricOptions.Route. Default false.
	DetailedMetrics bool
	// GrantManagementAPIAccess names principals of the IAM credentials file (name, ARN or
	// access key id) that may call @connections (CDK's stage.grantManagementApiAccess).
	GrantManagementAPIAccess []string
}

// Limits are the runtime limits; each zero field takes AWS's quota.
type Limits struct {
	// MaxMessageBytes: largest message in or out. Default 131072; over it the client is closed with 1009.
	MaxMessageBytes int
	// MaxFrameBytes: largest frame. Default 32768.
	MaxFrameBytes int
	// IdleTimeout: close after this long without a client message (1001). Default 10 minutes.
	IdleTimeout time.Duration
	// MaxConnectionDuration: close connections this old (1001). Default 2 hours.
	MaxConnectionDuration time.Duration
	// IntegrationTimeout: bound on each integration call. Default 29 seconds.
	IntegrationTimeout time.Duration
	// AcceptBinary delivers binary frames as base64 events instead of closing with 1003.
	AcceptBinary bool
	// SendQueueBytes bounds each connection's send queue; PostToConnection gets
	// LimitExceededException when it is full. Default 1 MiB.
	SendQueueBytes int
	// WriteTimeout disconnects a client that does not take a frame for this long. Default 10 seconds.
	WriteTimeout time.Duration
}

package config

import (
	"time"

	"github.com/switchboardhq/switchboard/internal/integration"
)

// Config is a validated, immutable snapshot of one API and its stage. The file keys are given in
// each field's comment; docs/config.md is the user-facing reference.
type Config struct {
	// File is the path the config was loaded from; "" when it came from the Go API.
	File string

	// Name is the API name (key `name`; SST `cdk.webSocketApi.apiName`). Default "switchboard".
	Name string
	// Region is the AWS region reported in ARNs and expected in SigV4 scopes (key `region`).
	// Default "us-east-1".
	Region string
	// AccountID is the 12-digit account id used in ARNs (key `accountId`). Default "000000000000".
	AccountID string
	// APIID is the 10-character lowercase API id reported as requestContext.apiId (key `apiId`).
	// Default: derived deterministically from Name.
	APIID string
	// RouteSelectionExpression picks the route key of a message (key `routeSelectionExpression`).
	// Default "$request.body.action".
	RouteSelectionExpression string
	// Defaults holds props applied to every route's function (key `defaults`).
	Defaults Defaults
	// Routes maps a route key to its target (key `routes`).
	Routes map[string]Route
	// Authorizer is the API's default authorizer for $connect (key `authorizer`).
	Authorizer Authorizer
	// AccessLog configures access logging (key `accessLog`).
	AccessLog AccessLog
	// CustomDomain configures a custom domain (key `customDomain`).
	CustomDomain CustomDomain
	// Stage holds the stage settings (key `stage`).
	Stage Stage
	// Limits holds the runtime limits, AWS's quotas by default (key `limits`).
	Limits Limits
	// Server holds Switchboard's own server settings (key `server`).
	Server Server
	// Cluster makes this node one of several serving the API, on NATS (key `cluster`).
	Cluster Cluster
	// ConnectionTags are the tags every connection gets at its handshake (key `connectionTags`):
	// a tag name to a literal value or a selection expression (see ParseTagValue). A tag whose
	// expression selects nothing is not set.
	ConnectionTags map[string]string

	// src holds the file positions of the keys, for problems that cite file:line; nil for a
	// config built in Go. Copies of the Config share it.
	src *source
}

// Defaults is the `defaults` key.
type Defaults struct {
	// Function is `defaults.function`: props merged into every route's function. environment,
	// permissions and layers are merged; every other prop is overridden by the route's own.
	Function *Function
}

// TargetKind says what handles a route or an authorizer.
type TargetKind int

// The kinds of target.
const (
	TargetNone     TargetKind = iota
	TargetFunction            // a Lambda-style function handler run by a worker (`function`)
	TargetURL                 // an HTTP backend (`type: url`)
	TargetGo                  // an in-process Go handler (Go API only)
)

// Target is what handles a route or an authorizer.
type Target struct {
	Kind TargetKind
	// URL is the backend of a TargetURL: the event JSON is POSTed there and a proxy response is
	// read back (key `url`).
	URL string
	// Function is the function of a TargetFunction, before defaults.function is merged in (a
	// handler string `"src/connect.main"` is the same as `{handler: "src/connect.main"}`).
	Function *Function
	// Go is the handler of a TargetGo; never set from a file.
	Go integration.Invoker
}

// Route is one entry of `routes`. Its value is a handler string, `{function: ...}`, or
// `{type: url, url: ...}`, each optionally with `returnResponse` and `auth`.
type Route struct {
	Key    string
	Target Target
	// ReturnResponse makes the route two-way: the handler's body is sent back to the client
	// (key `returnResponse`; CDK `returnResponse`). Default false.
	ReturnResponse bool
	// IAM requires SigV4 authorization for this route (key `auth: {iam: true}`). On $connect
	// the handshake must be signed. On a message route the connection must have connected with
	// a signature whose principal may execute-api:Invoke the route's ARN; otherwise the message
	// gets the Forbidden frame (AWS authorizes only at $connect; see docs/auth.md).
	IAM bool
}

// Function is a Lambda-style function definition (SST FunctionProps).
type Function struct {
	// Handler is the handler path, e.g. "src/connect.main" (key `handler`).
	Handler string
	// Runtime is e.g. "nodejs20.x", "python3.12", "go" (key `runtime`); "" infers it from the
	// file found.
	Runtime string
	// Timeout bounds one invocation (key `timeout`: seconds as a number, or "20 seconds").
	// Zero means unset.
	Timeout time.Duration
	// MemoryMB is the memory size in MB (key `memory`: a number of MB, or "1024 MB", "2 GB").
	// Zero means unset.
	MemoryMB int
	// Environment is merged with the defaults' (key `environment`).
	Environment map[string]string
	// Permissions is merged with the defaults' (key `permissions`).
	Permissions []Permission
	// Layers is merged with the defaults' (key `layers`).
	Layers []string
	// ReservedConcurrency caps concurrent invocations (key `reservedConcurrency`). Zero means unset.
	ReservedConcurrency int
	// Root is the directory the handler is relative to and the workers' working directory and
	// LAMBDA_TASK_ROOT; "" means the config's directory (Dir). No file key sets it: templates set
	// it to a function's code directory (SAM CodeUri, a CDK asset), as Lambda unpacks the code
	// there.
	Root string
}

// Permission is one SST permission: a string (`"s3"`, `"dynamodb:GetItem"`, an ARN) or an IAM
// policy statement `{effect, actions, resources}`.
type Permission struct {
	String    string
	Effect    string
	Actions   []string
	Resources []string
}

// AuthorizerType is the kind of the API's authorizer.
type AuthorizerType string

// The authorizer types of the seeds.
const (
	AuthorizerNone   AuthorizerType = "none"
	AuthorizerIAM    AuthorizerType = "iam"
	AuthorizerLambda AuthorizerType = "lambda"
)

// Authorizer is the `authorizer` key: "none", "iam", or
// `{type: lambda, function | url, identitySource, name, resultsCacheTtl}`.
type Authorizer struct {
	Type AuthorizerType
	// Name names the authorizer (key `name`).
	Name string
	// Target is the authorizer function or URL of a lambda authorizer.
	Target Target
	// IdentitySource lists where the identity comes from, e.g. "route.request.header.Authorization"
	// (key `identitySource`, a string or a list). Default ["route.request.header.Authorization"].
	IdentitySource []string
	// ResultsCacheTTL caches results keyed by the identity sources (key `resultsCacheTtl`).
	// Zero (the default) disables caching, as on AWS.
	ResultsCacheTTL time.Duration
	// CredentialsFile names the IAM credentials and policies file (key `credentialsFile`).
	CredentialsFile string
}

// AccessLog is the `accessLog` key: true/false, a format string, or
// `{format, destination, destinationArn, retention}`.
type AccessLog struct {
	Enabled bool
	// Format is the $context template. Default: the JSON format SST uses.
	Format string
	// Destination is "stdout", "stderr" or a file path (key `destination`). Default "stdout".
	Destination string
	// DestinationARN and Retention are accepted for compatibility with SST props.
	DestinationARN string
	Retention      string
}

// CustomDomain is the `customDomain` key: a domain name string or
// `{domainName, path, certificate, key, securityPolicy, acme, hostedZone, isExternalDomain}`.
// Through the domain the API is at wss://{domainName}/{path}, as behind an API Gateway custom
// domain name and API mapping.
type CustomDomain struct {
	// DomainName is "api.example.com" or a one-label wildcard "*.example.com" (key
	// `domainName`, or the whole value when it is a string).
	DomainName string
	// HostedZone and IsExternalDomain are accepted for SST compatibility and have no effect:
	// DNS is the operator's business.
	HostedZone       string
	IsExternalDomain bool
	// Path is the API mapping key (key `path`); "" maps the domain root.
	Path string
	// CertificateFile and KeyFile are PEM files for TLS on the domain (keys `certificate`,
	// `key`), re-read when they change. Both empty: a certificate from the local CA, or from
	// ACME when ACME is set.
	CertificateFile string
	KeyFile         string
	// SecurityPolicy is the lowest TLS version: "TLS_1_2" (default, AWS's) or "TLS_1_3" (key
	// `securityPolicy`).
	SecurityPolicy string
	// ACME obtains the certificate from an ACME CA (key `acme`); nil for none.
	ACME *ACME
	// CertificateARN is the ACM certificate of the domain on AWS (key `certificateArn`): used by
	// `switchboard synth` and read from templates; it has no local meaning.
	CertificateARN string
}

// ACME is the `customDomain.acme` key: `{email, directory, caFile}`, or `true` for Let's
// Encrypt with no email.
type ACME struct {
	// Email is the ACME account's contact (key `email`). Default none.
	Email string
	// Directory is the ACME directory URL (key `directory`). Default Let's Encrypt's production
	// directory, DefaultACMEDirectory.
	Directory string
	// CAFile is a PEM file of CAs to trust for the directory's HTTPS, for private ACME CAs
	// (key `caFile`). Default: the system's roots.
	CAFile string
}

// DefaultACMEDirectory is Let's Encrypt's production ACME directory.
const DefaultACMEDirectory = "https://acme-v02.api.letsencrypt.org/directory"

// The TLS security policies of `customDomain.securityPolicy`, as API Gateway names them.
const (
	SecurityPolicyTLS12 = "TLS_1_2"
	SecurityPolicyTLS13 = "TLS_1_3"
)

// Stage is the `stage` key.
type Stage struct {
	// Name is the stage name, the first path segment of every URL (key `name`). Default "local".
	Name string
	// AutoDeploy makes route changes through the Go API take effect at once (key `autoDeploy`).
	// Default true, as SST's WebSocketApi sets it.
	AutoDeploy bool
	// Throttle is the stage's default route throttle (key `throttle`).
	Throttle Throttle
	// DetailedMetrics keeps metrics per route key, with a route label (key `detailedMetrics`;
	// API Gateway's DetailedMetricsEnabled). Default false.
	DetailedMetrics bool
	// Variables are the stage variables, delivered as stageVariables (key `variables`).
	Variables map[string]string
	// GrantManagementAPIAccess names principals of the IAM credentials file (by name, ARN or
	// access key id) that may call the stage's @connections API, as CDK's
	// stage.grantManagementApiAccess grants it (key `grantManagementApiAccess`).
	GrantManagementAPIAccess []string
}

// Throttle is a token bucket: RateLimit tokens per second refill a bucket of BurstLimit.
// Both zero means no throttling.
type Throttle struct {
	RateLimit  float64 // key `rateLimit`
	BurstLimit int     // key `burstLimit`
}

// BinaryMode says what happens to a binary frame from a client.
type BinaryMode string

// The binary modes.
const (
	BinaryReject BinaryMode = "reject" // close with 1003, as AWS does (default)
	BinaryBase64 BinaryMode = "base64" // deliver as a MESSAGE event with isBase64Encoded true
)

// Limits is the `limits` key. Every field defaults to AWS's quota.
type Limits struct {
	// MaxMessageBytes is the largest message a client may send or @connections may post
	// (key `maxMessageBytes`). Default 131072 (128 KB); over it the connection closes with 1009.
	MaxMessageBytes int
	// MaxFrameBytes is the largest single frame (key `maxFrameBytes`). Default 32768.
	MaxFrameBytes int
	// IdleTimeout closes a connection without client messages for this long with 1001
	// (key `idleTimeout`). Default 10m.
	IdleTimeout time.Duration
	// MaxConnectionDuration closes any connection this old with 1001 (key
	// `maxConnectionDuration`). Default 2h.
	MaxConnectionDuration time.Duration
	// IntegrationTimeout bounds every integration call (key `integrationTimeout`). Default 29s.
	IntegrationTimeout time.Duration
	// BinaryMessages is "reject" (default) or "base64" (key `binaryMessages`).
	BinaryMessages BinaryMode
	// SendQueueBytes bounds the bytes queued for one connection (key `sendQueueBytes`). Default
	// 1 MiB. When full, PostToConnection fails with LimitExceededException (429).
	SendQueueBytes int
	// WriteTimeout closes a connection whose client does not accept a frame for this long with
	// 1006 semantics (key `writeTimeout`). Default 10s.
	WriteTimeout time.Duration
}

// Server is the `server` key: Switchboard's own settings.
type Server struct {
	// Listen is the address to serve on (key `listen`); the --listen flag overrides it.
	// Default "127.0.0.1:3001".
	Listen string
	// ShutdownTimeout bounds graceful shutdown (key `shutdownTimeout`). Default 10s.
	ShutdownTimeout time.Duration
	// NodeID identifies this node inside connection ids (key `nodeId`); default random per start.
	NodeID string
	// Admin is the address of the admin listener, serving /metrics, /healthz and /readyz (key
	// `admin`); the --admin flag overrides it. Default "": none.
	Admin string
}

// Cluster is the `cluster` key: the nodes that serve the same API (same apiId) on one NATS
// system act as one stage (docs/cluster.md). Without NATS the node runs alone and no field
// applies. Zero fields take the defaults stated.
type Cluster struct {
	// NATS is the NATS server URL, nats://HOST:PORT or tls://HOST:PORT, or several separated by
	// commas (key `nats`: a string or a list); the --nats flag overrides it. Default none: the
	// node runs alone.
	NATS string
	// Credentials is a NATS credentials file: a .creds file (user JWT and nkey seed) or an nkey
	// seed file (key `credentials`), relative to the config file. Default none.
	Credentials string
	// CAFile is a PEM file of the CA that signed the NATS servers' certificates, for tls://
	// URLs (key `caFile`), relative to the config file. Default: the system's roots.
	CAFile string
	// SubjectPrefix starts every NATS subject and names the KV bucket (key `subjectPrefix`):
	// dot-separated tokens of letters, digits, - and _. Default "switchboard".
	SubjectPrefix string
	// LeaseTTL is how long a node's lease outlives its last renewal (key `leaseTtl`, 1s to 20s);
	// a dead node's connections get their $disconnect after it. Default 15s.
	LeaseTTL time.Duration
	// RequestTimeout bounds an @connections call forwarded to another node (key
	// `requestTimeout`, 100ms to 10s); a node that does not answer in time gives 504. Default 5s.
	RequestTimeout time.Duration
	// Replicas is the KV bucket's replica count on a clustered NATS (key `replicas`, 1 to 5).
	// Default 1.
	Replicas int
}

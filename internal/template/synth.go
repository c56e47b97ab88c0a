package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// SynthOptions configure Synth.
type SynthOptions struct {
	// Dir is the directory the template will be written to: code paths (CodeUri, layer
	// ContentUri) are relative to it. Default: the config file's directory.
	Dir string
	// JSON writes JSON instead of YAML.
	JSON bool
	// Runtime returns the runtime family ("nodejs", "python" or "go") of a handler under root,
	// for functions whose config gives no runtime (the caller resolves handlers as the workers
	// do). Required.
	Runtime func(root, handler, runtime string) (string, error)
}

// The Lambda runtimes synth picks for a family when the config names none (or names it
// without a version).
const (
	DefaultNodeRuntime   = "nodejs20.x"
	DefaultPythonRuntime = "python3.12"
	DefaultGoRuntime     = "provided.al2023"
)

// The function defaults Switchboard applies locally (docs/functions.md), written out so that AWS
// runs the function with the same settings.
const (
	defaultTimeoutSeconds = 10
	defaultMemoryMB       = 1024
)

// lambdaRuntime matches the runtime identifiers Lambda accepts for Node.js, Python and Go.
var lambdaRuntime = regexp.MustCompile(`^(nodejs\d+\.x|python3\.\d+|provided(\.al2|\.al2023)?)$`)

// Synth writes a SAM template (AWS::Serverless-2016-10-31) that deploys the API of c with `sam
// deploy` or `aws cloudformation deploy`: the API, routes, integrations, route responses, Lambda
// permissions, stage, access log group, authorizer, custom domain and mapping, functions with
// their policies, and outputs for the URL and the management endpoint. What has no AWS
// equivalent is an error citing the config's line (a url route to a local address), or a warning
// in the returned list (limits, local-only settings).
func Synth(c *config.Config, opts SynthOptions) (out []byte, warnings []string, err error) {
	s := &synth{c: c, opts: opts, used: map[string]bool{}}
	if s.opts.Dir == "" {
		s.opts.Dir = c.Dir()
	}
	if abs, err := filepath.Abs(s.opts.Dir); err == nil {
		s.opts.Dir = abs
	}
	tpl := s.template()
	if len(s.probs) > 0 {
		return nil, s.warnings, s.probs
	}
	if opts.JSON {
		var b bytes.Buffer
		writeJSON(&b, tpl, "")
		b.WriteByte('\n')
		return b.Bytes(), s.warnings, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(shortTags(tpl)); err != nil {
		return nil, s.warnings, fmt.Errorf("synth: %w", err)
	}
	return b.Bytes(), s.warnings, nil
}

// synth is one run of Synth.
type synth struct {
	c         *config.Config
	opts      SynthOptions
	resources *yaml.Node
	used      map[string]bool // logical ids taken
	probs     config.Problems
	warnings  []string
	routeIDs  []string // logical ids of the routes, for a Deployment's DependsOn
}

// problem records what cannot be synthesized, at the config's line for key.
func (s *synth) problem(key, format string, args ...any) {
	line, col := s.c.Position(key)
	s.probs = append(s.probs, config.Problem{File: s.c.File, Line: line, Column: col, Key: key, Message: fmt.Sprintf(format, args...)})
}

// warn records a setting that has no AWS equivalent and is left out.
func (s *synth) warn(key, format string, args ...any) {
	line, _ := s.c.Position(key)
	where := s.c.File
	if line > 0 {
		where += ":" + strconv.Itoa(line)
	}
	if where != "" {
		where += ": "
	}
	s.warnings = append(s.warnings, where+key+": "+fmt.Sprintf(format, args...))
}

// obj builds a mapping from alternating keys and values; nil values are left out.
func obj(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		if v := val(kv[i+1]); v != nil {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[i].(string)}, v)
		}
	}
	return m
}

// val converts a Go value to a node; nil for nil, empty strings, empty lists and empty mappings.
func val(v any) *yaml.Node {
	switch x := v.(type) {
	case *yaml.Node:
		if x == nil || (x.Kind != yaml.ScalarNode && len(x.Content) == 0) {
			return nil
		}
		return x
	case string:
		if x == "" {
			return nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(x)}
	case []string:
		if len(x) == 0 {
			return nil
		}
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, s := range x {
			n.Content = append(n.Content, val(s))
		}
		return n
	case []*yaml.Node:
		if len(x) == 0 {
			return nil
		}
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: x}
	case map[string]string:
		if len(x) == 0 {
			return nil
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keysOf(x) {
			m.Content = append(m.Content, val(k), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x[k]})
		}
		return m
	}
	return nil
}

func ref(id string) *yaml.Node { return obj("Ref", id) }
func sub(s string) *yaml.Node  { return obj("Fn::Sub", s) }
func getAttr(id, attr string) *yaml.Node {
	return obj("Fn::GetAtt", []string{id, attr})
}

// lambdaURI is the integration URI of a function resource.
func lambdaURI(fnID string) *yaml.Node {
	return sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" + fnID + ".Arn}/invocations")
}

// add adds a resource.
func (s *synth) add(id, typ string, props *yaml.Node, extra ...any) {
	r := obj(append([]any{"Type", typ}, extra...)...)
	if props != nil && len(props.Content) > 0 {
		r.Content = append(r.Content, val("Properties"), props)
	}
	s.resources.Content = append(s.resources.Content, val(id), r)
}

// logicalID makes a unique logical id from a route key and a suffix: "$connect" -> "Connect".
func (s *synth) logicalID(key, kind string) string {
	var b strings.Builder
	up := true
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up {
				b.WriteString(strings.ToUpper(string(r)))
			} else {
				b.WriteRune(r)
			}
			up = false
		default:
			up = true
		}
	}
	base := b.String()
	if base == "" || (base[0] >= '0' && base[0] <= '9') {
		base = "Route" + base
	}
	id := base + kind
	for n := 2; s.used[id]; n++ {
		id = base + strconv.Itoa(n) + kind
	}
	s.used[id] = true
	return id
}

// template builds the whole template.
func (s *synth) template() *yaml.Node {
	c := s.c
	s.resources = obj()
	for _, id := range []string{"Api", "Stage", "Deployment", "AccessLogGroup", "Authorizer", "AuthorizerFunction", "AuthorizerPermission", "DomainName", "ApiMapping", "DomainRecord"} {
		s.used[id] = true
	}
	s.add("Api", "AWS::ApiGatewayV2::Api", obj(
		"Name", c.Name,
		"ProtocolType", "WEBSOCKET",
		"RouteSelectionExpression", c.RouteSelectionExpression,
	))
	authType, authorizerID := "NONE", ""
	switch c.Authorizer.Type {
	case config.AuthorizerIAM:
		authType = "AWS_IAM"
		if c.Authorizer.CredentialsFile != "" {
			s.warn("authorizer.credentialsFile", "the principals of a local credentials file have no AWS equivalent: on AWS, IAM users and roles sign the requests")
		}
	case config.AuthorizerLambda:
		authType, authorizerID = "CUSTOM", "Authorizer"
		s.authorizer()
	}
	for _, key := range c.RouteKeys() {
		s.route(key, c.Routes[key], authType, authorizerID)
	}
	s.stage()
	s.customDomain()
	s.limits()

	outputs := obj(
		"ApiId", obj("Description", "The API's id", "Value", ref("Api")),
		"WebSocketURL", obj("Description", "The stage's WebSocket URL", "Value", sub("wss://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}")),
		"ManagementEndpoint", obj("Description", "The endpoint of the @connections management API (ApiGatewayManagementApi clients)", "Value", sub("https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}")),
	)
	if d := c.CustomDomain; d.DomainName != "" {
		u := "wss://" + d.DomainName
		if d.Path != "" {
			u += "/" + d.Path
		}
		outputs.Content = append(outputs.Content, val("CustomDomainURL"), obj("Description", "The WebSocket URL on the custom domain", "Value", u))
	}
	return obj(
		"AWSTemplateFormatVersion", "2010-09-09",
		"Transform", "AWS::Serverless-2016-10-31",
		"Description", fmt.Sprintf("WebSocket API %s, synthesized by switchboard synth from %s", c.Name, filepath.Base(c.File)),
		"Resources", s.resources,
		"Outputs", outputs,
	)
}

// route adds a route, its integration, its target and (for a two-way route) its route response.
func (s *synth) route(key string, r config.Route, authType, authorizerID string) {
	p := "routes." + key
	routeID := s.logicalID(key, "Route")
	integID := strings.TrimSuffix(routeID, "Route") + "Integration"
	s.used[integID] = true
	s.routeIDs = append(s.routeIDs, routeID)
	routeAuth := "NONE"
	var authorizer *yaml.Node
	if key == "$connect" {
		routeAuth = authType
		if authorizerID != "" {
			authorizer = ref(authorizerID)
		}
		if r.IAM {
			routeAuth = "AWS_IAM"
		}
	} else if r.IAM {
		s.problem(p+".auth.iam", "has no AWS equivalent: API Gateway authorizes WebSocket APIs on $connect only (use auth.iam on $connect or authorizer: iam)")
	}
	var rrse string
	if r.ReturnResponse {
		rrse = "$default"
	}
	s.add(routeID, "AWS::ApiGatewayV2::Route", obj(
		"ApiId", ref("Api"),
		"RouteKey", key,
		"AuthorizationType", routeAuth,
		"AuthorizerId", authorizer,
		"Target", sub("integrations/${"+integID+"}"),
		"RouteResponseSelectionExpression", rrse,
	))
	if r.ReturnResponse {
		id := strings.TrimSuffix(routeID, "Route") + "RouteResponse"
		s.used[id] = true
		s.add(id, "AWS::ApiGatewayV2::RouteResponse", obj("ApiId", ref("Api"), "RouteId", ref(routeID), "RouteResponseKey", "$default"))
	}
	switch r.Target.Kind {
	case config.TargetFunction:
		fnID := strings.TrimSuffix(routeID, "Route") + "Function"
		s.used[fnID] = true
		s.function(fnID, p+".function", config.MergeFunction(s.c.Defaults.Function, r.Target.Function))
		s.add(integID, "AWS::ApiGatewayV2::Integration", obj(
			"ApiId", ref("Api"),
			"IntegrationType", "AWS_PROXY",
			"IntegrationUri", lambdaURI(fnID),
		))
		permID := strings.TrimSuffix(routeID, "Route") + "Permission"
		s.used[permID] = true
		s.permission(permID, fnID)
	case config.TargetURL:
		if u, err := url.Parse(r.Target.URL); err == nil && isLocalHost(u.Hostname()) {
			s.problem(p+".url", "%s is a local address, which API Gateway cannot reach: give the backend's public URL, or make the route a function", r.Target.URL)
			return
		}
		s.warn(p+".url", "becomes an HTTP_PROXY integration, to which API Gateway sends the message itself rather than the Lambda proxy event Switchboard posts (docs/templates.md)")
		s.add(integID, "AWS::ApiGatewayV2::Integration", obj(
			"ApiId", ref("Api"),
			"IntegrationType", "HTTP_PROXY",
			"IntegrationMethod", "POST",
			"IntegrationUri", r.Target.URL,
		))
	default:
		s.problem(p, "an in-process Go handler has no AWS equivalent")
	}
}

// isLocalHost reports whether host is a loopback, private or link-local address or localhost.
func isLocalHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}

// permission lets API Gateway invoke a function.
func (s *synth) permission(id, fnID string) {
	s.add(id, "AWS::Lambda::Permission", obj(
		"Action", "lambda:InvokeFunction",
		"FunctionName", ref(fnID),
		"Principal", "apigateway.amazonaws.com",
		"SourceArn", sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"),
	))
}

// function adds an AWS::Serverless::Function for f (already merged with defaults.function).
func (s *synth) function(id, key string, f *config.Function) {
	if f == nil || f.Handler == "" {
		s.problem(key+".handler", "a function needs a handler")
		return
	}
	root := f.Root
	if root == "" {
		root = s.c.Dir()
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	family, err := s.opts.Runtime(root, f.Handler, f.Runtime)
	if err != nil {
		s.problem(key+".handler", "%v", err)
		return
	}
	runtime := f.Runtime
	if !lambdaRuntime.MatchString(runtime) {
		switch family {
		case "nodejs":
			runtime = DefaultNodeRuntime
		case "python":
			runtime = DefaultPythonRuntime
		default:
			runtime = DefaultGoRuntime
		}
	}
	h := filepath.ToSlash(f.Handler)
	var codeDir, handler string
	var metadata *yaml.Node
	switch family {
	case "go":
		codeDir = strings.TrimSuffix(h, "/")
		if strings.HasSuffix(codeDir, ".go") {
			codeDir = path.Dir(codeDir)
		}
		handler = "bootstrap"
		metadata = obj("BuildMethod", "go1.x")
	default:
		codeDir, handler = path.Split(h)
		codeDir = strings.TrimSuffix(codeDir, "/")
		if codeDir == "" {
			codeDir = "."
		}
		if family == "nodejs" {
			dir := filepath.FromSlash(codeDir)
			if !filepath.IsAbs(dir) {
				dir = filepath.Join(root, dir)
			}
			if entry := typeScriptEntry(dir, handler); entry != "" {
				metadata = obj("BuildMethod", "esbuild", "BuildProperties", obj("EntryPoints", []string{entry}))
			}
		}
	}
	timeout := defaultTimeoutSeconds
	if f.Timeout > 0 {
		timeout = int((f.Timeout + time.Second - 1) / time.Second)
	}
	memory := defaultMemoryMB
	if f.MemoryMB > 0 {
		memory = f.MemoryMB
	}
	var env *yaml.Node
	if len(f.Environment) > 0 {
		env = obj("Variables", f.Environment)
	}
	var layers []*yaml.Node
	for i, l := range f.Layers {
		if strings.HasPrefix(l, "arn:") {
			layers = append(layers, val(l))
			continue
		}
		layerID := strings.TrimSuffix(id, "Function") + "Layer" + strconv.Itoa(i+1)
		s.used[layerID] = true
		dir := l
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		s.add(layerID, "AWS::Serverless::LayerVersion", obj("ContentUri", s.relPath(dir)))
		layers = append(layers, ref(layerID))
	}
	statements := []*yaml.Node{obj(
		"Effect", "Allow",
		"Action", "execute-api:ManageConnections",
		"Resource", sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*"),
	)}
	for _, p := range f.Permissions {
		effect, actions, resources := p.Statement()
		statements = append(statements, obj("Effect", effect, "Action", actions, "Resource", resources))
	}
	var reserved any
	if f.ReservedConcurrency > 0 {
		reserved = f.ReservedConcurrency
	}
	extra := []any{}
	if metadata != nil {
		extra = append(extra, "Metadata", metadata)
	}
	code := filepath.FromSlash(codeDir)
	if !filepath.IsAbs(code) {
		code = filepath.Join(root, code)
	}
	s.add(id, "AWS::Serverless::Function", obj(
		"CodeUri", s.relPath(code),
		"Handler", handler,
		"Runtime", runtime,
		"MemorySize", memory,
		"Timeout", timeout,
		"Environment", env,
		"Layers", layers,
		"ReservedConcurrentExecutions", reserved,
		"Policies", []*yaml.Node{obj("Statement", statements)},
	), extra...)
}

// typeScriptEntry returns the TypeScript file a Node.js handler "module.export" in dir names,
// or "" when it is JavaScript.
func typeScriptEntry(dir, handler string) string {
	module, _, _ := strings.Cut(handler, ".")
	for _, ext := range []string{".ts", ".mts", ".cts"} {
		if info, err := os.Stat(filepath.Join(dir, module+ext)); err == nil && info.Mode().IsRegular() {
			for _, js := range []string{"", ".js", ".mjs", ".cjs"} {
				if _, err := os.Stat(filepath.Join(dir, module+js)); err == nil && js != "" {
					return "" // JavaScript is what Lambda's runtime would load first
				}
			}
			return module + ext
		}
	}
	return ""
}

// relPath makes an absolute path relative to the template's directory (slashes, "." for the
// directory itself).
func (s *synth) relPath(p string) string {
	if r, err := filepath.Rel(s.opts.Dir, p); err == nil {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}

// authorizer adds the Lambda authorizer, its function and its permission.
func (s *synth) authorizer() {
	a := s.c.Authorizer
	if a.Target.Kind != config.TargetFunction {
		s.problem("authorizer.url", "an authorizer behind a URL has no AWS equivalent: API Gateway's Lambda authorizers are Lambda functions")
		return
	}
	s.function("AuthorizerFunction", "authorizer.function", a.Target.Function)
	s.permission("AuthorizerPermission", "AuthorizerFunction")
	name := a.Name
	if name == "" {
		name = s.c.Name + "-authorizer"
	}
	if a.ResultsCacheTTL > 0 {
		s.warn("authorizer.resultsCacheTtl", "is left out: API Gateway caches authorizer results for HTTP APIs only")
	}
	s.add("Authorizer", "AWS::ApiGatewayV2::Authorizer", obj(
		"ApiId", ref("Api"),
		"AuthorizerType", "REQUEST",
		"AuthorizerUri", lambdaURI("AuthorizerFunction"),
		"IdentitySource", a.IdentitySource,
		"Name", name,
	))
}

// stage adds the stage, its access log group and, without autoDeploy, a deployment.
func (s *synth) stage() {
	st := s.c.Stage
	var throttle *yaml.Node
	if st.Throttle.RateLimit > 0 || st.Throttle.BurstLimit > 0 {
		throttle = obj("ThrottlingRateLimit", st.Throttle.RateLimit, "ThrottlingBurstLimit", st.Throttle.BurstLimit)
	}
	var accessLog *yaml.Node
	if a := s.c.AccessLog; a.Enabled {
		var dest *yaml.Node
		if a.DestinationARN != "" {
			dest = val(a.DestinationARN)
		} else {
			var retention any
			if days, ok := retentionInDays(a.Retention); ok && days > 0 {
				retention = days
			}
			s.add("AccessLogGroup", "AWS::Logs::LogGroup", obj("RetentionInDays", retention))
			dest = getAttr("AccessLogGroup", "Arn")
		}
		accessLog = obj("DestinationArn", dest, "Format", strings.TrimSuffix(a.Format, "\n"))
	}
	var deployment *yaml.Node
	if !st.AutoDeploy {
		s.add("Deployment", "AWS::ApiGatewayV2::Deployment", obj("ApiId", ref("Api")), "DependsOn", s.routeIDs)
		deployment = ref("Deployment")
	}
	s.add("Stage", "AWS::ApiGatewayV2::Stage", obj(
		"ApiId", ref("Api"),
		"StageName", st.Name,
		"AutoDeploy", st.AutoDeploy,
		"DeploymentId", deployment,
		"DefaultRouteSettings", throttle,
		"StageVariables", st.Variables,
		"AccessLogSettings", accessLog,
	))
	if len(st.GrantManagementAPIAccess) > 0 {
		s.warn("stage.grantManagementApiAccess", "names principals of a local credentials file, which have no AWS equivalent: grant execute-api:ManageConnections to IAM users or roles on AWS")
	}
}

// retentionInDays converts a config retention (SST v2 or v3 names) to CloudWatch Logs' days;
// 0 for never expiring, false for no retention given.
func retentionInDays(r string) (int, bool) {
	if r == "" {
		return 0, false
	}
	if r == "infinite" || r == "forever" {
		return 0, true
	}
	v2 := strings.NewReplacer("one", "1", "two", "2", "three", "3", "five", "5", "four", "4", "six", "6",
		"ten", "10", "thirteen", "13", "eighteen", "18", "_", " ").Replace(r)
	v2 = strings.Replace(v2, "1 days", "1 day", 1)
	for _, rd := range retentionDays {
		if rd.name == r || rd.name == v2 || rd.name+"s" == v2 || rd.name == strings.TrimSuffix(v2, "s") {
			return rd.days, true
		}
	}
	return 0, false
}

// customDomain adds the domain name, the API mapping and, with a hosted zone, the DNS record.
func (s *synth) customDomain() {
	d := s.c.CustomDomain
	if d.DomainName == "" {
		return
	}
	if d.CertificateARN == "" {
		s.problem("customDomain", "needs certificateArn, the ACM certificate of %s, for AWS (the local certificate and key files have no AWS equivalent)", d.DomainName)
		return
	}
	s.add("DomainName", "AWS::ApiGatewayV2::DomainName", obj(
		"DomainName", d.DomainName,
		"DomainNameConfigurations", []*yaml.Node{obj(
			"CertificateArn", d.CertificateARN,
			"EndpointType", "REGIONAL",
			"SecurityPolicy", "TLS_1_2",
		)},
	))
	s.add("ApiMapping", "AWS::ApiGatewayV2::ApiMapping", obj(
		"ApiId", ref("Api"),
		"DomainName", ref("DomainName"),
		"Stage", ref("Stage"),
		"ApiMappingKey", d.Path,
	))
	if d.HostedZone != "" && !d.IsExternalDomain {
		s.add("DomainRecord", "AWS::Route53::RecordSet", obj(
			"HostedZoneName", strings.TrimSuffix(d.HostedZone, ".")+".",
			"Name", d.DomainName,
			"Type", "A",
			"AliasTarget", obj(
				"DNSName", getAttr("DomainName", "RegionalDomainName"),
				"HostedZoneId", getAttr("DomainName", "RegionalHostedZoneId"),
			),
		))
	}
}

// limits maps the integration timeout onto the integrations and warns about the limits that AWS
// fixes.
func (s *synth) limits() {
	l := s.c.Limits
	if l.IntegrationTimeout != config.DefaultIntegrationTimeout {
		ms := int(l.IntegrationTimeout / time.Millisecond)
		if ms > 29000 {
			s.problem("limits.integrationTimeout", "is %v; API Gateway allows at most 29s", l.IntegrationTimeout)
		}
		for i := 0; i+1 < len(s.resources.Content); i += 2 {
			r := s.resources.Content[i+1]
			if typ, _ := text(get(r, "Type")); typ == "AWS::ApiGatewayV2::Integration" {
				props := get(r, "Properties")
				props.Content = append(props.Content, val("TimeoutInMillis"), val(ms))
			}
		}
	}
	for _, lim := range []struct {
		key     string
		set     bool
		meaning string
	}{
		{"limits.maxMessageBytes", l.MaxMessageBytes != config.DefaultMaxMessageBytes, "AWS's message size quota is 128 KB"},
		{"limits.maxFrameBytes", l.MaxFrameBytes != config.DefaultMaxFrameBytes, "AWS's frame size quota is 32 KB"},
		{"limits.idleTimeout", l.IdleTimeout != config.DefaultIdleTimeout, "AWS closes idle connections after 10 minutes"},
		{"limits.maxConnectionDuration", l.MaxConnectionDuration != config.DefaultMaxConnectionDuration, "AWS closes connections after 2 hours"},
		{"limits.binaryMessages", l.BinaryMessages != config.DefaultBinaryMessages, "API Gateway's handling of binary frames is not a template setting"},
		{"limits.sendQueueBytes", l.SendQueueBytes != config.DefaultSendQueueBytes, "it is Switchboard's own buffer"},
		{"limits.writeTimeout", l.WriteTimeout != config.DefaultWriteTimeout, "it is Switchboard's own timeout"},
	} {
		if lim.set {
			s.warn(lim.key, "has no template setting on AWS (%s)", lim.meaning)
		}
	}
}

// shortTags rewrites intrinsic functions into YAML's short forms (!Ref, !Sub, !GetAtt) for
// readability; the JSON forms are equally valid.
func shortTags(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k, v := n.Content[0].Value, n.Content[1]
		switch {
		case k == "Ref" && v.Kind == yaml.ScalarNode:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!Ref", Value: v.Value}
		case k == "Fn::Sub" && v.Kind == yaml.ScalarNode:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!Sub", Value: v.Value}
		case k == "Fn::GetAtt" && v.Kind == yaml.SequenceNode && len(v.Content) == 2:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!GetAtt", Value: v.Content[0].Value + "." + v.Content[1].Value}
		}
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out.Content[i] = shortTags(c)
	}
	return &out
}

// writeJSON writes n as indented JSON, keeping the order of mapping keys.
func writeJSON(b *bytes.Buffer, n *yaml.Node, indent string) {
	inner := indent + "  "
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.WriteString(inner)
			writeString(b, n.Content[i].Value)
			b.WriteString(": ")
			writeJSON(b, n.Content[i+1], inner)
			if i+2 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, c := range n.Content {
			b.WriteString(inner)
			writeJSON(b, c, inner)
			if i+1 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		switch n.ShortTag() {
		case "!!int", "!!float", "!!bool":
			b.WriteString(n.Value)
		default:
			writeString(b, n.Value)
		}
	}
}

func writeString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s)
	b.Write(enc)
}

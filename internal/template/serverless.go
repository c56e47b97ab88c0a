package template

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A Serverless Framework serverless.yml: functions with websocket events, the provider's settings,
// the ${self:...}, ${env:...}, ${opt:...}, ${sls:...} and ${aws:...} variables, and the
// CloudFormation resources under resources.Resources (which intrinsic functions may refer to).

// serverlessDefaults are the Serverless Framework's defaults.
const (
	serverlessStage   = "dev"
	serverlessTimeout = 6 // seconds
)

// serverless reads a serverless.yml.
func (t *tmpl) serverless() (*Result, error) {
	v := &variables{t: t, busy: map[*yaml.Node]bool{}, done: map[*yaml.Node]*yaml.Node{}}
	v.stage = t.opts.Parameters["stage"]
	if v.stage == "" {
		if s, ok := text(v.resolve(get(get(t.root, "provider"), "stage"), "provider.stage")); ok {
			v.stage = s
		} else {
			v.stage = serverlessStage
		}
	}
	v.region = t.opts.Parameters["region"]
	if v.region == "" {
		if s, ok := text(v.resolve(get(get(t.root, "provider"), "region"), "provider.region")); ok {
			v.region = s
		} else {
			v.region = pseudoDefaults()["AWS::Region"]
		}
	}
	root := v.resolve(t.root, "")
	if root == nil {
		return nil, t.probs.err()
	}
	service, _ := text(get(root, "service"))
	if service == "" {
		t.probs.add(t.file, t.root, "service", "a serverless.yml needs a service name")
	}
	if name, _ := text(get(get(root, "provider"), "name")); name != "" && name != "aws" {
		t.probs.add(t.file, get(get(root, "provider"), "name"), "provider.name", "provider %s: Switchboard runs AWS WebSocket APIs (provider.name: aws)", name)
	}

	// The CloudFormation side: resources.Resources, plus what the framework generates and
	// templates refer to (the functions, WebsocketsApi).
	t.opts.Parameters = map[string]string{"AWS::Region": v.region, "AWS::StackName": service + "-" + v.stage}
	if id := t.optsAccount(); id != "" {
		t.opts.Parameters["AWS::AccountId"] = id
	}
	t.ev = &evaluator{t: t, condVal: map[string]bool{}, params: map[string]*yaml.Node{}}
	t.pseudoParameters()
	cfn := get(root, "resources")
	t.mappings = get(cfn, "Mappings")
	for _, e := range entries(get(cfn, "Conditions")) {
		t.conditions[e.key.Value] = e.value
	}
	res := get(cfn, "Resources")
	provider := get(root, "provider")
	apiName := v.stage + "-" + service + "-websockets"
	if s, ok := text(get(provider, "websocketsApiName")); ok {
		apiName = s
	}
	synthetic := mapping(t.root)
	put(synthetic, "WebsocketsApi", t.root, yamlOf(t.root, map[string]any{"Type": "AWS::ApiGatewayV2::Api",
		"Properties": map[string]any{"Name": apiName, "ProtocolType": "WEBSOCKET"}}))
	for _, e := range entries(get(root, "functions")) {
		put(synthetic, lambdaLogicalID(e.key.Value), e.key, yamlOf(e.key, map[string]any{"Type": "AWS::Lambda::Function",
			"Properties": map[string]any{"FunctionName": service + "-" + v.stage + "-" + e.key.Value}}))
	}
	all := mapping(t.root)
	all.Content = append(append(all.Content, synthetic.Content...), items(res)...)
	t.root = mapping(t.root)
	put(t.root, "Resources", t.root, all)
	t.readResources()
	t.checkReferences()
	for _, id := range t.order {
		if r := t.resources[id]; r.condition != "" {
			val, ok := t.ev.condition(r.condition, r.key, "resources.Resources."+id+".Condition")
			r.active = ok && val
		}
	}
	for _, id := range t.order {
		if r := t.resources[id]; r.active {
			t.props(r)
		}
	}

	api := t.resources["WebsocketsApi"]
	o := newAPIOut(get(root, "functions"))
	top := o.tree
	at := api.key
	o.set(top, "", "name", at, str(apiName, at), origin{key: "provider.websocketsApiName"})
	o.set(top, "", "apiId", at, str(t.apiID(api), at), origin{key: "provider.websocketsApiName"})
	o.set(top, "", "region", at, str(t.region(), at), origin{key: "provider.region"})
	o.set(top, "", "accountId", at, str(t.account(), at), origin{key: "provider"})
	if k, val := lookup(provider, "websocketsApiRouteSelectionExpression"); val != nil {
		o.set(top, "", "routeSelectionExpression", k, val, origin{key: "provider.websocketsApiRouteSelectionExpression"})
	}
	stage := mapping(at)
	o.set(top, "", "stage", at, stage, origin{key: "provider.stage"})
	o.set(stage, "stage", "name", at, str(v.stage, at), origin{key: "provider.stage"})
	routes := mapping(at)
	put(top, "routes", at, routes)
	for _, k := range []string{"websocketsDescription", "iam", "iamRoleStatements", "logs", "tracing", "vpc", "deploymentBucket", "architecture", "tags", "stackTags"} {
		if key, _ := lookup(provider, k); key != nil {
			t.note(key, "provider."+k, "has no effect in Switchboard")
		}
	}
	for _, e := range entries(get(root, "functions")) {
		for i, ev := range items(get(e.value, "events")) {
			ek, ws := lookup(ev, "websocket")
			if ws == nil {
				continue
			}
			t.serverlessRoute(root, e, ek, ws, fmt.Sprintf("functions.%s.events[%d].websocket", e.key.Value, i), o, routes)
		}
	}
	for _, e := range entries(get(root, "functions")) {
		if t.notRun[lambdaLogicalID(e.key.Value)] != "" {
			continue
		}
		if _, used := t.notRun[lambdaLogicalID(e.key.Value)]; !used {
			t.notRun[lambdaLogicalID(e.key.Value)] = "no websocket event or authorizer uses it"
		}
	}
	for _, id := range t.order {
		if _, ok := t.notRun[id]; !ok && id != "WebsocketsApi" {
			t.notRun[id] = "not part of the WebSocket API (Ref and Fn::GetAtt give what CloudFormation would)"
		}
	}
	t.notRun["WebsocketsApi"] = ""
	var fns []string
	for _, e := range entries(get(root, "functions")) {
		fns = append(fns, e.key.Value, lambdaLogicalID(e.key.Value))
	}
	t.checkEnvVarsUsed(fns)
	return t.finish([]*apiOut{o})
}

// optsAccount is the account id given with --parameter-overrides AWS::AccountId (or accountId).
func (t *tmpl) optsAccount() string {
	if id := t.opts.Parameters["AWS::AccountId"]; id != "" {
		return id
	}
	return t.opts.Parameters["accountId"]
}

// items returns the items of a sequence, or the keys and values of a mapping, in order.
func items(n *yaml.Node) []*yaml.Node {
	if n = deref(n); n == nil || n.Kind == yaml.ScalarNode {
		return nil
	}
	return n.Content
}

// serverlessRoute adds the route of one websocket event of function fn.
func (t *tmpl) serverlessRoute(root *yaml.Node, fn entry, ek, ws *yaml.Node, key string, o *apiOut, routes *yaml.Node) {
	var routeKey string
	var rkNode *yaml.Node
	var authorizer, rrse *yaml.Node
	if s, ok := text(ws); ok {
		routeKey, rkNode = s, ws
	} else if isMap(ws) {
		for _, e := range entries(ws) {
			switch e.key.Value {
			case "route":
				routeKey, _ = text(e.value)
				rkNode = e.key
			case "authorizer":
				authorizer = e.value
			case "routeResponseSelectionExpression":
				rrse = e.key
			default:
				t.note(e.key, key+"."+e.key.Value, "has no effect in Switchboard")
			}
		}
	}
	if routeKey == "" {
		t.probs.add(t.file, ek, key, "a websocket event needs a route ($connect, $disconnect, $default or a route key)")
		return
	}
	if k, _ := lookup(routes, routeKey); k != nil {
		t.probs.add(t.file, rkNode, key, "route %s is already the route of another websocket event (line %d)", routeKey, k.Line)
		return
	}
	path := "routes." + routeKey
	route := mapping(rkNode)
	o.set(routes, "routes", routeKey, rkNode, route, origin{key: key})
	if rrse != nil {
		o.set(route, path, "returnResponse", rrse, boolean(true, rrse), origin{key: key + ".routeResponseSelectionExpression"})
	}
	t.serverlessFunction(root, fn, route, path, o)
	if authorizer != nil {
		if routeKey != "$connect" {
			t.probs.add(t.file, authorizer, key+".authorizer", "an authorizer applies to the $connect route only (as in the Serverless Framework)")
			return
		}
		t.serverlessAuthorizer(root, authorizer, key+".authorizer", o)
	}
}

// serverlessAuthorizer makes the API's authorizer from a websocket event's authorizer: a function
// name, or {name, identitySource}.
func (t *tmpl) serverlessAuthorizer(root, a *yaml.Node, key string, o *apiOut) {
	name, _ := text(a)
	var idSource *yaml.Node
	if isMap(a) {
		name, _ = text(get(a, "name"))
		_, idSource = lookup(a, "identitySource")
		if arn, ok := text(get(a, "arn")); ok && name == "" {
			t.probs.add(t.file, a, key+".arn", "authorizer %s is a function outside this service, which cannot run locally; name a function of the service", arn)
			return
		}
	}
	if strings.HasPrefix(name, "arn:") {
		t.probs.add(t.file, a, key, "authorizer %s is a function outside this service, which cannot run locally; name a function of the service", name)
		return
	}
	fk, fv := lookup(get(root, "functions"), name)
	if fk == nil {
		t.probs.add(t.file, a, key, "authorizer %q names no function of the service%s", name, hintFrom(name, mapKeys(get(root, "functions"))))
		return
	}
	auth := mapping(a)
	o.set(o.tree, "", "authorizer", a, auth, origin{key: key})
	o.set(auth, "authorizer", "type", a, str("lambda", a), origin{key: key})
	o.set(auth, "authorizer", "name", a, str(name, a), origin{key: key})
	if idSource == nil {
		idSource = seq(a, str("route.request.header.Auth", a)) // the framework's default
	}
	o.set(auth, "authorizer", "identitySource", idSource, idSource, origin{key: key + ".identitySource"})
	t.serverlessFunction(root, entry{fk, fv}, auth, "authorizer", o)
}

// serverlessFunction sets m's function to the service's function fn.
func (t *tmpl) serverlessFunction(root *yaml.Node, fn entry, m *yaml.Node, path string, o *apiOut) {
	id := lambdaLogicalID(fn.key.Value)
	t.notRun[id] = ""
	base := "functions." + fn.key.Value
	provider := get(root, "provider")
	f := mapping(fn.key)
	from := func(k string) origin { return origin{key: base + "." + k} }
	prop := func(name string) (*yaml.Node, *yaml.Node, string) {
		if k, v := lookup(fn.value, name); v != nil {
			return k, v, base + "." + name
		}
		k, v := lookup(provider, name)
		return k, v, "provider." + name
	}
	for _, e := range entries(fn.value) {
		switch e.key.Value {
		case "handler", "runtime", "timeout", "memorySize", "environment", "layers", "reservedConcurrency", "events", "name":
		default:
			t.note(e.key, base+"."+e.key.Value, "has no effect in Switchboard")
		}
	}
	hk, hv := lookup(fn.value, "handler")
	handler, _ := text(hv)
	if handler == "" {
		t.probs.add(t.file, fn.key, base+".handler", "a function needs a handler such as handler.connect")
		return
	}
	rk, rv, rkey := prop("runtime")
	runtime, _ := text(rv)
	if rv != nil {
		o.set(f, path, "runtime", rk, rv, origin{key: rkey})
	}
	if runtime == "go1.x" || strings.HasPrefix(runtime, "provided") {
		dir := filepath.Join(t.dir, filepath.FromSlash(strings.TrimSuffix(handler, ".go")))
		if strings.HasSuffix(handler, ".go") {
			dir = filepath.Dir(filepath.Join(t.dir, filepath.FromSlash(handler)))
		}
		if !hasGoFiles(dir) {
			t.probs.add(t.file, hk, base+".handler", "runtime %s: %s holds no Go source files; for Go, the handler names the main package's directory (as serverless-go-plugin does)", runtime, handler)
			return
		}
	}
	o.set(f, path, "handler", hk, hv, from("handler"))
	if k, v, key := prop("timeout"); v != nil {
		o.set(f, path, "timeout", k, v, origin{key: key})
	} else {
		o.set(f, path, "timeout", fn.key, num(serverlessTimeout, fn.key), from("timeout"))
	}
	if k, v, key := prop("memorySize"); v != nil {
		o.set(f, path, "memory", k, v, origin{key: key})
	}
	if k, v := lookup(fn.value, "reservedConcurrency"); v != nil {
		o.set(f, path, "reservedConcurrency", k, v, from("reservedConcurrency"))
	}
	if k, v := lookup(fn.value, "layers"); v != nil {
		o.set(f, path, "layers", k, t.ev.eval(v, base+".layers"), from("layers"))
	}
	env := mapping(fn.key)
	for _, src := range []struct {
		n   *yaml.Node
		key string
	}{{get(provider, "environment"), "provider.environment"}, {get(fn.value, "environment"), base + ".environment"}} {
		for _, e := range entries(src.n) {
			val := t.ev.eval(e.value, src.key+"."+e.key.Value)
			if val == nil {
				continue
			}
			if isUnresolved(val) {
				t.probs.add(t.file, val, src.key+"."+e.key.Value, "%s; give the variable's value in an --env-vars file", val.Value)
				continue
			}
			replace(env, e.key.Value, e.key, val)
			o.origins[joinKey(path+".environment", e.key.Value)] = origin{key: src.key + "." + e.key.Value}
		}
	}
	for _, set := range t.envVarsFor(fn.key.Value, id) {
		for _, e := range entries(set.vars) {
			replace(env, e.key.Value, e.key, e.value)
			o.origins[joinKey(path+".environment", e.key.Value)] = origin{file: t.opts.EnvVarsFile, key: set.key + "." + e.key.Value}
		}
	}
	if len(env.Content) > 0 {
		put(f, "environment", env, env)
	}
	o.set(m, path, "function", fn.key, f, origin{key: base})
}

// lambdaLogicalID is the logical id the framework gives a function's AWS::Lambda::Function
// ("connectHandler" -> "ConnectHandlerLambdaFunction").
func lambdaLogicalID(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		switch {
		case r == '-':
			b.WriteString("Dash")
		case r == '_':
			b.WriteString("Underscore")
		case up:
			b.WriteString(strings.ToUpper(string(r)))
		default:
			b.WriteRune(r)
		}
		up = false
	}
	return b.String() + "LambdaFunction"
}

// mapKeys lists the keys of a mapping.
func mapKeys(n *yaml.Node) []string {
	var out []string
	for _, e := range entries(n) {
		out = append(out, e.key.Value)
	}
	return out
}

// yamlOf builds a tree from Go values (maps, strings), every node at the position of at.
func yamlOf(at *yaml.Node, v any) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		m := mapping(at)
		for _, k := range keysOf(x) {
			put(m, k, at, yamlOf(at, x[k]))
		}
		return m
	case string:
		return str(x, at)
	}
	return nil
}

// variables resolves the framework's ${...} variables in a serverless.yml.
type variables struct {
	t             *tmpl
	stage, region string
	busy          map[*yaml.Node]bool
	done          map[*yaml.Node]*yaml.Node
	made          int
}

// resolve returns n with its variables resolved (a new tree); nil on a problem (reported).
func (v *variables) resolve(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if r, ok := v.done[n]; ok {
		return r
	}
	if v.made++; v.made > maxValues {
		if v.made == maxValues+1 {
			v.t.probs.add(v.t.file, n, key, "the file expands to more than %d values; write it out", maxValues)
		}
		return nil
	}
	if v.busy[n] {
		v.t.probs.add(v.t.file, n, key, "a cycle of ${self:...} variables")
		return nil
	}
	v.busy[n] = true
	defer delete(v.busy, n)
	var out *yaml.Node
	switch n.Kind {
	case yaml.MappingNode:
		out = &yaml.Node{Kind: n.Kind, Tag: n.Tag, Line: n.Line, Column: n.Column}
		for _, e := range entries(n) {
			val := v.resolve(e.value, joinKey(key, e.key.Value))
			if val == nil {
				val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: e.value.Line, Column: e.value.Column}
			}
			out.Content = append(out.Content, e.key, val)
		}
	case yaml.SequenceNode:
		out = &yaml.Node{Kind: n.Kind, Tag: n.Tag, Line: n.Line, Column: n.Column}
		for i, item := range n.Content {
			if val := v.resolve(item, fmt.Sprintf("%s[%d]", key, i)); val != nil {
				out.Content = append(out.Content, val)
			}
		}
	default:
		out = n
		if strings.Contains(n.Value, "${") && n.Tag != "!!binary" {
			out = v.interpolate(n, key)
		}
	}
	v.done[n] = out
	return out
}

// interpolate resolves the variables of a string scalar, innermost first. A value that is one
// variable takes the variable's value as it is (a mapping, a number); otherwise the results are
// joined into a string.
func (v *variables) interpolate(n *yaml.Node, key string) *yaml.Node {
	s := n.Value
	for range 100 {
		start, end := innermost(s)
		if start < 0 {
			break
		}
		val := v.variable(strings.TrimSpace(s[start+2:end]), n, key)
		if val == nil {
			return nil
		}
		if start == 0 && end == len(s)-1 {
			if !isScalar(val) {
				return val
			}
			r := *val
			place(&r, n)
			return &r
		}
		if !isScalar(val) {
			v.t.probs.add(v.t.file, n, key, "${%s} is %s and cannot be part of a string", s[start+2:end], kindName(val))
			return nil
		}
		s = s[:start] + val.Value + s[end+1:]
	}
	return str(s, n)
}

// innermost returns the positions of the ${ and } of a variable holding no other variable.
func innermost(s string) (int, int) {
	start := -1
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '$' && s[i+1] == '{' {
			start = i
		}
		if s[i] == '}' && start >= 0 {
			return start, i
		}
	}
	if start >= 0 && strings.HasSuffix(s, "}") {
		return start, len(s) - 1
	}
	return -1, -1
}

// variable resolves one variable with its fallbacks: "opt:stage, self:provider.stage, 'dev'".
func (v *variables) variable(expr string, at *yaml.Node, key string) *yaml.Node {
	for _, alt := range splitFallbacks(expr) {
		alt = strings.TrimSpace(alt)
		if len(alt) >= 2 && (alt[0] == '\'' || alt[0] == '"') && alt[len(alt)-1] == alt[0] {
			return str(alt[1:len(alt)-1], at)
		}
		if _, err := strconv.ParseFloat(alt, 64); err == nil {
			n := str(alt, at)
			n.Tag = "!!int"
			if strings.ContainsAny(alt, ".eE") {
				n.Tag = "!!float"
			}
			return n
		}
		source, arg, ok := strings.Cut(alt, ":")
		if !ok {
			v.t.probs.add(v.t.file, at, key, "${%s}: want source:name, such as self:provider.stage, env:NAME or opt:stage", alt)
			return nil
		}
		switch source {
		case "self":
			target := v.t.root
			if arg != "" {
				for _, part := range strings.Split(arg, ".") {
					if idx, err := strconv.Atoi(part); err == nil && isSeq(deref(target)) && idx >= 0 && idx < len(deref(target).Content) {
						target = deref(target).Content[idx]
					} else {
						target = get(target, part)
					}
				}
			}
			if target == nil {
				continue
			}
			return v.resolve(target, arg)
		case "env":
			lookupEnv := v.t.opts.LookupEnv
			if lookupEnv == nil {
				lookupEnv = os.LookupEnv
			}
			if val, ok := lookupEnv(arg); ok {
				return str(val, at)
			}
		case "opt":
			switch arg {
			case "stage":
				if s := v.t.opts.Parameters["stage"]; s != "" {
					return str(s, at)
				}
			case "region":
				if s := v.t.opts.Parameters["region"]; s != "" {
					return str(s, at)
				}
			default:
				if s, ok := v.t.opts.Parameters[arg]; ok {
					return str(s, at)
				}
			}
		case "sls":
			switch arg {
			case "stage":
				return str(v.stage, at)
			case "instanceId":
				return str(suffix(v.t.file, 8, lowerAlnum), at)
			}
			v.t.probs.add(v.t.file, at, key, "${sls:%s} is not known (sls:stage and sls:instanceId are)", arg)
			return nil
		case "aws":
			switch arg {
			case "region":
				return str(v.region, at)
			case "accountId":
				if id := v.t.optsAccount(); id != "" {
					return str(id, at)
				}
				return str(pseudoDefaults()["AWS::AccountId"], at)
			}
			v.t.probs.add(v.t.file, at, key, "${aws:%s} is not known (aws:region and aws:accountId are)", arg)
			return nil
		default:
			if strings.HasPrefix(source, "file(") || slices.Contains([]string{"ssm", "cf", "s3", "sls", "param"}, source) {
				v.t.probs.add(v.t.file, at, key, "${%s} reads %s, which Switchboard does not: give the value in the file, with ${env:...}, or with --parameter-overrides for ${opt:...}", alt, source)
				return nil
			}
			v.t.probs.add(v.t.file, at, key, "${%s}: unknown variable source %q (self, env, opt, sls and aws are supported)", alt, source)
			return nil
		}
	}
	v.t.probs.add(v.t.file, at, key, "${%s} has no value and no fallback (write ${%s, 'default'})", expr, expr)
	return nil
}

// splitFallbacks splits "a, b, 'c, d'" at the commas outside quotes.
func splitFallbacks(s string) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

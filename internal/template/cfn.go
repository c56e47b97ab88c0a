package template

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The AWS::ApiGatewayV2 resources of a WebSocket API, read into config trees.

// integrationURI matches API Gateway's Lambda integration URI.
var integrationURI = regexp.MustCompile(`^arn:[a-z-]+:apigateway:[a-z0-9-]+:lambda:path/[0-9-]+/functions/(.+)/invocations$`)

// wsAPI is a WebSocket API of the template and the resources that belong to it.
type wsAPI struct {
	r                                                                     *resource
	id                                                                    string
	routes, integrations, authorizers, stages, responses, mappings, other []*resource
}

// quietProps are properties that name the resource's parent or have no effect worth a note.
var quietProps = map[string]bool{"ApiId": true, "Description": true, "Tags": true, "DeploymentId": true}

// webSocketAPIs finds the WebSocket APIs and translates each of their stages.
func (t *tmpl) webSocketAPIs() []*apiOut {
	var apis []*wsAPI
	byID := map[string]*wsAPI{}
	for _, id := range t.order {
		r := t.resources[id]
		if !r.active {
			t.notRun[id] = "its Condition " + r.condition + " is false"
			continue
		}
		if r.typ != "AWS::ApiGatewayV2::Api" {
			continue
		}
		props := t.props(r)
		if pt, _ := text(get(props, "ProtocolType")); pt != "WEBSOCKET" {
			t.notRun[id] = "an HTTP API (ProtocolType " + pt + "): Switchboard runs WebSocket APIs"
			continue
		}
		a := &wsAPI{r: r, id: t.apiID(r)}
		apis = append(apis, a)
		byID[a.id] = a
	}
	domains := map[string]*resource{}
	for _, id := range t.order {
		r := t.resources[id]
		if !r.active || !strings.HasPrefix(r.typ, "AWS::ApiGatewayV2::") || r.typ == "AWS::ApiGatewayV2::Api" {
			continue
		}
		if r.typ == "AWS::ApiGatewayV2::DomainName" {
			if name, ok := text(get(t.props(r), "DomainName")); ok {
				domains[name] = r
			}
			continue
		}
		k, v := lookup(t.props(r), "ApiId")
		apiID, _ := text(v)
		a := byID[apiID]
		if a == nil {
			if _, http := t.notRun[t.apiResourceByID(apiID)]; http {
				t.notRun[id] = "part of an HTTP API"
			} else if v != nil && !isUnresolved(v) {
				t.probs.add(t.file, k, "Resources."+id+".Properties.ApiId", "%q is not a WebSocket API of this template", apiID)
			} else {
				t.notRun[id] = "it names no API of this template"
			}
			continue
		}
		switch r.typ {
		case "AWS::ApiGatewayV2::Route":
			a.routes = append(a.routes, r)
		case "AWS::ApiGatewayV2::Integration":
			a.integrations = append(a.integrations, r)
		case "AWS::ApiGatewayV2::Authorizer":
			a.authorizers = append(a.authorizers, r)
		case "AWS::ApiGatewayV2::Stage":
			a.stages = append(a.stages, r)
		case "AWS::ApiGatewayV2::RouteResponse":
			a.responses = append(a.responses, r)
		case "AWS::ApiGatewayV2::ApiMapping":
			a.mappings = append(a.mappings, r)
		case "AWS::ApiGatewayV2::Deployment":
			t.notRun[id] = "" // routes are deployed as the stage is served
		default:
			a.other = append(a.other, r)
			t.notRun[id] = r.typ + " is not supported for WebSocket APIs by Switchboard"
		}
	}
	var out []*apiOut
	for _, a := range apis {
		out = append(out, t.translateAPI(a, domains)...)
	}
	for _, id := range t.order {
		r := t.resources[id]
		if _, done := t.notRun[id]; done {
			continue
		}
		switch {
		case r.typ == "AWS::Serverless::Function" || r.typ == "AWS::Lambda::Function":
			t.notRun[id] = "no route or authorizer of a WebSocket API uses it"
		case r.typ == "AWS::Lambda::Permission":
			t.notRun[id] = "" // API Gateway's permission to invoke: implied locally
		case r.typ == "AWS::ApiGatewayV2::DomainName":
			t.notRun[id] = "no API mapping of a WebSocket API uses it"
		case r.typ == "AWS::CDK::Metadata":
			t.notRun[id] = ""
		default:
			t.notRun[id] = "not part of a WebSocket API (Ref and Fn::GetAtt give what CloudFormation would)"
		}
	}
	return out
}

// apiResourceByID returns the logical id of the AWS::ApiGatewayV2::Api whose id is apiID, or "".
func (t *tmpl) apiResourceByID(apiID string) string {
	for _, id := range t.order {
		if r := t.resources[id]; r.typ == "AWS::ApiGatewayV2::Api" && t.apiID(r) == apiID {
			return id
		}
	}
	return ""
}

// translateAPI builds the config tree of the API and its stage (the default stage when it has
// none). Switchboard serves one stage per API — its execute-api host name is the API's — so
// further stages are listed as not run.
func (t *tmpl) translateAPI(a *wsAPI, domains map[string]*resource) []*apiOut {
	t.notRun[a.r.id] = ""
	var stage *resource
	if len(a.stages) == 0 {
		t.note(a.r.key, "Resources."+a.r.id, "has no AWS::ApiGatewayV2::Stage: AWS serves no stage; Switchboard serves it on the default stage")
	} else {
		stage = a.stages[0]
		for _, st := range a.stages[1:] {
			t.notRun[st.id] = "Switchboard serves one stage per API, " + stage.id + " (the first)"
		}
	}
	return []*apiOut{t.translateStage(a, stage, domains)}
}

// translateStage builds the config tree of one stage of a.
func (t *tmpl) translateStage(a *wsAPI, st *resource, domains map[string]*resource) *apiOut {
	props := t.props(a.r)
	base := "Resources." + a.r.id + ".Properties"
	o := newAPIOut(a.r.key)
	top := o.tree
	from := func(key string) origin { return origin{key: base + "." + key} }
	if k, v := lookup(props, "Name"); v != nil {
		o.set(top, "", "name", k, t.scalar(v, base+".Name"), from("Name"))
	}
	o.set(top, "", "apiId", a.r.key, str(a.id, a.r.key), origin{key: "Resources." + a.r.id})
	o.set(top, "", "region", a.r.key, str(t.region(), a.r.key), origin{key: "AWS::Region"})
	o.set(top, "", "accountId", a.r.key, str(t.account(), a.r.key), origin{key: "AWS::AccountId"})
	if k, v := lookup(props, "RouteSelectionExpression"); v != nil {
		o.set(top, "", "routeSelectionExpression", k, t.scalar(v, base+".RouteSelectionExpression"), from("RouteSelectionExpression"))
	}
	t.notesFor(a.r, props, "Name", "ProtocolType", "RouteSelectionExpression")

	routes := mapping(a.r.key)
	put(top, "routes", a.r.key, routes)
	var timeouts []int
	for _, r := range a.routes {
		t.notRun[r.id] = ""
		t.translateRoute(a, r, o, routes, &timeouts)
	}
	if len(timeouts) > 0 {
		max := slices.Max(timeouts)
		if slices.Min(timeouts) != max {
			t.note(a.r.key, "Resources."+a.r.id, "integrations set different TimeoutInMillis; Switchboard has one integration timeout per API and uses the largest, %d ms", max)
		}
		limits := child(top, "limits", a.r.key)
		o.set(limits, "limits", "integrationTimeout", a.r.key, str(strconv.Itoa(max)+"ms", a.r.key), origin{key: "Resources." + a.r.id})
	}
	for _, r := range a.integrations {
		if _, used := t.notRun[r.id]; !used {
			t.notRun[r.id] = "no route of the API uses it"
		}
	}
	for _, r := range a.authorizers {
		if _, used := t.notRun[r.id]; !used {
			t.notRun[r.id] = "no $connect route uses it"
		}
	}
	for _, r := range a.responses {
		t.notRun[r.id] = ""
	}
	if st != nil {
		t.translateStageResource(a, st, o)
		t.translateMapping(a, st, o, domains)
	}
	return o
}

// scalar returns v when it is a plain scalar; an unresolved value is reported.
func (t *tmpl) scalar(v *yaml.Node, key string) *yaml.Node {
	if isUnresolved(v) {
		t.probs.add(t.file, v, key, "%s", v.Value)
		return nil
	}
	return v
}

// notesFor notes every property of r that Switchboard does not use, except those in used.
func (t *tmpl) notesFor(r *resource, props *yaml.Node, used ...string) {
	for _, e := range entries(props) {
		if slices.Contains(used, e.key.Value) || quietProps[e.key.Value] {
			continue
		}
		t.note(e.key, "Resources."+r.id+".Properties."+e.key.Value, "has no effect in Switchboard")
	}
}

// translateRoute adds one route to routes.
func (t *tmpl) translateRoute(a *wsAPI, r *resource, o *apiOut, routes *yaml.Node, timeouts *[]int) {
	props := t.props(r)
	base := "Resources." + r.id + ".Properties"
	kk, kv := lookup(props, "RouteKey")
	routeKey, ok := text(kv)
	if !ok {
		t.probs.add(t.file, r.key, base+".RouteKey", "a route needs a RouteKey")
		return
	}
	path := "routes." + routeKey
	route := mapping(kk)
	// The route joins the API once its target is known: a route whose target is wrong is
	// reported once, for its Target.
	defer func() {
		if _, target := lookup(route, "function"); target != nil || get(route, "url") != nil {
			o.set(routes, "routes", routeKey, kk, route, origin{key: base + ".RouteKey"})
		}
	}()
	t.notesFor(r, props, "RouteKey", "AuthorizationType", "AuthorizerId", "Target", "RouteResponseSelectionExpression", "OperationName")

	// Authorization: only $connect may have it, as on AWS.
	ak, av := lookup(props, "AuthorizationType")
	authType, _ := text(av)
	switch authType {
	case "", "NONE":
	case "AWS_IAM", "CUSTOM":
		if routeKey != "$connect" {
			t.probs.add(t.file, ak, base+".AuthorizationType", "%s on route %s: API Gateway authorizes WebSocket APIs on the $connect route only", authType, routeKey)
			break
		}
		if authType == "AWS_IAM" {
			o.set(o.tree, "", "authorizer", ak, str("iam", av), origin{key: base + ".AuthorizationType"})
			break
		}
		idk, idv := lookup(props, "AuthorizerId")
		authID, _ := text(idv)
		var found *resource
		for _, ar := range a.authorizers {
			if v := t.refValue(ar, nil); v != nil && v.Value == authID {
				found = ar
			}
		}
		if found == nil {
			if idk == nil {
				idk = ak
			}
			t.probs.add(t.file, idk, base+".AuthorizerId", "AuthorizationType CUSTOM needs the AuthorizerId of an AWS::ApiGatewayV2::Authorizer of this API, got %s", kindName(idv))
			break
		}
		t.translateAuthorizer(found, o, idk)
	default:
		t.probs.add(t.file, ak, base+".AuthorizationType", "must be NONE, AWS_IAM or CUSTOM, got %s", kindName(av))
	}

	// Two-way routes: RouteResponseSelectionExpression $default and a $default RouteResponse.
	rk, rv := lookup(props, "RouteResponseSelectionExpression")
	var response *resource
	routeID := t.refValue(r, nil).Value
	for _, rr := range a.responses {
		rp := t.props(rr)
		if id, _ := text(get(rp, "RouteId")); id == routeID {
			if key, _ := text(get(rp, "RouteResponseKey")); key == "$default" {
				response = rr
			}
		}
	}
	switch {
	case rv != nil && response != nil:
		o.set(route, path, "returnResponse", rk, boolean(true, rv), origin{key: base + ".RouteResponseSelectionExpression"})
	case rv != nil:
		t.note(rk, base+".RouteResponseSelectionExpression", "route %s has no $default AWS::ApiGatewayV2::RouteResponse, so API Gateway sends no response and neither does Switchboard", routeKey)
	case response != nil:
		t.note(response.key, "Resources."+response.id, "route %s has no RouteResponseSelectionExpression, so API Gateway sends no response and neither does Switchboard", routeKey)
	}

	// The integration.
	tk, tv := lookup(props, "Target")
	target, _ := text(tv)
	if isUnresolved(tv) {
		t.probs.add(t.file, tv, base+".Target", "%s", tv.Value)
		return
	}
	integID, ok := strings.CutPrefix(target, "integrations/")
	if !ok {
		if tk == nil {
			tk = r.key
		}
		t.probs.add(t.file, tk, base+".Target", `route %s needs a Target "integrations/{IntegrationId}" naming an AWS::ApiGatewayV2::Integration of this API, got %s`, routeKey, kindName(tv))
		return
	}
	var integ *resource
	for _, ir := range a.integrations {
		if t.refValue(ir, nil).Value == integID {
			integ = ir
		}
	}
	if integ == nil {
		t.probs.add(t.file, tk, base+".Target", "%q is not an AWS::ApiGatewayV2::Integration of this API", target)
		return
	}
	t.notRun[integ.id] = ""
	t.translateIntegration(integ, route, path, o, timeouts)
}

// translateIntegration makes the route's target from an integration.
func (t *tmpl) translateIntegration(r *resource, route *yaml.Node, path string, o *apiOut, timeouts *[]int) {
	props := t.props(r)
	base := "Resources." + r.id + ".Properties"
	t.notesFor(r, props, "IntegrationType", "IntegrationUri", "IntegrationMethod", "TimeoutInMillis", "PayloadFormatVersion")
	tk, tv := lookup(props, "IntegrationType")
	typ, _ := text(tv)
	uk, uv := lookup(props, "IntegrationUri")
	if isUnresolved(uv) {
		t.probs.add(t.file, uv, base+".IntegrationUri", "%s", uv.Value)
		return
	}
	uri, _ := text(uv)
	if uk == nil {
		uk = r.key
	}
	if k, v := lookup(props, "TimeoutInMillis"); v != nil {
		if ms, err := strconv.Atoi(v.Value); err == nil {
			*timeouts = append(*timeouts, ms)
		} else {
			t.probs.add(t.file, k, base+".TimeoutInMillis", "must be a whole number of milliseconds, got %s", kindName(v))
		}
	}
	switch typ {
	case "AWS_PROXY":
		fn := t.functionByARN(uri)
		if fn == nil {
			t.probs.add(t.file, uk, base+".IntegrationUri", "must invoke a Lambda function of this template (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations), got %s", kindName(uv))
			return
		}
		t.attachFunction(fn, route, path, o, uk)
	case "HTTP_PROXY":
		o.set(route, path, "type", tk, str("url", tv), origin{key: base + ".IntegrationType"})
		o.set(route, path, "url", uk, str(uri, uv), origin{key: base + ".IntegrationUri"})
		t.note(tk, base+".IntegrationType", "HTTP_PROXY runs as a url route: Switchboard POSTs the Lambda proxy event to the URL and reads a proxy response (docs/templates.md)")
	default:
		if tk == nil {
			tk = r.key
		}
		t.probs.add(t.file, tk, base+".IntegrationType", "IntegrationType %s is not supported: Switchboard runs AWS_PROXY (Lambda proxy) and HTTP_PROXY integrations", kindName(tv))
	}
}

// functionByARN finds the function resource whose ARN is uri, or whose ARN uri's Lambda
// integration URI names.
func (t *tmpl) functionByARN(uri string) *resource {
	if m := integrationURI.FindStringSubmatch(uri); m != nil {
		uri = m[1]
	}
	for _, id := range t.order {
		r := t.resources[id]
		if !r.active || (r.typ != "AWS::Serverless::Function" && r.typ != "AWS::Lambda::Function") {
			continue
		}
		if arn, err := t.attValue(r, "Arn", nil); err == nil && arn != nil && arn.Value == uri {
			return r
		}
	}
	return nil
}

// attachFunction sets the route's (or authorizer's) function to the function resource fn.
func (t *tmpl) attachFunction(fn *resource, m *yaml.Node, path string, o *apiOut, at *yaml.Node) {
	t.notRun[fn.id] = ""
	f, root := t.function(fn, path+".function", o)
	if f == nil {
		return
	}
	o.set(m, path, "function", at, f, origin{key: "Resources." + fn.id + ".Properties"})
	o.roots[path] = root
}

// translateAuthorizer makes the API's Lambda authorizer.
func (t *tmpl) translateAuthorizer(r *resource, o *apiOut, at *yaml.Node) {
	t.notRun[r.id] = ""
	props := t.props(r)
	base := "Resources." + r.id + ".Properties"
	t.notesFor(r, props, "AuthorizerType", "AuthorizerUri", "IdentitySource", "Name", "AuthorizerResultTtlInSeconds")
	auth := mapping(at)
	o.set(o.tree, "", "authorizer", at, auth, origin{key: "Resources." + r.id})
	tk, tv := lookup(props, "AuthorizerType")
	if typ, _ := text(tv); typ != "REQUEST" {
		if tk == nil {
			tk = r.key
		}
		t.probs.add(t.file, tk, base+".AuthorizerType", "WebSocket APIs take REQUEST authorizers, got %s", kindName(tv))
		return
	}
	o.set(auth, "authorizer", "type", tk, str("lambda", tv), origin{key: base + ".AuthorizerType"})
	if k, v := lookup(props, "Name"); v != nil {
		o.set(auth, "authorizer", "name", k, t.scalar(v, base+".Name"), origin{key: base + ".Name"})
	}
	if k, v := lookup(props, "IdentitySource"); v != nil {
		o.set(auth, "authorizer", "identitySource", k, v, origin{key: base + ".IdentitySource"})
	}
	if k, v := lookup(props, "AuthorizerResultTtlInSeconds"); v != nil {
		o.set(auth, "authorizer", "resultsCacheTtl", k, v, origin{key: base + ".AuthorizerResultTtlInSeconds"})
	}
	uk, uv := lookup(props, "AuthorizerUri")
	uri, _ := text(uv)
	fn := t.functionByARN(uri)
	if fn == nil {
		if uk == nil {
			uk = r.key
		}
		t.probs.add(t.file, uk, base+".AuthorizerUri", "must invoke a Lambda function of this template, got %s", kindName(uv))
		return
	}
	t.attachFunction(fn, auth, "authorizer", o, uk)
}

// translateStageResource reads a stage's settings.
func (t *tmpl) translateStageResource(a *wsAPI, st *resource, o *apiOut) {
	t.notRun[st.id] = ""
	props := t.props(st)
	base := "Resources." + st.id + ".Properties"
	t.notesFor(st, props, "StageName", "AutoDeploy", "StageVariables", "DefaultRouteSettings", "AccessLogSettings")
	stage := mapping(st.key)
	o.set(o.tree, "", "stage", st.key, stage, origin{key: "Resources." + st.id})
	from := func(k string) origin { return origin{key: base + "." + k} }
	if k, v := lookup(props, "StageName"); v != nil {
		o.set(stage, "stage", "name", k, t.scalar(v, base+".StageName"), from("StageName"))
	}
	// CloudFormation's AutoDeploy defaults to false (SST sets true, as the config's default).
	k, v := lookup(props, "AutoDeploy")
	if v == nil {
		k, v = st.key, boolean(false, st.key)
	}
	o.set(stage, "stage", "autoDeploy", k, v, from("AutoDeploy"))
	if k, v := lookup(props, "StageVariables"); v != nil {
		o.set(stage, "stage", "variables", k, v, from("StageVariables"))
	}
	if dk, dv := lookup(props, "DefaultRouteSettings"); dv != nil {
		throttle := mapping(dk)
		for _, e := range entries(dv) {
			key := "DefaultRouteSettings." + e.key.Value
			switch e.key.Value {
			case "ThrottlingRateLimit":
				o.set(throttle, "stage.throttle", "rateLimit", e.key, e.value, from(key))
			case "ThrottlingBurstLimit":
				o.set(throttle, "stage.throttle", "burstLimit", e.key, e.value, from(key))
			default:
				t.note(e.key, base+"."+key, "has no effect in Switchboard")
			}
		}
		if len(throttle.Content) > 0 {
			o.set(stage, "stage", "throttle", dk, throttle, from("DefaultRouteSettings"))
		}
	}
	if lk, lv := lookup(props, "AccessLogSettings"); lv != nil {
		log := mapping(lk)
		o.set(o.tree, "", "accessLog", lk, log, from("AccessLogSettings"))
		if k, v := lookup(lv, "Format"); v != nil {
			o.set(log, "accessLog", "format", k, t.scalar(v, base+".AccessLogSettings.Format"), from("AccessLogSettings.Format"))
		}
		if k, v := lookup(lv, "DestinationArn"); v != nil {
			arn, _ := text(v)
			if group := t.logGroupByARN(arn); group != nil {
				// A log group of the template: its retention, and logs to stdout locally.
				if days, ok := text(get(t.props(group), "RetentionInDays")); ok {
					if r := retentionName(days); r != "" {
						o.set(log, "accessLog", "retention", k, str(r, v), origin{key: "Resources." + group.id + ".Properties.RetentionInDays"})
					}
				}
				t.notRun[group.id] = "the access log goes to the log's destination (stdout by default) instead"
			} else {
				o.set(log, "accessLog", "destinationArn", k, t.scalar(v, base+".AccessLogSettings.DestinationArn"), from("AccessLogSettings.DestinationArn"))
			}
		}
	}
}

// logGroupByARN finds the AWS::Logs::LogGroup of the template whose ARN is arn.
func (t *tmpl) logGroupByARN(arn string) *resource {
	for _, id := range t.order {
		r := t.resources[id]
		if r.active && r.typ == "AWS::Logs::LogGroup" {
			if v, err := t.attValue(r, "Arn", nil); err == nil && v != nil && v.Value == arn {
				return r
			}
		}
	}
	return nil
}

// retentionDays are CloudWatch Logs' retention periods by SST v3's names (the config's values).
var retentionDays = []struct {
	name string
	days int
}{
	{"1 day", 1}, {"3 days", 3}, {"5 days", 5}, {"1 week", 7}, {"2 weeks", 14}, {"1 month", 30},
	{"2 months", 60}, {"3 months", 90}, {"4 months", 120}, {"5 months", 150}, {"6 months", 180},
	{"1 year", 365}, {"13 months", 400}, {"18 months", 545}, {"2 years", 731}, {"3 years", 1096},
	{"5 years", 1827}, {"6 years", 2192}, {"7 years", 2557}, {"8 years", 2922}, {"9 years", 3288},
	{"10 years", 3653},
}

// retentionName returns the config retention for a number of days, or "".
func retentionName(days string) string {
	for _, r := range retentionDays {
		if strconv.Itoa(r.days) == days {
			return r.name
		}
	}
	return ""
}

// translateMapping reads the API mapping of this stage onto a domain as the custom domain.
func (t *tmpl) translateMapping(a *wsAPI, st *resource, o *apiOut, domains map[string]*resource) {
	stageName, _ := text(get(t.props(st), "StageName"))
	var found bool
	for _, m := range a.mappings {
		props := t.props(m)
		if s, _ := text(get(props, "Stage")); s != stageName {
			continue
		}
		base := "Resources." + m.id + ".Properties"
		if found {
			t.note(m.key, "Resources."+m.id, "a second API mapping of one stage: Switchboard serves one custom domain per API and stage (the first)")
			t.notRun[m.id] = "a second mapping of the same stage"
			continue
		}
		found = true
		t.notRun[m.id] = ""
		t.notesFor(m, props, "Stage", "DomainName", "ApiMappingKey")
		dk, dv := lookup(props, "DomainName")
		domain, _ := text(dv)
		cd := mapping(m.key)
		o.set(o.tree, "", "customDomain", m.key, cd, origin{key: "Resources." + m.id})
		if dv != nil {
			o.set(cd, "customDomain", "domainName", dk, t.scalar(dv, base+".DomainName"), origin{key: base + ".DomainName"})
		}
		if k, v := lookup(props, "ApiMappingKey"); v != nil {
			o.set(cd, "customDomain", "path", k, t.scalar(v, base+".ApiMappingKey"), origin{key: base + ".ApiMappingKey"})
		}
		if d := domains[domain]; d != nil {
			t.notRun[d.id] = ""
			dprops := t.props(d)
			dbase := "Resources." + d.id + ".Properties"
			t.notesFor(d, dprops, "DomainName", "DomainNameConfigurations")
			if ck, cv := lookup(dprops, "DomainNameConfigurations"); isSeq(cv) && len(cv.Content) > 0 {
				for _, e := range entries(cv.Content[0]) {
					switch e.key.Value {
					case "CertificateArn":
						o.set(cd, "customDomain", "certificateArn", e.key, t.scalar(e.value, dbase+".DomainNameConfigurations[0].CertificateArn"), origin{key: dbase + ".DomainNameConfigurations[0].CertificateArn"})
						t.note(e.key, dbase+".DomainNameConfigurations[0].CertificateArn", "an ACM certificate has no local meaning: the domain gets a certificate from the local CA, or give PEM files in customDomain.certificate and key")
					default:
						t.note(e.key, dbase+".DomainNameConfigurations[0]."+e.key.Value, "has no effect in Switchboard")
					}
				}
				if len(cv.Content) > 1 {
					t.note(ck, dbase+".DomainNameConfigurations", "only the first configuration is read")
				}
			}
		}
	}
}

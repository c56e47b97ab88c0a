package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/internal/event"
)

var (
	// envNamePattern is Lambda's rule for environment variable names.
	envNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)
	// identitySourcePattern is the WebSocket identity source syntax (as CDK validates it).
	identitySourcePattern = regexp.MustCompile(`^(route\.request\.(header|querystring)|stageVariables|context)\.[A-Za-z0-9._-]+$`)
)

// lambdaReservedEnv are the environment variables Lambda sets itself and refuses in a function's
// configuration.
var lambdaReservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true,
	"AWS_LAMBDA_LOG_GROUP_NAME": true, "AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true,
	"AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// reservedRouteKeys are the route keys AWS predefines.
var reservedRouteKeys = []string{event.RouteConnect, event.RouteDisconnect, event.RouteDefault}

// routes checks every route: its key, target, options and function.
func (ck *checker) routes() {
	c := ck.c
	if n := len(c.Routes); n > 300 {
		ck.add("routes", "has %d routes; AWS allows at most 300 per API", n)
	}
	for _, key := range c.RouteKeys() {
		r := c.Routes[key]
		p := "routes." + key
		ck.routeKey(p, key)
		if r.Key != key {
			ck.add(p, "has Key %q but is stored under %q", r.Key, key)
		}
		ck.target(p, r.Target, `needs a target: a handler string like "src/handler.main", a function, or type: url with a url`)
		if r.ReturnResponse && (key == event.RouteConnect || key == event.RouteDisconnect) {
			ck.add(p+".returnResponse", "only message routes ($default and custom keys) can return a response; AWS allows no route response on %s", key)
		}
		if r.IAM {
			switch key {
			case event.RouteDisconnect:
				ck.add(p+".auth.iam", "cannot apply to $disconnect: it runs after the connection is gone")
			case event.RouteConnect:
				if c.Authorizer.Type == AuthorizerLambda {
					ck.add(p+".auth.iam", "conflicts with the lambda authorizer: $connect has one authorization type")
				}
			}
		}
		if r.Target.Kind == TargetFunction && r.Target.Function != nil {
			ck.function(p+".function", r.Target.Function)
			merged := MergeFunction(c.Defaults.Function, r.Target.Function)
			if merged.Handler == "" {
				ck.add(p+".function.handler", "is required: set it on the route or in defaults.function")
			}
			ck.environmentSize(p+".function.environment", merged.Environment)
		}
	}
}

// routeKey checks a route key against AWS's rules.
func (ck *checker) routeKey(p, key string) {
	switch {
	case key == "":
		ck.add(p, "route keys must not be empty")
	case utf8.RuneCountInString(key) > 128:
		ck.add(p, "route keys may be at most 128 characters (AWS's limit)")
	case strings.HasPrefix(key, "$") && !slices.Contains(reservedRouteKeys, key):
		hint := ""
		if s := suggest(key, reservedRouteKeys); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		ck.add(p, "keys starting with $ are reserved for $connect, $disconnect and $default%s", hint)
	}
}

// target checks that a target has exactly what its kind needs. missing is the message for a
// target that has no kind.
func (ck *checker) target(p string, t Target, missing string) {
	switch t.Kind {
	case TargetNone:
		ck.add(p, "%s", missing)
	case TargetFunction:
		if t.Function == nil {
			ck.add(p+".function", "is required for a function target")
		}
		if t.URL != "" {
			ck.add(p+".url", "cannot be combined with function: give function or url, not both")
		}
	case TargetURL:
		expanded, err := ExpandStageVariables(t.URL, ck.c.Stage.Variables)
		switch {
		case t.URL == "":
			ck.add(p+".url", "is required with type: url")
		case err != nil:
			ck.add(p+".url", "%v", err)
		default:
			if u, err := url.Parse(expanded); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				ck.add(p+".url", "must be an absolute http:// or https:// URL, got %q", expanded)
			}
		}
		if t.Function != nil {
			ck.add(p+".function", "cannot be combined with url: give function or url, not both")
		}
	case TargetGo:
		if t.Go == nil {
			ck.add(p, "is a Go target without a Go handler")
		}
		if t.Function != nil || t.URL != "" {
			ck.add(p, "is a Go target and takes no function or url")
		}
	default:
		ck.add(p, "has an unknown target kind %d", t.Kind)
	}
	if t.Go != nil && t.Kind != TargetGo {
		ck.add(p, "has a Go handler but is not a Go target")
	}
}

// function checks one function's own props against Lambda's limits (SST checks the same).
func (ck *checker) function(p string, f *Function) {
	if f == nil {
		return
	}
	if strings.ContainsAny(f.Runtime, " \t\r\n") {
		ck.add(p+".runtime", `must be a runtime name such as "nodejs20.x", "python3.12" or "go", got %q`, f.Runtime)
	}
	if t, set := isSet(ck, p+".timeout", f.Timeout); set && (t <= 0 || t > 900*time.Second) {
		ck.add(p+".timeout", "must be more than 0 and at most 900 seconds (Lambda's maximum), got %v", t)
	}
	if m, set := isSet(ck, p+".memory", f.MemoryMB); set && (m < 128 || m > 10240) {
		ck.add(p+".memory", "must be between 128 and 10240 MB (Lambda's range), got %d", m)
	}
	if n, set := isSet(ck, p+".reservedConcurrency", f.ReservedConcurrency); set && n < 1 {
		ck.add(p+".reservedConcurrency", "must be at least 1 (on Lambda, 0 stops every invocation; leave it out for no reservation), got %d", n)
	}
	for _, name := range sortedKeys(f.Environment) {
		switch ep := p + ".environment." + name; {
		case lambdaReservedEnv[name]:
			ck.add(ep, "is reserved: Lambda sets it itself")
		case !envNamePattern.MatchString(name):
			ck.add(ep, "names must start with a letter, have at least 2 characters, and contain only letters, digits and _ (Lambda's rule)")
		}
	}
	for i, perm := range f.Permissions {
		ck.permission(fmt.Sprintf("%s.permissions[%d]", p, i), perm)
	}
	for i, l := range f.Layers {
		if strings.TrimSpace(l) == "" {
			ck.add(fmt.Sprintf("%s.layers[%d]", p, i), "must not be empty")
		}
	}
}

// environmentSize checks Lambda's 4 KB limit on a function's environment, defaults included.
func (ck *checker) environmentSize(p string, env map[string]string) {
	size := 0
	for k, v := range env {
		size += len(k) + len(v)
	}
	if size > 4096 {
		ck.add(p, "adds up to %d bytes with defaults.function.environment; Lambda allows 4 KB per function", size)
	}
}

// permission checks one permission: a non-empty string, or a complete IAM statement.
func (ck *checker) permission(p string, perm Permission) {
	statement := perm.Effect != "" || len(perm.Actions) > 0 || len(perm.Resources) > 0
	switch {
	case perm.String != "" && statement:
		ck.add(p, "give either a permission string or a statement, not both")
	case perm.String != "":
	case !statement:
		ck.add(p, "must not be empty")
	default:
		if perm.Effect != "Allow" && perm.Effect != "Deny" {
			ck.add(p+".effect", `must be "Allow" or "Deny", got %q`, perm.Effect)
		}
		ck.nonEmptyList(p+".actions", perm.Actions, `must list at least one action, such as "s3:GetObject"`)
		ck.nonEmptyList(p+".resources", perm.Resources, `must list at least one resource ARN, or "*"`)
	}
}

// nonEmptyList checks that a list has items and that none is empty.
func (ck *checker) nonEmptyList(p string, list []string, missing string) {
	if len(list) == 0 {
		ck.add(p, "%s", missing)
	}
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			ck.add(fmt.Sprintf("%s[%d]", p, i), "must not be empty")
		}
	}
}

// authorizer checks the API's authorizer: its type and the settings that type takes.
func (ck *checker) authorizer() {
	a := ck.c.Authorizer
	lambdaOnly := []struct {
		key string
		set bool
	}{
		{"name", a.Name != ""},
		{"function", a.Target.Kind == TargetFunction},
		{"url", a.Target.Kind == TargetURL},
		{"identitySource", len(a.IdentitySource) > 0},
		{"resultsCacheTtl", a.ResultsCacheTTL != 0},
	}
	switch a.Type {
	case AuthorizerNone, AuthorizerIAM:
		for _, s := range lambdaOnly {
			if s.set {
				ck.add("authorizer."+s.key, "only applies to type: lambda (this authorizer's type is %s)", a.Type)
			}
		}
	case AuthorizerLambda:
		if a.CredentialsFile != "" {
			ck.add("authorizer.credentialsFile", "only applies to types iam and none (this authorizer's type is lambda)")
		}
		ck.target("authorizer", a.Target, "type lambda needs a function or a url")
		if f := a.Target.Function; a.Target.Kind == TargetFunction && f != nil {
			ck.function("authorizer.function", f)
			if f.Handler == "" {
				ck.add("authorizer.function.handler", "is required")
			}
		}
		if n := utf8.RuneCountInString(a.Name); n > 128 {
			ck.add("authorizer.name", "must be at most 128 characters (AWS's limit), got %d", n)
		}
		for i, s := range a.IdentitySource {
			if !identitySourcePattern.MatchString(s) {
				ck.add(fmt.Sprintf("authorizer.identitySource[%d]", i),
					"must be route.request.header.<name>, route.request.querystring.<name>, stageVariables.<name> or context.<name>, got %q", s)
			}
		}
		if ttl := a.ResultsCacheTTL; ttl < 0 || ttl > time.Hour {
			ck.add("authorizer.resultsCacheTtl", "must be between 0 and 3600 seconds (AWS's range), got %v", ttl)
		}
	default:
		p := ck.authorizerTypeKey()
		types := []string{string(AuthorizerNone), string(AuthorizerIAM), string(AuthorizerLambda)}
		hint := ""
		if s := suggest(string(a.Type), types); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		ck.add(p, `must be "none", "iam" or "lambda", got %q%s`, string(a.Type), hint)
	}
}

// authorizerTypeKey is the key to cite for the authorizer's type: "authorizer.type", or
// "authorizer" when the file gave the type as a plain string (`authorizer: iam`).
func (ck *checker) authorizerTypeKey() string {
	if ck.src != nil && !ck.src.written("authorizer.type") {
		return "authorizer"
	}
	return "authorizer.type"
}

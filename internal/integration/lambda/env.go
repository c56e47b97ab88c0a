package lambda

import (
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/internal/integration/lambda/redirect"
	"github.com/switchboardhq/switchboard/internal/integration/lambda/runtimes"
)

// inheritedEnv are the only variables a worker takes from the gateway's own environment, so that
// a handler behaves the same on every machine, as in Lambda's fixed environment.
var inheritedEnv = []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "USER", "SYSTEMROOT"}

// forbiddenEnv are never passed to a worker: _LAMBDA_SERVER_PORT would put aws-lambda-go into
// the legacy go1.x RPC mode, and AWS_LAMBDA_MAX_CONCURRENCY would make a runtime take several
// events at once, while every worker here runs one invocation at a time.
var forbiddenEnv = []string{"_LAMBDA_SERVER_PORT", "AWS_LAMBDA_MAX_CONCURRENCY"}

// lambdaDefaults are variables Lambda sets that a function may override (its "unreserved"
// variables), with Lambda's values where they make sense on this machine: the locale, and X-Ray's
// settings (the daemon's address is its default local one; with the trace header's Sampled=0 the
// X-Ray SDKs send nothing).
var lambdaDefaults = map[string]string{
	"LANG":                     "en_US.UTF-8",
	"AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
	"AWS_XRAY_DAEMON_ADDRESS":  "127.0.0.1:2000",
}

// executionEnv is AWS_EXECUTION_ENV for a runtime ("nodejs22.x" gives "AWS_Lambda_nodejs22.x"),
// "" for OS-only runtimes (provided*), for which Lambda sets none.
func executionEnv(runtimeName string) string {
	r := strings.ToLower(runtimeName)
	if r == "" || strings.HasPrefix(r, "provided") {
		return ""
	}
	return "AWS_Lambda_" + r
}

// reservedEnv are the variables Lambda sets itself; a function's environment cannot override
// them (Lambda rejects such configuration; here Lambda's value wins).
func (f *Function) reservedEnv(g *generation, runtimeAPI, logStream string) map[string]string {
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        f.name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.memoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStream,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      f.region,
		"AWS_DEFAULT_REGION":              f.region,
		"LAMBDA_TASK_ROOT":                f.root,
		"_HANDLER":                        f.handler,
		"TZ":                              ":UTC",
	}
	if e := executionEnv(g.prepared.RuntimeName); e != "" {
		env["AWS_EXECUTION_ENV"] = e
	}
	return env
}

// workerEnv is a worker's environment, later entries winning: the inherited basics, Lambda's
// unreserved defaults, the runtime's own variables, the function's environment, the gateway's
// extra variables (Options.Env), the redirection of the management API's host names, and
// Lambda's reserved variables (AWS_ACCESS_KEY, Lambda's old name for the access key id, follows
// AWS_ACCESS_KEY_ID).
func (f *Function) workerEnv(g *generation, runtimeAPI, logStream string) ([]string, error) {
	env := map[string]string{}
	for _, k := range inheritedEnv {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	for k, v := range lambdaDefaults {
		env[k] = v
	}
	setPairs(env, g.prepared.Launch.Env)
	for k, v := range f.fnEnv {
		env[k] = v
	}
	setPairs(env, f.extraEnv)
	redirectEnv, err := f.redirectEnv(g.prepared.Runtime)
	if err != nil {
		return nil, err
	}
	setPairs(env, redirectEnv)
	delete(env, "AWS_EXECUTION_ENV") // only Lambda sets it
	for k, v := range f.reservedEnv(g, runtimeAPI, logStream) {
		env[k] = v
	}
	if id, ok := env["AWS_ACCESS_KEY_ID"]; ok {
		env["AWS_ACCESS_KEY"] = id
	}
	for _, k := range forbiddenEnv {
		delete(env, k)
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out, nil
}

// redirectEnv are the variables that send a worker's connections to the management API's host
// names to the gateway: for Node.js and Python the bootstraps' settings, for Go the proxy's
// address (the function's proxy starts with its first Go worker).
func (f *Function) redirectEnv(family string) ([]string, error) {
	if !f.redirect.Enabled() {
		return nil, nil
	}
	if family != string(runtimes.Go) {
		return f.redirect.BootstrapEnv(f.fnEnv), nil
	}
	f.proxyMu.Lock()
	defer f.proxyMu.Unlock()
	if f.proxyClosed {
		return nil, errClosed
	}
	if f.proxy == nil {
		p, err := redirect.Listen(redirect.Options{Rules: f.redirect, Env: f.fnEnv, Logger: f.log.With("function", f.name)})
		if err != nil {
			return nil, err
		}
		f.proxy = p
	}
	return f.redirect.ProxyEnv(f.proxy.URL(), f.fnEnv), nil
}

// setPairs sets KEY=VALUE pairs in env; entries without "=" are ignored.
func setPairs(env map[string]string, pairs []string) {
	for _, kv := range pairs {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
}

package lambda

import (
	"os"
	"sort"
	"strconv"
	"strings"
)

// inheritedEnv are the only variables a worker takes from the gateway's own environment, so that
// a handler behaves the same on every machine, as in Lambda's fixed environment.
var inheritedEnv = []string{"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "USER", "SYSTEMROOT"}

// forbiddenEnv are never passed to a worker: _LAMBDA_SERVER_PORT would put aws-lambda-go into
// the legacy go1.x RPC mode, and AWS_LAMBDA_MAX_CONCURRENCY would make a runtime take several
// events at once, while every worker here runs one invocation at a time.
var forbiddenEnv = []string{"_LAMBDA_SERVER_PORT", "AWS_LAMBDA_MAX_CONCURRENCY"}

// defaultRuntimeNames name the Lambda runtime reported in AWS_EXECUTION_ENV when the config does
// not name one: SST's defaults. Go handlers run on an OS-only runtime (provided.al2023), for
// which Lambda sets no AWS_EXECUTION_ENV.
var defaultRuntimeNames = map[string]string{
	"nodejs": "nodejs20.x",
	"python": "python3.12",
}

// executionEnv is AWS_EXECUTION_ENV for a function, "" for OS-only runtimes.
func executionEnv(configured, family string) string {
	r := strings.ToLower(configured)
	if r == "" || r == "go" {
		r = defaultRuntimeNames[family]
	}
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
	if e := executionEnv(f.runtime, g.prepared.Runtime); e != "" {
		env["AWS_EXECUTION_ENV"] = e
	}
	return env
}

// workerEnv is a worker's environment, later entries winning: the inherited basics, the
// runtime's own variables, the function's environment, the gateway's extra variables
// (Options.Env), and Lambda's reserved variables.
func (f *Function) workerEnv(g *generation, runtimeAPI, logStream string) []string {
	env := map[string]string{}
	for _, k := range inheritedEnv {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	setPairs(env, g.prepared.Launch.Env)
	for k, v := range f.fnEnv {
		env[k] = v
	}
	setPairs(env, f.extraEnv)
	delete(env, "AWS_EXECUTION_ENV") // only Lambda sets it
	for k, v := range f.reservedEnv(g, runtimeAPI, logStream) {
		env[k] = v
	}
	for _, k := range forbiddenEnv {
		delete(env, k)
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// setPairs sets KEY=VALUE pairs in env; entries without "=" are ignored.
func setPairs(env map[string]string, pairs []string) {
	for _, kv := range pairs {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			env[k] = v
		}
	}
}

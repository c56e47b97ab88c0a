package lambda

import (
	"regexp"
	"testing"
)

func TestWorkerEnvironmentIsLambdas(t *testing.T) {
	t.Setenv("SWITCHBOARD_GATEWAY_SECRET", "must-not-leak")
	f := newTestFunction(t, goEcho, func(o *Options) {
		o.Name = "env-fn"
		o.Region = "eu-west-1"
		o.Config.Environment = map[string]string{
			"TABLE_NAME":                 "connections",
			"AWS_REGION":                 "us-west-2", // reserved: Lambda's value wins
			"AWS_LAMBDA_MAX_CONCURRENCY": "8",         // never passed on
		}
		o.Env = []string{"SWITCHBOARD_MGMT_ENDPOINT=http://127.0.0.1:3001", "_LAMBDA_SERVER_PORT=9000", "TABLE_NAME=from-gateway"}
	})
	keys := []string{
		"AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
		"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
		"AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "TZ", "AWS_EXECUTION_ENV",
		"TABLE_NAME", "SWITCHBOARD_MGMT_ENDPOINT", "_LAMBDA_SERVER_PORT", "AWS_LAMBDA_MAX_CONCURRENCY",
		"SWITCHBOARD_GATEWAY_SECRET", "PATH",
	}
	r := invokeEcho(t, f.Function, map[string]any{"env": keys})
	root := absPath(t, "testdata/go")
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "env-fn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/env-fn",
		"AWS_REGION":                      "eu-west-1",
		"AWS_DEFAULT_REGION":              "eu-west-1",
		"LAMBDA_TASK_ROOT":                root,
		"_HANDLER":                        "echo",
		"TZ":                              ":UTC",
		"TABLE_NAME":                      "from-gateway", // Options.Env overrides the function's
		"SWITCHBOARD_MGMT_ENDPOINT":       "http://127.0.0.1:3001",
	}
	for k, v := range want {
		if r.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Env[k], v)
		}
	}
	// AWS_EXECUTION_ENV is not set on OS-only runtimes (provided.al2023), where Go handlers run.
	for _, k := range []string{"_LAMBDA_SERVER_PORT", "AWS_LAMBDA_MAX_CONCURRENCY", "SWITCHBOARD_GATEWAY_SECRET", "AWS_EXECUTION_ENV"} {
		if v, ok := r.Env[k]; ok {
			t.Errorf("%s = %q reached the worker", k, v)
		}
	}
	if r.Env["PATH"] == "" {
		t.Error("PATH was not inherited")
	}
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(r.Env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want 127.0.0.1:port", r.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(r.Env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", r.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	if r.Cwd != root {
		t.Errorf("working directory = %q, want the task root %q", r.Cwd, root)
	}
	if r.FunctionARN != "arn:aws:lambda:eu-west-1:000000000000:function:env-fn" {
		t.Errorf("function ARN = %q", r.FunctionARN)
	}
}

func TestExecutionEnvNamesTheRuntime(t *testing.T) {
	for _, c := range []struct{ runtime, want string }{
		{"nodejs22.x", "AWS_Lambda_nodejs22.x"},
		{"python3.13", "AWS_Lambda_python3.13"},
		{"provided.al2023", ""},
		{"provided", ""},
		{"go1.x", "AWS_Lambda_go1.x"},
		{"", ""},
	} {
		if got := executionEnv(c.runtime); got != c.want {
			t.Errorf("executionEnv(%q) = %q, want %q", c.runtime, got, c.want)
		}
	}
}

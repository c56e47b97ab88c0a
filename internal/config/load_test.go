package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// fullConfig is what testdata/full.yaml and testdata/full.json decode to.
func fullConfig(file string) *Config {
	return &Config{
		File:                     file,
		Name:                     "chat-app",
		Region:                   "eu-west-2",
		AccountID:                "123456789012",
		APIID:                    "abcdef1234",
		RouteSelectionExpression: "$request.body.type",
		Defaults: Defaults{Function: &Function{
			Runtime:     "nodejs20.x",
			Timeout:     20 * time.Second,
			MemoryMB:    1024,
			Environment: map[string]string{"TABLE_NAME": "chat-connections", "MAX_USERS": "100"},
			Permissions: []Permission{
				{String: "dynamodb"},
				{Effect: "Allow", Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}, Resources: []string{"*"}},
			},
			Layers:              []string{"arn:aws:lambda:eu-west-2:123456789012:layer:shared:3"},
			ReservedConcurrency: 50,
		}},
		Routes: map[string]Route{
			"$connect": {Key: "$connect", Target: Target{Kind: TargetFunction,
				Function: &Function{Handler: "src/connect.main"}}},
			"$disconnect": {Key: "$disconnect", Target: Target{Kind: TargetFunction,
				Function: &Function{Handler: "src/disconnect.main"}}},
			"$default": {Key: "$default", Target: Target{Kind: TargetFunction, Function: &Function{
				Handler:     "src/default.main",
				Timeout:     time.Minute,
				MemoryMB:    2048,
				Environment: map[string]string{"DEBUG": "true"},
			}}},
			"sendMessage": {Key: "sendMessage", ReturnResponse: true, Target: Target{Kind: TargetFunction, Function: &Function{
				Handler:             "src/sendMessage.main",
				Runtime:             "python3.12",
				Timeout:             29 * time.Second,
				Permissions:         []Permission{{String: "s3"}},
				Layers:              []string{"arn:aws:lambda:eu-west-2:123456789012:layer:extra:1"},
				ReservedConcurrency: 5,
			}}},
			"echo": {Key: "echo", ReturnResponse: true, Target: Target{Kind: TargetURL, URL: "http://127.0.0.1:8080/echo"}},
		},
		Authorizer: Authorizer{
			Type: AuthorizerLambda,
			Name: "tokenAuthorizer",
			Target: Target{Kind: TargetFunction, Function: &Function{
				Handler: "src/authorizer.main", Timeout: 5 * time.Second}},
			IdentitySource:  []string{"route.request.header.Authorization", "route.request.querystring.token"},
			ResultsCacheTTL: 5 * time.Minute,
		},
		AccessLog: AccessLog{
			Enabled:        true,
			Format:         `{"requestId":"$context.requestId","routeKey":"$context.routeKey"}`,
			Destination:    "logs/access.log",
			DestinationARN: "arn:aws:logs:eu-west-2:123456789012:log-group:chat-access",
			Retention:      "one_week",
		},
		CustomDomain: CustomDomain{
			DomainName:      "chat.example.com",
			HostedZone:      "example.com",
			Path:            "v1/chat",
			CertificateFile: "certs/chat.pem",
			KeyFile:         "certs/chat-key.pem",
			SecurityPolicy:  "TLS_1_3",
		},
		Stage: Stage{
			Name:            "prod",
			AutoDeploy:      false,
			DetailedMetrics: true,
			Throttle:        Throttle{RateLimit: 100.5, BurstLimit: 200},
			Variables:       map[string]string{"backend": "https://backend.example.com", "version": "1.10"},
		},
		Limits: Limits{
			MaxMessageBytes:       64 << 10,
			MaxFrameBytes:         16384,
			IdleTimeout:           5 * time.Minute,
			MaxConnectionDuration: time.Hour,
			IntegrationTimeout:    10 * time.Second,
			BinaryMessages:        BinaryBase64,
			SendQueueBytes:        2 << 20,
			WriteTimeout:          5 * time.Second,
		},
		Server: Server{Listen: "127.0.0.1:4001", ShutdownTimeout: 30 * time.Second, NodeID: "node-1", Admin: "127.0.0.1:9090"},
		Cluster: Cluster{NATS: "tls://nats-1.internal:4222,tls://nats-2.internal:4222", Credentials: "nats/node.creds",
			CAFile: "nats/ca.pem", SubjectPrefix: "acme.ws", LeaseTTL: 10 * time.Second, RequestTimeout: 3 * time.Second, Replicas: 3},
	}
}

// assertConfig fails with both configs as JSON when got differs from want.
func assertConfig(t *testing.T, got, want *Config) {
	t.Helper()
	g2 := *got
	g2.src = nil // file positions are checked by the problem tests
	if reflect.DeepEqual(&g2, want) {
		return
	}
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	t.Errorf("config differs\n got: %s\nwant: %s", g, w)
}

func TestLoadFullFile(t *testing.T) {
	for _, file := range []string{"testdata/full.yaml", "testdata/full.json"} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			c, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			assertConfig(t, c, fullConfig(file))
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want one wrapping os.ErrNotExist", err)
	}
	if !strings.HasPrefix(err.Error(), "load config: ") {
		t.Errorf("err = %q, want the load config: prefix", err)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Parse("min.yaml", []byte("routes:\n  $default: src/default.main\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File:                     "min.yaml",
		Name:                     DefaultName,
		Region:                   "us-east-1",
		AccountID:                "000000000000",
		APIID:                    event.APIIDFromName("switchboard"),
		RouteSelectionExpression: "$request.body.action",
		Routes: map[string]Route{"$default": {Key: "$default",
			Target: Target{Kind: TargetFunction, Function: &Function{Handler: "src/default.main"}}}},
		Authorizer: Authorizer{Type: AuthorizerNone},
		Stage:      Stage{Name: "local", AutoDeploy: true},
		Limits: Limits{
			MaxMessageBytes:       131072,
			MaxFrameBytes:         32768,
			IdleTimeout:           10 * time.Minute,
			MaxConnectionDuration: 2 * time.Hour,
			IntegrationTimeout:    29 * time.Second,
			BinaryMessages:        BinaryReject,
			SendQueueBytes:        1 << 20,
			WriteTimeout:          10 * time.Second,
		},
		Server: Server{Listen: "127.0.0.1:3001", ShutdownTimeout: 10 * time.Second},
	}
	assertConfig(t, c, want)
}

func TestDefaultsOfOptionalSections(t *testing.T) {
	c, err := Parse("x.yaml", []byte("authorizer: {type: lambda, url: 'http://127.0.0.1:9000/auth'}\naccessLog: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Authorizer.IdentitySource; !reflect.DeepEqual(got, []string{"route.request.header.Authorization"}) {
		t.Errorf("IdentitySource = %q, want the CDK default", got)
	}
	if c.AccessLog.Format != DefaultAccessLogFormat || c.AccessLog.Destination != "stdout" {
		t.Errorf("AccessLog = %+v, want the default format to stdout", c.AccessLog)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(DefaultAccessLogFormat, "$context.status", "200")), &fields); err != nil {
		t.Errorf("DefaultAccessLogFormat is not a JSON template: %v", err)
	}
}

func TestLoadKeepsExplicitValuesOverDefaults(t *testing.T) {
	c, err := Parse("x.yaml", []byte("stage: {autoDeploy: false}\nlimits: {binaryMessages: base64}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage.AutoDeploy || c.Limits.BinaryMessages != BinaryBase64 {
		t.Errorf("got AutoDeploy=%v BinaryMessages=%q, want false and base64", c.Stage.AutoDeploy, c.Limits.BinaryMessages)
	}
}

func TestYAMLFeatures(t *testing.T) {
	src := `
x-common: &common
  runtime: python3.12
  timeout: 10
routes:
  a:
    function:
      <<: *common
      handler: a.main
      timeout: 20
  b: {function: {<<: [*common], handler: b.main}}
`
	c, err := Parse("anchors.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Routes["a"].Target.Function, c.Routes["b"].Target.Function
	if a.Runtime != "python3.12" || a.Timeout != 20*time.Second || a.Handler != "a.main" {
		t.Errorf("route a = %+v, want the merged runtime with its own timeout", a)
	}
	if b.Runtime != "python3.12" || b.Timeout != 10*time.Second {
		t.Errorf("route b = %+v, want runtime and timeout from the anchor", b)
	}
}

func TestStringsTakenAsWritten(t *testing.T) {
	src := "stage:\n  variables: {a: 1.10, b: 0x1F, c: true, d: ''}\n"
	c, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1.10", "b": "0x1F", "c": "true", "d": ""}
	if !reflect.DeepEqual(c.Stage.Variables, want) {
		t.Errorf("variables = %q, want %q", c.Stage.Variables, want)
	}
}

func TestIdentitySourceString(t *testing.T) {
	src := "authorizer:\n  type: lambda\n  url: http://127.0.0.1:9/\n  identitySource: route.request.header.Auth, route.request.querystring.token\n"
	c, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"route.request.header.Auth", "route.request.querystring.token"}
	if !reflect.DeepEqual(c.Authorizer.IdentitySource, want) {
		t.Errorf("IdentitySource = %q, want %q", c.Authorizer.IdentitySource, want)
	}
}

func TestParseFileLevelProblems(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"empty", "a.yaml", "", "a.yaml: the file is empty: a config needs at least routes"},
		{"comment only", "a.yaml", "# nothing\n", "a.yaml: the file is empty: a config needs at least routes"},
		{"empty json", "a.json", " \n", "a.json: the file is empty: a config needs at least routes"},
		{"list", "a.yaml", "- a\n- b\n", "a.yaml:1:1: the file must hold a mapping of keys (name, routes, ...), got a list"},
		{"scalar json", "a.json", `"x"`, `a.json:1:1: the file must hold a mapping of keys (name, routes, ...), got the string "x"`},
		{"yaml syntax", "a.yaml", "name: a\nroutes: [\n", "a.yaml:2: invalid YAML: did not find expected node content"},
		{"two documents", "a.yaml", "name: a\n---\nname: b\n", "a.yaml:2:1: the file holds more than one YAML document; a config is one document"},
		{"json syntax", "a.json", "{\n  \"name\": \"a\",\n  \"routes\" {}\n}", "a.json:3:12: invalid JSON: invalid character '{' after object key"},
		{"json truncated", "a.json", "{\n  \"name\": \"a\",\n", "a.json:3:1: invalid JSON: unexpected end of file"},
		{"json trailing data", "a.json", "{}\n{}", "a.json:2:1: invalid JSON: unexpected data after the top-level value"},
		{"json too deep", "a.json", `{"a":` + strings.Repeat("[", 100), "a.json:1:69: invalid JSON: values are nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.file, []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v", c)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestAliasExpansionIsBounded checks that aliases cannot make a small file expand without
// limit (the YAML "billion laughs"): past the budget Parse reports that one problem.
func TestAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("x-f: &f\n  handler: h.main\n  layers: [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("l")
	}
	b.WriteString("]\nroutes:\n")
	for i := range 200 {
		b.WriteString("  r" + strings.Repeat("x", i) + ": {function: *f}\n")
	}
	probs := parseProblems(t, b.String())
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "aliases and merge keys expand the file to more than 100000 values") {
		t.Errorf("problems = %v, want the one about expansion", probs)
	}
}

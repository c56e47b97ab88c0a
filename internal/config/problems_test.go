package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata/invalid")

// parseProblems parses src as c.yaml and returns its problems, failing when there are none.
func parseProblems(t *testing.T, src string) Problems {
	t.Helper()
	c, err := Parse("c.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded: %+v", c)
	}
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error %T (%v) is not Problems", err, err)
	}
	return probs
}

// TestEachKindOfMistake checks the exact position, key and message of one mistake at a time.
func TestEachKindOfMistake(t *testing.T) {
	tests := []struct{ name, src, want string }{
		// connectionTags.
		{"connection tag from an unknown source", "connectionTags:\n  room: $request.body.room\n",
			`c.yaml:2:3: connectionTags.room: "$request.body.room" is not a value Switchboard can take at the handshake: use $request.querystring.NAME, $request.header.NAME, $context.authorizer.NAME, $context.identity.sourceIp, or a literal that does not start with $`},
		{"connection tags not a mapping", "connectionTags: room\n",
			`c.yaml:1:1: connectionTags: must be a mapping of names to strings, got the string "room"`},
		// Keys.
		{"unknown key with suggestion", "routs: {}\n",
			`c.yaml:1:1: unknown key "routs" (did you mean "routes"?)`},
		{"unknown key, case", "Routes: {}\n",
			`c.yaml:1:1: unknown key "Routes" (did you mean "routes"?)`},
		{"unknown key, SST name", "domain: api.example.com\n",
			`c.yaml:1:1: unknown key "domain" (did you mean "customDomain"?)`},
		{"unknown key, SST name in a section", "stage:\n  stageName: prod\n",
			`c.yaml:2:3: stage: unknown key "stageName" (did you mean "name"?)`},
		{"unknown key, CDK name at top", "stageName: prod\n",
			`c.yaml:1:1: unknown key "stageName" (did you mean "stage.name"?)`},
		{"unknown key lists the valid ones", "routes:\n  $connect:\n    function: a.main\n    auth: {cognito: true}\n",
			`c.yaml:4:12: routes.$connect.auth: unknown key "cognito" (valid keys: iam)`},
		{"cdk overrides", "cdk: {}\n",
			`c.yaml:1:1: unknown key "cdk": CDK overrides do not apply to Switchboard; docs/config.md lists the key for each CDK prop`},
		{"duplicate key", "name: a\nregion: us-east-1\nname: b\n",
			`c.yaml:3:1: duplicate key "name" (first defined on line 1)`},
		{"duplicate route", "routes:\n  a: a.main\n  a: b.main\n",
			`c.yaml:3:3: routes: duplicate key "a" (first defined on line 2)`},
		{"recursive merge", "defaults:\n  function: &f\n    <<: *f\n",
			`c.yaml:2:13: defaults.function: a merge key (<<) includes the mapping it is part of`},
		{"merge of a scalar", "x-a: &a 1\nstage:\n  <<: *a\n",
			`c.yaml:1:6: stage: a merge key (<<) must refer to a mapping or a list of mappings, got the number 1`},

		// Types.
		{"string wanted", "name: [a]\n",
			`c.yaml:1:1: name: must be a string, got a list`},
		{"string, not a boolean", "routes:\n  a: true\n",
			`c.yaml:2:3: routes.a: must be a handler string like "src/connect.main", or a mapping with function or url, got the boolean true`},
		{"yaml tag", "region: !Ref Region\n",
			`c.yaml:1:1: region: must be a string, got a value tagged !Ref (YAML tags are not supported)`},
		{"boolean wanted", "stage:\n  autoDeploy: yes\n",
			`c.yaml:2:3: stage.autoDeploy: must be true or false, got the string "yes"`},
		{"whole number wanted", "stage:\n  throttle: {rateLimit: 1, burstLimit: 1.5}\n",
			`c.yaml:2:28: stage.throttle.burstLimit: must be a whole number, got the number 1.5`},
		{"mapping wanted", "stage: prod\n",
			`c.yaml:1:1: stage: must be a mapping, got the string "prod"`},
		{"duration wanted", "routes:\n  sendMessage:\n    function:\n      handler: a.main\n      timeout: 20 parsecs\n",
			`c.yaml:5:7: routes.sendMessage.function.timeout: must be a positive number of seconds or a string like "20 seconds" or "29s", got the string "20 parsecs"`},
		{"memory wanted", "defaults:\n  function:\n    memory: 2 TB\n",
			`c.yaml:3:5: defaults.function.memory: must be a number of MB or a string like "1024 MB" or "2 GB", got the string "2 TB"`},
		{"bytes wanted", "limits:\n  maxMessageBytes: lots\n",
			`c.yaml:2:3: limits.maxMessageBytes: must be a number of bytes or a string like "128 KB", got the string "lots"`},
		{"function value wanted", "routes:\n  a:\n    function: [a.main]\n",
			`c.yaml:3:5: routes.a.function: must be a mapping of function props (handler, runtime, timeout, memory, environment, permissions, layers, reservedConcurrency), got a list`},
		{"environment null", "defaults:\n  function:\n    environment:\n      TOKEN:\n",
			`c.yaml:4:7: defaults.function.environment.TOKEN: must be a string (write "" for an empty value)`},
		{"permission item", "defaults:\n  function:\n    permissions:\n      - [s3]\n",
			`c.yaml:4:9: defaults.function.permissions[0]: must be a permission string like "s3" or a statement with effect, actions and resources, got a list`},
		{"list item", "defaults:\n  function:\n    layers: [a, {b: c}]\n",
			`c.yaml:3:17: defaults.function.layers[1]: must be a string, got a mapping`},
		{"access log shape", "accessLog: [a]\n",
			`c.yaml:1:1: accessLog: must be true, false, a format string, or a mapping with format, destination, destinationArn and retention, got a list`},

		// Values: identity.
		{"name too long", "name: " + strings.Repeat("n", 129) + "\n",
			`c.yaml:1:1: name: must be at most 128 characters (AWS's limit for API names), got 129`},
		{"region", "region: Europe\n",
			`c.yaml:1:1: region: must be an AWS region name such as "us-east-1", got "Europe"`},
		{"account id", "accountId: 1234\n",
			`c.yaml:1:1: accountId: must be 12 digits, got "1234"`},
		{"api id", "apiId: ABCDEF1234\n",
			`c.yaml:1:1: apiId: must be 10 lowercase letters or digits, got "ABCDEF1234"`},

		// Values: routes.
		{"reserved route key", "routes:\n  $conect: a.main\n",
			`c.yaml:2:3: routes.$conect: keys starting with $ are reserved for $connect, $disconnect and $default (did you mean "$connect"?)`},
		{"route key too long", "routes:\n  " + strings.Repeat("k", 129) + ": a.main\n",
			`c.yaml:2:3: routes.` + strings.Repeat("k", 129) + `: route keys may be at most 128 characters (AWS's limit)`},
		{"empty route key", "routes:\n  '': a.main\n",
			`c.yaml:2:3: routes.: route keys must not be empty`},
		{"route without target", "routes:\n  a:\n    returnResponse: true\n",
			`c.yaml:2:3: routes.a: needs a target: a handler string like "src/handler.main", a function, or type: url with a url`},
		{"null route", "routes:\n  a:\n",
			`c.yaml:2:3: routes.a: needs a target: a handler string like "src/handler.main", a function, or type: url with a url`},
		{"function and url", "routes:\n  a:\n    function: a.main\n    url: http://127.0.0.1:1/\n",
			`c.yaml:4:5: routes.a.url: cannot be combined with function: give function or url, not both`},
		{"url type with function", "routes:\n  a:\n    type: url\n    url: http://127.0.0.1:1/\n    function: a.main\n",
			`c.yaml:5:5: routes.a.function: cannot be combined with url: give function or url, not both`},
		{"url type without url", "routes:\n  a:\n    type: url\n",
			`c.yaml:2:3: routes.a.url: is required with type: url`},
		{"bad route type", "routes:\n  a:\n    type: lambda\n    function: a.main\n",
			`c.yaml:3:5: routes.a.type: must be "function" or "url", got "lambda"`},
		{"bad url", "routes:\n  a: {type: url, url: '127.0.0.1:8080/x'}\n",
			`c.yaml:2:18: routes.a.url: must be an absolute http:// or https:// URL, got "127.0.0.1:8080/x"`},
		{"returnResponse on $connect", "routes:\n  $connect:\n    function: a.main\n    returnResponse: true\n",
			`c.yaml:4:5: routes.$connect.returnResponse: only message routes ($default and custom keys) can return a response; AWS allows no route response on $connect`},
		{"iam on $disconnect", "routes:\n  $disconnect:\n    function: a.main\n    auth: {iam: true}\n",
			`c.yaml:4:12: routes.$disconnect.auth.iam: cannot apply to $disconnect: it runs after the connection is gone`},
		{"grantManagementApiAccess without a credentials file", "stage:\n  grantManagementApiAccess: [alice]\n",
			`c.yaml:2:3: stage.grantManagementApiAccess: names principals of the IAM credentials file; set authorizer.credentialsFile (with type: iam)`},
		{"iam with a lambda authorizer", "authorizer: {type: lambda, url: 'http://127.0.0.1:1/'}\nroutes:\n  $connect:\n    url: http://127.0.0.1:2/\n    auth:\n      iam: true\n",
			`c.yaml:6:7: routes.$connect.auth.iam: conflicts with the lambda authorizer: $connect has one authorization type`},
		{"missing handler", "routes:\n  a:\n    function:\n      timeout: 3\n",
			`c.yaml:3:5: routes.a.function.handler: is required: set it on the route or in defaults.function`},
		{"empty handler string", "routes:\n  a: ''\n",
			`c.yaml:2:6: routes.a.function.handler: is required: set it on the route or in defaults.function`},

		// Values: functions.
		{"timeout over 900s", "routes:\n  a:\n    function: {handler: a.main, timeout: 16 minutes}\n",
			`c.yaml:3:33: routes.a.function.timeout: must be more than 0 and at most 900 seconds (Lambda's maximum), got 16m0s`},
		{"timeout zero", "defaults:\n  function:\n    timeout: 0\n",
			`c.yaml:3:5: defaults.function.timeout: must be more than 0 and at most 900 seconds (Lambda's maximum), got 0s`},
		{"memory too small", "defaults:\n  function:\n    memory: 64\n",
			`c.yaml:3:5: defaults.function.memory: must be between 128 and 10240 MB (Lambda's range), got 64`},
		{"memory too large", "defaults:\n  function:\n    memory: 11 GB\n",
			`c.yaml:3:5: defaults.function.memory: must be between 128 and 10240 MB (Lambda's range), got 11264`},
		{"reserved concurrency zero", "defaults:\n  function:\n    reservedConcurrency: 0\n",
			`c.yaml:3:5: defaults.function.reservedConcurrency: must be at least 1 (on Lambda, 0 stops every invocation; leave it out for no reservation), got 0`},
		{"reserved environment variable", "defaults:\n  function:\n    environment: {AWS_REGION: eu-west-1}\n",
			`c.yaml:3:19: defaults.function.environment.AWS_REGION: is reserved: Lambda sets it itself`},
		{"environment name", "defaults:\n  function:\n    environment: {my-var: x}\n",
			`c.yaml:3:19: defaults.function.environment.my-var: names must start with a letter, have at least 2 characters, and contain only letters, digits and _ (Lambda's rule)`},
		{"environment too large", "routes:\n  a:\n    function:\n      handler: a.main\n      environment: {BIG: " + strings.Repeat("x", 4100) + "}\n",
			`c.yaml:5:7: routes.a.function.environment: adds up to 4103 bytes with defaults.function.environment; Lambda allows 4 KB per function`},
		{"statement without actions", "defaults:\n  function:\n    permissions:\n      - resources: ['*']\n",
			`c.yaml:4:9: defaults.function.permissions[0].actions: must list at least one action, such as "s3:GetObject"`},
		{"statement effect", "defaults:\n  function:\n    permissions:\n      - {effect: permit, actions: [s3:GetObject], resources: ['*']}\n",
			`c.yaml:4:10: defaults.function.permissions[0].effect: must be "Allow" or "Deny", got "permit"`},
		{"runtime with a space", "defaults:\n  function:\n    runtime: node js\n",
			`c.yaml:3:5: defaults.function.runtime: must be a runtime name such as "nodejs20.x", "python3.12" or "go", got "node js"`},

		// Values: authorizer.
		{"authorizer type", "authorizer: lamda\n",
			`c.yaml:1:1: authorizer: must be "none", "iam" or "lambda", got "lamda" (did you mean "lambda"?)`},
		{"authorizer type in a mapping", "authorizer:\n  type: Lambda\n  url: http://127.0.0.1:1/\n",
			`c.yaml:2:3: authorizer.type: must be "none", "iam" or "lambda", got "Lambda" (did you mean "lambda"?)`},
		{"authorizer without type", "authorizer:\n  url: http://127.0.0.1:1/\n",
			`c.yaml:1:1: authorizer: needs a type: "lambda" or "iam"`},
		{"lambda authorizer without target", "authorizer: lambda\n",
			`c.yaml:1:1: authorizer: type lambda needs a function or a url`},
		{"lambda authorizer without handler", "authorizer:\n  type: lambda\n  function: {timeout: 3}\n",
			`c.yaml:3:3: authorizer.function.handler: is required`},
		{"identity source", "authorizer:\n  type: lambda\n  url: http://127.0.0.1:1/\n  identitySource: [route.request.header.Auth, $request.header.Auth]\n",
			`c.yaml:4:47: authorizer.identitySource[1]: must be route.request.header.<name>, route.request.querystring.<name>, stageVariables.<name> or context.<name>, got "$request.header.Auth"`},
		{"cache ttl", "authorizer:\n  type: lambda\n  url: http://127.0.0.1:1/\n  resultsCacheTtl: 2h\n",
			`c.yaml:4:3: authorizer.resultsCacheTtl: must be between 0 and 3600 seconds (AWS's range), got 2h0m0s`},
		{"lambda settings on iam", "authorizer:\n  type: iam\n  identitySource: route.request.header.Auth\n",
			`c.yaml:3:3: authorizer.identitySource: only applies to type: lambda (this authorizer's type is iam)`},
		{"iam settings on lambda", "authorizer:\n  type: lambda\n  url: http://127.0.0.1:1/\n  credentialsFile: creds.json\n",
			`c.yaml:4:3: authorizer.credentialsFile: only applies to types iam and none (this authorizer's type is lambda)`},

		// Values: access log.
		{"access log without request id", "accessLog: '$context.routeKey $context.status'\n",
			`c.yaml:1:1: accessLog.format: must contain $context.requestId or $context.extendedRequestId (AWS's rule)`},
		{"access log too long", "accessLog: '$context.requestId " + strings.Repeat("x", 3072) + "'\n",
			`c.yaml:1:1: accessLog.format: is 3091 bytes; AWS allows at most 3 KB`},
		{"access log on two lines", "accessLog:\n  format: \"$context.requestId\\n$context.status\"\n",
			`c.yaml:2:3: accessLog.format: must be a single line (AWS's rule; one trailing newline is allowed)`},
		{"retention", "accessLog: {retention: one_wek}\n",
			`c.yaml:1:13: accessLog.retention: must be one of SST's retentions ("one_week" ... "infinite", or "1 week" ... "forever"), got "one_wek" (did you mean "one_week"?)`},
		{"destination arn", "accessLog: {destinationArn: my-log-group}\n",
			`c.yaml:1:13: accessLog.destinationArn: must be the ARN of a CloudWatch Logs log group or a Firehose stream, got "my-log-group"`},

		// Values: custom domain.
		{"domain name", "customDomain: api_example\n",
			`c.yaml:1:1: customDomain.domainName: must be a domain name like "api.example.com" or "*.example.com", got "api_example"`},
		{"domain missing", "customDomain: {path: v1}\n",
			`c.yaml:1:1: customDomain.domainName: is required when customDomain is set`},
		{"mapping path", "customDomain: {domainName: api.example.com, path: /v1}\n",
			`c.yaml:1:45: customDomain.path: may contain letters, digits, $-_.+!*'() and / between levels (not first or last), at most 300 characters (AWS's rule for API mapping keys), got "/v1"`},
		{"unquoted wildcard", "customDomain: *.example.com\n",
			`c.yaml: invalid YAML: did not find expected alphabetic or numeric character (a value starting with "*" is an alias in YAML: quote a wildcard domain, customDomain: "*.example.com")`},
		{"security policy", "customDomain: {domainName: api.example.com, securityPolicy: TLS_1_0}\n",
			`c.yaml:1:45: customDomain.securityPolicy: must be TLS_1_2 or TLS_1_3 (API Gateway's security policies), got "TLS_1_0"`},
		{"acme with files", "customDomain:\n  domainName: api.example.com\n  certificate: c.pem\n  key: k.pem\n  acme: {email: a@example.com}\n",
			`c.yaml:5:3: customDomain.acme: cannot be combined with certificate and key: give the files or let ACME obtain the certificate`},
		{"acme for a wildcard", "customDomain:\n  domainName: '*.example.com'\n  acme: true\n",
			`c.yaml:3:3: customDomain.acme: cannot obtain a certificate for the wildcard domain "*.example.com": the TLS-ALPN-01 challenge covers one name (give certificate and key files instead)`},
		{"acme directory", "customDomain:\n  domainName: api.example.com\n  acme: {directory: 'http://ca.example/dir'}\n",
			`c.yaml:3:10: customDomain.acme.directory: must be an https:// URL of an ACME directory, got "http://ca.example/dir"`},
		{"acme type", "customDomain:\n  domainName: api.example.com\n  acme: yes please\n",
			`c.yaml:3:3: customDomain.acme: must be true, false, or a mapping with email, directory and caFile, got the string "yes please"`},
		{"certificate without key", "customDomain:\n  domainName: api.example.com\n  certificate: cert.pem\n",
			`c.yaml:3:3: customDomain.key: is required with certificate: give both PEM files or neither`},
		{"hosted zone on an external domain", "customDomain:\n  domainName: api.example.com\n  hostedZone: example.com\n  isExternalDomain: true\n",
			`c.yaml:3:3: customDomain.hostedZone: cannot be combined with isExternalDomain: hosted zones are for domains on Route 53 (SST's rule)`},

		// Values: stage.
		{"stage name", "stage: {name: my stage}\n",
			`c.yaml:1:9: stage.name: may contain only letters, digits, - and _, at most 128 of them (AWS's rule), got "my stage"`},
		{"stage variable name", "stage:\n  variables:\n    my-url: x\n",
			`c.yaml:3:5: stage.variables.my-url: variable names may contain only letters, digits and _, at most 64 of them (AWS's rule)`},
		{"stage variable value", "stage:\n  variables:\n    url: " + strings.Repeat("v", 513) + "\n",
			`c.yaml:3:5: stage.variables.url: is 513 characters long; AWS allows at most 512`},
		{"throttle both zero", "stage:\n  throttle: {rateLimit: 0, burstLimit: 0}\n",
			`c.yaml:2:3: stage.throttle: rateLimit and burstLimit are both 0, which on AWS rejects every request; remove throttle to turn throttling off`},
		{"throttle without burst", "stage:\n  throttle: {rateLimit: 10}\n",
			`c.yaml:2:14: stage.throttle.burstLimit: must be at least 1 when rateLimit is set: a bucket of size 0 lets no request through`},
		{"negative rate", "stage:\n  throttle: {rateLimit: -1, burstLimit: 5}\n",
			`c.yaml:2:14: stage.throttle.rateLimit: must be a number of requests per second, 0 or more`},

		// Values: limits and server.
		{"frame over message", "limits:\n  maxMessageBytes: 16 KB\n",
			`c.yaml:2:3: limits.maxFrameBytes: is 32768, more than maxMessageBytes (16384): a frame is part of a message`},
		{"zero message size", "limits:\n  maxMessageBytes: 0\n",
			`c.yaml:2:3: limits.maxMessageBytes: must be a positive number of bytes`},
		{"queue under a message", "limits:\n  sendQueueBytes: 64 KB\n",
			`c.yaml:2:3: limits.sendQueueBytes: is 65536, less than maxMessageBytes (131072): one full-size message must fit`},
		{"integration timeout too short", "limits:\n  integrationTimeout: 10ms\n",
			`c.yaml:2:3: limits.integrationTimeout: must be between 50ms and 15m (AWS allows 50ms to 29s; Switchboard allows up to Lambda's 15 minutes), got 10ms`},
		{"integration timeout too long", "limits:\n  integrationTimeout: 1 hour\n",
			`c.yaml:2:3: limits.integrationTimeout: must be between 50ms and 15m (AWS allows 50ms to 29s; Switchboard allows up to Lambda's 15 minutes), got 1h0m0s`},
		{"idle timeout zero", "limits:\n  idleTimeout: 0s\n",
			`c.yaml:2:3: limits.idleTimeout: must be a positive duration`},
		{"binary mode", "limits:\n  binaryMessages: drop\n",
			`c.yaml:2:3: limits.binaryMessages: must be "reject" or "base64", got "drop"`},
		{"listen", "server:\n  listen: 3001\n",
			`c.yaml:2:3: server.listen: must be host:port, like "127.0.0.1:3001" or ":3001", got "3001"`},
		{"listen port", "server:\n  listen: 'localhost:http'\n",
			`c.yaml:2:3: server.listen: must be host:port, like "127.0.0.1:3001" or ":3001", got "localhost:http"`},
		{"shutdown timeout", "server:\n  shutdownTimeout: -5s\n",
			`c.yaml:2:3: server.shutdownTimeout: must be a positive duration`},
		{"node id", "server:\n  nodeId: node/1\n",
			`c.yaml:2:3: server.nodeId: may contain only letters, digits, - and _, at most 32 of them, got "node/1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseProblems(t, tt.src).Error(); got != tt.want {
				t.Errorf("problems:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestTooManyRoutes(t *testing.T) {
	var b strings.Builder
	b.WriteString("routes:\n")
	for i := range 301 {
		fmt.Fprintf(&b, "  r%d: h.main\n", i)
	}
	want := `c.yaml:1:1: routes: has 301 routes; AWS allows at most 300 per API`
	if got := parseProblems(t, b.String()).Error(); got != want {
		t.Errorf("problems:\n got %s\nwant %s", got, want)
	}
}

// TestProblemFields checks that a Problem's fields, not just its text, are filled in.
func TestProblemFields(t *testing.T) {
	probs := parseProblems(t, "routes:\n  a:\n    function:\n      handler: a.main\n      timeout: forever\n")
	want := Problem{File: "c.yaml", Line: 5, Column: 7, Key: "routes.a.function.timeout",
		Message: `must be a positive number of seconds or a string like "20 seconds" or "29s", got the string "forever"`}
	if len(probs) != 1 || probs[0] != want {
		t.Errorf("problems = %#v, want [%#v]", probs, want)
	}
}

// TestOneMistakeOneProblem checks that a value that cannot be decoded is not reported again by
// the checks that would have looked at it.
func TestOneMistakeOneProblem(t *testing.T) {
	probs := parseProblems(t, "routes:\n  a:\n    function:\n      handler: [a.main]\n")
	if len(probs) != 1 || probs[0].Key != "routes.a.function.handler" {
		t.Errorf("problems = %v, want one about routes.a.function.handler", probs)
	}
}

// TestGolden parses each testdata/invalid file and compares all of its problems with the
// .golden file next to it (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Load(file)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
	if n < 2 {
		t.Fatalf("found %d files in testdata/invalid, want the YAML and JSON samples", n)
	}
}

// TestRouteSelectionExpression checks that route.Parse's verdict is reported at the key.
func TestRouteSelectionExpression(t *testing.T) {
	probs := parseProblems(t, "name: chat\nrouteSelectionExpression: $request.header.action\n")
	if len(probs) != 1 {
		t.Fatalf("problems = %v, want one", probs)
	}
	p := probs[0]
	if p.Line != 2 || p.Column != 1 || p.Key != "routeSelectionExpression" || !strings.Contains(p.Message, "$request.header.action") {
		t.Errorf("problem = %#v, want one at 2:1 about the expression", p)
	}
	if _, err := Parse("c.yaml", []byte("routeSelectionExpression: ${request.body.service}/${request.body.action}\n")); err != nil {
		t.Errorf("a valid expression was refused: %v", err)
	}
}

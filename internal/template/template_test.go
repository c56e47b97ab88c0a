package template

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/config"
)

// load reads a template, failing the test on a problem.
func load(t *testing.T, path string, opts Options) *Result {
	t.Helper()
	res, err := Load(path, opts)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return res
}

// only returns the one API of res.
func only(t *testing.T, res *Result) *config.Config {
	t.Helper()
	if len(res.APIs) != 1 {
		t.Fatalf("got %d APIs, want 1", len(res.APIs))
	}
	return res.APIs[0]
}

// fn returns the function of a route.
func fn(t *testing.T, c *config.Config, route string) *config.Function {
	t.Helper()
	r, ok := c.Routes[route]
	if !ok || r.Target.Function == nil {
		t.Fatalf("route %q is not a function route (routes %v)", route, c.RouteKeys())
	}
	return r.Target.Function
}

func notRun(res *Result) map[string]string {
	out := map[string]string{}
	for _, r := range res.NotRun {
		out[r.LogicalID] = r.Why
	}
	return out
}

func TestSAMTemplateWrittenLikeAWSSamples(t *testing.T) {
	dir, _ := filepath.Abs("testdata/sam")
	res := load(t, "testdata/sam/template.yaml", Options{})
	c := only(t, res)

	apiID := defaultAPIID("ChatApi")
	if c.Name != "ChatApi" || c.APIID != apiID || apiID == "" || c.Region != "us-east-1" || c.AccountID != "000000000000" {
		t.Errorf("API identity: name %q id %q region %q account %q", c.Name, c.APIID, c.Region, c.AccountID)
	}
	if c.RouteSelectionExpression != "$request.body.action" {
		t.Errorf("route selection expression %q", c.RouteSelectionExpression)
	}
	if got := c.RouteKeys(); !reflect.DeepEqual(got, []string{"$connect", "go", "sendmessage"}) {
		t.Fatalf("routes %v", got)
	}
	st := c.Stage
	if st.Name != "Prod" || st.AutoDeploy || st.Throttle != (config.Throttle{RateLimit: 100, BurstLimit: 50}) ||
		!reflect.DeepEqual(st.Variables, map[string]string{"table": "simplechat_connections"}) {
		t.Errorf("stage %+v", st)
	}

	connect := fn(t, c, "$connect")
	wantEnv := map[string]string{
		"TABLE_NAME": "simplechat_connections",
		"TABLE_ARN":  "arn:aws:dynamodb:us-east-1:000000000000:table/simplechat_connections",
		"MODE":       "development",
		"SHARED":     "from-globals",
		"ENDPOINT":   "https://" + apiID + ".execute-api.us-east-1.amazonaws.com/Prod",
	}
	for k, v := range wantEnv {
		if connect.Environment[k] != v {
			t.Errorf("$connect environment %s = %q, want %q", k, connect.Environment[k], v)
		}
	}
	if q := connect.Environment["QUEUE_URL"]; !strings.HasPrefix(q, "https://sqs.us-east-1.amazonaws.com/000000000000/local-Queue-") {
		t.Errorf("QUEUE_URL %q is not an SQS queue URL of the local stack", q)
	}
	if connect.Handler != "app.handler" || connect.Runtime != "nodejs20.x" || connect.Root != filepath.Join(dir, "onconnect") ||
		connect.MemoryMB != 256 || connect.Timeout.Seconds() != 5 {
		t.Errorf("$connect function %+v", connect)
	}

	send := fn(t, c, "sendmessage")
	if !c.Routes["sendmessage"].ReturnResponse {
		t.Error("sendmessage has a RouteResponseSelectionExpression and a $default RouteResponse but is not two-way")
	}
	if send.Runtime != "python3.12" || send.Timeout.Seconds() != 20 || send.Root != filepath.Join(dir, "sendmessage") {
		t.Errorf("sendmessage function %+v", send)
	}
	// The ManageConnections statement is what every function may do anyway; the queue's is kept.
	wantPerms := []config.Permission{{Effect: "Allow", Actions: []string{"sqs:SendMessage"},
		Resources: []string{"arn:aws:sqs:us-east-1:000000000000:local-Queue-" + suffix("Queue", 12, upperAlnum)}}}
	if !reflect.DeepEqual(send.Permissions, wantPerms) {
		t.Errorf("sendmessage permissions %+v, want %+v", send.Permissions, wantPerms)
	}

	gofn := fn(t, c, "go")
	if gofn.Handler != "." || gofn.Runtime != "provided.al2023" || gofn.Root != filepath.Join(dir, "gofn") {
		t.Errorf("Go function %+v", gofn)
	}
	if c.Routes["go"].ReturnResponse {
		t.Error("go has no route response but is two-way")
	}

	nr := notRun(res)
	for _, id := range []string{"ConnectionsTable", "Queue", "UnusedFunction"} {
		if nr[id] == "" {
			t.Errorf("%s is not listed as not run (listed: %v)", id, nr)
		}
	}
	for _, id := range []string{"ChatApi", "ConnectRoute", "SendInteg", "Stage", "Deployment", "OnConnectPermission", "GoFunction"} {
		if _, listed := nr[id]; listed {
			t.Errorf("%s is listed as not run: %s", id, nr[id])
		}
	}
	notes := fmtNotes(res.Notes)
	for _, want := range []string{
		"template.yaml:136:11: Resources.OnConnectFunction.Properties.Policies: SAM policy template DynamoDBCrudPolicy",
		"Resources.GoFunction.Properties.Architectures: has no effect",
		"Resources.Stage.Properties.DefaultRouteSettings.DetailedMetricsEnabled: has no effect",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func fmtNotes(ps []config.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func TestParameterOverridesConditionsAndPseudoParameters(t *testing.T) {
	res := load(t, "testdata/sam/template.yaml", Options{Parameters: map[string]string{
		"Env": "prod", "TableName": "prod_connections", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012",
	}})
	c := only(t, res)
	connect := fn(t, c, "$connect")
	if connect.Environment["MODE"] != "production" || connect.MemoryMB != 1024 {
		t.Errorf("with Env=prod: MODE %q memory %d", connect.Environment["MODE"], connect.MemoryMB)
	}
	if got := connect.Environment["TABLE_ARN"]; got != "arn:aws:dynamodb:eu-west-1:123456789012:table/prod_connections" {
		t.Errorf("TABLE_ARN %q", got)
	}
	if c.Region != "eu-west-1" || c.AccountID != "123456789012" {
		t.Errorf("region %q account %q", c.Region, c.AccountID)
	}
	// Active now, but no route uses it.
	if why := notRun(res)["UnusedFunction"]; !strings.Contains(why, "no route") {
		t.Errorf("UnusedFunction: %q", why)
	}

	_, err := Load("testdata/sam/template.yaml", Options{Parameters: map[string]string{"Env": "staging", "TableName": "x1", "Nope": "1"}})
	for _, want := range []string{
		`parameter Env: "staging" is not one of AllowedValues dev, prod`,
		`parameter TableName: "x1" does not match AllowedPattern`,
		"--parameter-overrides names Nope, which the template does not declare",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad overrides: error lacks %q:\n%v", want, err)
		}
	}
}

// writeTemplate writes a template and function directories into a temporary directory.
func writeTemplate(t *testing.T, name, text string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"src", "gofn"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"src/app.js":   "exports.handler = async () => ({ statusCode: 200 });\n",
		"src/auth.js":  "exports.handler = async () => ({ principalId: 'me' });\n",
		"gofn/main.go": "package main\n\nfunc main() {}\n",
		name:           text,
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, name)
}

// jsonTemplate is a CloudFormation template in JSON with the Fn:: forms, a Lambda authorizer,
// an HTTP_PROXY route, a stage with an access log group and a custom domain.
const jsonTemplate = `{
  "Parameters": {"StageName": {"Type": "String", "Default": "v1"}},
  "Resources": {
    "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "json-api", "ProtocolType": "WEBSOCKET",
      "RouteSelectionExpression": "$request.body.type"}},
    "ConnectRoute": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "$connect",
      "AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": "Auth"},
      "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "FnInteg"}]]}}},
    "DefaultRoute": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "$default",
      "Target": {"Fn::Sub": ["integrations/${Id}", {"Id": {"Ref": "HttpInteg"}}]}}},
    "FnInteg": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationType": "AWS_PROXY",
      "TimeoutInMillis": 5000,
      "IntegrationUri": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
        ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["Handler", "Arn"]}, "/invocations"]]}}},
    "HttpInteg": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "Api"}, "IntegrationType": "HTTP_PROXY",
      "IntegrationMethod": "POST", "IntegrationUri": "https://backend.example.com/ws", "TimeoutInMillis": 5000}},
    "Auth": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {"ApiId": {"Ref": "Api"}, "AuthorizerType": "REQUEST",
      "Name": "tokens", "IdentitySource": ["route.request.querystring.token"],
      "AuthorizerUri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations"}}},
    "Handler": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:asset:path": "src"},
      "Properties": {"Handler": "app.handler", "Runtime": "nodejs20.x", "Timeout": 7, "MemorySize": 512,
        "Code": {"S3Bucket": "cdk-assets", "S3Key": "abc.zip"},
        "Environment": {"Variables": {"SPLIT": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
          "B64": {"Fn::Base64": "hi"}, "AZ": {"Fn::Select": [0, {"Fn::GetAZs": ""}]}}}}},
    "AuthFn": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "src", "Handler": "auth.handler", "Runtime": "nodejs20.x"}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
    "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Api"}, "StageName": {"Ref": "StageName"},
      "AutoDeploy": true,
      "AccessLogSettings": {"DestinationArn": {"Fn::GetAtt": ["Logs", "Arn"]}, "Format": "$context.requestId $context.routeKey"}}},
    "Domain": {"Type": "AWS::ApiGatewayV2::DomainName", "Properties": {"DomainName": "ws.example.com",
      "DomainNameConfigurations": [{"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc-123", "EndpointType": "REGIONAL"}]}},
    "Mapping": {"Type": "AWS::ApiGatewayV2::ApiMapping", "Properties": {"ApiId": {"Ref": "Api"}, "DomainName": {"Ref": "Domain"},
      "Stage": {"Ref": "Stage"}, "ApiMappingKey": "chat"}}
  }
}`

func TestJSONTemplateWithAuthorizerHTTPProxyAccessLogAndDomain(t *testing.T) {
	path := writeTemplate(t, "template.json", jsonTemplate)
	res := load(t, path, Options{})
	c := only(t, res)
	if c.Name != "json-api" || c.RouteSelectionExpression != "$request.body.type" || c.Stage.Name != "v1" || !c.Stage.AutoDeploy {
		t.Errorf("API %q rse %q stage %+v", c.Name, c.RouteSelectionExpression, c.Stage)
	}
	h := fn(t, c, "$connect")
	if h.Root != filepath.Join(filepath.Dir(path), "src") || h.Handler != "app.handler" || h.Timeout.Seconds() != 7 || h.MemoryMB != 512 {
		t.Errorf("CDK-style function %+v", h)
	}
	if h.Environment["SPLIT"] != "b" || h.Environment["B64"] != "aGk=" || h.Environment["AZ"] != "us-east-1a" {
		t.Errorf("environment %v", h.Environment)
	}
	if d := c.Routes["$default"]; d.Target.Kind != config.TargetURL || d.Target.URL != "https://backend.example.com/ws" {
		t.Errorf("$default %+v", d)
	}
	a := c.Authorizer
	if a.Type != config.AuthorizerLambda || a.Name != "tokens" || !reflect.DeepEqual(a.IdentitySource, []string{"route.request.querystring.token"}) ||
		a.Target.Function == nil || a.Target.Function.Handler != "auth.handler" {
		t.Errorf("authorizer %+v", a)
	}
	if al := c.AccessLog; !al.Enabled || al.Format != "$context.requestId $context.routeKey" || al.Retention != "1 week" || al.DestinationARN != "" || al.Destination != "stdout" {
		t.Errorf("access log %+v", al)
	}
	if d := c.CustomDomain; d.DomainName != "ws.example.com" || d.Path != "chat" || d.CertificateARN != "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" {
		t.Errorf("custom domain %+v", d)
	}
	if c.Limits.IntegrationTimeout.Milliseconds() != 5000 {
		t.Errorf("integration timeout %v", c.Limits.IntegrationTimeout)
	}
	if why := notRun(res)["Logs"]; !strings.Contains(why, "access log") {
		t.Errorf("the log group: %q", why)
	}
}

func TestEnvVarsFile(t *testing.T) {
	envFile := filepath.Join(t.TempDir(), "env.json")
	os.WriteFile(envFile, []byte(`{
  "Parameters": {"SHARED": "from-env-file", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"},
  "OnConnectFunction": {"TABLE_NAME": "local_table", "EXTRA": 42}
}`), 0o644)
	c := only(t, load(t, "testdata/sam/template.yaml", Options{EnvVarsFile: envFile}))
	env := fn(t, c, "$connect").Environment
	for k, v := range map[string]string{"SHARED": "from-env-file", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000",
		"TABLE_NAME": "local_table", "EXTRA": "42", "MODE": "development"} {
		if env[k] != v {
			t.Errorf("$connect %s = %q, want %q", k, env[k], v)
		}
	}
	if got := fn(t, c, "go").Environment; got["SHARED"] != "from-env-file" || got["TABLE_NAME"] != "" {
		t.Errorf("Parameters apply to every function, a function's entry to it only: %v", got)
	}

	os.WriteFile(envFile, []byte(`{
  "OnConnectFunction": {"AWS_REGION": "x", "ok": ["list"]},
  "NoSuchFunction": {"A": "b"}
}`), 0o644)
	_, err := Load("testdata/sam/template.yaml", Options{EnvVarsFile: envFile})
	for _, want := range []string{
		"env.json:2:25: OnConnectFunction.AWS_REGION: is reserved: Lambda sets it itself",
		"env.json:2:44: OnConnectFunction.ok: must be a string, number or boolean",
		"env.json:3:3: NoSuchFunction: names no function",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// malformed has one mistake of each kind; every one must be reported, at its line.
const malformed = `Parameters:
  NoDefault:
    Type: String
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: broken
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: $connect
      Target: !Join ['/', [integrations, !Ref Integ]]
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Timeout: 2000
      Environment:
        Variables:
          A: !Joinn [',', [a, b]]
          B: !Ref Missing
          C: !GetAtt Nowhere.Arn
          D: !Sub '${Unclosed'
          E: !Select [9, [a, b]]
  First:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !GetAtt Second.QueueName
  Second:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub '${First}-second'
  BadRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: other
      Target: lambda
`

func TestMalformedTemplateReportsEveryProblem(t *testing.T) {
	path := writeTemplate(t, "template.yaml", malformed)
	_, err := Load(path, Options{})
	var ps config.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load: %v, want config.Problems", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"template.yaml:2:3: Parameters.NoDefault: has no Default",
		"template.yaml:29:7: Resources.Fn.Properties.Timeout: must be more than 0 and at most 900 seconds",
		"template.yaml:32:14: Resources.Fn.Properties.Environment.Variables.A: unknown intrinsic function !Joinn (did you mean !Join?)",
		"template.yaml:33:14: Resources.Fn.Properties.Environment.Variables.B: Ref Missing: no parameter or resource of that name",
		"template.yaml:34:14: Resources.Fn.Properties.Environment.Variables.C: Fn::GetAtt Nowhere.Arn: no resource named Nowhere",
		"template.yaml:35:14: Resources.Fn.Properties.Environment.Variables.D: Fn::Sub: \"${Unclosed\" has a ${ without its closing }",
		"template.yaml:36:14: Resources.Fn.Properties.Environment.Variables.E: Fn::Select: index 9 is not within the list of 2",
		"Resources.First: a cycle of references: First → Second → First",
		"template.yaml:50:7: Resources.BadRoute.Properties.Target: route other needs a Target",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("problems lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("problems:\n%s", msg)
	}
}

func TestConditionCycleAndBadConditions(t *testing.T) {
	path := writeTemplate(t, "template.yaml", `Conditions:
  A: !And [!Condition B, !Equals [1, 1]]
  B: !Or [!Condition A, !Equals [1, 2]]
  C: !Not [!Ref Nope]
Resources:
  Q:
    Type: AWS::SQS::Queue
    Condition: Missing
`)
	_, err := Load(path, Options{})
	for _, want := range []string{"the conditions form a cycle: A → B → A", "Ref Nope: no parameter or resource", "no condition named Missing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestServerlessYML(t *testing.T) {
	path := writeTemplate(t, "serverless.yml", `service: chat
custom:
  table: ${self:service}-${sls:stage}-connections
provider:
  name: aws
  runtime: nodejs20.x
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'us-east-1'}
  websocketsApiRouteSelectionExpression: $request.body.route
  memorySize: 512
  environment:
    TABLE: ${self:custom.table}
    FROM_ENV: ${env:SB_TEST_VAR, 'fallback'}
    QUEUE_ARN: !GetAtt Queue.Arn
functions:
  connect:
    handler: src/app.handler
    events:
      - websocket:
          route: $connect
          authorizer:
            name: auth
            identitySource: [route.request.querystring.token]
  default:
    handler: src/app.handler
    timeout: 3
    environment:
      TABLE: overridden
    events:
      - websocket: $default
  echo:
    handler: src/app.handler
    events:
      - websocket:
          route: echo
          routeResponseSelectionExpression: $default
  goecho:
    handler: gofn
    runtime: provided.al2023
    events:
      - websocket: go
  auth:
    handler: src/auth.handler
resources:
  Resources:
    Queue:
      Type: AWS::SQS::Queue
`)
	env := map[string]string{"SB_TEST_VAR": "from-the-environment"}
	res := load(t, path, Options{Parameters: map[string]string{"stage": "prod", "region": "eu-central-1"},
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	c := only(t, res)
	if c.Name != "prod-chat-websockets" || c.Stage.Name != "prod" || c.Region != "eu-central-1" || c.RouteSelectionExpression != "$request.body.route" {
		t.Errorf("API %q stage %q region %q rse %q", c.Name, c.Stage.Name, c.Region, c.RouteSelectionExpression)
	}
	if got := c.RouteKeys(); !reflect.DeepEqual(got, []string{"$connect", "$default", "echo", "go"}) {
		t.Fatalf("routes %v", got)
	}
	connect := fn(t, c, "$connect")
	if connect.Handler != "src/app.handler" || connect.Root != "" || connect.MemoryMB != 512 || connect.Timeout.Seconds() != 6 {
		t.Errorf("connect %+v", connect)
	}
	wantEnv := map[string]string{"TABLE": "chat-prod-connections", "FROM_ENV": "from-the-environment",
		"QUEUE_ARN": "arn:aws:sqs:eu-central-1:000000000000:chat-prod-Queue-" + suffix("Queue", 12, upperAlnum)}
	if !reflect.DeepEqual(connect.Environment, wantEnv) {
		t.Errorf("connect environment %v, want %v", connect.Environment, wantEnv)
	}
	if d := fn(t, c, "$default"); d.Timeout.Seconds() != 3 || d.Environment["TABLE"] != "overridden" {
		t.Errorf("default %+v", d)
	}
	if !c.Routes["echo"].ReturnResponse || c.Routes["$default"].ReturnResponse {
		t.Error("routeResponseSelectionExpression makes echo (only) two-way")
	}
	if g := fn(t, c, "go"); g.Handler != "gofn" || g.Runtime != "provided.al2023" {
		t.Errorf("go %+v", g)
	}
	a := c.Authorizer
	if a.Type != config.AuthorizerLambda || a.Name != "auth" || a.Target.Function.Handler != "src/auth.handler" ||
		!reflect.DeepEqual(a.IdentitySource, []string{"route.request.querystring.token"}) {
		t.Errorf("authorizer %+v", a)
	}
	if why := notRun(res)["Queue"]; why == "" {
		t.Error("the queue is not listed as not run")
	}

	// Without the options: the defaults, and a variable without value or fallback is a problem.
	c = only(t, load(t, path, Options{LookupEnv: func(string) (string, bool) { return "", false }}))
	if c.Stage.Name != "dev" || c.Region != "us-east-1" || fn(t, c, "$connect").Environment["FROM_ENV"] != "fallback" {
		t.Errorf("defaults: stage %q region %q", c.Stage.Name, c.Region)
	}
	bad := writeTemplate(t, "serverless.yml", "service: x\nprovider:\n  name: aws\n  environment:\n    A: ${env:NOPE_NOT_SET}\n    B: ${ssm:/a/b}\nfunctions:\n  f:\n    handler: src/app.handler\n    events:\n      - websocket: $default\n")
	_, err := Load(bad, Options{LookupEnv: func(string) (string, bool) { return "", false }})
	for _, want := range []string{"serverless.yml:5:8: provider.environment.A: ${env:NOPE_NOT_SET} has no value", "serverless.yml:6:8: provider.environment.B: ${ssm:/a/b} reads ssm"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestIntrinsicFunctions(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`!Join ['-', [a, !Ref P, !Ref 'AWS::Region']]`, "a-pv-us-east-1"},
		{`{"Fn::Join": ["", ["x", {"Ref": "AWS::AccountId"}]]}`, "x000000000000"},
		{`!Sub '${P}/${!Literal}/${AWS::Partition}'`, "pv/${Literal}/aws"},
		{`!Sub ['${A}-${B}', {A: one, B: !Ref P}]`, "one-pv"},
		{`!Select [2, !Split ['/', 'a/b/c']]`, "c"},
		{`!If [Yes, then, else]`, "then"},
		{`!If [No, then, else]`, "else"},
		{`!FindInMap [M, k1, k2]`, "mapped"},
		{`!FindInMap [M, k1, missing, {DefaultValue: dflt}]`, "dflt"},
		{`!Base64 abc`, "YWJj"},
		{`!GetAtt Topic.TopicName`, "local-Topic-" + suffix("Topic", 12, upperAlnum)},
		{`!Ref Topic`, "arn:aws:sns:us-east-1:000000000000:local-Topic-" + suffix("Topic", 12, upperAlnum)},
		{`!GetAtt Bucket.Arn`, "arn:aws:s3:::my-bucket"},
		{`!GetAtt Role.Arn`, "arn:aws:iam::000000000000:role/local-Role-" + suffix("Role", 12, upperAlnum)},
		{`!Ref 'AWS::StackName'`, "local"},
		{`!Select [0, !Ref List]`, "x"},
		{`!Join [',', !Ref List]`, "x,y"},
		{`!Length [a, b, c]`, "3"},
		{`!ToJsonString {a: 1}`, `{"a":1}`},
	}
	var env strings.Builder
	for i, c := range cases {
		env.WriteString("          V" + string(rune('A'+i)) + ": " + c.expr + "\n")
	}
	path := writeTemplate(t, "template.yaml", `Transform: [AWS::Serverless-2016-10-31, AWS::LanguageExtensions]
Parameters:
  P: {Type: String, Default: pv}
  List: {Type: CommaDelimitedList, Default: "x,y"}
Mappings:
  M: {k1: {k2: mapped}}
Conditions:
  Yes: !Equals [!Ref P, pv]
  No: !Not [!Condition Yes]
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Bucket: {Type: AWS::S3::Bucket, Properties: {BucketName: my-bucket}}
  Role: {Type: AWS::IAM::Role}
  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: x, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}}
  R: {Type: AWS::ApiGatewayV2::Route, Properties: {ApiId: !Ref Api, RouteKey: $default, Target: !Sub 'integrations/${I}'}}
  I: {Type: AWS::ApiGatewayV2::Integration, Properties: {ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt F.Arn}}
  F:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Environment:
        Variables:
`+env.String())
	c := only(t, load(t, path, Options{}))
	got := fn(t, c, "$default").Environment
	for i, tc := range cases {
		if v := got["V"+string(rune('A'+i))]; v != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, v, tc.want)
		}
	}
}

// TestImportsOnlyConfig keeps the package a leaf apart from the config package (docs: the
// house's layering).
func TestImportsOnlyConfig(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasPrefix(imp, "github.com/switchboardhq/switchboard/") && imp != "github.com/switchboardhq/switchboard/internal/config" {
			t.Errorf("internal/template imports %s; it may import only internal/config", imp)
		}
	}
}

func TestSeveralAPIsAndStages(t *testing.T) {
	api := func(id, name, stages string) string {
		s := `  ` + id + `:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ` + name + `, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  ` + id + `Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref ` + id + `, RouteKey: $default, Target: !Sub 'integrations/${` + id + `Integ}'}
  ` + id + `Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref ` + id + `, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn}
`
		for _, st := range strings.Fields(stages) {
			s += `  ` + id + st + `:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref ` + id + `, StageName: ` + st + `}
`
		}
		return s
	}
	path := writeTemplate(t, "template.yaml", "Resources:\n"+api("Chat", "chat", "v1 v2")+api("Feed", "feed", "live")+
		"  Http:\n    Type: AWS::ApiGatewayV2::Api\n    Properties: {Name: http, ProtocolType: HTTP}\n"+
		"  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: src, Handler: app.handler, Runtime: nodejs20.x}\n")
	res := load(t, path, Options{})
	if len(res.APIs) != 2 {
		t.Fatalf("%d APIs, want chat and feed", len(res.APIs))
	}
	got := map[string]string{}
	for _, c := range res.APIs {
		got[c.Name] = c.Stage.Name
		if c.APIID != defaultAPIID(c.Name) {
			t.Errorf("%s: API id %q", c.Name, c.APIID)
		}
	}
	if !reflect.DeepEqual(got, map[string]string{"chat": "v1", "feed": "live"}) {
		t.Errorf("APIs and stages %v", got)
	}
	nr := notRun(res)
	if !strings.Contains(nr["Chatv2"], "one stage per API") || !strings.Contains(nr["Http"], "HTTP API") {
		t.Errorf("not run: %v", nr)
	}
}

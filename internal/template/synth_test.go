package template

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/config"
)

// synthConfig uses every setting synth maps onto AWS.
const synthConfig = `name: chat
routeSelectionExpression: $request.body.action
defaults:
  function:
    timeout: 20
    environment: {TABLE: connections}
    permissions: [dynamodb]
authorizer:
  type: lambda
  name: tokens
  function: src/auth.handler
  identitySource: [route.request.querystring.token]
accessLog:
  format: $context.requestId $context.routeKey $context.status
  retention: 1 week
customDomain:
  domainName: ws.example.com
  path: chat
  hostedZone: example.com
  certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab
stage:
  name: prod
  autoDeploy: false
  throttle: {rateLimit: 100, burstLimit: 50}
  variables: {color: blue}
limits:
  integrationTimeout: 10s
routes:
  $connect: src/connect.handler
  $disconnect:
    function:
      handler: py/disconnect.main
      memory: 256
  sendMessage:
    function:
      handler: src/send.handler
      runtime: nodejs22.x
      environment: {MODE: send}
      permissions:
        - {effect: allow, actions: ["sqs:SendMessage"], resources: ["arn:aws:sqs:us-east-1:123456789012:q"]}
      layers: ["arn:aws:lambda:us-east-1:123456789012:layer:shared:3"]
      reservedConcurrency: 5
    returnResponse: true
  go: gofn
`

// writeSynthProject writes synthConfig and its handlers.
func writeSynthProject(t *testing.T, cfgText string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"switchboard.yaml":  cfgText,
		"src/connect.mjs":   "export const handler = async () => ({ statusCode: 200 });\n",
		"src/send.ts":       "export const handler = async (e: any) => ({ statusCode: 200, body: e.body });\n",
		"src/auth.mjs":      "export const handler = async () => ({ principalId: 'me', policyDocument: {} });\n",
		"py/disconnect.py":  "def main(event, context):\n    return {'statusCode': 200}\n",
		"gofn/main.go":      "package main\n\nfunc main() {}\n",
		"site/index.html":   "",
		"site/.placeholder": "",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "switchboard.yaml")
}

// testRuntime tells the runtime family from the files, for synth in unit tests (the root package
// passes the workers' own resolution).
func testRuntime(root, handler, runtime string) (string, error) {
	switch {
	case strings.HasPrefix(runtime, "nodejs"):
		return "nodejs", nil
	case strings.HasPrefix(runtime, "python"):
		return "python", nil
	case runtime != "":
		return "go", nil
	}
	if info, err := os.Stat(filepath.Join(root, handler)); err == nil && info.IsDir() {
		return "go", nil
	}
	i := strings.LastIndex(handler, ".")
	if i < 0 {
		return "", fmt.Errorf("handler %q", handler)
	}
	module := filepath.Join(root, handler[:i])
	if _, err := os.Stat(module + ".py"); err == nil {
		return "python", nil
	}
	return "nodejs", nil
}

func TestSynthRoundTrip(t *testing.T) {
	cfgPath := writeSynthProject(t, synthConfig)
	orig, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "deploy", "template."+format)
			os.MkdirAll(filepath.Dir(out), 0o755)
			tpl, warnings, err := Synth(orig, SynthOptions{Dir: filepath.Dir(out), JSON: format == "json", Runtime: testRuntime})
			if err != nil {
				t.Fatalf("Synth: %v", err)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings: %v", warnings)
			}
			if err := os.WriteFile(out, tpl, 0o644); err != nil {
				t.Fatal(err)
			}
			checkAgainstSpec(t, out, tpl)
			res, err := Load(out, Options{})
			if err != nil {
				t.Fatalf("Load(synth output): %v\n%s", err, tpl)
			}
			back := only(t, res)
			compareConfigs(t, orig, back)
		})
	}
}

// compareConfigs checks that back (read from synth's output) runs what orig does.
func compareConfigs(t *testing.T, orig, back *config.Config) {
	t.Helper()
	if back.Name != orig.Name || back.APIID != orig.APIID || back.RouteSelectionExpression != orig.RouteSelectionExpression {
		t.Errorf("API: %q %q %q, want %q %q %q", back.Name, back.APIID, back.RouteSelectionExpression, orig.Name, orig.APIID, orig.RouteSelectionExpression)
	}
	if !reflect.DeepEqual(back.RouteKeys(), orig.RouteKeys()) {
		t.Fatalf("routes %v, want %v", back.RouteKeys(), orig.RouteKeys())
	}
	for _, key := range orig.RouteKeys() {
		o, b := orig.Routes[key], back.Routes[key]
		if o.ReturnResponse != b.ReturnResponse || o.IAM != b.IAM || o.Target.Kind != b.Target.Kind {
			t.Errorf("route %s: %+v, want %+v", key, b, o)
			continue
		}
		compareFunctions(t, key, orig, config.MergeFunction(orig.Defaults.Function, o.Target.Function), back, b.Target.Function)
	}
	oa, ba := orig.Authorizer, back.Authorizer
	if oa.Type != ba.Type || oa.Name != ba.Name || !reflect.DeepEqual(oa.IdentitySource, ba.IdentitySource) {
		t.Errorf("authorizer %+v, want %+v", ba, oa)
	} else if oa.Target.Function != nil {
		compareFunctions(t, "authorizer", orig, oa.Target.Function, back, ba.Target.Function)
	}
	os, bs := orig.Stage, back.Stage
	if os.Name != bs.Name || os.AutoDeploy != bs.AutoDeploy || os.Throttle != bs.Throttle || !reflect.DeepEqual(os.Variables, bs.Variables) {
		t.Errorf("stage %+v, want %+v", bs, os)
	}
	ol, bl := orig.AccessLog, back.AccessLog
	if ol.Enabled != bl.Enabled || ol.Format != bl.Format || ol.Retention != bl.Retention {
		t.Errorf("access log %+v, want %+v", bl, ol)
	}
	od, bd := orig.CustomDomain, back.CustomDomain
	if od.DomainName != bd.DomainName || od.Path != bd.Path || od.CertificateARN != bd.CertificateARN {
		t.Errorf("custom domain %+v, want %+v", bd, od)
	}
	if orig.Limits != back.Limits {
		t.Errorf("limits %+v, want %+v", back.Limits, orig.Limits)
	}
}

// compareFunctions checks that two functions run the same code with the same settings: the
// handler resolves to the same module (or Go package), the runtime is of the same family, and
// timeout, memory (defaults applied), environment, permissions (as IAM statements), layers and
// reserved concurrency agree.
func compareFunctions(t *testing.T, key string, oc *config.Config, o *config.Function, bc *config.Config, b *config.Function) {
	t.Helper()
	if b == nil {
		t.Errorf("%s: no function after the round trip", key)
		return
	}
	where := func(c *config.Config, f *config.Function) string {
		root := f.Root
		if root == "" {
			root, _ = filepath.Abs(c.Dir())
		}
		p := filepath.Join(root, f.Handler)
		if fam, _ := testRuntime(root, f.Handler, f.Runtime); fam == "go" {
			return p
		}
		return p[:strings.LastIndex(p, ".")] + "|" + p[strings.LastIndex(p, ".")+1:]
	}
	if where(oc, o) != where(bc, b) {
		t.Errorf("%s: handler resolves to %s, want %s", key, where(bc, b), where(oc, o))
	}
	root := o.Root
	if root == "" {
		root = oc.Dir()
	}
	fo, _ := testRuntime(root, o.Handler, o.Runtime)
	if fb, _ := testRuntime(b.Root, b.Handler, b.Runtime); fb != fo {
		t.Errorf("%s: runtime %q (%s), want the %s family", key, b.Runtime, fb, fo)
	}
	if o.Runtime != "" && o.Runtime != b.Runtime {
		t.Errorf("%s: runtime %q, want %q", key, b.Runtime, o.Runtime)
	}
	orDefault := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	if orDefault(int(o.Timeout.Seconds()), defaultTimeoutSeconds) != int(b.Timeout.Seconds()) || orDefault(o.MemoryMB, defaultMemoryMB) != b.MemoryMB {
		t.Errorf("%s: timeout %v memory %d, want %v %d", key, b.Timeout, b.MemoryMB, o.Timeout, o.MemoryMB)
	}
	if len(o.Environment)+len(b.Environment) > 0 && !reflect.DeepEqual(o.Environment, b.Environment) {
		t.Errorf("%s: environment %v, want %v", key, b.Environment, o.Environment)
	}
	statements := func(ps []config.Permission) []string {
		var out []string
		for _, p := range ps {
			e, a, r := p.Statement()
			out = append(out, fmt.Sprint(e, a, r))
		}
		return out
	}
	if !slices.Equal(statements(o.Permissions), statements(b.Permissions)) {
		t.Errorf("%s: permissions %v, want %v", key, statements(b.Permissions), statements(o.Permissions))
	}
	if !slices.Equal(o.Layers, b.Layers) || o.ReservedConcurrency != b.ReservedConcurrency {
		t.Errorf("%s: layers %v reserved %d, want %v %d", key, b.Layers, b.ReservedConcurrency, o.Layers, o.ReservedConcurrency)
	}
}

func TestSynthRefusesWhatAWSCannotRun(t *testing.T) {
	cfgPath := writeSynthProject(t, `name: x
customDomain: ws.example.com
limits:
  maxMessageBytes: 64 KB
routes:
  $connect: {type: url, url: "http://127.0.0.1:8080/connect"}
  echo:
    function: src/connect.handler
    auth: {iam: true}
  remote: {type: url, url: "https://backend.example.com/ws"}
`)
	c, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	_, warnings, err := Synth(c, SynthOptions{Runtime: testRuntime})
	for _, want := range []string{
		"switchboard.yaml:2:1: customDomain: needs certificateArn",
		"switchboard.yaml:6:25: routes.$connect.url: http://127.0.0.1:8080/connect is a local address",
		"switchboard.yaml:9:12: routes.echo.auth.iam: has no AWS equivalent",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	w := strings.Join(warnings, "\n")
	for _, want := range []string{"limits.maxMessageBytes: has no template setting on AWS", "routes.remote.url: becomes an HTTP_PROXY integration"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}

// npmDir is where scripts/test.sh installs the npm packages the template tests use
// (aws-cdk-lib, constructs, @aws-cdk/aws-service-spec).
func npmDir() string {
	if d := os.Getenv("SWITCHBOARD_TEST_NPM"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "switchboard-test", "npm")
}

// spec is the CloudFormation resource specification of @aws-cdk/aws-service-spec (SAM's resource
// types included): resource types with their properties, and the property types they use.
type spec struct {
	resources map[string]map[string]specProp
	types     map[string]map[string]specProp
}

type specProp struct {
	Type     map[string]any `json:"type"`
	Required bool           `json:"required"`
}

// loadSpec reads the specification, skipping the test when the package is not installed.
func loadSpec(t *testing.T) *spec {
	t.Helper()
	path := filepath.Join(npmDir(), "node_modules", "@aws-cdk", "aws-service-spec", "db.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("the CloudFormation resource specification is not installed (%v); scripts/test.sh installs @aws-cdk/aws-service-spec", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var db struct {
		Schema struct {
			Resource struct {
				Entities []struct {
					Type       string              `json:"cloudFormationType"`
					Properties map[string]specProp `json:"properties"`
				} `json:"entities"`
			} `json:"resource"`
			TypeDefinition struct {
				Entities []struct {
					ID         string              `json:"$id"`
					Properties map[string]specProp `json:"properties"`
				} `json:"entities"`
			} `json:"typeDefinition"`
		} `json:"schema"`
	}
	if err := json.NewDecoder(zr).Decode(&db); err != nil {
		t.Fatal(err)
	}
	s := &spec{resources: map[string]map[string]specProp{}, types: map[string]map[string]specProp{}}
	for _, r := range db.Schema.Resource.Entities {
		s.resources[r.Type] = r.Properties
	}
	for _, d := range db.Schema.TypeDefinition.Entities {
		s.types[d.ID] = d.Properties
	}
	if len(s.resources) < 1000 || s.resources["AWS::Serverless::Function"] == nil || s.resources["AWS::ApiGatewayV2::Route"] == nil {
		t.Fatalf("the specification at %s has %d resource types, not the ones expected", path, len(s.resources))
	}
	return s
}

// checkAgainstSpec checks every resource of a synthesized template against the specification:
// its type exists, every property is one of the type's, the required ones are there, and every
// value has the property's shape (intrinsic functions stand for any value).
func checkAgainstSpec(t *testing.T, name string, tpl []byte) {
	t.Helper()
	s := loadSpec(t)
	root, err := config.ReadTree(name, tpl, strings.HasSuffix(name, ".json"))
	if err != nil {
		t.Fatal(err)
	}
	resources := get(root, "Resources")
	if len(entries(resources)) == 0 {
		t.Fatal("the template has no resources")
	}
	for _, e := range entries(resources) {
		typ, _ := text(get(e.value, "Type"))
		props, ok := s.resources[typ]
		if !ok {
			t.Errorf("%s: %s is not a resource type of the specification", e.key.Value, typ)
			continue
		}
		s.checkObject(t, e.key.Value+".Properties", get(e.value, "Properties"), props)
	}
}

func (s *spec) checkObject(t *testing.T, path string, n *yaml.Node, props map[string]specProp) {
	t.Helper()
	for _, e := range entries(n) {
		p, ok := props[e.key.Value]
		if !ok {
			t.Errorf("%s.%s: not a property of the specification", path, e.key.Value)
			continue
		}
		if !s.matches(e.value, p.Type) {
			t.Errorf("%s.%s: %s does not have the specified type %v", path, e.key.Value, kindName(e.value), p.Type)
		}
	}
	for name, p := range props {
		if k, _ := lookup(n, name); p.Required && k == nil {
			t.Errorf("%s: the required property %s is missing", path, name)
		}
	}
}

// matches reports whether n has the type ty of the specification.
func (s *spec) matches(n *yaml.Node, ty map[string]any) bool {
	if _, isCall := asCall(n, false); isCall {
		return true
	}
	switch ty["type"] {
	case "string", "date-time":
		return isScalar(n)
	case "number", "integer":
		if !isScalar(n) {
			return false
		}
		_, err := json.Number(n.Value).Float64()
		return err == nil
	case "boolean":
		_, ok := truthy(n)
		return ok
	case "json", "null":
		return true
	case "tag":
		return isMap(n)
	case "array":
		if !isSeq(n) {
			return false
		}
		el, _ := ty["element"].(map[string]any)
		for _, item := range n.Content {
			if !s.matches(item, el) {
				return false
			}
		}
		return true
	case "map":
		if !isMap(n) {
			return false
		}
		el, _ := ty["element"].(map[string]any)
		for _, e := range entries(n) {
			if !s.matches(e.value, el) {
				return false
			}
		}
		return true
	case "ref":
		ref, _ := ty["reference"].(map[string]any)
		id, _ := ref["$ref"].(string)
		props, ok := s.types[id]
		if !ok || !isMap(n) {
			return false
		}
		for _, e := range entries(n) {
			p, known := props[e.key.Value]
			if !known || !s.matches(e.value, p.Type) {
				return false
			}
		}
		for name, p := range props {
			if k, _ := lookup(n, name); p.Required && k == nil {
				return false
			}
		}
		return true
	case "union":
		alts, _ := ty["types"].([]any)
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok && s.matches(n, m) {
				return true
			}
		}
		return false
	}
	return false
}

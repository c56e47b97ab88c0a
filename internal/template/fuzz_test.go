package template

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/config"
)

// FuzzParse feeds arbitrary templates to the whole reader — intrinsic evaluator, conditions,
// reference graph, resources, serverless.yml variables — which must report problems, never panic
// or hang.
//
//	go test -run '^$' -fuzz FuzzParse -fuzzminimizetime 2s ./internal/template
//
// (Minimizing is what takes the time with these inputs of a few KB: without -fuzzminimizetime the
// engine spends most of a run on it.)
func FuzzParse(f *testing.F) {
	sam, err := os.ReadFile("testdata/sam/template.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(sam), jsonTemplate, malformed,
		"Resources:\n  A: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub '${B}'}}\n  B: {Type: AWS::SQS::Queue, Properties: {QueueName: !GetAtt A.QueueName}}\n",
		"Conditions:\n  A: !Condition A\nResources:\n  Q: {Type: AWS::SQS::Queue, Condition: A}\n",
		"x: &a [*a]\nResources: {}\n",
		"a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nResources:\n  Q: {Type: AWS::SQS::Queue, Properties: {Tags: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}}\n",
		`{"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"Environment": {"Variables": {"A": {"Fn::Select": ["-1", {"Fn::Split": ["", ""]}]}}}}}}}`,
		"service: s\nprovider: {name: aws, environment: {A: '${self:provider.environment.A}'}}\nfunctions: {f: {handler: a.b, events: [{websocket: $connect}]}}\n",
		"service: s\ncustom: {a: '${self:custom.b}', b: '${self:custom.a}'}\nfunctions: {}\n",
		"Resources:\n  F: {Type: AWS::Serverless::Function, Properties: {Environment: {Variables: {A: !If [C, !Ref F, !Join [',', !Split [',', !Base64 x]]]}}}}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if len(data) > 64<<10 {
			return
		}
		name := "testdata/sam/template.yaml"
		if strings.HasPrefix(data, "service:") {
			name = "testdata/sam/serverless.yml"
		}
		res, err := Parse(name, []byte(data), Options{LookupEnv: func(string) (string, bool) { return "", false }})
		var ps config.Problems
		if err != nil && !errors.As(err, &ps) {
			t.Fatalf("error %v (%T) is not config.Problems", err, err)
		}
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
		for _, p := range ps {
			if p.Message == "" {
				t.Fatalf("a problem without a message: %+v", p)
			}
		}
	})
}

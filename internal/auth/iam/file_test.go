package iam

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

const goodFile = `# credentials for tests
principals:
  - name: backend
    arn: arn:aws:iam::123456789012:user/backend
    accessKeyId: AKIAEXAMPLEBACKEND01
    secretAccessKey: backend-secret
    statements:
      - Effect: Allow
        Action: execute-api:ManageConnections
        Resource: arn:aws:execute-api:us-east-1:123456789012:*/local/*/@connections/*
  - arn: arn:aws:sts::123456789012:assumed-role/client-role/browser
    accessKeyId: ASIAEXAMPLECLIENT001
    secretAccessKey: client-secret
    sessionToken: client-token
    userId: AROAEXAMPLE:browser
    policy:
      Version: "2012-10-17"
      Statement:
        Effect: Allow
        Action: [execute-api:Invoke]
        Resource: [arn:aws:execute-api:us-east-1:123456789012:*/local/$connect]
    statements:
      - effect: Deny
        actions: ["execute-api:ManageConnections"]
        resources: ["*"]
`

func TestParseCredentials(t *testing.T) {
	got, err := ParseCredentials([]byte(goodFile), "creds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Principal{
		{
			Name: "backend", ARN: "arn:aws:iam::123456789012:user/backend",
			AccessKeyID: "AKIAEXAMPLEBACKEND01", SecretAccessKey: "backend-secret",
			Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{"execute-api:ManageConnections"},
				Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:*/local/*/@connections/*"}}},
		},
		{
			ARN: "arn:aws:sts::123456789012:assumed-role/client-role/browser", UserID: "AROAEXAMPLE:browser",
			AccessKeyID: "ASIAEXAMPLECLIENT001", SecretAccessKey: "client-secret", SessionToken: "client-token",
			Statements: []policy.Statement{
				{Effect: policy.Allow, Action: []string{"execute-api:Invoke"}, Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:*/local/$connect"}},
				{Effect: policy.Deny, Action: []string{"execute-api:ManageConnections"}, Resource: []string{"*"}},
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("principals =\n%#v\nwant\n%#v", got, want)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	file := `principals:
  - arn: arn:aws:iam::123456789012:user/a
    accessKeyId: AKIA1
    secretAccessKey: s
    colour: red
  - arn: not-an-arn
    accessKeyId: AKIA2
  - arn: arn:aws:iam::123456789012:user/c
    accessKeyId: AKIA1
    secretAccessKey: s
    secretAccessKey: t
  - arn: arn:aws:iam::123456789012:user/d
    accessKeyId: AKIA4
    secretAccessKey: s
    statements:
      - Effect: Allow
        Action: execute-api:Invoke
  - arn: arn:aws:iam::123456789012:user/e
    accessKeyId: AKIA5
    secretAccessKey: s
  - arn: arn:aws:iam::123456789012:user/f
    accessKeyId: AKIA5
    secretAccessKey: s
    accessKeyId2: x
extra: 1
`
	_, err := ParseCredentials([]byte(file), "c.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"c.yaml:5: principals[0].colour: unknown key",
		`c.yaml:6: principals[1]: arn "not-an-arn" is not an ARN`,
		"c.yaml:6: principals[1]: secretAccessKey is required",
		"c.yaml:11: principals[2].secretAccessKey: repeated key",
		"c.yaml:16: principals[3].statements[0]: Resource is required",
		"c.yaml:24: principals[5].accessKeyId2: unknown key",
		"c.yaml:25: extra: unknown key",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseCredentialsDuplicateKey(t *testing.T) {
	file := `principals:
  - {arn: "arn:aws:iam::123456789012:user/a", accessKeyId: AKIA1, secretAccessKey: s}
  - {arn: "arn:aws:iam::123456789012:user/b", accessKeyId: AKIA1, secretAccessKey: t}
`
	_, err := ParseCredentials([]byte(file), "c.yaml")
	if err == nil || !strings.Contains(err.Error(), `principals[1]: accessKeyId "AKIA1" is used twice`) {
		t.Fatalf("error = %v", err)
	}
}

func TestParseCredentialsShapes(t *testing.T) {
	for name, file := range map[string]string{
		"not yaml":              "principals: [",
		"not a mapping":         "- a\n- b\n",
		"principals not a list": "principals: {a: b}\n",
		"principal not a map":   "principals: [x]\n",
		"field not a string":    "principals:\n  - arn: [a]\n",
		"statements not a list": "principals:\n  - {arn: 'arn:aws:iam::123456789012:user/a', accessKeyId: A, secretAccessKey: s, statements: {}}\n",
		"non-string keys":       "principals:\n  - {arn: 'arn:aws:iam::123456789012:user/a', accessKeyId: A, secretAccessKey: s, statements: [{1: 2}]}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCredentials([]byte(file), "c.yaml"); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if p, err := ParseCredentials(nil, "empty.yaml"); err != nil || len(p) != 0 {
		t.Fatalf("empty file: %v %v", p, err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "creds.yaml")
	if err := os.WriteFile(path, []byte(goodFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newStore(t)
	if err := s.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d", s.Len())
	}
	p, ok := s.Lookup("ASIAEXAMPLECLIENT001")
	if !ok || p.Name != "browser" || p.SessionToken != "client-token" {
		t.Fatalf("Lookup = %+v %v", p, ok)
	}
	if err := s.LoadFile(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file loaded")
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("principals:\n  - arn: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadFile(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml:2") {
		t.Fatalf("bad file error = %v", err)
	}
	if s.Len() != 2 {
		t.Fatalf("a bad file changed the store: Len = %d", s.Len())
	}
}

func TestParseCredentialsJSON(t *testing.T) {
	file := `{"principals":[{"arn":"arn:aws:iam::123456789012:user/j","accessKeyId":"AKIAJ","secretAccessKey":"s",
	  "policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":"*"}]}}]}`
	got, err := ParseCredentials([]byte(file), "creds.json")
	if err != nil || len(got) != 1 || len(got[0].Statements) != 1 {
		t.Fatalf("JSON file: %+v %v", got, err)
	}
}

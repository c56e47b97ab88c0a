package lambdaauth

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

func TestParseResult(t *testing.T) {
	r, err := ParseResult([]byte(`{"principalId":"me","policyDocument":{"Version":"2012-10-17","Statement":{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + methodARN + `"}},
		"context":{"s":"x","n":1.5,"i":12345678901234567890,"b":false},"usageIdentifierKey":"key-1","extra":[1]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.PrincipalID != "me" || r.UsageIdentifierKey != "key-1" || r.Evaluate(methodARN) != policy.Allowed {
		t.Fatalf("result = %+v", r)
	}
	if r.Evaluate("arn:aws:execute-api:us-east-1:123456789012:other/prod/$connect") != policy.ImplicitDeny {
		t.Fatal("policy matched another API")
	}
	data, _ := json.Marshal(r.Authorizer(1500 * time.Microsecond))
	want := `{"b":false,"i":12345678901234567890,"integrationLatency":1,"n":1.5,"principalId":"me","s":"x"}`
	if string(data) != want {
		t.Fatalf("authorizer = %s\nwant %s", data, want)
	}

	r, err = ParseResult([]byte(`{"principalId":"me","policyDocument":{"Statement":[]},"context":null}`))
	if err != nil || r.Context != nil || r.Evaluate(methodARN) != policy.ImplicitDeny {
		t.Fatalf("empty policy: %+v %v", r, err)
	}

	r, err = ParseResult([]byte(`{"principalId":"me","policyDocument":{"Statement":[]},"context":{"principalId":"spoof","integrationLatency":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Authorizer(0); m["principalId"] != "me" || m["integrationLatency"] != int64(0) {
		t.Fatalf("context keys overrode the reserved ones: %v", m)
	}
}

func FuzzParseResult(f *testing.F) {
	f.Add([]byte(`{"principalId":"me","policyDocument":{"Statement":{"Action":"*","Effect":"Allow","Resource":"*"}},"context":{"a":1}}`))
	f.Add([]byte(`{"principalId":"","policyDocument":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseResult(data)
		if err != nil {
			return
		}
		if r.PrincipalID == "" || r.Policy == nil || len(data) > MaxResultBytes {
			t.Fatalf("accepted an invalid result: %+v", r)
		}
		_ = r.Evaluate(methodARN)
		if _, err := json.Marshal(r.Authorizer(time.Millisecond)); err != nil {
			t.Fatalf("authorizer map does not encode: %v", err)
		}
	})
}

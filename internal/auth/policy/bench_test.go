package policy

import "testing"

// BenchmarkEvaluate measures a typical authorizer policy against a methodArn.
func BenchmarkEvaluate(b *testing.B) {
	statements := []Statement{
		{Effect: Deny, Action: []string{"execute-api:*"}, Resource: []string{"arn:aws:execute-api:*:*:*/admin/*"}},
		{Effect: Allow, Action: []string{"execute-api:Invoke"}, Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*"}},
	}
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(statements, "execute-api:Invoke", connectARN) != Allowed {
			b.Fatal("not allowed")
		}
	}
}

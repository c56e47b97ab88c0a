package policy

import (
	"strings"
	"testing"
)

// FuzzPolicyEvaluate parses arbitrary documents and evaluates them against arbitrary actions and
// resources. It checks that nothing panics and that the wildcard-free identity holds: a valid
// Allow statement naming exactly the action and resource allows them.
func FuzzPolicyEvaluate(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:1:a/prod/*/*"}]}`,
		"execute-api:Invoke", connectARN)
	f.Add(`{"Statement":{"Action":["*"],"Effect":"Deny","Resource":["*"]}}`, "a:b", "arn:x:y")
	f.Add(`{"Statement":[{"Action":"?*?*?*","Effect":"allow","Resource":"*:*:*:*:*:*"}]}`, "x", "a:b:c:d:e:f")
	f.Add(`not json`, "", "")
	f.Fuzz(func(t *testing.T, doc, action, resource string) {
		if d, err := ParseDocument([]byte(doc)); err == nil {
			for _, s := range d.Statement {
				if err := s.Validate(); err != nil {
					t.Fatalf("parsed statement is invalid: %v", err)
				}
			}
			_ = Evaluate(d.Statement, action, resource)
		}
		if action == "" || resource == "" || strings.ContainsAny(action+resource, "*?") ||
			len(action) > MaxPatternLength || len(resource) > MaxPatternLength {
			return
		}
		exact := []Statement{{Effect: Allow, Action: []string{action}, Resource: []string{resource}}}
		if got := Evaluate(exact, action, resource); got != Allowed {
			t.Fatalf("exact Allow for %q on %q gave %v", action, resource, got)
		}
		exact = append(exact, Statement{Effect: Deny, Action: []string{"*"}, Resource: []string{"*"}})
		if got := Evaluate(exact, action, resource); got != ExplicitDeny {
			t.Fatalf("Deny * did not win: %v", got)
		}
	})
}

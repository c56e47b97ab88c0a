package policy

import "testing"

const invoke = "execute-api:Invoke"

func TestEvaluate(t *testing.T) {
	allowAll := Statement{Effect: Allow, Action: []string{"execute-api:*"}, Resource: []string{"*"}}
	denyConnect := Statement{Effect: Deny, Action: []string{invoke}, Resource: []string{connectARN}}
	allowOther := Statement{Effect: Allow, Action: []string{invoke}, Resource: []string{"arn:aws:execute-api:us-east-1:123456789012:other/*"}}
	allowManage := Statement{Effect: Allow, Action: []string{"execute-api:ManageConnections"}, Resource: []string{"*"}}

	tests := []struct {
		name       string
		statements []Statement
		want       Decision
	}{
		{"no statements", nil, ImplicitDeny},
		{"allow", []Statement{allowAll}, Allowed},
		{"deny wins after allow", []Statement{allowAll, denyConnect}, ExplicitDeny},
		{"deny wins before allow", []Statement{denyConnect, allowAll}, ExplicitDeny},
		{"no matching resource", []Statement{allowOther}, ImplicitDeny},
		{"no matching action", []Statement{allowManage}, ImplicitDeny},
		{"deny for another resource does not apply", []Statement{allowAll, {Effect: Deny, Action: []string{"*"}, Resource: []string{"arn:aws:execute-api:*:*:other/*"}}}, Allowed},
		{"one of several actions", []Statement{{Effect: Allow, Action: []string{"s3:GetObject", invoke}, Resource: []string{connectARN}}}, Allowed},
		{"one of several resources", []Statement{{Effect: Allow, Action: []string{invoke}, Resource: []string{"arn:x", connectARN}}}, Allowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Evaluate(tc.statements, invoke, connectARN); got != tc.want {
				t.Fatalf("Evaluate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Allowed: "Allow", ExplicitDeny: "ExplicitDeny", ImplicitDeny: "ImplicitDeny"} {
		if d.String() != want {
			t.Errorf("%d.String() = %q, want %q", d, d.String(), want)
		}
	}
}

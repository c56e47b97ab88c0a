package policy

import "testing"

const connectARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connect"

func TestMatchResource(t *testing.T) {
	tests := []struct {
		pattern, resource string
		want              bool
	}{
		{connectARN, connectARN, true},
		{"*", connectARN, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*", connectARN, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/*", connectARN, true},
		// AWS: …/prod/*/* needs a second "/" and so does not match …/prod/$connect (403).
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*", connectARN, false},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*",
			"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/@connections/abc=", true},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/@connections/*",
			"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/DELETE/@connections/abc=", true},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/POST/@connections/*",
			"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/@connections/abc=", false},
		// Wildcards in the region and account segments.
		{"arn:aws:execute-api:*:*:abcdef123/prod/$connect", connectARN, true},
		{"arn:aws:execute-api:us-east-?:123456789012:abcdef123/prod/$connect", connectARN, true},
		{"arn:aws:execute-api:us-west-?:123456789012:abcdef123/prod/$connect", connectARN, false},
		// A trailing * may extend across ":" boundaries.
		{"arn:aws:execute-api:*", connectARN, true},
		{"arn:aws:execute-api:us-east-1:*", connectARN, true},
		// A * inside a segment stays inside it: "us-*-1x" cannot eat the ":" after the region.
		{"arn:aws:execute-api:us-*1:abcdef123/prod/$connect", connectARN, false},
		{"arn:aws:execute-api:us-*", connectARN, true},
		// ? is exactly one character and not ":".
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connec?", connectARN, true},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$connect?", connectARN, false},
		{"arn:aws:execute-api:us-east-1?123456789012:abcdef123/prod/$connect", connectARN, false},
		// Resources are case-sensitive.
		{"arn:aws:execute-api:us-east-1:123456789012:ABCDEF123/prod/$connect", connectARN, false},
		{"arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/$CONNECT", connectARN, false},
		// Another account or API.
		{"arn:aws:execute-api:us-east-1:999999999999:abcdef123/*", connectARN, false},
		{"arn:aws:execute-api:us-east-1:123456789012:other/*", connectARN, false},
		{"", connectARN, false},
		{"", "", true},
		{"**", "", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"héllo/?", "héllo/ü", true},
	}
	for _, tc := range tests {
		if got := MatchResource(tc.pattern, tc.resource); got != tc.want {
			t.Errorf("MatchResource(%q, %q) = %v, want %v", tc.pattern, tc.resource, got, tc.want)
		}
	}
}

func TestMatchAction(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"execute-api:Invoke", "execute-api:Invoke", true},
		{"execute-api:invoke", "execute-api:Invoke", true},
		{"EXECUTE-API:INVOKE", "execute-api:Invoke", true},
		{"execute-api:*", "execute-api:ManageConnections", true},
		{"*", "execute-api:ManageConnections", true},
		{"execute-api:Manage*", "execute-api:ManageConnections", true},
		{"execute-api:Manage*", "execute-api:Invoke", false},
		{"execute-api:Invok?", "execute-api:Invoke", true},
		{"s3:*", "execute-api:Invoke", false},
		{"execute-api:Invoke", "execute-api:InvokeX", false},
	}
	for _, tc := range tests {
		if got := MatchAction(tc.pattern, tc.action); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

func TestMatchRejectsOverlongInput(t *testing.T) {
	long := make([]byte, MaxPatternLength+1)
	for i := range long {
		long[i] = '*'
	}
	if MatchResource(string(long), "anything") {
		t.Fatal("an overlong pattern matched")
	}
}

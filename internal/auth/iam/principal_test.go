package iam

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

func TestPrincipalIdentity(t *testing.T) {
	user := Principal{ARN: "arn:aws:iam::123456789012:user/alice", AccessKeyID: "AKIAALICE", SecretAccessKey: "s"}
	id := user.Identity()
	if id.AccessKey != "AKIAALICE" || id.AccountID != "123456789012" || id.UserARN != user.ARN {
		t.Fatalf("identity = %+v", id)
	}
	if !strings.HasPrefix(id.Caller, "AIDA") || len(id.Caller) != 21 || id.User != id.Caller {
		t.Fatalf("user ids = %q %q", id.Caller, id.User)
	}
	if again := user.Identity(); again != id {
		t.Fatalf("derived ids are not stable: %+v vs %+v", again, id)
	}

	role := Principal{ARN: "arn:aws:sts::123456789012:assumed-role/app-role/session-1", AccessKeyID: "ASIA1", SecretAccessKey: "s"}
	rid := role.Identity()
	if !strings.HasPrefix(rid.Caller, "AROA") || !strings.HasSuffix(rid.Caller, ":session-1") {
		t.Fatalf("assumed-role caller = %q", rid.Caller)
	}

	root := Principal{ARN: "arn:aws:iam::123456789012:root", AccessKeyID: "AKIAROOT", SecretAccessKey: "s"}
	if got := root.Identity().Caller; got != "123456789012" {
		t.Fatalf("root caller = %q", got)
	}

	explicit := Principal{ARN: user.ARN, UserID: "AIDAEXPLICIT", AccessKeyID: "A", SecretAccessKey: "s"}
	if got := explicit.Identity(); got.User != "AIDAEXPLICIT" || got.Caller != "AIDAEXPLICIT" {
		t.Fatalf("explicit user id ignored: %+v", got)
	}
	if (Principal{}).Identity() != (auth.Identity{}) {
		t.Fatal("zero principal has an identity")
	}
}

func TestPrincipalValidate(t *testing.T) {
	tests := map[string]struct {
		p       Principal
		wantErr string
	}{
		"missing all":    {Principal{}, "arn is required"},
		"service":        {Principal{ARN: "arn:aws:s3:::bucket", AccessKeyID: "A", SecretAccessKey: "s"}, "iam or sts"},
		"account":        {Principal{ARN: "arn:aws:iam::12345:user/a", AccessKeyID: "A", SecretAccessKey: "s"}, "12-digit"},
		"resource":       {Principal{ARN: "arn:aws:iam::123456789012:group/a", AccessKeyID: "A", SecretAccessKey: "s"}, "must end in"},
		"assumed-role":   {Principal{ARN: "arn:aws:sts::123456789012:assumed-role/only", AccessKeyID: "A", SecretAccessKey: "s"}, "must end in"},
		"key with slash": {Principal{ARN: "arn:aws:iam::123456789012:user/a", AccessKeyID: "A/B", SecretAccessKey: "s"}, "must not contain"},
		"missing secret": {Principal{ARN: "arn:aws:iam::123456789012:user/a", AccessKeyID: "A"}, "secretAccessKey is required"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			}
		})
	}
	ok := Principal{ARN: "arn:aws:iam::123456789012:role/r", AccessKeyID: "A", SecretAccessKey: "s"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestARNs(t *testing.T) {
	if got := ConnectARN("us-east-1", "123456789012", "abcdef1234", "prod"); got != "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/$connect" {
		t.Errorf("ConnectARN = %q", got)
	}
	if got := ManageConnectionsARN("us-east-1", "123456789012", "abcdef1234", "prod", "post", "BFHPhfCWIAMCKlQ="); got != "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/@connections/BFHPhfCWIAMCKlQ=" {
		t.Errorf("ManageConnectionsARN = %q", got)
	}
	if got := RouteARN("eu-west-1", "000000000000", "x", "local", "sendmessage"); got != "arn:aws:execute-api:eu-west-1:000000000000:x/local/sendmessage" {
		t.Errorf("RouteARN = %q", got)
	}
	st := ManagementAPIStatement("us-east-1", "123456789012", "abcdef1234", "prod")
	if st.Resource[0] != "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/@connections/*" || st.Action[0] != ActionManageConnections {
		t.Errorf("ManagementAPIStatement = %+v", st)
	}
}

func TestEnvironmentPrincipal(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok"}
	p, ok := EnvironmentPrincipal(func(k string) string { return env[k] }, "123456789012")
	if !ok || p.AccessKeyID != "AKIAENV" || p.SecretAccessKey != "envsecret" || p.SessionToken != "tok" || p.ARN != "arn:aws:iam::123456789012:user/environment" {
		t.Fatalf("principal = %+v %v", p, ok)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if policy.Evaluate(p.Statements, ActionManageConnections, ManageConnectionsARN("us-east-1", "123456789012", "a", "b", "POST", "c")) != policy.Allowed {
		t.Fatal("environment principal may not manage connections")
	}
	if _, ok := EnvironmentPrincipal(func(k string) string { return "" }, ""); ok {
		t.Fatal("principal without credentials")
	}
	if p, _ := EnvironmentPrincipal(func(k string) string { return env[k] }, ""); !strings.Contains(p.ARN, "::000000000000:") {
		t.Fatalf("default account: %s", p.ARN)
	}
}

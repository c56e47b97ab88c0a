package config

import (
	"errors"
	"strings"
	"testing"
)

const everythingOptional = `authorizer:
  type: lambda
  function: src/auth.main
accessLog: true
customDomain: chat.example.com
stage:
  throttle: {rateLimit: 10, burstLimit: 20}
routes:
  $connect:
    url: http://127.0.0.1:9000/connect
    auth: {iam: true}
  send: src/send.main
`

func TestUnsupportedCitesEachUse(t *testing.T) {
	// auth.iam on $connect conflicts with a lambda authorizer, so this file uses an IAM one.
	c, err := Parse("c.yaml", []byte(strings.Replace(everythingOptional, "type: lambda\n  function: src/auth.main", "type: iam", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := `c.yaml:2:3: authorizer.type: IAM authorization is not supported by this build yet
c.yaml:3:1: accessLog: access logging is not supported by this build yet
c.yaml:4:1: customDomain: custom domains are not supported by this build yet
c.yaml:6:3: stage.throttle: throttling is not supported by this build yet
c.yaml:10:12: routes.$connect.auth.iam: IAM authorization is not supported by this build yet
c.yaml:11:9: routes.send.function: function handlers are not supported by this build yet`
	if err := c.Unsupported(Support{}); err == nil || err.Error() != want {
		t.Errorf("Unsupported:\n got %v\nwant %s", err, want)
	}
	var probs Problems
	if !errors.As(c.Unsupported(Support{}), &probs) || len(probs) != 6 {
		t.Errorf("Unsupported does not return the 6 problems as Problems")
	}
	all := Support{Functions: true, IAM: true, LambdaAuthorizer: true, AccessLog: true, CustomDomain: true, Throttle: true}
	if err := c.Unsupported(all); err != nil {
		t.Errorf("Unsupported(all) = %v, want nil", err)
	}
}

func TestUnsupportedLambdaAuthorizer(t *testing.T) {
	src := "authorizer:\n  type: lambda\n  function: src/auth.main\n"
	c, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s    Support
		want string
	}{
		{Support{Functions: true}, "c.yaml:2:3: authorizer.type: Lambda authorizers are not supported by this build yet"},
		{Support{LambdaAuthorizer: true}, "c.yaml:3:3: authorizer.function: function handlers are not supported by this build yet"},
	} {
		if err := c.Unsupported(tt.s); err == nil || err.Error() != tt.want {
			t.Errorf("Unsupported(%+v) = %v, want %s", tt.s, err, tt.want)
		}
	}
	if err := c.Unsupported(Support{Functions: true, LambdaAuthorizer: true}); err != nil {
		t.Errorf("Unsupported = %v, want nil", err)
	}
}

func TestUnsupportedGoConfig(t *testing.T) {
	c := goConfig()
	c.AccessLog.Enabled = true
	if err := Validate(c); err != nil {
		t.Fatal(err)
	}
	want := "routes.$default.function: function handlers are not supported by this build yet\n" +
		"accessLog: access logging is not supported by this build yet"
	if err := c.Unsupported(Support{}); err == nil || err.Error() != want {
		t.Errorf("Unsupported:\n got %v\nwant %s", err, want)
	}
}

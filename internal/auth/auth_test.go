package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/event"
)

func TestErrorAnswers(t *testing.T) {
	cause := errors.New("token expired")
	tests := []struct {
		err      *Error
		status   int
		typ, msg string
		sentinel error
	}{
		{Unauthorized(cause), 401, "UnauthorizedException", "Unauthorized", ErrUnauthorized},
		{Forbidden(cause), 403, "ForbiddenException", "Forbidden", ErrForbidden},
		{AuthorizerFailure(cause), 500, "AuthorizerConfigurationException", "Internal server error", ErrAuthorizerFailed},
	}
	for _, tc := range tests {
		if tc.err.Status != tc.status || tc.err.Type != tc.typ || tc.err.Message != tc.msg {
			t.Errorf("answer = %d %s %q", tc.err.Status, tc.err.Type, tc.err.Message)
		}
		if !errors.Is(tc.err, tc.sentinel) || !errors.Is(tc.err, cause) {
			t.Errorf("%v does not wrap %v and its cause", tc.err, tc.sentinel)
		}
		if !strings.Contains(tc.err.Error(), "token expired") {
			t.Errorf("Error() = %q hides the cause", tc.err.Error())
		}
		// The @connections handler renders apigw errors; an auth error must render the same.
		var wrapped error = errors.Join(errors.New("context"), tc.err)
		status, typ := apigw.ErrorStatus(wrapped)
		if status != tc.status || typ != tc.typ {
			t.Errorf("apigw.ErrorStatus = %d %s", status, typ)
		}
		var ae *apigw.Error
		if !errors.As(wrapped, &ae) || ae.Message != tc.msg {
			t.Errorf("apigw view = %+v", ae)
		}
	}
	if Forbidden(nil).Err != ErrForbidden {
		t.Error("nil cause not replaced by the sentinel")
	}
	plain := &Error{Status: 403, Type: "T", Message: "m", Err: errors.New("m")}
	if plain.Error() != "T: m" {
		t.Errorf("Error() repeats the message: %q", plain.Error())
	}
}

func TestGrantApply(t *testing.T) {
	rc := event.RequestContext{Identity: event.Identity{SourceIP: "192.0.2.1", UserAgent: "ua"}}
	(&Grant{Authorizer: map[string]any{"principalId": "p"}}).Apply(&rc)
	if rc.Authorizer["principalId"] != "p" || rc.Identity.AccessKey != "" || rc.Identity.SourceIP != "192.0.2.1" {
		t.Fatalf("lambda grant applied = %+v", rc)
	}
	rc = event.RequestContext{Identity: event.Identity{SourceIP: "192.0.2.1"}}
	(&Grant{Identity: Identity{AccessKey: "AKIA", AccountID: "123456789012", Caller: "AIDA", User: "AIDA", UserARN: "arn:aws:iam::123456789012:user/a"}}).Apply(&rc)
	want := event.Identity{SourceIP: "192.0.2.1", AccessKey: "AKIA", AccountID: "123456789012", Caller: "AIDA", User: "AIDA", UserARN: "arn:aws:iam::123456789012:user/a"}
	if rc.Identity != want || rc.Authorizer != nil {
		t.Fatalf("IAM grant applied = %+v", rc)
	}
	var nilGrant *Grant
	nilGrant.Apply(&rc) // no panic, no change
	if rc.Identity != want {
		t.Fatal("nil grant changed the context")
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

func TestExpandStageVariables(t *testing.T) {
	vars := map[string]string{"host": "127.0.0.1:8080", "v": "2"}
	got, err := ExpandStageVariables("http://${stageVariables.host}/v${stageVariables.v}/echo", vars)
	if err != nil || got != "http://127.0.0.1:8080/v2/echo" {
		t.Fatalf("got %q, %v", got, err)
	}
	if got, err := ExpandStageVariables("http://plain/${x}", nil); err != nil || got != "http://plain/${x}" {
		t.Fatalf("no references: %q, %v", got, err)
	}
	if _, err := ExpandStageVariables("http://${stageVariables.nope}/", vars); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("undefined variable: %v", err)
	}
}

func TestStageVariablesInRouteURL(t *testing.T) {
	good := "stage:\n  variables: {backend: '127.0.0.1:8080'}\nroutes:\n  echo: {type: url, url: 'http://${stageVariables.backend}/echo'}\n"
	if _, err := Parse("c.yaml", []byte(good)); err != nil {
		t.Fatalf("valid reference refused: %v", err)
	}
	bad := "stage:\n  variables: {backend: '127.0.0.1:8080'}\nroutes:\n  echo: {type: url, url: 'http://${stageVariables.backnd}/echo'}\n"
	_, err := Parse("c.yaml", []byte(bad))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 4 || ps[0].Key != "routes.echo.url" || !strings.Contains(ps[0].Message, `"backnd"`) {
		t.Fatalf("undefined variable: %v", err)
	}
}

func TestRetentionDays(t *testing.T) {
	for in, want := range map[string]int{"one_day": 1, "1 week": 7, "infinite": 0, "forever": 0, "": 0, "13 months": 400, "ten_years": 3653} {
		if got := (AccessLog{Retention: in}).RetentionDays(); got != want {
			t.Errorf("%q: %d days, want %d", in, got, want)
		}
	}
	for _, r := range retentions {
		if _, ok := retentionDays[r]; !ok {
			t.Errorf("%q has no number of days", r)
		}
	}
}

func TestAdminAddress(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"server: {admin: 'nope'}\n", "server.admin: must be host:port"},
		{"server: {listen: '127.0.0.1:3001', admin: '127.0.0.1:3001'}\n", "server.admin: is the public listener's address"},
	} {
		if _, err := Parse("c.yaml", []byte("routes: {$default: {type: url, url: 'http://x'}}\n"+c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

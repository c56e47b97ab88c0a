package wsserver

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/switchboardhq/switchboard/internal/event"
)

// TestHandshakeTags evaluates each kind of connectionTags value against one handshake.
func TestHandshakeTags(t *testing.T) {
	d := &deployed{tagRules: compileTags(map[string]string{
		"room":   "$request.querystring.room",
		"tenant": "$request.header.X-Tenant",
		"user":   "$context.authorizer.principalId",
		"plan":   "$context.authorizer.plan",
		"ip":     "$context.identity.sourceIp",
		"app":    "chat",
		"absent": "$request.querystring.nothere",
		"bad":    "$request.body.x", // refused by the config check; skipped here
	})}
	r := httptest.NewRequest("GET", "/local?room=a&room=b", nil)
	r.Header.Set("X-Tenant", "acme")
	c := &event.Conn{Identity: event.Identity{SourceIP: "10.0.0.7"},
		Authorizer: map[string]any{"principalId": "u-1", "plan": 3}}
	got := d.handshakeTags(r, c)
	want := map[string]string{"room": "b", "tenant": "acme", "user": "u-1", "plan": "3", "ip": "10.0.0.7", "app": "chat"}
	if len(got) != len(want) {
		t.Fatalf("tags = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if (&deployed{}).handshakeTags(r, c) != nil {
		t.Error("no rules should give no tags")
	}
}

// TestMergeTagsLimits: tags over the limits are refused whole, and the old map is untouched.
func TestMergeTagsLimits(t *testing.T) {
	old := map[string]string{"a": "1"}
	if _, err := mergeTags(old, map[string]string{"": "x"}); err == nil {
		t.Error("empty key accepted")
	}
	many := map[string]string{}
	for i := 0; i < 50; i++ {
		many[fmt.Sprint("k", i)] = "v"
	}
	if _, err := mergeTags(old, many); err == nil {
		t.Error("51 tags accepted")
	}
	m, err := mergeTags(old, map[string]string{"b": "2", "a": "3"})
	if err != nil || m["a"] != "3" || m["b"] != "2" || old["a"] != "1" || len(old) != 1 {
		t.Errorf("merge = %v, %v; old = %v", m, err, old)
	}
}

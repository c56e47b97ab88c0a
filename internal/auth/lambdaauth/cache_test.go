package lambdaauth

import (
	"context"
	"testing"
	"time"
)

func TestResultsCache(t *testing.T) {
	inv := goHandler(tokenAuthorizer)
	a := newAuthorizer(t, Options{Invoke: inv.Invoke, IdentitySource: []string{"route.request.header.Authorization"}, ResultsCacheTTL: time.Minute})
	try := func(token string, now time.Time) (map[string]any, error) {
		g, err := a.AuthorizeConnect(context.Background(), connect(map[string]string{"Authorization": token}, nil, now))
		if err != nil {
			return nil, err
		}
		return g.Authorizer, nil
	}

	first, err := try("allow", t0)
	if err != nil || inv.calls.Load() != 1 || first["integrationLatency"] != int64(42) {
		t.Fatalf("miss: %v %v calls=%d", first, err, inv.calls.Load())
	}
	hit, err := try("allow", t0.Add(59*time.Second))
	if err != nil || inv.calls.Load() != 1 {
		t.Fatalf("hit: %v calls=%d", err, inv.calls.Load())
	}
	if hit["principalId"] != "user-allow" || hit["integrationLatency"] != int64(0) {
		t.Fatalf("cached authorizer = %v", hit)
	}
	if _, err := try("allow2", t0.Add(59*time.Second)); err != nil || inv.calls.Load() != 2 {
		t.Fatalf("other identity: %v calls=%d", err, inv.calls.Load())
	}
	if _, err := try("allow", t0.Add(time.Minute)); err != nil || inv.calls.Load() != 3 {
		t.Fatalf("expired entry: %v calls=%d", err, inv.calls.Load())
	}

	// A Deny is cached too; an Unauthorized answer is not.
	for i := 0; i < 2; i++ {
		_, err := try("deny", t0)
		wantStatus(t, err, 403, ErrDenied)
	}
	if inv.calls.Load() != 4 {
		t.Fatalf("deny not cached: calls=%d", inv.calls.Load())
	}
	for i := 0; i < 2; i++ {
		_, err := try("unauthorized", t0)
		wantStatus(t, err, 401, ErrRejected)
	}
	if inv.calls.Load() != 6 {
		t.Fatalf("Unauthorized cached: calls=%d", inv.calls.Load())
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newCache(time.Minute, 2)
	r := &Result{PrincipalID: "p"}
	c.put("a", r, t0)
	c.put("b", r, t0)
	if _, ok := c.get("a", t0); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put("c", r, t0)
	if _, ok := c.get("b", t0); ok {
		t.Fatal("b should have been evicted")
	}
	if _, ok := c.get("a", t0); !ok {
		t.Fatal("a evicted instead of b")
	}
	if c.len() != 2 {
		t.Fatalf("len = %d", c.len())
	}
	c.put("a", &Result{PrincipalID: "q"}, t0)
	if got, _ := c.get("a", t0); got.PrincipalID != "q" {
		t.Fatal("put did not replace")
	}
	if _, ok := c.get("a", t0.Add(time.Minute)); ok || c.len() != 1 {
		t.Fatal("expired entry served or kept")
	}
}

func TestCacheKeyIsUnambiguous(t *testing.T) {
	if cacheKey([]string{"a:b", "c"}) == cacheKey([]string{"a", "b:c"}) || cacheKey([]string{"ab", ""}) == cacheKey([]string{"a", "b"}) {
		t.Fatal("different values share a key")
	}
}

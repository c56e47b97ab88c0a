package sigv4_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

// get sends a GET to a presigned URL.
func (s *server) get(t *testing.T, u string) (*sigv4.Result, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.send(t, req)
}

func TestPresignedConnectURL(t *testing.T) {
	now := t0
	s := newServer(t, newVerifier(t, nil), func() time.Time { return now })
	u := s.presigned(t, "/local?X-Amz-Expires=300&room=lobby", creds(akid, ""), region, t0)
	for _, param := range []string{"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Credential=", "X-Amz-Date=20240501T120000Z", "X-Amz-SignedHeaders=host", "X-Amz-Signature="} {
		if !strings.Contains(u, param) {
			t.Fatalf("presigned URL %s lacks %s", u, param)
		}
	}

	res, err := s.get(t, u)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !res.Presigned || res.AccessKeyID != akid {
		t.Fatalf("result = %+v", res)
	}

	now = t0.Add(299 * time.Second)
	if _, err := s.get(t, u); err != nil {
		t.Fatalf("within X-Amz-Expires: %v", err)
	}

	now = t0.Add(301 * time.Second)
	_, err = s.get(t, u)
	ae := wantCause(t, err, sigv4.ErrExpired, http.StatusForbidden)
	if ae.Message != "Signature expired: 20240501T120000Z is now earlier than 20240501T120001Z (20240501T120501Z - 5 min.)" {
		t.Fatalf("message = %q", ae.Message)
	}
}

func TestPresignedLongExpiry(t *testing.T) {
	now := t0.Add(30 * time.Minute)
	lenient := newServer(t, newVerifier(t, nil), func() time.Time { return now })
	strict := newServer(t, newVerifier(t, func(o *sigv4.Options) { o.StrictPresignWindow = true }), func() time.Time { return now })

	if _, err := lenient.get(t, lenient.presigned(t, "/local?X-Amz-Expires=3600", creds(akid, ""), region, t0)); err != nil {
		t.Fatalf("an hour-long presign 30 minutes later: %v", err)
	}
	_, err := strict.get(t, strict.presigned(t, "/local?X-Amz-Expires=3600", creds(akid, ""), region, t0))
	wantCause(t, err, sigv4.ErrExpired, http.StatusForbidden)
}

func TestPresignedWithoutExpiresUsesSkewWindow(t *testing.T) {
	now := t0.Add(4 * time.Minute)
	s := newServer(t, newVerifier(t, nil), func() time.Time { return now })
	u := s.presigned(t, "/local", creds(akid, ""), region, t0)
	if _, err := s.get(t, u); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(6 * time.Minute)
	_, err := s.get(t, u)
	wantCause(t, err, sigv4.ErrExpired, http.StatusForbidden)
}

func TestPresignedFuture(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	_, err := s.get(t, s.presigned(t, "/local?X-Amz-Expires=3600", creds(akid, ""), region, t0.Add(6*time.Minute)))
	wantCause(t, err, sigv4.ErrNotYetValid, http.StatusForbidden)
}

func TestPresignedSessionToken(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	u := s.presigned(t, "/local?X-Amz-Expires=60", creds(tokenAKID, token), region, t0)
	if !strings.Contains(u, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL lacks the token: %s", u)
	}
	if _, err := s.get(t, u); err != nil {
		t.Fatal(err)
	}
	stripped := removeParam(t, u, "X-Amz-Security-Token")
	_, err := s.get(t, stripped)
	wantCause(t, err, sigv4.ErrInvalidSecurityToken, http.StatusForbidden)
}

func TestPresignedFailures(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	good := s.presigned(t, "/local?X-Amz-Expires=300&room=lobby", creds(akid, ""), region, t0)

	t.Run("tampered parameter", func(t *testing.T) {
		_, err := s.get(t, strings.Replace(good, "room=lobby", "room=admin", 1))
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("tampered path", func(t *testing.T) {
		_, err := s.get(t, strings.Replace(good, "/local?", "/other?", 1))
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("tampered expiry", func(t *testing.T) {
		_, err := s.get(t, strings.Replace(good, "X-Amz-Expires=300", "X-Amz-Expires=600", 1))
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("duplicate signature", func(t *testing.T) {
		_, err := s.get(t, good+"&X-Amz-Signature=00")
		ae := wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
		if !strings.Contains(ae.Message, "'X-Amz-Signature'") {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("duplicate credential", func(t *testing.T) {
		_, err := s.get(t, good+"&X-Amz-Credential=x")
		wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
	})
	t.Run("duplicate non-auth parameter is signed, not rejected", func(t *testing.T) {
		u := s.presigned(t, "/local?room=b&room=a", creds(akid, ""), region, t0)
		if _, err := s.get(t, u); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing parameter", func(t *testing.T) {
		_, err := s.get(t, removeParam(t, good, "X-Amz-SignedHeaders"))
		ae := wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
		if !strings.HasPrefix(ae.Message, "AWS query-string parameters must include") {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("other algorithm", func(t *testing.T) {
		_, err := s.get(t, strings.Replace(good, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1))
		wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
	})
	t.Run("expiry over a week", func(t *testing.T) {
		_, err := s.get(t, s.presigned(t, "/local?X-Amz-Expires=604801", creds(akid, ""), region, t0))
		wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
	})
	t.Run("expiry not a number", func(t *testing.T) {
		_, err := s.get(t, s.presigned(t, "/local?X-Amz-Expires=soon", creds(akid, ""), region, t0))
		wantCause(t, err, sigv4.ErrIncompleteSignature, http.StatusForbidden)
	})
	t.Run("wrong region", func(t *testing.T) {
		_, err := s.get(t, s.presigned(t, "/local", creds(akid, ""), "ap-south-1", t0))
		wantCause(t, err, sigv4.ErrInvalidScope, http.StatusForbidden)
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := s.get(t, s.presigned(t, "/local", creds("AKIANOTKNOWN00000000", ""), region, t0))
		wantCause(t, err, sigv4.ErrUnknownAccessKey, http.StatusForbidden)
	})
	t.Run("huge query", func(t *testing.T) {
		_, err := s.get(t, good+"&pad="+strings.Repeat("x", 20000))
		wantCause(t, err, sigv4.ErrTooLarge, http.StatusRequestHeaderFieldsTooLarge)
	})
}

// TestPresignedUnsignedPayload accepts a presigned GET signed with UNSIGNED-PAYLOAD, as some
// browser signers produce.
func TestPresignedUnsignedPayload(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/local", nil)
	u, _, err := v4NewSigner().PresignHTTP(ctx(), creds(akid, ""), req, "UNSIGNED-PAYLOAD", sigv4.Service, region, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.get(t, u); err != nil {
		t.Fatal(err)
	}
}

func removeParam(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		if !strings.HasPrefix(part, name+"=") {
			kept = append(kept, part)
		}
	}
	u.RawQuery = strings.Join(kept, "&")
	return u.String()
}

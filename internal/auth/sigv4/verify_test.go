package sigv4_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

func TestHeaderSignedRequests(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	tests := []struct {
		name, method, path string
		body               []byte
	}{
		{"GET with query", http.MethodGet, "/local?b=2&a=1&a=0&sp%20ace=x+y&empty=&%E2%9C%93=%2F", nil},
		{"POST with body", http.MethodPost, "/local/%40connections/abc%3D", []byte(`{"hello":"world"}`)},
		{"DELETE escaped path", http.MethodDelete, "/local/%40connections/BFHPhfCWIAMCKlQ%3D", nil},
		{"path with reserved characters", http.MethodGet, "/a%2Fb/c$d/e:f/~g", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.send(t, s.signed(t, tc.method, tc.path, tc.body, creds(akid, ""), region, sigv4.Service, t0.Add(-time.Minute)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.AccessKeyID != akid || res.Presigned || !res.SignedAt.Equal(t0.Add(-time.Minute)) {
				t.Fatalf("result = %+v", res)
			}
		})
	}
}

func TestHeaderSignedWithSessionToken(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	if _, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(tokenAKID, token), region, sigv4.Service, t0)); err != nil {
		t.Fatalf("correct token: %v", err)
	}
	cases := map[string]struct{ id, tok string }{
		"token required but absent":    {tokenAKID, ""},
		"token mismatch":               {tokenAKID, token + "x"},
		"token sent for a key without": {akid, token},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(c.id, c.tok), region, sigv4.Service, t0))
			ae := wantCause(t, err, sigv4.ErrInvalidSecurityToken, http.StatusForbidden)
			if ae.Message != "The security token included in the request is invalid." || ae.Type != "UnrecognizedClientException" {
				t.Fatalf("answer = %q %q", ae.Type, ae.Message)
			}
		})
	}
}

func TestHeaderSignedFailures(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	wrongSecret := creds(akid, "")
	wrongSecret.SecretAccessKey = "not-the-secret"

	t.Run("tampered signature", func(t *testing.T) {
		req := s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), region, sigv4.Service, t0)
		h := req.Header.Get("Authorization")
		last := h[len(h)-1]
		repl := byte('0')
		if last == '0' {
			repl = '1'
		}
		req.Header.Set("Authorization", h[:len(h)-1]+string(repl))
		_, err := s.send(t, req)
		ae := wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
		if !strings.HasPrefix(ae.Message, "The request signature we calculated does not match the signature you provided.") ||
			!strings.Contains(ae.Message, "The Canonical String for this request should have been\n'GET\n/local\n") ||
			!strings.Contains(ae.Message, "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/us-east-1/execute-api/aws4_request\n") {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("tampered query after signing", func(t *testing.T) {
		req := s.signed(t, http.MethodGet, "/local?a=1", nil, creds(akid, ""), region, sigv4.Service, t0)
		req.URL.RawQuery = "a=2"
		_, err := s.send(t, req)
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("tampered signed header", func(t *testing.T) {
		req := s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), region, sigv4.Service, t0)
		req.Host = "evil.example"
		_, err := s.send(t, req)
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("body changed after signing", func(t *testing.T) {
		signedReq := s.signed(t, http.MethodPost, "/local/%40connections/a", []byte("one"), creds(akid, ""), region, sigv4.Service, t0)
		req, _ := http.NewRequest(http.MethodPost, signedReq.URL.String(), strings.NewReader("two"))
		req.Header = signedReq.Header
		_, err := s.send(t, req)
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, wrongSecret, region, sigv4.Service, t0))
		wantCause(t, err, sigv4.ErrSignatureMismatch, http.StatusForbidden)
	})
	t.Run("unknown key", func(t *testing.T) {
		_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds("AKIAUNKNOWN000000000", ""), region, sigv4.Service, t0))
		ae := wantCause(t, err, sigv4.ErrUnknownAccessKey, http.StatusForbidden)
		if ae.Message != "The security token included in the request is invalid." {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("wrong region", func(t *testing.T) {
		_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), "eu-west-1", sigv4.Service, t0))
		ae := wantCause(t, err, sigv4.ErrInvalidScope, http.StatusForbidden)
		if ae.Message != "Credential should be scoped to a valid region, not 'eu-west-1'. " || ae.Type != "InvalidSignatureException" {
			t.Fatalf("answer = %q %q", ae.Type, ae.Message)
		}
	})
	t.Run("wrong service", func(t *testing.T) {
		_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), region, "apigateway", t0))
		ae := wantCause(t, err, sigv4.ErrInvalidScope, http.StatusForbidden)
		if ae.Message != "Credential should be scoped to correct service: 'execute-api'. " {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("wrong region and service", func(t *testing.T) {
		_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), "eu-west-1", "s3", t0))
		ae := wantCause(t, err, sigv4.ErrInvalidScope, http.StatusForbidden)
		if ae.Message != "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'execute-api'. " {
			t.Fatalf("message = %q", ae.Message)
		}
	})
	t.Run("missing authentication", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/local?token=abc", nil)
		_, err := s.send(t, req)
		ae := wantCause(t, err, sigv4.ErrMissingAuthentication, http.StatusForbidden)
		if ae.Message != "Missing Authentication Token" || ae.Type != "MissingAuthenticationTokenException" {
			t.Fatalf("answer = %q %q", ae.Type, ae.Message)
		}
		var api *apigw.Error
		if !errorsAs(err, &api) || api.Status != 403 || api.Message != "Missing Authentication Token" {
			t.Fatalf("apigw view = %+v", api)
		}
	})
}

func TestClockSkew(t *testing.T) {
	v := newVerifier(t, nil)
	tests := []struct {
		name     string
		signedAt time.Time
		cause    error
		message  string
	}{
		{"4 minutes old", t0.Add(-4 * time.Minute), nil, ""},
		{"4 minutes ahead", t0.Add(4 * time.Minute), nil, ""},
		{"exactly 5 minutes old", t0.Add(-5 * time.Minute), nil, ""},
		{"6 minutes old", t0.Add(-6 * time.Minute), sigv4.ErrExpired,
			"Signature expired: 20240501T115400Z is now earlier than 20240501T115500Z (20240501T120000Z - 5 min.)"},
		{"6 minutes ahead", t0.Add(6 * time.Minute), sigv4.ErrNotYetValid,
			"Signature not yet current: 20240501T120600Z is still later than 20240501T120500Z (20240501T120000Z + 5 min.)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, v, fixed(t0))
			_, err := s.send(t, s.signed(t, http.MethodGet, "/local", nil, creds(akid, ""), region, sigv4.Service, tc.signedAt))
			if tc.cause == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			ae := wantCause(t, err, tc.cause, http.StatusForbidden)
			if ae.Message != tc.message {
				t.Fatalf("message = %q, want %q", ae.Message, tc.message)
			}
		})
	}
}

func TestMalformedAuthorizationHeader(t *testing.T) {
	s := newServer(t, newVerifier(t, nil), fixed(t0))
	const date = "20240501T120000Z"
	good := "AWS4-HMAC-SHA256 Credential=" + akid + "/20240501/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd"
	tests := []struct {
		name, header, amzDate string
		cause                 error
		status                int
		message               string
	}{
		{"bearer token", "Bearer abc.def", date, sigv4.ErrIncompleteSignature, 403,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc.def"},
		{"no date header", good, "", sigv4.ErrIncompleteSignature, 403,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + good},
		{"missing equal sign", "AWS4-HMAC-SHA256 Credential " + akid, date, sigv4.ErrIncompleteSignature, 403,
			"'Credential " + akid + "' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential " + akid + "'."},
		{"only algorithm", "AWS4-HMAC-SHA256", date, sigv4.ErrIncompleteSignature, 403, ""},
		{"credential with three parts", "AWS4-HMAC-SHA256 Credential=" + akid + "/20240501/us-east-1, SignedHeaders=host, Signature=ab", date, sigv4.ErrIncompleteSignature, 403, ""},
		{"repeated parameter", good + ", Signature=ef", date, sigv4.ErrIncompleteSignature, 403, ""},
		{"host not signed", strings.Replace(good, "host;", "", 1), date, sigv4.ErrIncompleteSignature, 403,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"empty signed header name", strings.Replace(good, "host;", "host;;", 1), date, sigv4.ErrIncompleteSignature, 403, ""},
		{"bad date", good, "2024-05-01T12:00:00Z", sigv4.ErrIncompleteSignature, 403,
			"Date must be in ISO-8601 'basic format'. Got '2024-05-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"scope date differs from X-Amz-Date", good, "20240502T120000Z", sigv4.ErrInvalidScope, 403, ""},
		{"huge header", good + strings.Repeat("x", 20000), date, sigv4.ErrTooLarge, 431, ""},
		{"signature garbage", strings.Replace(good, "Signature=abcd", "Signature=zz!!~", 1), date, sigv4.ErrSignatureMismatch, 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/local", nil)
			req.Header.Set("Authorization", tc.header)
			if tc.amzDate != "" {
				req.Header.Set("X-Amz-Date", tc.amzDate)
			}
			_, err := s.send(t, req)
			ae := wantCause(t, err, tc.cause, tc.status)
			if tc.message != "" && ae.Message != tc.message {
				t.Fatalf("message = %q\nwant      %q", ae.Message, tc.message)
			}
		})
	}
}

func TestScopeDateMismatch(t *testing.T) {
	v := newVerifier(t, nil)
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/local", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/20240430/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd")
	req.Header.Set("X-Amz-Date", "20240501T000100Z")
	_, err := v.Verify(req, nil, time.Date(2024, 5, 1, 0, 2, 0, 0, time.UTC))
	ae := wantCause(t, err, sigv4.ErrInvalidScope, 403)
	if !strings.Contains(ae.Message, "'20240430' != '20240501'") {
		t.Fatalf("message = %q", ae.Message)
	}
}

func TestRepeatedAuthenticationHeaders(t *testing.T) {
	v := newVerifier(t, nil)
	for _, name := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://example.com/local", nil)
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+akid+"/20240501/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd")
			req.Header.Set("X-Amz-Date", "20240501T120000Z")
			req.Header.Add(name, "one")
			req.Header.Add(name, "two")
			_, err := v.Verify(req, nil, t0)
			ae := wantCause(t, err, sigv4.ErrIncompleteSignature, 403)
			if !strings.Contains(ae.Message, "more than one '"+name+"' header") {
				t.Fatalf("message = %q", ae.Message)
			}
		})
	}
}

func TestPayloadHashHeader(t *testing.T) {
	v := newVerifier(t, nil)
	s := newServer(t, v, fixed(t0))
	body := []byte("data")

	t.Run("matching declared hash", func(t *testing.T) {
		req := s.signedWithContentHash(t, body, payloadHash(body))
		if _, err := s.send(t, req); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UNSIGNED-PAYLOAD", func(t *testing.T) {
		req := s.signedWithContentHash(t, body, "UNSIGNED-PAYLOAD")
		if _, err := s.send(t, req); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("declared hash of another body", func(t *testing.T) {
		req := s.signedWithContentHash(t, body, payloadHash([]byte("other")))
		_, err := s.send(t, req)
		wantCause(t, err, sigv4.ErrPayloadHashMismatch, 403)
	})
}

func TestMalformedQuery(t *testing.T) {
	v := newVerifier(t, nil)
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/local", nil)
	req.URL.RawQuery = "a=%zz"
	_, err := v.Verify(req, nil, t0)
	wantCause(t, err, sigv4.ErrMalformedQuery, 400)
}

func TestNewRequiresRegionAndLookup(t *testing.T) {
	if _, err := sigv4.New(sigv4.Options{Lookup: keys()}); err == nil {
		t.Error("New without Region succeeded")
	}
	if _, err := sigv4.New(sigv4.Options{Region: region}); err == nil {
		t.Error("New without Lookup succeeded")
	}
}

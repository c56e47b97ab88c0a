package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

const (
	region    = "us-east-1"
	akid      = "AKIAIOSFODNN7EXAMPLE"
	secret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tokenAKID = "ASIAIOSFODNN7EXAMPLE"
	token     = "IQoJb3JpZ2luX2VjEJ//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="
)

// t0 is the fixed "now" of most tests.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func keys() sigv4.KeyLookup {
	m := map[string]sigv4.Key{
		akid:      {SecretAccessKey: secret},
		tokenAKID: {SecretAccessKey: secret, SessionToken: token},
	}
	return func(id string) (sigv4.Key, bool) {
		k, ok := m[id]
		return k, ok
	}
}

func newVerifier(t *testing.T, mod func(*sigv4.Options)) *sigv4.Verifier {
	t.Helper()
	opts := sigv4.Options{Region: region, Lookup: keys()}
	if mod != nil {
		mod(&opts)
	}
	v, err := sigv4.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func creds(id, tok string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: tok}
}

func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// server is an httptest server whose handler verifies every request with v at the time now()
// and records the outcome, so the verifier sees requests exactly as net/http delivers them.
type server struct {
	*httptest.Server
	mu         sync.Mutex
	result     *sigv4.Result
	err        error
	requestURI string
}

func newServer(t *testing.T, v *sigv4.Verifier, now func() time.Time) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		res, err := v.Verify(r, body, now())
		s.mu.Lock()
		s.result, s.err, s.requestURI = res, err, r.RequestURI
		s.mu.Unlock()
		var ae *auth.Error
		if errors.As(err, &ae) {
			w.Header().Set("x-amzn-ErrorType", ae.Type)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(ae.Status)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": ae.Message})
			return
		}
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"connectedAt":"2024-05-01T12:00:00Z","identity":{"sourceIp":"127.0.0.1","userAgent":"test"},"lastActiveAt":"2024-05-01T12:00:00Z"}`)
			return
		}
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// outcome returns what the handler saw for the last request.
func (s *server) outcome() (*sigv4.Result, error, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.result, s.err, s.requestURI
}

// send performs req against the server and returns the verification outcome.
func (s *server) send(t *testing.T, req *http.Request) (*sigv4.Result, error) {
	t.Helper()
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res, verr, _ := s.outcome()
	return res, verr
}

// signed builds a request to the server signed in the Authorization header at signTime.
func (s *server) signed(t *testing.T, method, pathAndQuery string, body []byte, c aws.Credentials, signRegion, service string, signTime time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, payloadHash(body), service, signRegion, signTime); err != nil {
		t.Fatal(err)
	}
	return req
}

// presigned builds a presigned GET URL to the server, as a browser client would get it.
func (s *server) presigned(t *testing.T, pathAndQuery string, c aws.Credentials, signRegion string, signTime time.Time) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	url, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, payloadHash(nil), sigv4.Service, signRegion, signTime)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// wantCause fails unless err is an *auth.Error with the given cause and status.
func wantCause(t *testing.T, err, cause error, status int) *auth.Error {
	t.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want an *auth.Error caused by %v", err, cause)
	}
	if !errors.Is(err, cause) {
		t.Fatalf("error = %v, want cause %v", err, cause)
	}
	if ae.Status != status {
		t.Fatalf("status = %d, want %d (%v)", ae.Status, status, err)
	}
	return ae
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// signedWithContentHash signs a POST whose X-Amz-Content-Sha256 header declares hash.
func (s *server) signedWithContentHash(t *testing.T, body []byte, hash string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/local/%40connections/a", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds(akid, ""), req, hash, sigv4.Service, region, t0); err != nil {
		t.Fatal(err)
	}
	return req
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func v4NewSigner() *v4.Signer { return v4.NewSigner() }
func ctx() context.Context    { return context.Background() }

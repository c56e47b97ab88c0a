package iam

import (
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	apiID   = "abcdef1234"
	stage   = "local"
)

// testLogger sends the store's log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := NewStore(Options{Region: region, AccountID: account,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewStoreRequiresRegion(t *testing.T) {
	if _, err := NewStore(Options{}); err == nil {
		t.Fatal("NewStore without Region succeeded")
	}
}

func TestStorePrincipals(t *testing.T) {
	s := newStore(t)
	p := Principal{ARN: "arn:aws:iam::123456789012:user/alice", AccessKeyID: "AKIAALICE", SecretAccessKey: "s",
		Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{ActionInvoke}, Resource: []string{"*"}}}}
	if err := s.AddPrincipal(p); err != nil {
		t.Fatal(err)
	}
	p.Statements[0].Effect = policy.Deny // the store keeps its own copy
	got, ok := s.Lookup("AKIAALICE")
	if !ok || got.Name != "alice" || got.Statements[0].Effect != policy.Allow || got.UserID == "" {
		t.Fatalf("Lookup = %+v %v", got, ok)
	}
	if err := s.AddPrincipal(Principal{AccessKeyID: "X"}); err == nil {
		t.Fatal("invalid principal added")
	}

	if err := s.Grant("AKIAALICE", ManagementAPIStatement(region, account, apiID, stage)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Lookup("AKIAALICE"); len(got.Statements) != 2 {
		t.Fatalf("after Grant: %+v", got.Statements)
	}
	if err := s.Grant("AKIANOBODY", ManagementAPIStatement(region, account, apiID, stage)); !errors.Is(err, ErrUnknownPrincipal) {
		t.Fatalf("Grant to unknown = %v", err)
	}
	if err := s.Grant("AKIAALICE", policy.Statement{Effect: "Maybe"}); err == nil {
		t.Fatal("invalid statement granted")
	}

	if !s.RemovePrincipal("AKIAALICE") || s.RemovePrincipal("AKIAALICE") {
		t.Fatal("RemovePrincipal did not report correctly")
	}
	if _, ok := s.Lookup("AKIAALICE"); ok || s.Len() != 0 {
		t.Fatal("principal still present")
	}
}

func TestGenerateFunctionCredentials(t *testing.T) {
	s := newStore(t)
	a, err := s.GenerateFunctionCredentials("sendMessage", []policy.Statement{ManagementAPIStatement(region, account, apiID, stage)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.GenerateFunctionCredentials("sendMessage", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(a.AccessKeyID) || len(a.SecretAccessKey) != 40 || len(a.SessionToken) < 64 {
		t.Fatalf("credentials shape: %+v", a)
	}
	if a.AccessKeyID == b.AccessKeyID || a.SecretAccessKey == b.SecretAccessKey || a.SessionToken == b.SessionToken {
		t.Fatal("two generations share a value")
	}
	if a.ARN != "arn:aws:sts::123456789012:assumed-role/sendMessage-role/sendMessage" || a.Name != "sendMessage" {
		t.Fatalf("principal = %+v", a)
	}
	if got, ok := s.Lookup(a.AccessKeyID); !ok || len(got.Statements) != 1 {
		t.Fatalf("not stored: %+v", got)
	}
	for _, bad := range []string{"", "a/b", "a:b", strings.Repeat("x", 65)} {
		if _, err := s.GenerateFunctionCredentials(bad, nil); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
}

// TestStoreConcurrency authorizes while principals change; run with -race.
func TestStoreConcurrency(t *testing.T) {
	s := newStore(t)
	p, err := s.GenerateFunctionCredentials("fn", []policy.Statement{ManagementAPIStatement(region, account, apiID, stage)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	req := signedManagementRequest(t, p, now)
	resource := ManageConnectionsARN(region, account, apiID, stage, "POST", "abc=")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := s.AuthorizeRequest(req.Clone(req.Context()), nil, ActionManageConnections, resource, now); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				_ = s.Grant(p.AccessKeyID, policy.Statement{Effect: policy.Allow, Action: []string{"x:y"}, Resource: []string{"*"}})
				_, _ = s.GenerateFunctionCredentials("other", nil)
			}
		}()
	}
	wg.Wait()
}

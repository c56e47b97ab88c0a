package iam

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"sync"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
	"github.com/switchboardhq/switchboard/internal/auth/sigv4"
)

// Options configures a Store.
type Options struct {
	// Region is the API's region; signatures must be scoped to it. Required.
	Region string
	// AccountID is the account of the principals GenerateFunctionCredentials creates. Default
	// "000000000000", the config default.
	AccountID string
	// StrictPresignWindow makes presigned handshakes follow execute-api's observed 5-minute
	// window instead of X-Amz-Expires (see sigv4.Options). Default false.
	StrictPresignWindow bool
	// Logger receives a line per principal change and per denied request (debug level).
	// Default: discard.
	Logger *slog.Logger
}

// Store holds the principals of one API and authorizes requests against them. It is safe for
// concurrent use; changes take effect for the next request.
type Store struct {
	opts     Options
	log      *slog.Logger
	verifier *sigv4.Verifier

	mu    sync.RWMutex
	byKey map[string]Principal
}

var _ auth.ConnectAuthorizer = (*Store)(nil)

// NewStore returns an empty store.
func NewStore(opts Options) (*Store, error) {
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Store{opts: opts, log: opts.Logger, byKey: map[string]Principal{}}
	v, err := sigv4.New(sigv4.Options{Region: opts.Region, Lookup: s.key, StrictPresignWindow: opts.StrictPresignWindow})
	if err != nil {
		return nil, fmt.Errorf("iam store: %w", err)
	}
	s.verifier = v
	return s, nil
}

// key is the store's sigv4.KeyLookup.
func (s *Store) key(accessKeyID string) (sigv4.Key, bool) {
	p, ok := s.Lookup(accessKeyID)
	return sigv4.Key{SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken}, ok
}

// AddPrincipal adds p, replacing any principal with the same access key id.
func (s *Store) AddPrincipal(p Principal) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("add principal %q: %w", p.AccessKeyID, err)
	}
	p = p.withDefaults()
	s.mu.Lock()
	_, replaced := s.byKey[p.AccessKeyID]
	s.byKey[p.AccessKeyID] = p
	s.mu.Unlock()
	s.log.Debug("iam principal added", "name", p.Name, "arn", p.ARN, "accessKeyId", p.AccessKeyID, "replaced", replaced)
	return nil
}

// RemovePrincipal removes the principal with the access key id and reports whether there was
// one. Requests it signed fail from then on.
func (s *Store) RemovePrincipal(accessKeyID string) bool {
	s.mu.Lock()
	_, ok := s.byKey[accessKeyID]
	delete(s.byKey, accessKeyID)
	s.mu.Unlock()
	if ok {
		s.log.Info("iam principal removed", "accessKeyId", accessKeyID)
	}
	return ok
}

// ErrUnknownPrincipal is returned by Grant for an access key id the store does not hold.
var ErrUnknownPrincipal = errors.New("iam: no principal with that access key id")

// Grant appends statements to the policy of the principal with the access key id. With
// ManagementAPIStatement it is stage.grantManagementApiAccess.
func (s *Store) Grant(accessKeyID string, statements ...policy.Statement) error {
	for i, st := range statements {
		if err := st.Validate(); err != nil {
			return fmt.Errorf("grant to %q: statement %d: %w", accessKeyID, i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byKey[accessKeyID]
	if !ok {
		return fmt.Errorf("grant to %q: %w", accessKeyID, ErrUnknownPrincipal)
	}
	// A new slice: readers may hold the old one.
	p.Statements = append(slices.Clone(p.Statements), statements...)
	s.byKey[accessKeyID] = p
	return nil
}

// Lookup returns the principal with the access key id.
func (s *Store) Lookup(accessKeyID string) (Principal, bool) {
	s.mu.RLock()
	p, ok := s.byKey[accessKeyID]
	s.mu.RUnlock()
	return p, ok
}

// Find returns the principal that ref names: its access key id, its name or its ARN.
func (s *Store) Find(ref string) (Principal, bool) {
	if p, ok := s.Lookup(ref); ok {
		return p, true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.byKey {
		if p.Name == ref || p.ARN == ref {
			return p, true
		}
	}
	return Principal{}, false
}

// Len returns the number of principals.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byKey)
}

// functionName is what IAM allows in role and session names.
var functionName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)

// GenerateFunctionCredentials creates and adds temporary-style credentials for the function
// name, as Lambda gives a function its execution role's credentials: an "ASIA…" access key id,
// a secret and a session token (pass them as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN), for the principal
// arn:aws:sts::{account}:assumed-role/{name}-role/{name} with the given statements.
func (s *Store) GenerateFunctionCredentials(name string, statements []policy.Statement) (Principal, error) {
	if !functionName.MatchString(name) {
		return Principal{}, fmt.Errorf("function credentials: name %q must be 1-64 characters of A-Z a-z 0-9 + = , . @ _ -", name)
	}
	p := Principal{
		Name:            name,
		ARN:             "arn:aws:sts::" + s.opts.AccountID + ":assumed-role/" + name + "-role/" + name,
		AccessKeyID:     "ASIA" + rand.Text()[:16],
		SecretAccessKey: (rand.Text() + rand.Text())[:40],
		SessionToken:    rand.Text() + rand.Text() + rand.Text(),
		Statements:      statements,
	}
	if err := s.AddPrincipal(p); err != nil {
		return Principal{}, fmt.Errorf("function credentials: %w", err)
	}
	p, _ = s.Lookup(p.AccessKeyID)
	return p, nil
}

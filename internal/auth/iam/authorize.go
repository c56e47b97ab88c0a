package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// ErrAccessDenied is the cause of every policy denial; use errors.Is.
var ErrAccessDenied = errors.New("iam: access denied")

// AuthorizeRequest verifies r's SigV4 signature (body is the request body, nil for none) at
// time now and evaluates the signer's policy for action on resource. It returns the identity
// fields for events, or an *auth.Error: the sigv4 answers for bad signatures, and 403
// AccessDeniedException "User: {arn} is not authorized to perform: {action} on resource:
// {resource}" when the policy does not allow it [OBS aws-solutions/innovation-sandbox-on-aws#59
// for @connections], with " with an explicit deny" appended when a Deny matched [UNVERIFIED
// for execute-api; IAM's wording].
func (s *Store) AuthorizeRequest(r *http.Request, body []byte, action, resource string, now time.Time) (auth.Identity, error) {
	res, err := s.verifier.Verify(r, body, now)
	if err != nil {
		s.log.Debug("iam signature rejected", "action", action, "resource", resource, "err", err)
		return auth.Identity{}, err
	}
	// The principal may have been removed between verification and now; treat as unknown.
	p, ok := s.Lookup(res.AccessKeyID)
	if !ok {
		return auth.Identity{}, &auth.Error{Status: http.StatusForbidden, Type: "UnrecognizedClientException",
			Message: "The security token included in the request is invalid.", Err: ErrAccessDenied}
	}
	if err := s.decide(p, action, resource); err != nil {
		return auth.Identity{}, err
	}
	return p.Identity(), nil
}

// decide evaluates p's policy and returns the AccessDenied error for a denial.
func (s *Store) decide(p Principal, action, resource string) error {
	d := policy.Evaluate(p.Statements, action, resource)
	if d == policy.Allowed {
		return nil
	}
	msg := "User: " + p.ARN + " is not authorized to perform: " + action + " on resource: " + resource
	if d == policy.ExplicitDeny {
		msg += " with an explicit deny"
	}
	s.log.Debug("iam policy denied", "principal", p.Name, "action", action, "resource", resource, "decision", d.String())
	return &auth.Error{Status: http.StatusForbidden, Type: "AccessDeniedException", Message: msg, Err: ErrAccessDenied}
}

// AuthorizeConnect authorizes a $connect handshake (AuthorizationType AWS_IAM): the upgrade
// request must be signed, in headers or as a presigned URL, by a principal allowed
// execute-api:Invoke on req.MethodARN. The grant carries the IAM identity fields.
func (s *Store) AuthorizeConnect(ctx context.Context, req *auth.ConnectRequest) (*auth.Grant, error) {
	if req == nil || req.HTTP == nil {
		return nil, auth.AuthorizerFailure(errors.New("iam: connect request without the HTTP request"))
	}
	id, err := s.AuthorizeRequest(req.HTTP, nil, ActionInvoke, req.MethodARN, req.Now)
	if err != nil {
		return nil, err
	}
	return &auth.Grant{Identity: id}, nil
}

// Authorize evaluates the policy of the principal with the access key id for action on
// resource, without a request to verify: for a connection whose handshake was verified already.
// It returns nil when allowed, the AccessDenied error when not, and an error wrapping
// ErrUnknownPrincipal when the principal is gone.
func (s *Store) Authorize(accessKeyID, action, resource string) error {
	p, ok := s.Lookup(accessKeyID)
	if !ok {
		return fmt.Errorf("authorize %q: %w", accessKeyID, ErrUnknownPrincipal)
	}
	return s.decide(p, action, resource)
}

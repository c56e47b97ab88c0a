package iam

import (
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// Principal is an identity that can sign requests: an access key with its secret (and optional
// session token), the IAM user or role it belongs to, and the statements its policy holds.
type Principal struct {
	// Name labels the principal in logs and errors. Default: the last part of ARN.
	Name string
	// ARN is the user or role: arn:aws:iam::{account}:user/{name},
	// arn:aws:iam::{account}:role/{name}, arn:aws:sts::{account}:assumed-role/{role}/{session}
	// or arn:aws:iam::{account}:root. Required; it appears as userArn in events and in
	// AccessDenied messages.
	ARN string
	// UserID is the unique id AWS reports as caller and user. Default: derived from ARN in
	// AWS's shape ("AIDA…" for users, "AROA…:{session}" for assumed roles, the account id for
	// root) [UNVERIFIED shapes].
	UserID string
	// AccessKeyID identifies the key in signatures. Required.
	AccessKeyID string
	// SecretAccessKey signs. Required.
	SecretAccessKey string
	// SessionToken, when set, must accompany every request (X-Amz-Security-Token).
	SessionToken string
	// Statements is the principal's policy. No statements allow nothing.
	Statements []policy.Statement
}

// arn is a parsed principal ARN.
type arn struct {
	account  string
	resource string // "user/alice", "assumed-role/role/session", "root"
}

func parseARN(s string) (arn, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" {
		return arn{}, fmt.Errorf("arn %q is not an ARN (arn:aws:iam::123456789012:user/name)", s)
	}
	if parts[2] != "iam" && parts[2] != "sts" {
		return arn{}, fmt.Errorf("arn %q must be an iam or sts ARN", s)
	}
	if len(parts[4]) != 12 || strings.Trim(parts[4], "0123456789") != "" {
		return arn{}, fmt.Errorf("arn %q must name a 12-digit account id", s)
	}
	res := parts[5]
	kind, rest, _ := strings.Cut(res, "/")
	switch {
	case res == "root":
	case (kind == "user" || kind == "role") && rest != "":
	case kind == "assumed-role" && strings.Count(rest, "/") == 1 && !strings.HasPrefix(rest, "/") && !strings.HasSuffix(rest, "/"):
	default:
		return arn{}, fmt.Errorf("arn %q must end in user/{name}, role/{name}, assumed-role/{role}/{session} or root", s)
	}
	return arn{account: parts[4], resource: res}, nil
}

// Validate reports every problem with p at once.
func (p Principal) Validate() error {
	var errs []error
	if p.ARN == "" {
		errs = append(errs, errors.New("arn is required"))
	} else if _, err := parseARN(p.ARN); err != nil {
		errs = append(errs, err)
	}
	if p.AccessKeyID == "" {
		errs = append(errs, errors.New("accessKeyId is required"))
	} else if strings.ContainsAny(p.AccessKeyID, "/ \t\r\n") {
		errs = append(errs, errors.New("accessKeyId must not contain '/' or spaces"))
	}
	if p.SecretAccessKey == "" {
		errs = append(errs, errors.New("secretAccessKey is required"))
	}
	for i, s := range p.Statements {
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("statements[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// withDefaults fills Name and UserID from ARN and copies the statements, so later changes to
// the caller's slice do not reach the store. p must be valid.
func (p Principal) withDefaults() Principal {
	a, _ := parseARN(p.ARN)
	if p.Name == "" {
		p.Name = a.resource[strings.LastIndex(a.resource, "/")+1:]
	}
	if p.UserID == "" {
		p.UserID = derivedUserID(p.ARN, a)
	}
	p.Statements = slices.Clone(p.Statements)
	return p
}

// derivedUserID makes a stable AWS-shaped unique id from the ARN.
func derivedUserID(full string, a arn) string {
	sum := sha256.Sum256([]byte(full))
	id := base32.StdEncoding.EncodeToString(sum[:])[:17]
	kind, rest, _ := strings.Cut(a.resource, "/")
	switch kind {
	case "root":
		return a.account
	case "user":
		return "AIDA" + id
	case "assumed-role":
		_, session, _ := strings.Cut(rest, "/")
		return "AROA" + id + ":" + session
	default:
		return "AROA" + id
	}
}

// Identity returns the requestContext.identity fields AWS fills for a request p signed:
// accessKey, accountId, caller, user and userArn (reference §8).
func (p Principal) Identity() auth.Identity {
	a, err := parseARN(p.ARN)
	if err == nil && p.UserID == "" {
		p.UserID = derivedUserID(p.ARN, a)
	}
	return auth.Identity{AccessKey: p.AccessKeyID, AccountID: a.account, Caller: p.UserID, User: p.UserID, UserARN: p.ARN}
}

package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Effect is a statement's Effect.
type Effect string

// The two effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// MaxPatternLength bounds every Action and Resource pattern; longer ones are rejected when
// parsed, and Evaluate never matches them.
const MaxPatternLength = 2048

// Statement is one IAM-style statement. Action and Resource hold one or more patterns with the
// wildcards * and ?. Condition, Principal, NotAction and NotResource are not supported and are
// rejected by the parsers rather than ignored, so a policy never grants more than it says.
type Statement struct {
	Sid      string
	Effect   Effect
	Action   []string
	Resource []string
}

// Validate reports what is wrong with s: an Effect other than Allow or Deny, no Action or
// Resource, or an empty or overlong pattern.
func (s Statement) Validate() error {
	var errs []error
	if s.Effect != Allow && s.Effect != Deny {
		errs = append(errs, fmt.Errorf("Effect must be %q or %q, not %q", Allow, Deny, string(s.Effect)))
	}
	errs = append(errs, validatePatterns("Action", s.Action), validatePatterns("Resource", s.Resource))
	return errors.Join(errs...)
}

func validatePatterns(field string, patterns []string) error {
	if len(patterns) == 0 {
		return fmt.Errorf("%s is required", field)
	}
	for _, p := range patterns {
		if p == "" {
			return fmt.Errorf("%s has an empty entry", field)
		}
		if len(p) > MaxPatternLength {
			return fmt.Errorf("%s entry is longer than %d bytes", field, MaxPatternLength)
		}
	}
	return nil
}

// unsupportedKeys are IAM statement elements this evaluator does not implement.
var unsupportedKeys = []string{"Condition", "Principal", "NotPrincipal", "NotAction", "NotResource"}

// UnmarshalJSON reads a statement. Keys match case-insensitively (IAM JSON writes "Effect",
// SST writes "effect"); "Actions" and "Resources" are accepted for Action and Resource; each of
// Action and Resource is a string or an array of strings. Unsupported or unknown keys are errors.
func (s *Statement) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return errors.New("statement must be a JSON object")
	}
	var out Statement
	var errs []error
	for key, val := range raw {
		var err error
		switch strings.ToLower(key) {
		case "sid":
			err = json.Unmarshal(val, &out.Sid)
		case "effect":
			var e string
			if err = json.Unmarshal(val, &e); err == nil {
				out.Effect = normalizeEffect(e)
			}
		case "action", "actions":
			out.Action, err = stringOrList(val)
		case "resource", "resources":
			out.Resource, err = stringOrList(val)
		default:
			err = unknownKey(key)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*s = out
	return nil
}

func unknownKey(key string) error {
	for _, k := range unsupportedKeys {
		if strings.EqualFold(k, key) {
			return errors.New("not supported")
		}
	}
	return errors.New("unknown key")
}

// normalizeEffect accepts "allow"/"DENY" in any case [UNVERIFIED whether API Gateway does];
// anything else is kept as written so Validate reports it.
func normalizeEffect(e string) Effect {
	switch {
	case strings.EqualFold(e, string(Allow)):
		return Allow
	case strings.EqualFold(e, string(Deny)):
		return Deny
	}
	return Effect(e)
}

// stringOrList decodes a JSON string or array of strings.
func stringOrList(data []byte) ([]string, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var list []string
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, errors.New("must be a string or an array of strings")
		}
		return list, nil
	}
	var one string
	if err := json.Unmarshal(data, &one); err != nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	return []string{one}, nil
}

// ParseStatement parses one statement from JSON.
func ParseStatement(data []byte) (Statement, error) {
	var s Statement
	err := json.Unmarshal(data, &s)
	return s, err
}

// Document is an IAM policy document: {"Version": ..., "Statement": object or array}.
type Document struct {
	Version   string
	Statement []Statement
}

// ParseDocument parses a policy document such as the policyDocument of a Lambda authorizer
// result. Statement may be one object or an array; keys match case-insensitively; unknown keys
// are errors. A document without statements is valid and allows nothing.
func ParseDocument(data []byte) (*Document, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, errors.New("policy document must be a JSON object")
	}
	var doc Document
	var errs []error
	for key, val := range raw {
		switch strings.ToLower(key) {
		case "version":
			if err := json.Unmarshal(val, &doc.Version); err != nil {
				errs = append(errs, errors.New("Version must be a string"))
			}
		case "statement":
			list, err := statementList(val)
			if err != nil {
				errs = append(errs, err)
			}
			doc.Statement = list
		case "id":
			// An optional policy id; it has no effect on evaluation.
		default:
			errs = append(errs, fmt.Errorf("%s: unknown key", key))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	return &doc, nil
}

func statementList(data []byte) ([]Statement, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, errors.New("Statement must be an object or an array of objects")
		}
		list := make([]Statement, 0, len(raws))
		var errs []error
		for i, r := range raws {
			s, err := ParseStatement(r)
			if err != nil {
				errs = append(errs, fmt.Errorf("Statement[%d]: %w", i, err))
				continue
			}
			list = append(list, s)
		}
		return list, errors.Join(errs...)
	}
	s, err := ParseStatement(data)
	if err != nil {
		return nil, fmt.Errorf("Statement: %w", err)
	}
	return []Statement{s}, nil
}

package iam

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// LoadFile reads a credentials file (format in docs/auth.md) and adds its principals. It adds
// nothing unless the whole file is valid; the error lists every problem with file:line.
func (s *Store) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load credentials: %w", err)
	}
	principals, err := ParseCredentials(data, path)
	if err != nil {
		return fmt.Errorf("load credentials: %w", err)
	}
	for _, p := range principals {
		if err := s.AddPrincipal(p); err != nil {
			return fmt.Errorf("load credentials: %w", err)
		}
	}
	return nil
}

// ParseCredentials parses a credentials file:
//
//	principals:
//	  - name: backend                                 # optional
//	    arn: arn:aws:iam::123456789012:user/backend
//	    accessKeyId: AKIAEXAMPLEBACKEND01
//	    secretAccessKey: "…"
//	    sessionToken: "…"                             # optional
//	    userId: AIDAEXAMPLE                           # optional
//	    statements:                                   # and/or policy: {Version, Statement}
//	      - Effect: Allow
//	        Action: execute-api:ManageConnections
//	        Resource: arn:aws:execute-api:us-east-1:123456789012:*/local/*/@connections/*
//
// Statement keys follow IAM JSON (Effect, Action, Resource; a string or a list) and also accept
// SST's lower-case effect/actions/resources. filename prefixes error positions. Every problem
// is reported, each as "filename:line: path: message"; unknown keys are errors.
func ParseCredentials(data []byte, filename string) ([]Principal, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	fp := &fileParser{file: filename}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		fp.errorf(root, "", "the file must be a mapping with a principals key")
		return nil, fp.err()
	}
	var principals []Principal
	fp.mapping(root, "", func(key string, val *yaml.Node) {
		if key != "principals" {
			fp.errorf(val, key, "unknown key")
			return
		}
		if val.Kind != yaml.SequenceNode {
			fp.errorf(val, key, "must be a list of principals")
			return
		}
		for i, n := range val.Content {
			if p, ok := fp.principal(n, fmt.Sprintf("principals[%d]", i)); ok {
				principals = append(principals, p)
			}
		}
	})
	seen := map[string]bool{}
	for i, p := range principals {
		if seen[p.AccessKeyID] {
			fp.errs = append(fp.errs, fmt.Errorf("%s: principals[%d]: accessKeyId %q is used twice", filename, i, p.AccessKeyID))
		}
		seen[p.AccessKeyID] = true
	}
	if err := fp.err(); err != nil {
		return nil, err
	}
	return principals, nil
}

// fileParser collects positioned errors while walking the YAML tree.
type fileParser struct {
	file string
	errs []error
}

func (fp *fileParser) errorf(n *yaml.Node, path, format string, args ...any) {
	prefix := fmt.Sprintf("%s:%d: ", fp.file, n.Line)
	if path != "" {
		prefix += path + ": "
	}
	fp.errs = append(fp.errs, errors.New(prefix+fmt.Sprintf(format, args...)))
}

func (fp *fileParser) err() error { return errors.Join(fp.errs...) }

// mapping calls fn with each key of a mapping node and its value, reporting repeated keys.
func (fp *fileParser) mapping(n *yaml.Node, path string, fn func(key string, val *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		if seen[key] {
			fp.errorf(n.Content[i], join(path, key), "repeated key")
			continue
		}
		seen[key] = true
		fn(key, n.Content[i+1])
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (fp *fileParser) principal(n *yaml.Node, path string) (Principal, bool) {
	if n.Kind != yaml.MappingNode {
		fp.errorf(n, path, "must be a mapping")
		return Principal{}, false
	}
	before := len(fp.errs)
	var p Principal
	fields := map[string]*string{
		"name": &p.Name, "arn": &p.ARN, "userId": &p.UserID, "accessKeyId": &p.AccessKeyID,
		"secretAccessKey": &p.SecretAccessKey, "sessionToken": &p.SessionToken,
	}
	fp.mapping(n, path, func(key string, val *yaml.Node) {
		full := join(path, key)
		if dst, ok := fields[key]; ok {
			if val.Kind != yaml.ScalarNode {
				fp.errorf(val, full, "must be a string")
				return
			}
			*dst = val.Value
			return
		}
		switch key {
		case "statements":
			p.Statements = append(p.Statements, fp.statements(val, full)...)
		case "policy":
			p.Statements = append(p.Statements, fp.document(val, full)...)
		default:
			fp.errorf(val, full, "unknown key")
		}
	})
	if len(fp.errs) > before {
		return Principal{}, false
	}
	if err := p.Validate(); err != nil {
		fp.errorsAt(n, path, err)
		return Principal{}, false
	}
	return p, true
}

func (fp *fileParser) statements(n *yaml.Node, path string) []policy.Statement {
	if n.Kind != yaml.SequenceNode {
		fp.errorf(n, path, "must be a list of statements")
		return nil
	}
	var out []policy.Statement
	for i, sn := range n.Content {
		full := fmt.Sprintf("%s[%d]", path, i)
		data, ok := fp.asJSON(sn, full)
		if !ok {
			continue
		}
		s, err := policy.ParseStatement(data)
		if err != nil {
			fp.errorsAt(sn, full, err)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (fp *fileParser) document(n *yaml.Node, path string) []policy.Statement {
	data, ok := fp.asJSON(n, path)
	if !ok {
		return nil
	}
	doc, err := policy.ParseDocument(data)
	if err != nil {
		fp.errorsAt(n, path, err)
		return nil
	}
	return doc.Statement
}

// asJSON re-encodes a YAML subtree as JSON so the policy package's parser (shared with Lambda
// authorizer results) reads it.
func (fp *fileParser) asJSON(n *yaml.Node, path string) ([]byte, bool) {
	var v any
	if err := n.Decode(&v); err != nil {
		fp.errorf(n, path, "%v", err)
		return nil, false
	}
	data, err := json.Marshal(v)
	if err != nil {
		fp.errorf(n, path, "keys must be strings")
		return nil, false
	}
	return data, true
}

// errorsAt records err at n, one positioned line per problem when err joins several.
func (fp *fileParser) errorsAt(n *yaml.Node, path string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			fp.errorsAt(n, path, e)
		}
		return
	}
	fp.errorf(n, path, "%v", err)
}

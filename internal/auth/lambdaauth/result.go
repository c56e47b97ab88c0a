package lambdaauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// MaxResultBytes is the largest authorizer result API Gateway accepts: 8 KB, a fixed quota
// (reference §10). What AWS answers for a larger one is [UNVERIFIED]; like any unusable
// result it is a 500 here.
const MaxResultBytes = 8192

// ErrResultTooLarge and ErrMalformedResult are the causes of ParseResult's errors.
var (
	ErrResultTooLarge  = errors.New("lambdaauth: authorizer result over 8 KB")
	ErrMalformedResult = errors.New("lambdaauth: malformed authorizer result")
)

// Result is a parsed authorizer result (reference §7.4).
type Result struct {
	// PrincipalID is the result's principalId; required, a non-empty string.
	PrincipalID string
	// Policy is the policyDocument; required.
	Policy *policy.Document
	// Context holds the context values: strings, json.Number and bools, kept with their JSON
	// types. Nil when the result had none.
	Context map[string]any
	// UsageIdentifierKey is the optional API key the result names.
	UsageIdentifierKey string
}

// ParseResult checks an authorizer's JSON result: at most MaxResultBytes, an object with a
// string principalId, a valid policyDocument, and a context whose values are strings, numbers
// or booleans (objects, arrays and null are rejected, as API Gateway does). Other keys are
// ignored. Every error wraps ErrResultTooLarge or ErrMalformedResult.
func ParseResult(data []byte) (*Result, error) {
	if len(data) > MaxResultBytes {
		return nil, fmt.Errorf("%w (%d bytes)", ErrResultTooLarge, len(data))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformedResult)
	}
	var r Result
	if err := json.Unmarshal(raw["principalId"], &r.PrincipalID); err != nil || r.PrincipalID == "" {
		return nil, fmt.Errorf("%w: principalId must be a non-empty string", ErrMalformedResult)
	}
	doc, ok := raw["policyDocument"]
	if !ok {
		return nil, fmt.Errorf("%w: policyDocument is required", ErrMalformedResult)
	}
	p, err := policy.ParseDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedResult, err)
	}
	r.Policy = p
	if c, ok := raw["context"]; ok && !bytes.Equal(bytes.TrimSpace(c), []byte("null")) {
		if r.Context, err = parseContext(c); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedResult, err)
		}
	}
	if k, ok := raw["usageIdentifierKey"]; ok {
		if err := json.Unmarshal(k, &r.UsageIdentifierKey); err != nil {
			return nil, fmt.Errorf("%w: usageIdentifierKey must be a string", ErrMalformedResult)
		}
	}
	return &r, nil
}

func parseContext(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errors.New("context must be an object")
	}
	for k, v := range m {
		switch v.(type) {
		case string, json.Number, bool:
		default:
			return nil, fmt.Errorf("context value %q must be a string, number or boolean", k)
		}
	}
	return m, nil
}

// Evaluate decides the result's policy for execute-api:Invoke on methodARN.
func (r *Result) Evaluate(methodARN string) policy.Decision {
	return policy.Evaluate(r.Policy.Statement, "execute-api:Invoke", methodARN)
}

// Authorizer returns requestContext.authorizer for the connection's events: the context keys,
// principalId and integrationLatency (milliseconds) at the same level (reference §7.5).
// principalId and integrationLatency win over context keys of the same name. Context values
// keep their JSON types (numbers stay numbers, booleans stay booleans); whether AWS's proxy
// events stringify them is [UNVERIFIED], its mapping templates and access logs do.
func (r *Result) Authorizer(latency time.Duration) map[string]any {
	m := make(map[string]any, len(r.Context)+2)
	for k, v := range r.Context {
		m[k] = v
	}
	m["principalId"] = r.PrincipalID
	m["integrationLatency"] = latency.Milliseconds()
	return m
}

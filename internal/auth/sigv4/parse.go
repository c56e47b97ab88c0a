package sigv4

import (
	"errors"
	"fmt"
	"strings"
)

// Algorithm is the only signing algorithm API Gateway accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator ends every SigV4 credential scope.
const Terminator = "aws4_request"

// Credential is the parsed Credential parameter: AKID/YYYYMMDD/region/service/aws4_request.
type Credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string
}

// Scope returns the credential scope: date/region/service/terminator.
func (c Credential) Scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + c.Terminator
}

// ParseCredential splits a Credential value into its five slash-separated parts.
func ParseCredential(s string) (Credential, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] == "" {
		// [UNVERIFIED] S3's wording for a malformed credential.
		return Credential{}, errors.New("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}, nil
}

// Authorization is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…"
// header.
type Authorization struct {
	Credential    Credential
	SignedHeaders []string // as listed, lower-cased
	Signature     string
	// SignedHeadersRaw is the SignedHeaders value exactly as sent; it is part of the canonical
	// request.
	SignedHeadersRaw string
}

// ParseAuthorization parses an Authorization header value. hasDate reports whether the request
// carries an X-Amz-Date or Date header; AWS lists its absence among the header's problems. The
// errors use AWS's messages [OBS aws/chalice#828, aws-amplify/amplify-flutter#1539: "Authorization
// header requires 'Credential' parameter. … Authorization=<value>"; "'<part>' not a valid
// key=value pair (missing equal-sign) in Authorization header: '<value>'."].
func ParseAuthorization(header string, hasDate bool) (*Authorization, error) {
	algorithm, rest, _ := strings.Cut(strings.TrimLeft(header, " "), " ")
	params := map[string]string{}
	if algorithm == Algorithm {
		for _, part := range strings.Split(rest, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			key, value, ok := strings.Cut(part, "=")
			if !ok {
				return nil, fmt.Errorf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, header)
			}
			if _, dup := params[key]; dup {
				// [UNVERIFIED] our own: a repeated parameter is ambiguous.
				return nil, fmt.Errorf("Authorization header has a repeated '%s' parameter: '%s'.", key, header)
			}
			params[key] = value
		}
	}
	var missing strings.Builder
	for _, name := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[name] == "" {
			fmt.Fprintf(&missing, "Authorization header requires '%s' parameter. ", name)
		}
	}
	if !hasDate {
		missing.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if missing.Len() > 0 {
		return nil, fmt.Errorf("%sAuthorization=%s", missing.String(), header)
	}
	cred, err := ParseCredential(params["Credential"])
	if err != nil {
		return nil, err
	}
	signed, err := parseSignedHeaders(params["SignedHeaders"])
	if err != nil {
		return nil, err
	}
	return &Authorization{Credential: cred, SignedHeaders: signed, Signature: params["Signature"], SignedHeadersRaw: params["SignedHeaders"]}, nil
}

// parseSignedHeaders splits a SignedHeaders value and requires host among the names, as SigV4
// does [UNVERIFIED message: the wording AWS services use for it].
func parseSignedHeaders(s string) ([]string, error) {
	names := strings.Split(s, ";")
	hasHost := false
	for i, n := range names {
		if n == "" || strings.TrimSpace(n) != n {
			return nil, fmt.Errorf("SignedHeaders has an empty or padded header name: '%s'.", s)
		}
		names[i] = strings.ToLower(n)
		if names[i] == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return nil, errors.New("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return names, nil
}

package sigv4

import (
	"crypto/hmac"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Service is the signing name of API Gateway's data plane and management API.
const Service = "execute-api"

// Key is the secret side of an access key.
type Key struct {
	SecretAccessKey string
	// SessionToken, when set, must be sent as X-Amz-Security-Token (header or query); when
	// empty, a request that sends a token is rejected.
	SessionToken string
}

// KeyLookup finds the key for an access key id. It is called concurrently.
type KeyLookup func(accessKeyID string) (Key, bool)

// Options configures a Verifier.
type Options struct {
	// Region is the region credential scopes must name, the API's region. Required.
	Region string
	// Service is the service credential scopes must name. Default "execute-api".
	Service string
	// Lookup finds secrets by access key id. Required.
	Lookup KeyLookup
	// MaxSkew is how far the signing time may be from now, both ways, for header-signed
	// requests, and how far in the future for presigned ones. Default 5 minutes, AWS's window
	// [OBS "Signature expired: … (… - 5 min.)", mhart/aws4#118].
	MaxSkew time.Duration
	// MaxBytes bounds the authentication data: the raw query, the path, the Authorization
	// header and the values of all signed headers together. Default 16384. Over it Verify
	// fails with ErrTooLarge (431) before any parsing.
	MaxBytes int
	// StrictPresignWindow holds presigned requests to the same MaxSkew window as header-signed
	// ones and ignores X-Amz-Expires, which is what execute-api has been observed to do [OBS a
	// StackOverflow report, question 66961500: "Signature expired" after 5 minutes whatever
	// X-Amz-Expires said]. Default false: a presigned request is valid from X-Amz-Date until
	// X-Amz-Date + X-Amz-Expires (at most 7 days), the SigV4 rule browsers' signers expect.
	StrictPresignWindow bool
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	opts Options
}

// New checks opts and applies the defaults.
func New(opts Options) (*Verifier, error) {
	if opts.Region == "" {
		return nil, errors.New("sigv4: Options.Region is required")
	}
	if opts.Lookup == nil {
		return nil, errors.New("sigv4: Options.Lookup is required")
	}
	if opts.Service == "" {
		opts.Service = Service
	}
	if opts.MaxSkew <= 0 {
		opts.MaxSkew = 5 * time.Minute
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 16384
	}
	return &Verifier{opts: opts}, nil
}

// maxExpires is SigV4's limit on X-Amz-Expires: one week.
const maxExpires = 7 * 24 * time.Hour

// Result describes a request whose signature verified.
type Result struct {
	// AccessKeyID signed the request.
	AccessKeyID string
	// SignedAt is X-Amz-Date (or Date).
	SignedAt time.Time
	// Presigned is true for the query-string form.
	Presigned bool
	// SignedHeaders lists the headers the signature covers, lower-cased.
	SignedHeaders []string
}

// signed is what either form of a request states about its signature.
type signed struct {
	cred        Credential
	headers     []string
	headersRaw  string
	signature   string
	amzDate     string
	at          time.Time
	expires     time.Duration // presigned only; zero when absent
	hasExpires  bool
	token       string
	presigned   bool
	query       []queryParam
	payloadHash []string // candidates, tried in order
}

// Verify checks r's signature. body is the request body the caller has read (nil for none);
// it is hashed unless the signer declared UNSIGNED-PAYLOAD. now is the current time.
func (v *Verifier) Verify(r *http.Request, body []byte, now time.Time) (*Result, error) {
	if n := v.size(r); n > v.opts.MaxBytes {
		return nil, fail(ErrTooLarge, typeBadRequest, msgTooLarge)
	}
	query, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fail(ErrMalformedQuery, typeBadRequest, "Invalid query string: "+err.Error())
	}
	var s *signed
	switch {
	case len(r.Header.Values("Authorization")) > 0:
		s, err = v.fromHeader(r, query, body)
	case hasQueryAuth(query):
		s, err = v.fromQuery(query, body)
	default:
		return nil, fail(ErrMissingAuthentication, typeMissing, msgMissing)
	}
	if err != nil {
		return nil, err
	}
	if err := v.checkScope(s); err != nil {
		return nil, err
	}
	if err := v.checkTime(s, now); err != nil {
		return nil, err
	}
	key, ok := v.opts.Lookup(s.cred.AccessKeyID)
	if !ok {
		return nil, fail(ErrUnknownAccessKey, typeToken, msgInvalidToken)
	}
	if subtle.ConstantTimeCompare([]byte(key.SessionToken), []byte(s.token)) != 1 {
		return nil, fail(ErrInvalidSecurityToken, typeToken, msgInvalidToken)
	}
	if err := v.checkSignature(r, s, key); err != nil {
		return nil, err
	}
	return &Result{AccessKeyID: s.cred.AccessKeyID, SignedAt: s.at, Presigned: s.presigned, SignedHeaders: s.headers}, nil
}

// size is the number of bytes of authentication data Verify would look at.
func (v *Verifier) size(r *http.Request) int {
	n := len(r.URL.RawQuery) + len(r.RequestURI) + len(r.URL.Path) + len(r.Host)
	for name, values := range r.Header {
		if name == "Authorization" || strings.HasPrefix(name, "X-Amz-") {
			for _, val := range values {
				n += len(val)
			}
		}
	}
	return n
}

// hasQueryAuth reports whether the query carries presigned-request parameters.
func hasQueryAuth(query []queryParam) bool {
	for _, p := range query {
		switch p.key {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			return true
		}
	}
	return false
}

// single returns the only value of a header, or an error when it is repeated.
func single(r *http.Request, name string) (string, error) {
	values := r.Header.Values(name)
	switch len(values) {
	case 0:
		return "", nil
	case 1:
		return values[0], nil
	}
	// [UNVERIFIED] our own message: a repeated authentication header is ambiguous.
	return "", fail(ErrIncompleteSignature, typeIncomplete, fmt.Sprintf("The request has more than one '%s' header.", name))
}

func (v *Verifier) fromHeader(r *http.Request, query []queryParam, body []byte) (*signed, error) {
	header, err := single(r, "Authorization")
	if err != nil {
		return nil, err
	}
	amzDate, err := single(r, "X-Amz-Date")
	if err != nil {
		return nil, err
	}
	date, err := single(r, "Date")
	if err != nil {
		return nil, err
	}
	authz, err := ParseAuthorization(header, amzDate != "" || date != "")
	if err != nil {
		return nil, fail(ErrIncompleteSignature, typeIncomplete, err.Error())
	}
	s := &signed{cred: authz.Credential, headers: authz.SignedHeaders, headersRaw: authz.SignedHeadersRaw, signature: authz.Signature, query: query}
	if amzDate != "" {
		s.amzDate = amzDate
		if s.at, err = parseAmzDate(amzDate); err != nil {
			return nil, err
		}
	} else {
		t, perr := http.ParseTime(date)
		if perr != nil {
			// [UNVERIFIED] AWS's wording for an unreadable date.
			return nil, fail(ErrIncompleteSignature, typeIncomplete, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date))
		}
		s.at = t.UTC()
		s.amzDate = s.at.Format(timeFormat)
	}
	if s.token, err = single(r, "X-Amz-Security-Token"); err != nil {
		return nil, err
	}
	declared, err := single(r, "X-Amz-Content-Sha256")
	if err != nil {
		return nil, err
	}
	if s.payloadHash, err = payloadHashes(declared, body, false); err != nil {
		return nil, err
	}
	return s, nil
}

func (v *Verifier) fromQuery(query []queryParam, body []byte) (*signed, error) {
	got := map[string]string{}
	for _, p := range query {
		if !strings.HasPrefix(p.key, "X-Amz-") {
			continue
		}
		if _, dup := got[p.key]; dup {
			// [UNVERIFIED] our own message: a repeated authentication parameter is ambiguous.
			return nil, fail(ErrIncompleteSignature, typeIncomplete, fmt.Sprintf("The query string has more than one '%s' parameter.", p.key))
		}
		got[p.key] = p.value
	}
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if got[name] == "" {
			return nil, fail(ErrIncompleteSignature, typeIncomplete, msgQueryIncomplete)
		}
	}
	if got["X-Amz-Algorithm"] != Algorithm {
		// [UNVERIFIED] S3's wording.
		return nil, fail(ErrIncompleteSignature, typeIncomplete, "X-Amz-Algorithm only supports '"+Algorithm+"'")
	}
	cred, err := ParseCredential(got["X-Amz-Credential"])
	if err != nil {
		return nil, fail(ErrIncompleteSignature, typeIncomplete, err.Error())
	}
	headers, err := parseSignedHeaders(got["X-Amz-SignedHeaders"])
	if err != nil {
		return nil, fail(ErrIncompleteSignature, typeIncomplete, err.Error())
	}
	s := &signed{cred: cred, headers: headers, headersRaw: got["X-Amz-SignedHeaders"], signature: got["X-Amz-Signature"],
		amzDate: got["X-Amz-Date"], token: got["X-Amz-Security-Token"], presigned: true, query: query}
	if s.at, err = parseAmzDate(s.amzDate); err != nil {
		return nil, err
	}
	if raw, ok := got["X-Amz-Expires"]; ok {
		// [UNVERIFIED] S3's wording for both messages.
		secs, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, fail(ErrIncompleteSignature, typeIncomplete, "X-Amz-Expires should be a number")
		}
		if secs < 0 || time.Duration(secs)*time.Second > maxExpires {
			return nil, fail(ErrIncompleteSignature, typeIncomplete, "X-Amz-Expires must be non-negative and less than a week (in seconds) that is 604800")
		}
		s.expires, s.hasExpires = time.Duration(secs)*time.Second, true
	}
	if s.payloadHash, err = payloadHashes(got["X-Amz-Content-Sha256"], body, true); err != nil {
		return nil, err
	}
	return s, nil
}

func parseAmzDate(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		// [UNVERIFIED] AWS's wording for an unreadable X-Amz-Date.
		return time.Time{}, fail(ErrIncompleteSignature, typeIncomplete, fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", s))
	}
	return t, nil
}

// payloadHashes returns the payload hashes to try. A declared hash must be UNSIGNED-PAYLOAD or
// the body's SHA-256. With none declared the body's hash is used; a presigned request without a
// body may also have been signed with UNSIGNED-PAYLOAD, as some browser signers do
// [UNVERIFIED which one execute-api expects].
func payloadHashes(declared string, body []byte, presigned bool) ([]string, error) {
	actual := emptySHA256
	if len(body) > 0 {
		actual = hashHex(body)
	}
	switch {
	case declared == unsignedPayload:
		return []string{unsignedPayload}, nil
	case declared != "":
		if !strings.EqualFold(declared, actual) {
			return nil, fail(ErrPayloadHashMismatch, typeInvalid, msgPayloadHash)
		}
		return []string{declared}, nil
	case presigned && len(body) == 0:
		return []string{actual, unsignedPayload}, nil
	}
	return []string{actual}, nil
}

// checkScope compares the credential scope with the request, collecting every problem into one
// message as AWS does [OBS Kong/insomnia#830: "Credential should be scoped to a valid region,
// not 'us-east-1'. Credential should be scoped to correct service: 'execute-api'. "; the
// service message also in ex-aws/ex_aws#701 with x-amzn-ErrorType InvalidSignatureException].
func (v *Verifier) checkScope(s *signed) error {
	var msg strings.Builder
	if s.cred.Region != v.opts.Region {
		fmt.Fprintf(&msg, "Credential should be scoped to a valid region, not '%s'. ", s.cred.Region)
	}
	if s.cred.Service != v.opts.Service {
		fmt.Fprintf(&msg, "Credential should be scoped to correct service: '%s'. ", v.opts.Service)
	}
	if s.cred.Terminator != Terminator {
		// [UNVERIFIED] wording.
		fmt.Fprintf(&msg, "Credential should be scoped with a valid terminator: '%s', not '%s'. ", Terminator, s.cred.Terminator)
	}
	if day := s.at.Format("20060102"); s.cred.Date != day {
		// [UNVERIFIED] wording seen from other AWS services.
		fmt.Fprintf(&msg, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'. ", s.cred.Date, day, s.amzDate)
	}
	if msg.Len() > 0 {
		return fail(ErrInvalidScope, typeInvalid, msg.String())
	}
	return nil
}

// checkTime applies the validity window [OBS messages: "Signature expired: 20210330T175821Z is
// now earlier than 20210330T180403Z (20210330T180903Z - 5 min.)" (StackOverflow 66961500),
// "Signature not yet current: 20230804T000000Z is still later than 20230803T172233Z
// (20230803T171733Z + 5 min.)" (NickWaterton/Roomba980-Python#118)].
func (v *Verifier) checkTime(s *signed, now time.Time) error {
	now = now.UTC()
	skew := v.opts.MaxSkew
	if s.at.After(now.Add(skew)) {
		return fail(ErrNotYetValid, typeInvalid, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			s.amzDate, now.Add(skew).Format(timeFormat), now.Format(timeFormat), describe(skew)))
	}
	window := skew
	if s.presigned && s.hasExpires && !v.opts.StrictPresignWindow {
		window = s.expires
	}
	if s.at.Before(now.Add(-window)) {
		return fail(ErrExpired, typeInvalid, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			s.amzDate, now.Add(-window).Format(timeFormat), now.Format(timeFormat), describe(window)))
	}
	return nil
}

// describe renders a window the way AWS's messages do: "5 min" for whole minutes, else seconds.
func describe(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

func (v *Verifier) checkSignature(r *http.Request, s *signed, key Key) error {
	skip := ""
	if s.presigned {
		skip = "X-Amz-Signature"
	}
	uri := canonicalURI(receivedPath(r))
	query := canonicalQuery(s.query, skip)
	var first, firstSTS string
	for _, hash := range s.payloadHash {
		canonical := canonicalRequest(r.Method, uri, query, r, s.headers, s.headersRaw, hash)
		sts := stringToSign(s.amzDate, s.cred.Scope(), canonical)
		want := signature(key.SecretAccessKey, s.cred, sts)
		if hmac.Equal([]byte(want), []byte(s.signature)) {
			return nil
		}
		if first == "" {
			first, firstSTS = canonical, sts
		}
	}
	msg := msgMismatch + "\n\nThe Canonical String for this request should have been\n'" + first +
		"'\n\nThe String-to-Sign should have been\n'" + firstSTS + "'\n"
	return fail(ErrSignatureMismatch, typeInvalid, msg)
}

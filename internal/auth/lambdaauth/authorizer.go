package lambdaauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/internal/auth"
	"github.com/switchboardhq/switchboard/internal/auth/policy"
)

// InvokeFunc calls the authorizer function with the event JSON and returns its JSON result. A
// failed invocation returns an error; when the handler itself failed, the error should
// implement ErrorMessager so an "Unauthorized" answer is recognised.
type InvokeFunc func(ctx context.Context, event []byte) (result []byte, err error)

// ErrorMessager is implemented by invocation errors that carry the handler's errorMessage (the
// Lambda runtime API's error payload).
type ErrorMessager interface {
	ErrorMessage() string
}

// unauthorizedMessage is the error a handler raises to answer 401: callback("Unauthorized"),
// throw new Error("Unauthorized"), raise Exception("Unauthorized"), errors.New("Unauthorized").
const unauthorizedMessage = "Unauthorized"

// Causes of the authorizer's answers, for errors.Is (besides ErrResultTooLarge and
// ErrMalformedResult).
var (
	// ErrMissingIdentity: an identity source was absent or empty (401, function not invoked).
	ErrMissingIdentity = errors.New("lambdaauth: identity source missing")
	// ErrRejected: the function failed with "Unauthorized" (401).
	ErrRejected = errors.New("lambdaauth: authorizer answered Unauthorized")
	// ErrDenied: the policy denied the methodArn, explicitly or by not matching it (403).
	ErrDenied = errors.New("lambdaauth: policy denies the method")
	// ErrInvokeFailed: the function failed otherwise, timed out or could not be called (500).
	ErrInvokeFailed = errors.New("lambdaauth: authorizer invocation failed")
)

// Options configures an Authorizer.
type Options struct {
	// Invoke calls the authorizer function. Required.
	Invoke InvokeFunc
	// IdentitySource lists the request values that must be present before the function is
	// invoked, and that key the cache: route.request.header.{Name},
	// route.request.querystring.{Name}, stageVariables.{Name}, context.{path}. Default none
	// (the function is always invoked; the config layer applies CDK's default
	// route.request.header.Authorization).
	IdentitySource []string
	// ResultsCacheTTL caches each result, Allow or Deny, by the identity source values for this
	// long. Default 0: no cache, as AWS documents for WebSocket authorizers. Caching needs at
	// least one identity source.
	ResultsCacheTTL time.Duration
	// CacheSize bounds the cached results; the least recently used is evicted. Default 1024.
	CacheSize int
	// Clock measures integrationLatency. Default time.Now.
	Clock func() time.Time
	// Logger receives authorizer failures (warn) and decisions (debug). Default: discard.
	Logger *slog.Logger
}

// Authorizer runs a Lambda REQUEST authorizer on $connect. It is safe for concurrent use.
type Authorizer struct {
	invoke  InvokeFunc
	sources []source
	cache   *cache
	clock   func() time.Time
	log     *slog.Logger
}

var _ auth.ConnectAuthorizer = (*Authorizer)(nil)

// New checks opts and applies the defaults.
func New(opts Options) (*Authorizer, error) {
	if opts.Invoke == nil {
		return nil, errors.New("lambdaauth: Options.Invoke is required")
	}
	a := &Authorizer{invoke: opts.Invoke, clock: opts.Clock, log: opts.Logger}
	var errs []error
	for _, s := range opts.IdentitySource {
		src, err := parseSource(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.sources = append(a.sources, src)
	}
	if opts.ResultsCacheTTL < 0 {
		errs = append(errs, errors.New("ResultsCacheTTL must not be negative"))
	}
	if opts.ResultsCacheTTL > 0 && len(a.sources) == 0 {
		errs = append(errs, errors.New("ResultsCacheTTL needs at least one identity source to key the cache"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("lambdaauth: %w", err)
	}
	if opts.ResultsCacheTTL > 0 {
		size := opts.CacheSize
		if size <= 0 {
			size = 1024
		}
		a.cache = newCache(opts.ResultsCacheTTL, size)
	}
	if a.clock == nil {
		a.clock = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return a, nil
}

// AuthorizeConnect runs the authorizer for a handshake. The returned error is an *auth.Error
// with status 401, 403 or 500 and one of the package's Err values as cause.
func (a *Authorizer) AuthorizeConnect(ctx context.Context, req *auth.ConnectRequest) (*auth.Grant, error) {
	ev, err := BuildEvent(req)
	if err != nil {
		return nil, auth.AuthorizerFailure(err)
	}
	values, err := a.identityValues(ev)
	if err != nil {
		a.log.Debug("authorizer not invoked", "err", err)
		return nil, auth.Unauthorized(err)
	}

	var key string
	if a.cache != nil {
		key = cacheKey(values)
		if r, ok := a.cache.get(key, req.Now); ok {
			return a.decide(r, req.MethodARN, 0, true)
		}
	}

	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, auth.AuthorizerFailure(fmt.Errorf("encode authorizer event: %w", err))
	}
	start := a.clock()
	out, err := a.invoke(ctx, payload)
	latency := a.clock().Sub(start)
	if err != nil {
		if isUnauthorized(err) {
			a.log.Debug("authorizer answered Unauthorized")
			return nil, auth.Unauthorized(ErrRejected)
		}
		a.log.Warn("authorizer invocation failed", "err", err)
		return nil, auth.AuthorizerFailure(fmt.Errorf("%w: %w", ErrInvokeFailed, err))
	}
	r, err := ParseResult(out)
	if err != nil {
		a.log.Warn("authorizer returned an unusable result", "err", err)
		return nil, auth.AuthorizerFailure(err)
	}
	if a.cache != nil {
		a.cache.put(key, r, req.Now)
	}
	return a.decide(r, req.MethodARN, latency, false)
}

// identityValues returns the values of every identity source, or ErrMissingIdentity.
func (a *Authorizer) identityValues(ev *Event) ([]string, error) {
	if len(a.sources) == 0 {
		return nil, nil
	}
	var rc map[string]any
	values := make([]string, 0, len(a.sources))
	for _, s := range a.sources {
		if s.kind == fromContext && rc == nil {
			rc = requestContextMap(ev)
		}
		v, ok := s.value(ev, rc)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrMissingIdentity, s.raw)
		}
		values = append(values, v)
	}
	return values, nil
}

// requestContextMap renders the event's requestContext as a generic object for context.X
// identity sources.
func requestContextMap(ev *Event) map[string]any {
	data, err := json.Marshal(ev.RequestContext)
	if err != nil {
		return map[string]any{}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return map[string]any{}
	}
	return m
}

func (a *Authorizer) decide(r *Result, methodARN string, latency time.Duration, cached bool) (*auth.Grant, error) {
	d := r.Evaluate(methodARN)
	a.log.Debug("authorizer decision", "principalId", r.PrincipalID, "decision", d.String(), "cached", cached)
	if d != policy.Allowed {
		return nil, auth.Forbidden(fmt.Errorf("%w: %s for %s", ErrDenied, d, methodARN))
	}
	return &auth.Grant{Authorizer: r.Authorizer(latency)}, nil
}

// isUnauthorized reports whether an invocation error is the handler's "Unauthorized" answer:
// an ErrorMessager whose message is exactly "Unauthorized", or an error in the chain whose
// text is exactly that.
func isUnauthorized(err error) bool {
	var em ErrorMessager
	if errors.As(err, &em) && em.ErrorMessage() == unauthorizedMessage {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == unauthorizedMessage {
			return true
		}
	}
	return false
}

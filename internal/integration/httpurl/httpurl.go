// Package httpurl is the integration for routes whose target is an HTTP backend (`type: url`):
// every event is POSTed there as the Lambda proxy event JSON, and the backend answers with a
// Lambda proxy response JSON, exactly what a Lambda function would return.
//
// Use New with the backend's URL; the returned Invoker implements integration.Invoker,
// integration.Starter (Start reports an unusable URL before serving) and integration.Closer.
package httpurl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// MaxResponseBytes caps the response body Invoke reads: 6 MiB, Lambda's limit for the payload
// of a synchronous invocation. A longer body is a bad response.
const MaxResponseBytes = 6 << 20

// Invoker POSTs events to one backend URL. It is safe for concurrent use and keeps connections
// to the backend alive between calls.
type Invoker struct {
	url    string
	urlErr error // why url is unusable; returned by Start and every Invoke
	client *http.Client
	owned  bool // client was made by New; Close may close its idle connections
}

var (
	_ integration.Invoker    = (*Invoker)(nil)
	_ integration.Starter    = (*Invoker)(nil)
	_ integration.Closer     = (*Invoker)(nil)
	_ integration.RawInvoker = (*Invoker)(nil)
)

// New returns an Invoker for the absolute http or https URL rawURL. client is the HTTP client to
// use; nil (the usual choice) means a client of New's own whose transport keeps up to 64 idle
// connections to the backend (net/http's default keeps 2, too few for concurrent events) and
// has no overall timeout: each call is bounded by its ctx, the integration timeout. An unusable
// URL is reported by Start and by every Invoke.
func New(rawURL string, client *http.Client) *Invoker {
	inv := &Invoker{url: rawURL, client: client}
	inv.urlErr = checkURL(rawURL)
	if client == nil {
		inv.client, inv.owned = defaultClient(), true
	}
	return inv
}

func checkURL(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("httpurl: bad backend url %q: %w", rawURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("httpurl: backend url %q must be an absolute http:// or https:// URL", rawURL)
	}
	return nil
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}

// Start reports an unusable URL, so that a bad config fails at start-up.
func (i *Invoker) Start(context.Context) error {
	return i.urlErr
}

// Close releases the idle connections of the client New created; it does nothing to a client
// passed to New.
func (i *Invoker) Close() error {
	if i.owned {
		i.client.CloseIdleConnections()
	}
	return nil
}

// bufPool holds request-encoding buffers; buffers that grew past 64 KiB are dropped.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Invoke POSTs req as JSON (Content-Type application/json) and reads the backend's Lambda proxy
// response (see event.DecodeResponse). Errors name the URL. A connection failure, a non-2xx
// status (*StatusError) or a body that is not a proxy response (wrapping
// integration.ErrBadResponse) is an integration failure; when ctx ends first the error wraps
// ctx.Err(), context.DeadlineExceeded for the integration timeout.
func (i *Invoker) Invoke(ctx context.Context, req *event.Request) (resp *event.Response, err error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			bufPool.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // AWS sends "<", ">" and "&" as they are
	if err := enc.Encode(req); err != nil {
		return nil, fmt.Errorf("httpurl %s: encoding event: %w", i.url, err)
	}
	body, err := i.InvokeRaw(ctx, buf.Bytes())
	if err != nil {
		return nil, err
	}
	resp, err = event.DecodeResponse(body) // its errors wrap integration.ErrBadResponse
	if err != nil {
		return nil, fmt.Errorf("httpurl %s: %w", i.url, err)
	}
	return resp, nil
}

// InvokeRaw POSTs payload as JSON and returns the backend's response body as it is (a Lambda
// authorizer's result, for example), with the same error rules as Invoke.
func (i *Invoker) InvokeRaw(ctx context.Context, payload []byte) (body []byte, err error) {
	if i.urlErr != nil {
		return nil, i.urlErr
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("httpurl %s: %w", i.url, err)
		}
	}()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, i.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hresp, err := i.client.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL that the deferred wrap adds
		}
		return nil, withCtxErr(ctx, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, hresp.Body, 4<<10)
		hresp.Body.Close()
	}()

	body, err = io.ReadAll(io.LimitReader(hresp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, withCtxErr(ctx, fmt.Errorf("reading response: %w", err))
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return nil, &StatusError{StatusCode: hresp.StatusCode, Body: snippet(body)}
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: response body exceeds %d bytes", integration.ErrBadResponse, MaxResponseBytes)
	}
	return body, nil
}

// withCtxErr makes sure an error caused by ctx ending wraps ctx.Err(), whatever net/http
// wrapped.
func withCtxErr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %w", ctxErr, err)
	}
	return err
}

// StatusError is the error for a backend that answered with a non-2xx HTTP status: an HTTP
// backend reports success with 2xx and its Lambda-style statusCode in the JSON body, so any
// other HTTP status means the integration itself failed.
type StatusError struct {
	// StatusCode is the backend's HTTP status.
	StatusCode int
	// Body is the start of the backend's response body (at most 256 bytes), for logs.
	Body string
}

// ErrorMessage makes a 401 answer an authorizer's "Unauthorized" (a URL authorizer has no
// other way to fail the way a Lambda function does with that message).
func (e *StatusError) ErrorMessage() string {
	if e.StatusCode == http.StatusUnauthorized {
		return "Unauthorized"
	}
	return e.Body
}

// Error gives the status and the start of the body.
func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("backend answered HTTP %d", e.StatusCode)
	}
	return fmt.Sprintf("backend answered HTTP %d: %q", e.StatusCode, e.Body)
}

func snippet(body []byte) string {
	const max = 256
	if len(body) > max {
		body = body[:max]
	}
	return string(body)
}

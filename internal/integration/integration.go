// Package integration defines the seam between the gateway and whatever handles a route: an
// in-process Go handler, an HTTP backend, or a Lambda function worker. Each kind lives in its own
// sub-package and implements Invoker; only internal/app knows the concrete kinds.
package integration

import (
	"context"
	"errors"

	"github.com/switchboardhq/switchboard/internal/event"
)

// Invoker runs one event through a handler and returns the handler's proxy response.
//
// Invoke must honour ctx: when ctx's deadline passes it returns an error that wraps
// context.DeadlineExceeded (the gateway answers with AWS's "Endpoint request timed out"). Any
// other error means the integration failed (a crash, a bad response, an unreachable backend) and
// the gateway answers with AWS's "Internal server error" frame, or 502 on $connect. Invoke is
// called concurrently from many goroutines and must not retain req after it returns.
type Invoker interface {
	Invoke(ctx context.Context, req *event.Request) (*event.Response, error)
}

// RawInvoker is implemented by integrations that pass any JSON payload to the handler and
// return its JSON result unchanged; Lambda authorizers are invoked through it. An error from a
// failing handler implements ErrorMessage() string when it carries the handler's errorMessage.
type RawInvoker interface {
	InvokeRaw(ctx context.Context, payload []byte) ([]byte, error)
}

// Starter is implemented by invokers that need to provision resources (worker processes, build
// steps) before the first Invoke. Start is called once, before serving; an error aborts start-up.
type Starter interface {
	Start(ctx context.Context) error
}

// Closer is implemented by invokers that hold resources. Close is called once at shutdown, after
// the last Invoke has returned, and also after a partial start.
type Closer interface {
	Close() error
}

// ErrBadResponse is wrapped by errors for handler output that is not a valid proxy response. It
// is event.ErrBadResponse, so errors from event.DecodeResponse match it too.
var ErrBadResponse = event.ErrBadResponse

// ErrThrottled is wrapped by errors for invocations refused because the handler's concurrency
// limit was reached and no capacity freed up in time (Lambda's TooManyRequestsException).
var ErrThrottled = errors.New("integration throttled")

// Func adapts an ordinary function to Invoker.
type Func func(ctx context.Context, req *event.Request) (*event.Response, error)

// Invoke calls f.
func (f Func) Invoke(ctx context.Context, req *event.Request) (*event.Response, error) {
	return f(ctx, req)
}

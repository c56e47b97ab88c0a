// Package gofunc runs in-process Go handlers written against aws-lambda-go's types, so a
// handler written for AWS Lambda behind an API Gateway WebSocket API compiles and behaves the
// same under Switchboard.
//
// Use New to wrap a Handler as an integration.Invoker. Each Invoke converts the gateway's
// *event.Request field by field into an events.APIGatewayWebsocketProxyRequest (exactly what
// aws-lambda-go would decode from the event JSON, without encoding any JSON), calls the handler
// with a context that carries the gateway's deadline and a lambdacontext.LambdaContext, and
// converts the events.APIGatewayProxyResponse back. A panic in the handler becomes a
// *PanicError. Invoke returns at ctx's deadline even if the handler does not; InvokeInline, for
// callers that keep the timeout themselves (the gateway's read loop), runs the handler on the
// caller's goroutine instead.
package gofunc

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// Handler is the signature of a Go Lambda handler for API Gateway WebSocket events. The same
// function can be passed to lambda.Start on AWS.
type Handler func(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)

// Invoker runs a Handler in the gateway's process. It is safe for concurrent use: every Invoke
// calls the handler on its own copy of the event.
type Invoker struct {
	h Handler
}

var (
	_ integration.Invoker = (*Invoker)(nil)
	_ integration.Starter = (*Invoker)(nil)
)

// errNilHandler is returned by Start and Invoke of an Invoker made from a nil Handler.
var errNilHandler = errors.New("go handler: handler is nil")

// New returns an Invoker that calls h. A nil h gives an Invoker whose Start and Invoke return
// an error.
func New(h Handler) *Invoker {
	return &Invoker{h: h}
}

// Start reports a nil handler before the gateway starts serving.
func (i *Invoker) Start(context.Context) error {
	if i.h == nil {
		return errNilHandler
	}
	return nil
}

// PanicError is the error Invoke returns when the handler panicked. The gateway answers as for
// any failed integration ("Internal server error"), as API Gateway does when a Lambda function
// crashes.
type PanicError struct {
	// Value is what the handler passed to panic.
	Value any
	// Stack is the handler goroutine's stack at the panic, for logging.
	Stack []byte
}

// Error describes the panic value; the stack is left to whoever logs the error.
func (e *PanicError) Error() string {
	return fmt.Sprintf("go handler panicked: %v", e.Value)
}

// Invoke calls the handler with req converted to aws-lambda-go's type and returns its response.
//
// ctx's deadline is the handler's deadline (context.Deadline, as on Lambda), and
// lambdacontext.FromContext(ctx) returns a LambdaContext whose AwsRequestID is the event's
// requestContext.requestId. When ctx ends before the handler returns, Invoke returns at once
// with an error wrapping ctx.Err() (context.DeadlineExceeded for a timeout) and the handler's
// eventual result is discarded, as Lambda discards the result of a timed-out invocation; the
// handler goroutine keeps running until it returns, so handlers should honour ctx.
//
// A handler error, a panic (*PanicError) or a response with a statusCode outside 100–599
// (wrapping integration.ErrBadResponse) is returned as an error.
func (i *Invoker) Invoke(ctx context.Context, req *event.Request) (*event.Response, error) {
	if i.h == nil {
		return nil, errNilHandler
	}
	lreq := toLambdaRequest(req)
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: req.RequestContext.RequestID})

	var res result
	if ctx.Done() == nil {
		// Nothing can end ctx: no need for a goroutine to watch it.
		res = i.call(ctx, lreq)
	} else {
		var err error
		if res, err = i.callWatched(ctx, lreq); err != nil {
			return nil, fmt.Errorf("go handler: %w", err)
		}
	}
	return res.response()
}

// InvokeInline is Invoke without the goroutine that lets Invoke return at ctx's end: the handler
// runs on the caller's goroutine, and InvokeInline returns when the handler does. A result that
// comes after ctx ended is discarded and an error wrapping ctx.Err() returned instead, as Invoke
// would have returned at that moment.
//
// It saves a goroutine start and two goroutine switches per call. A caller that must not wait
// past ctx's end for a handler that ignores ctx (the gateway's read loop, which must answer
// "Endpoint request timed out" on time) arranges that itself, with context.AfterFunc.
func (i *Invoker) InvokeInline(ctx context.Context, req *event.Request) (*event.Response, error) {
	if i.h == nil {
		return nil, errNilHandler
	}
	lctx := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: req.RequestContext.RequestID})
	res := i.call(lctx, toLambdaRequest(req))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("go handler: %w", err)
	}
	return res.response()
}

type result struct {
	resp events.APIGatewayProxyResponse
	err  error
}

// response turns the handler's result into Invoke's: its response, or its error.
func (res *result) response() (*event.Response, error) {
	if res.err != nil {
		var pe *PanicError
		if errors.As(res.err, &pe) {
			return nil, res.err
		}
		return nil, fmt.Errorf("go handler: %w", res.err)
	}
	resp := fromLambdaResponse(&res.resp)
	if err := resp.Validate(); err != nil { // wraps integration.ErrBadResponse
		return nil, fmt.Errorf("go handler: %w", err)
	}
	return resp, nil
}

// callWatched runs the handler in its own goroutine and returns early with ctx.Err() when ctx
// ends first. It is separate from Invoke so that only this path moves the event to the heap.
func (i *Invoker) callWatched(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (result, error) {
	done := make(chan result, 1) // buffered: a handler that outlives ctx must not block
	go func() { done <- i.call(ctx, req) }()
	select {
	case res := <-done:
		return res, nil
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
}

// call runs the handler, turning a panic into a *PanicError.
func (i *Invoker) call(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (res result) {
	defer func() {
		if v := recover(); v != nil {
			res = result{err: &PanicError{Value: v, Stack: debug.Stack()}}
		}
	}()
	resp, err := i.h(ctx, req)
	return result{resp: resp, err: err}
}

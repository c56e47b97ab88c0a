package wsserver

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
)

// inlineFunc is an integration that runs on the caller's goroutine, like gofunc.Invoker's
// InvokeInline; its Invoke must not be used for messages.
type inlineFunc struct {
	f       func(ctx context.Context, req *event.Request) (*event.Response, error)
	invokes atomic.Int32 // calls through Invoke
}

func (i *inlineFunc) Invoke(ctx context.Context, req *event.Request) (*event.Response, error) {
	i.invokes.Add(1)
	return i.f(ctx, req)
}

func (i *inlineFunc) InvokeInline(ctx context.Context, req *event.Request) (*event.Response, error) {
	resp, err := i.f(ctx, req)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return resp, err
}

// TestInlineHandlerReplies: an inline integration answers a two-way route without Invoke.
func TestInlineHandlerReplies(t *testing.T) {
	echo := &inlineFunc{f: func(_ context.Context, req *event.Request) (*event.Response, error) {
		return &event.Response{StatusCode: 200, Body: "re: " + *req.Body}, nil
	}}
	h := newHarness(t, map[string]*Route{"echo": {Invoker: echo, ReturnResponse: true}}, config.Limits{})
	c := h.mustDial()
	for _, msg := range []string{`{"action":"echo","n":1}`, `{"action":"echo","n":2}`} {
		write(t, c, msg)
		if got := readText(t, c); got != "re: "+msg {
			t.Fatalf("reply %q, want %q", got, "re: "+msg)
		}
	}
	if n := echo.invokes.Load(); n != 0 {
		t.Errorf("Invoke called %d times, want the inline path only", n)
	}
}

// TestInlineHandlerPastTheTimeout: an inline handler that ignores its context still gets the
// client AWS's timeout frame on time; the connection goes on serving messages meanwhile, the late
// result is dropped, and $disconnect comes once when the client leaves.
func TestInlineHandlerPastTheTimeout(t *testing.T) {
	rec := newRecorder()
	release := make(chan struct{})
	returned := make(chan struct{})
	stuck := &inlineFunc{f: func(context.Context, *event.Request) (*event.Response, error) {
		<-release // ignores ctx, like a handler stuck in a call without a context
		defer close(returned)
		return &event.Response{StatusCode: 200, Body: "late"}, nil
	}}
	echo := &inlineFunc{f: func(_ context.Context, req *event.Request) (*event.Response, error) {
		return &event.Response{StatusCode: 200, Body: *req.Body}, nil
	}}
	h := newHarness(t, map[string]*Route{
		"$connect":    {Invoker: rec.handler(ok200, nil)},
		"$disconnect": {Invoker: rec.handler(ok200, nil)},
		"stuck":       {Invoker: stuck, ReturnResponse: true},
		"echo":        {Invoker: echo, ReturnResponse: true},
	}, config.Limits{IntegrationTimeout: 50 * time.Millisecond})
	c := h.mustDial()
	id := h.connectedID(rec)

	write(t, c, `{"action":"stuck"}`)
	if got := readText(t, c); !strings.HasPrefix(got, `{"message": "Endpoint request timed out", "connectionId":"`+id) {
		t.Fatalf("frame %q, want the timeout frame", got)
	}
	write(t, c, `{"action":"echo","after":"timeout"}`)
	if got := readText(t, c); got != `{"action":"echo","after":"timeout"}` {
		t.Fatalf("reply %q after the timeout, want the echo", got)
	}
	close(release)
	<-returned
	write(t, c, `{"action":"echo","after":"release"}`)
	if got := readText(t, c); got != `{"action":"echo","after":"release"}` {
		t.Fatalf("reply %q, want the echo and not the late result", got)
	}

	_ = c.CloseNow()
	if d := rec.next(t); d.RequestContext.EventType != event.TypeDisconnect || d.RequestContext.DisconnectStatusCode != 1006 {
		t.Fatalf("got %s %d, want DISCONNECT 1006", d.RequestContext.EventType, d.RequestContext.DisconnectStatusCode)
	}
	_ = h.srv.Shutdown(context.Background())
	select {
	case e := <-rec.ch:
		t.Fatalf("unexpected second event %s", e.RequestContext.EventType)
	default:
	}
}

// TestInlineHandlerCanceledAtShutdown: a shutdown that runs out of time cancels the context of an
// inline call still running, as it cancels every other integration call.
func TestInlineHandlerCanceledAtShutdown(t *testing.T) {
	started := make(chan struct{})
	saw := make(chan error, 1)
	waiting := &inlineFunc{f: func(ctx context.Context, _ *event.Request) (*event.Response, error) {
		close(started)
		<-ctx.Done()
		saw <- ctx.Err()
		return nil, ctx.Err()
	}}
	h := newHarness(t, map[string]*Route{"$default": {Invoker: waiting}}, config.Limits{IntegrationTimeout: time.Hour})
	c := h.mustDial()
	write(t, c, "wait")
	<-started
	go func() { // take the close frame, so that the server's close handshake completes
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown returned nil while a handler was still running")
	}
	select {
	case err := <-saw:
		if err != context.Canceled {
			t.Fatalf("the handler's context ended with %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler's context was never canceled")
	}
}

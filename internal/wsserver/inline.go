package wsserver

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// inlineInvoker is implemented by integrations that can run a handler on the caller's goroutine
// (in-process Go handlers, gofunc.Invoker): InvokeInline returns when the handler does, even
// after ctx has ended.
type inlineInvoker interface {
	InvokeInline(ctx context.Context, req *event.Request) (*event.Response, error)
}

// invokeInline runs a message's handler on the read loop's goroutine, saving the goroutine
// switches that Invoke needs to be able to return at the integration timeout. The timeout holds
// all the same: if the call's context ends (the timeout, or the server closing) while the handler
// still runs, the connection's watchdog answers the client as Invoke's error would have and
// carries on with the read loop in a new goroutine; this goroutine then drops the handler's late
// result and reports that it no longer owns the connection.
func (c *Conn) invokeInline(inv inlineInvoker, rt *Route, key string, call msgCall, req *event.Request) bool {
	s := c.srv
	x := &inlineCall{rt: rt, key: key, call: call}
	start := time.Now()
	x.deadline = start.Add(c.lim.IntegrationTimeout)
	x.call.start = start
	if s.callsCanceled.Load() {
		x.err = context.Canceled
	}
	c.call.Store(x)
	if c.callDog == nil {
		c.callDog = newWatchdog(c.checkCall)
	}
	c.callDog.arm(c.lim.IntegrationTimeout)
	resp, err := inv.InvokeInline(x, req)
	if !x.state.CompareAndSwap(callRunning, callReturned) {
		return false
	}
	x.cancel(context.Canceled) // a context the handler kept is done, as after a cancel func
	if err == nil && resp == nil {
		err = integration.ErrBadResponse
	}
	c.reply(rt, key, x.call, resp, err)
	return true
}

// checkCall is callDog's check: it abandons the running inline call once its deadline has
// passed, and otherwise says how long until the deadline.
func (c *Conn) checkCall(now time.Time) time.Duration {
	x := c.call.Load()
	if x == nil || x.state.Load() != callRunning {
		return 0
	}
	if left := x.deadline.Sub(now); left > 0 {
		return left
	}
	c.abandonCall(x, context.DeadlineExceeded)
	return 0
}

// abandonCall ends the inline call x, if it is still running, with err: the client gets the
// error frame, and the read loop goes on in a new goroutine. callDog calls it with
// context.DeadlineExceeded, Shutdown (through cancelCall) with context.Canceled.
func (c *Conn) abandonCall(x *inlineCall, err error) {
	if !x.state.CompareAndSwap(callRunning, callAbandoned) {
		return
	}
	x.cancel(err)
	c.msg = nil // the abandoned call may still hold the event: the new read loop makes its own
	go func() {
		c.reply(x.rt, x.key, x.call, nil, err)
		c.readLoop()
	}()
}

// cancelCall abandons the connection's running inline call, if any, with context.Canceled.
func (c *Conn) cancelCall() {
	if x := c.call.Load(); x != nil {
		c.abandonCall(x, context.Canceled)
	}
}

// The states of an inline call; whoever moves it out of callRunning decides the reply.
const (
	callRunning int32 = iota
	callReturned
	callAbandoned
)

// inlineCall is one inline integration call and its context. Its context has the integration
// timeout as its deadline and ends when the connection's watchdog or Shutdown abandons the call:
// it stands in for context.WithTimeout under the server's base context, which would allocate a
// timer and take the base context's lock twice per message.
type inlineCall struct {
	state atomic.Int32
	rt    *Route
	key   string
	call  msgCall

	deadline time.Time
	mu       sync.Mutex
	done     chan struct{} // made by Done on demand; closed by cancel
	err      error
}

var _ context.Context = (*inlineCall)(nil)

// closedChan is the Done channel of a call that ended before anyone asked for one.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Deadline returns the integration timeout's deadline.
func (x *inlineCall) Deadline() (time.Time, bool) { return x.deadline, true }

// Done returns a channel closed when the call's context ends.
func (x *inlineCall) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == nil {
		if x.err != nil {
			return closedChan
		}
		x.done = make(chan struct{})
	}
	return x.done
}

// Err returns context.DeadlineExceeded after the timeout, context.Canceled after Shutdown or
// once the call has returned, and nil before.
func (x *inlineCall) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// Value returns nil: the call's context carries no values (the server's base context has none).
func (x *inlineCall) Value(any) any { return nil }

// cancel ends the context with err unless it has ended already.
func (x *inlineCall) cancel(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err == nil {
		x.err = err
		if x.done != nil {
			close(x.done)
		}
	}
}

package lambda

import (
	"sync/atomic"
	"time"
)

// result is the outcome of an invocation: the response payload, or an error.
type result struct {
	payload []byte
	err     error
}

// invocation is one event on its way through a worker.
type invocation struct {
	id       string
	traceID  string
	payload  []byte
	deadline time.Time
	limit    time.Duration // deadline minus the time the invocation was created: its time limit
	start    time.Time     // when the event was handed to the runtime

	claimed atomic.Bool
	res     result
	done    chan struct{} // closed by settle
}

func newInvocation(payload []byte, deadline time.Time, now time.Time) *invocation {
	return &invocation{
		id:       newRequestID(),
		traceID:  newTraceID(now),
		payload:  payload,
		deadline: deadline,
		limit:    deadline.Sub(now),
		done:     make(chan struct{}),
	}
}

// claim reserves the right to settle inv; only the first caller gets it.
func (inv *invocation) claim() bool { return inv.claimed.CompareAndSwap(false, true) }

// settle records the outcome of a claimed invocation and wakes its caller.
func (inv *invocation) settle(r result) {
	inv.res = r
	close(inv.done)
}

// finish claims and settles inv; it reports whether this call did (the first outcome wins).
func (inv *invocation) finish(r result) bool {
	if !inv.claim() {
		return false
	}
	inv.settle(r)
	return true
}

// result returns the outcome once done is closed.
func (inv *invocation) result() result {
	<-inv.done
	return inv.res
}

package wsserver

import (
	"math"
	"sync/atomic"
	"time"
)

// watchdog enforces a timeout on a connection's operations (integration calls, frame writes)
// without touching a timer for each one. An operation publishes its start or deadline where
// check can see it and calls arm; the timer, once armed, fires at the latest one timeout after
// the operation began (every operation of a watchdog has the same timeout, so a timer armed for
// an earlier one fires sooner), and check either ends an operation that is overdue or returns
// how long the running one has left, for which the timer re-arms itself. Between operations an
// idle timer stays disarmed.
type watchdog struct {
	timer *time.Timer
	armed atomic.Bool
	check func(now time.Time) time.Duration // time left of a running operation, or 0
}

// newWatchdog returns a disarmed watchdog.
func newWatchdog(check func(now time.Time) time.Duration) *watchdog {
	w := &watchdog{check: check}
	w.timer = time.AfterFunc(math.MaxInt64, w.fire) // made disarmed; arm sets the real time
	return w
}

// arm makes sure the timer fires within timeout, the operations' timeout; call it after
// publishing the operation.
func (w *watchdog) arm(timeout time.Duration) {
	if w.armed.CompareAndSwap(false, true) {
		w.timer.Reset(timeout)
	}
}

// fire runs check; disarming before it runs means that an operation published meanwhile is
// either seen by check or arms the timer itself.
func (w *watchdog) fire() {
	w.armed.Store(false)
	if left := w.check(time.Now()); left > 0 {
		w.arm(left)
	}
}

// stop disarms the timer for good.
func (w *watchdog) stop() {
	if w != nil {
		w.timer.Stop()
	}
}

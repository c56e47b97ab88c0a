package lambda

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/internal/integration"
)

// errClosed is returned by invocations after Close.
var errClosed = errors.New("function is closed")

// grant is what a queued Invoke receives: a ready worker, or (w nil) a free slot under the
// concurrency limit in which to start one, already counted in Function.total.
type grant struct {
	w *worker
}

// waiter is an Invoke queued for capacity.
type waiter struct {
	grant chan grant // buffered: granting never blocks
}

// reuseWait is how long an invocation waits for a worker that has just answered (and is about
// to ask for its next event) before cold-starting another: runtimes ask within a millisecond or
// so, and Lambda, too, reuses a warm environment for back-to-back invocations.
const reuseWait = 50 * time.Millisecond

// acquire returns a worker ready for an event: a warm one if any is idle (or about to be);
// otherwise a new one if the concurrency limit allows (a cold start, which this Invoke waits
// for); otherwise the first worker or slot that frees up within the queue timeout, or an error
// wrapping integration.ErrThrottled.
func (f *Function) acquire(ctx context.Context) (*worker, error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, errClosed
	}
	if n := len(f.idle); n > 0 {
		w := f.idle[n-1] // the most recently used: the others may then idle long enough to be reaped
		f.idle = f.idle[:n-1]
		w.idleTimer.Stop()
		w.state = stateBusy
		f.mu.Unlock()
		return w, nil
	}
	if f.total < f.maxConcurrency && f.finishing > len(f.waiters) {
		wt := f.enqueueLocked()
		f.mu.Unlock()
		if w, ok, err := f.await(ctx, wt, reuseWait); ok || err != nil {
			return w, err
		}
		f.mu.Lock()
	}
	if f.total < f.maxConcurrency {
		f.total++
		f.mu.Unlock()
		return f.coldStart(ctx)
	}
	wt := f.enqueueLocked()
	f.mu.Unlock()
	w, ok, err := f.await(ctx, wt, f.queueTimeout)
	if !ok && err == nil {
		f.obs.Throttled()
		err = fmt.Errorf("all %d workers stayed busy for %v (Lambda's TooManyRequestsException): %w",
			f.maxConcurrency, max(f.queueTimeout, 0), integration.ErrThrottled)
	}
	return w, err
}

func (f *Function) enqueueLocked() *waiter {
	wt := &waiter{grant: make(chan grant, 1)}
	f.waiters = append(f.waiters, wt)
	return wt
}

// await waits up to limit (none if not positive) for wt to be granted a worker or a slot. ok is
// false, with a nil error, when the time ran out and wt has left the queue.
func (f *Function) await(ctx context.Context, wt *waiter, limit time.Duration) (w *worker, ok bool, err error) {
	var expired <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		expired = t.C
	} else {
		closed := make(chan time.Time)
		close(closed)
		expired = closed
	}
	select {
	case g := <-wt.grant:
		w, err = f.use(ctx, g)
		return w, true, err
	case <-expired:
		if f.dequeue(wt) {
			return nil, false, nil
		}
		w, err = f.use(ctx, <-wt.grant) // granted just in time
		return w, true, err
	case <-ctx.Done():
		if !f.dequeue(wt) {
			f.giveBack(<-wt.grant)
		}
		return nil, false, ctx.Err()
	}
}

// use turns a grant into a worker, starting one for a slot.
func (f *Function) use(ctx context.Context, g grant) (*worker, error) {
	if g.w != nil {
		return g.w, nil
	}
	return f.coldStart(ctx)
}

// giveBack returns a grant its waiter no longer wants.
func (f *Function) giveBack(g grant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g.w != nil {
		f.releaseLocked(g.w)
		return
	}
	f.total--
	f.grantSlotsLocked()
}

// dequeue removes wt from the queue; false means it was already granted something.
func (f *Function) dequeue(wt *waiter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.waiters {
		if x == wt {
			f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// coldStart starts a worker in a slot already counted in f.total and waits for it to ask for its
// first event. If ctx ends first the worker still joins the pool when it is ready.
func (f *Function) coldStart(ctx context.Context) (*worker, error) {
	f.mu.Lock()
	g := f.gen
	f.mu.Unlock()
	if g.err != nil {
		f.giveBack(grant{})
		return nil, g.prepareError()
	}
	w, err := f.spawn(g, true)
	if err != nil {
		f.giveBack(grant{})
		return nil, err
	}
	select {
	case <-w.initDone:
	case <-ctx.Done():
		f.mu.Lock()
		select {
		case <-w.initDone:
			if w.initErr == nil {
				f.releaseLocked(w) // ready meanwhile: let it serve someone else
			}
		default:
			w.reserved = false // when it is ready it joins the pool
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.initErr != nil {
		return nil, w.initErr
	}
	return w, nil
}

// ready is called when w's runtime asks for an event: the worker has finished its previous
// invocation (or initialised) and can take another.
func (f *Function) ready(w *worker, first bool) {
	if first {
		init := time.Since(w.started)
		w.mu.Lock()
		w.initDuration = init
		w.mu.Unlock()
		f.obs.ColdStart(init)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setFinishingLocked(w, false)
	if w.state == stateStopping || w.state == stateDead {
		return
	}
	if first {
		close(w.initDone)
		if w.reserved {
			w.reserved = false
			w.state = stateBusy // the Invoke that started it takes it
			return
		}
	}
	f.releaseLocked(w)
}

// releaseLocked gives a ready worker to the first queued Invoke, or makes it idle. A worker of
// an old generation (the code changed) or of a closed function is stopped instead.
func (f *Function) releaseLocked(w *worker) {
	if f.closed || w.gen != f.gen {
		w.state = stateStopping
		go w.stop()
		return
	}
	if len(f.waiters) > 0 {
		wt := f.waiters[0]
		f.waiters = f.waiters[1:]
		w.state = stateBusy
		wt.grant <- grant{w: w}
		return
	}
	w.state = stateIdle
	f.idle = append(f.idle, w)
	w.idleTimer = time.AfterFunc(f.idleTimeout, func() { f.reap(w) })
}

// discard kills a worker whose invocation failed in a way that leaves it unusable (a timeout,
// too much memory); the pool replaces it on demand.
func (f *Function) discard(w *worker) {
	f.mu.Lock()
	if w.state == stateIdle {
		f.removeIdleLocked(w)
	}
	if w.state != stateDead {
		w.state = stateStopping
	}
	f.mu.Unlock()
	w.kill()
}

// reap stops w if it is still idle.
func (f *Function) reap(w *worker) {
	f.mu.Lock()
	if w.state != stateIdle {
		f.mu.Unlock()
		return
	}
	f.removeIdleLocked(w)
	w.state = stateStopping
	f.mu.Unlock()
	f.log.Debug("stopping idle worker", "function", f.name, "worker", w.num, "idle", f.idleTimeout)
	w.stop()
}

func (f *Function) removeIdleLocked(w *worker) {
	for i, x := range f.idle {
		if x == w {
			f.idle = append(f.idle[:i], f.idle[i+1:]...)
			return
		}
	}
}

// answered is called when w's runtime has posted an invocation's outcome: w will ask for its
// next event at once, so invocations arriving meanwhile wait for it rather than cold-start.
func (f *Function) answered(w *worker) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.state == stateBusy {
		f.setFinishingLocked(w, true)
	}
}

func (f *Function) setFinishingLocked(w *worker, on bool) {
	if w.finishing == on {
		return
	}
	w.finishing = on
	if on {
		f.finishing++
	} else {
		f.finishing--
	}
}

// grantSlotsLocked hands free capacity to queued Invokes.
func (f *Function) grantSlotsLocked() {
	for f.total < f.maxConcurrency && len(f.waiters) > 0 {
		wt := f.waiters[0]
		f.waiters = f.waiters[1:]
		f.total++
		wt.grant <- grant{}
	}
}

// workerGone is called once w's process has exited: its slot is freed, and if it never
// initialised, whoever waits for it learns why.
func (f *Function) workerGone(w *worker, exitErr error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := w.state
	if prev == stateIdle {
		f.removeIdleLocked(w)
		w.idleTimer.Stop()
	}
	f.setFinishingLocked(w, false)
	w.state = stateDead
	delete(f.workers, w)
	f.total--
	f.grantSlotsLocked()

	select {
	case <-w.initDone:
	default:
		w.initErr = w.initFailure(exitErr)
		close(w.initDone)
	}
	switch {
	case prev == stateStarting && !f.closed:
		f.log.Error("worker failed to initialise", "function", f.name, "worker", w.num,
			"error", w.initErr, "stderr", w.errTail.String())
	case prev == stateStopping || f.closed:
		f.log.Debug("worker stopped", "function", f.name, "worker", w.num)
	default:
		f.log.Warn("worker exited", "function", f.name, "worker", w.num, "error", exitErr,
			"stderr", w.errTail.String())
	}
}

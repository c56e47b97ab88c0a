package bench

import (
	"context"
	"sync"
	"time"
)

// sweepInterval is how often pending messages are checked against --timeout.
const sweepInterval = 100 * time.Millisecond

// exchange sends messages until --duration or --count, then waits (bounded by --timeout) for
// the replies still due. It returns the measurement window.
func (r *runner) exchange(ctx context.Context) (start, end time.Time) {
	begin := time.Now()
	r.measureStart = begin.Add(r.cfg.warmup)
	if r.cfg.warmup > 0 {
		r.phase.Store(phaseWarmup)
	} else {
		r.phase.Store(phaseMeasuring)
	}
	for _, c := range r.conns {
		r.senders.Go(func() {
			if r.cfg.rate > 0 {
				r.ratedLoop(c)
			} else {
				r.closedLoop(c)
			}
		})
	}
	if r.cfg.rate > 0 {
		r.senders.Go(func() { r.pace(begin) })
	}
	sweepDone := make(chan struct{})
	var sweeper sync.WaitGroup
	sweeper.Go(func() { r.sweepUntil(sweepDone) })

	var endC <-chan time.Time
	if r.cfg.duration > 0 {
		t := time.NewTimer(time.Until(r.measureStart.Add(r.cfg.duration)))
		defer t.Stop()
		endC = t.C
	}
	if r.cfg.warmup > 0 {
		warm := time.AfterFunc(r.cfg.warmup, func() { r.phase.CompareAndSwap(phaseWarmup, phaseMeasuring) })
		defer warm.Stop()
	}
	r.wait(ctx, endC)
	r.stopSending()
	stopAt := time.Now()
	r.phase.Store(phaseDraining)
	if ctx.Err() == nil {
		r.drain(ctx, stopAt.Add(r.cfg.timeout))
	}
	close(sweepDone)
	sweeper.Wait()
	// Whatever is still pending has waited --timeout since sending stopped, unless the run was cut
	// short (--max-duration, cancellation) and did not wait.
	how := timedOut
	if ctx.Err() != nil {
		how = unanswered
	}
	r.judged.Store(true)
	now := time.Now()
	for _, c := range r.conns {
		r.expire(c, now.Add(time.Nanosecond), now, how)
	}

	end = stopAt
	if last := time.Unix(0, r.st.lastReply.Load()); last.After(end) {
		end = last
	}
	return r.measureStart, end
}

// admit decides whether a sender may send now, and whether the message counts. With --count it
// hands out that many tickets for measured messages and then stops the run.
func (r *runner) admit(now time.Time) (measured, ok bool) {
	select {
	case <-r.stop:
		return false, false
	default:
	}
	measured = !now.Before(r.measureStart)
	if measured && r.cfg.count > 0 && r.tickets.Add(1) > r.cfg.count {
		r.stopSending()
		return false, false
	}
	return measured, true
}

// closedLoop sends on c one message at a time: the next goes when the previous one is settled.
func (r *runner) closedLoop(c *conn) {
	for {
		now := time.Now()
		measured, ok := r.admit(now)
		if !ok || !r.send(c, now, measured) {
			return
		}
		select {
		case <-c.ready:
		case <-c.done:
			return
		case <-r.stop:
			return
		}
	}
}

// ratedLoop sends on c one message per permit from the rate pacer, without waiting for replies.
func (r *runner) ratedLoop(c *conn) {
	for {
		select {
		case <-c.tokens:
			now := time.Now()
			measured, ok := r.admit(now)
			if !ok || !r.send(c, now, measured) {
				return
			}
		case <-c.done:
			return
		case <-r.stop:
			return
		}
	}
}

// pace hands out send permits at --rate, round robin over the connections, once a millisecond.
// Permits no connection can take are counted as missed: the target could not be kept up.
func (r *runner) pace(begin time.Time) {
	p := pacer{start: begin, rate: r.cfg.rate}
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	var issued int64
	next := 0
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			due := p.due(now)
			for ; issued < due; issued++ {
				if !r.offer(&next) {
					if !now.Before(r.measureStart) {
						r.st.missed.Add(due - issued)
					}
					issued = due
					break
				}
			}
		}
	}
}

// offer gives one send permit to the next connection that has room for it.
func (r *runner) offer(next *int) bool {
	n := len(r.conns)
	for range n {
		c := r.conns[*next]
		*next = (*next + 1) % n
		select {
		case c.tokens <- struct{}{}:
			return true
		default:
		}
	}
	return false
}

// sweepUntil expires pending messages older than --timeout until done is closed.
func (r *runner) sweepUntil(done <-chan struct{}) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			for _, c := range r.conns {
				r.expire(c, now.Add(-r.cfg.timeout), now, timedOut)
			}
		}
	}
}

// drain waits until the senders have stopped and every sent message is settled, or until
// deadline.
func (r *runner) drain(ctx context.Context, deadline time.Time) {
	sendersDone := make(chan struct{})
	go func() { r.senders.Wait(); close(sendersDone) }()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	bound := time.NewTimer(time.Until(deadline))
	defer bound.Stop()
	for {
		select {
		case <-sendersDone:
			if r.st.inflight.Load() <= 0 {
				return
			}
			sendersDone = nil
		case <-t.C:
			if sendersDone == nil && r.st.inflight.Load() <= 0 {
				return
			}
		case <-bound.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

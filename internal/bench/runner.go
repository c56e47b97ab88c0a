package bench

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// maxPendingDials bounds handshakes in flight, so an unlimited --connect-rate does not flood the
// server's accept backlog.
const maxPendingDials = 512

// Phases of a run, shown by the progress line.
const (
	phaseConnecting int32 = iota
	phaseWarmup
	phaseMeasuring
	phaseIdle
	phaseDraining
	phaseClosing
)

// stats are a run's live counters.
type stats struct {
	connAttempted, connOK, connFailed atomic.Int64
	sent, received, timedOut, lost    atomic.Int64 // measured messages
	unanswered                        atomic.Int64 // measured, in flight when the run was cut
	missed                            atomic.Int64 // rate-mode sends skipped: no connection was ready
	replies                           atomic.Int64 // all replies, warmup included (progress line)
	inflight                          atomic.Int64 // messages sent and not yet settled
	lastReply                         atomic.Int64 // Unix ns of the latest measured reply
}

// runner drives one benchmark run.
type runner struct {
	cfg      *config
	url      string
	msg      messageBuilder
	dialer   *dialer
	dialOpts websocket.DialOptions
	st       stats
	errs     errorCounts
	rtt      *histogram
	connLat  *histogram
	phase    atomic.Int32
	fan      *fanout     // a fan-out run's state; nil otherwise
	fanStats FanoutStats // a fan-out run's figures, written by fanOut alone

	mu    sync.Mutex
	conns []*conn // appended while connecting; read-only afterwards

	live    atomic.Int64
	deaths  chan struct{} // a connection ended (cap 1; check live)
	stop    chan struct{} // closed: send no more
	stopped sync.Once
	closing atomic.Bool // the run is closing connections itself
	judged  atomic.Bool // the exchange is over: frames arriving now are not judged

	measureStart time.Time // set before any sender starts
	tickets      atomic.Int64
	readers      sync.WaitGroup
	senders      sync.WaitGroup
}

// timing is when a run's phases happened.
type timing struct {
	started                  time.Time
	connectStart, connectEnd time.Time
	measureStart, measureEnd time.Time
	openAtEnd                int64 // connections open when the close phase began
	closeIncomplete          bool  // the graceful close hit closeBound
}

func newRunner(cfg *config, d *dialer) *runner {
	r := &runner{
		cfg:    cfg,
		url:    cfg.target.url.String(),
		msg:    newMessageBuilder(cfg.action, cfg.size),
		dialer: d,
		dialOpts: websocket.DialOptions{
			HTTPClient:      d.httpClient(cfg.insecure),
			HTTPHeader:      cfg.headers,
			Subprotocols:    cfg.subprotocols,
			CompressionMode: websocket.CompressionDisabled,
		},
		rtt:     newHistogram(),
		connLat: newHistogram(),
		deaths:  make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	if cfg.fanout != "" {
		r.fan = newFanout(cfg)
	}
	return r
}

// run performs the phases: connect, then exchange messages (or hold idle, or fan out), then close. ctx is
// already bounded by --max-duration; the close phase has its own bound.
func (r *runner) run(ctx context.Context, progressOut io.Writer) timing {
	var tm timing
	tm.started = time.Now()
	prog := r.startProgress(progressOut)
	defer prog.stop()

	tm.connectStart = time.Now()
	r.connectAll(ctx)
	tm.connectEnd = time.Now()

	if r.live.Load() > 0 {
		switch {
		case r.fan != nil:
			tm.measureStart, tm.measureEnd = r.fanOut(ctx)
		case r.cfg.idle:
			r.phase.Store(phaseIdle)
			tm.measureStart = time.Now()
			r.wait(ctx, time.After(r.cfg.duration))
			tm.measureEnd = time.Now()
		default:
			tm.measureStart, tm.measureEnd = r.exchange(ctx)
		}
	}
	tm.openAtEnd = r.live.Load()
	r.phase.Store(phaseClosing)
	tm.closeIncomplete = !r.closeAll()
	return tm
}

// connectAll dials the connections at --connect-rate, at most maxPendingDials at a time. The
// dials run on a fixed set of workers rather than a goroutine each: a dial's stack grows to
// several KiB in net/http, and growing a fresh one per connection cost the load generator about
// a tenth of its CPU in a connect-rate run.
func (r *runner) connectAll(ctx context.Context) {
	p := pacer{start: time.Now(), rate: r.cfg.connectRate}
	dials := make(chan struct{})
	var wg sync.WaitGroup
	for range min(maxPendingDials, r.cfg.conns) {
		wg.Go(func() {
			for range dials {
				r.dialOne(ctx)
			}
		})
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
dialing:
	for i := range r.cfg.conns {
		if r.cfg.connectRate > 0 {
			if d := time.Until(p.at(int64(i))); d > 0 {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-ctx.Done():
					break dialing
				}
			}
		}
		select {
		case dials <- struct{}{}:
		case <-ctx.Done():
			break dialing
		}
	}
	close(dials)
	wg.Wait()
}

// dialOne opens one connection and starts its read loop.
func (r *runner) dialOne(ctx context.Context) {
	r.st.connAttempted.Add(1)
	dctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
	start := time.Now()
	ws, resp, err := websocket.Dial(dctx, r.url, &r.dialOpts)
	cancel()
	if err != nil {
		r.st.connFailed.Add(1)
		r.errs.add(dialErrorKind(err, resp, ctx.Err() != nil))
		return
	}
	r.connLat.record(time.Since(start))
	r.st.connOK.Add(1)
	ws.SetReadLimit(maxMessageSize)
	c := newConn(ws)
	r.mu.Lock()
	r.conns = append(r.conns, c)
	r.mu.Unlock()
	r.live.Add(1)
	r.readers.Add(1)
	go r.readLoop(c)
}

// wait blocks until end fires, ctx ends, sending stops, or no connection is left.
func (r *runner) wait(ctx context.Context, end <-chan time.Time) {
	for {
		select {
		case <-end:
			return
		case <-ctx.Done():
			return
		case <-r.stop:
			return
		case <-r.deaths:
			if r.live.Load() == 0 {
				return
			}
		}
	}
}

// stopSending tells every sender to stop.
func (r *runner) stopSending() {
	r.stopped.Do(func() { close(r.stop) })
}

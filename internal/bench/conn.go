package bench

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// tokenBuffer is how many rate-pacer send permits a connection can hold; it lets a single
// connection absorb a millisecond's worth of sends at high rates.
const tokenBuffer = 64

// sendRecord remembers when a message went out, to time its reply.
type sendRecord struct {
	at       time.Time
	measured bool // sent after the warmup
}

// outcome is how a sent message ended.
type outcome int

const (
	replied outcome = iota
	timedOut
	lost       // its connection ended first
	unanswered // still in flight when the run was cut short
)

// conn is one benchmark connection. The sender goroutine owns out and assigns seq; the read loop
// settles replies; both meet in pending, under mu.
type conn struct {
	ws      *websocket.Conn
	lastSeq atomic.Uint64 // highest seq sent
	out     []byte

	mu      sync.Mutex
	pending map[uint64]sendRecord
	dead    bool // the read loop ended: nothing more can be settled by a reply

	ready  chan struct{} // a pending message was settled (closed loop waits on it)
	tokens chan struct{} // send permits from the rate pacer
	done   chan struct{} // closed when the read loop ends
}

func newConn(ws *websocket.Conn) *conn {
	return &conn{
		ws:      ws,
		pending: map[uint64]sendRecord{},
		ready:   make(chan struct{}, 1),
		tokens:  make(chan struct{}, tokenBuffer),
		done:    make(chan struct{}),
	}
}

// send writes the next message on c; it returns false when c can send no more.
func (r *runner) send(c *conn, now time.Time, measured bool) bool {
	seq := c.lastSeq.Load() + 1
	c.out = r.msg.appendMessage(c.out[:0], seq, now.UnixNano())
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return false
	}
	c.pending[seq] = sendRecord{at: now, measured: measured}
	r.st.inflight.Add(1)
	if measured {
		r.st.sent.Add(1)
	}
	c.mu.Unlock()
	c.lastSeq.Store(seq)
	// Background context: a cancellable one would cost a timer per write, and the end of the run
	// unblocks writes by closing the connection instead.
	if err := writeMessage(c.ws, c.out); err != nil {
		// The read loop sees the same failure and records the kind; here the message is lost.
		r.settle(c, seq, time.Now(), lost)
		return false
	}
	return true
}

// maxFrame is the largest frame the load generator sends: API Gateway's frame quota (32 KB),
// which Switchboard enforces too. Larger messages go in several frames, as AWS's clients must
// send them.
const maxFrame = 32 << 10

// writeMessage sends msg as one text message, in frames of at most maxFrame bytes.
func writeMessage(ws *websocket.Conn, msg []byte) error {
	if len(msg) <= maxFrame {
		return ws.Write(context.Background(), websocket.MessageText, msg)
	}
	w, err := ws.Writer(context.Background(), websocket.MessageText)
	if err != nil {
		return err
	}
	for len(msg) > 0 {
		n := min(len(msg), maxFrame)
		if _, err := w.Write(msg[:n]); err != nil { // a frame per Write
			return err
		}
		msg = msg[n:]
	}
	return w.Close()
}

// settle removes seq from c's pending messages and accounts for how it ended. It reports false
// when seq was not pending (never sent, already settled, or timed out).
func (r *runner) settle(c *conn, seq uint64, now time.Time, how outcome) bool {
	c.mu.Lock()
	rec, ok := c.pending[seq]
	if ok {
		delete(c.pending, seq)
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	r.account(rec, now, how)
	select {
	case c.ready <- struct{}{}:
	default:
	}
	return true
}

// account records a settled message in the run's figures.
func (r *runner) account(rec sendRecord, now time.Time, how outcome) {
	r.st.inflight.Add(-1)
	if how == replied {
		r.st.replies.Add(1)
	}
	if !rec.measured {
		return
	}
	switch how {
	case replied:
		r.st.received.Add(1)
		r.rtt.record(now.Sub(rec.at))
		r.st.lastReply.Store(now.UnixNano())
	case timedOut:
		r.st.timedOut.Add(1)
	case lost:
		r.st.lost.Add(1)
	case unanswered:
		r.st.unanswered.Add(1)
	}
}

// readLoop reads every frame on c, matches replies to pending messages by seq, and accounts for
// the connection's end.
func (r *runner) readLoop(c *conn) {
	defer r.readers.Done()
	var buf bytes.Buffer
	for {
		_, rd, err := c.ws.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(rd)
		}
		if err != nil {
			r.connEnded(c, err)
			return
		}
		now := time.Now()
		if r.fan != nil {
			if !r.fan.receive(buf.Bytes(), now) {
				r.errs.add(kindUnexpectedFrame)
			}
			continue
		}
		if r.cfg.idle {
			continue // whatever a server pushes to idle connections is not ours to judge
		}
		seq, ok := parseSeq(buf.Bytes())
		switch {
		case ok && r.settle(c, seq, now, replied):
		case r.judged.Load():
			// The exchange is over and its pending messages were settled; this frame came too
			// late to be judged (judged is set before that final settling, so checking it after
			// a failed settle cannot miss it).
		case ok && seq > 0 && seq <= c.lastSeq.Load():
			r.errs.add(kindLateReply)
		default:
			r.errs.add(kindMismatchedReply)
		}
	}
}

// connEnded marks c dead, counts its pending messages as lost and, unless the run is closing,
// records why it ended.
func (r *runner) connEnded(c *conn, err error) {
	now := time.Now()
	c.mu.Lock()
	c.dead = true
	pending := c.pending
	c.pending = map[uint64]sendRecord{}
	c.mu.Unlock()
	for _, rec := range pending {
		r.account(rec, now, lost)
	}
	if !r.closing.Load() {
		r.errs.add(closeErrorKind(err))
	}
	close(c.done)
	r.live.Add(-1)
	select {
	case r.deaths <- struct{}{}:
	default:
	}
}

// expire settles c's messages sent before cutoff as how (timedOut or unanswered); timeouts are
// errors.
func (r *runner) expire(c *conn, cutoff, now time.Time, how outcome) {
	var expired []sendRecord
	c.mu.Lock()
	for seq, rec := range c.pending {
		if rec.at.Before(cutoff) {
			delete(c.pending, seq)
			expired = append(expired, rec)
		}
	}
	c.mu.Unlock()
	for _, rec := range expired {
		r.account(rec, now, how)
		if how == timedOut {
			r.errs.add(kindReplyTimeout)
		}
	}
	if len(expired) > 0 {
		select {
		case c.ready <- struct{}{}:
		default:
		}
	}
}

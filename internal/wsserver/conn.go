package wsserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/accesslog"
	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
)

// Conn is one client connection after its handshake.
type Conn struct {
	srv *Server
	id  string
	ws  *websocket.Conn
	// ev holds the fields every event of this connection carries.
	ev        event.Conn
	connected time.Time
	// lim are the limits of the deployment the connection opened under; they stay with it.
	lim *config.Limits

	// tags are the connection's tags, replaced whole on each change (directory.go); nil: none.
	tags atomic.Pointer[map[string]string]

	lastActive  atomic.Int64 // unix nanos of the last frame in or out (GetConnection)
	lastInbound atomic.Int64 // unix nanos of the last client message (idle timeout)

	// limitTimer closes the connection at the idle timeout or at ageLimit, the time since the
	// server started (monotonic) when the connection reaches MaxConnectionDuration.
	limitTimer *time.Timer
	ageLimit   time.Duration

	// call is the inline integration call running or last run by the read loop; callDog
	// abandons it at the integration timeout (made at the first such call).
	call    atomic.Pointer[inlineCall]
	callDog *watchdog
	// writeSince is when the frame being written started (unix nanos), 0 between frames;
	// writeDog disconnects the client when one takes longer than WriteTimeout (made at the
	// first write).
	writeSince atomic.Int64
	writeDog   *watchdog
	// msg is the MESSAGE event the read loop reuses for every message (made at the first one).
	msg *event.MessageEvent
	// quiet is the socket while the client has sent nothing yet, for the read loop's first wait
	// (see waitReadable); nil when not available.
	quiet syscall.RawConn

	mu      sync.Mutex
	queue   []outbound
	queued  int  // bytes in queue
	writing bool // a goroutine is writing; it drains the queue before clearing this
	closed  bool // no more sends; set when the read loop ends

	closing     atomic.Bool // a server-side close has begun
	closeCode   websocket.StatusCode
	closeReason string
}

type outbound struct {
	typ  websocket.MessageType
	data []byte
	// pooled holds data when it was copied into a pooled buffer, which goes back to the pool
	// once the frame is written.
	pooled *bytes.Buffer
}

// newConn builds the connection record for a handshake under deployment d; nothing is
// registered yet.
func (s *Server) newConn(r *http.Request, now time.Time, d *deployed) *Conn {
	id := s.opts.IDs.ConnectionID()
	c := &Conn{
		srv:       s,
		id:        id,
		connected: now,
		lim:       d.limits,
		ev: event.Conn{
			ConnectionID:   id,
			ConnectedAt:    now.UnixMilli(),
			Identity:       event.Identity{SourceIP: remoteIP(r.RemoteAddr), UserAgent: r.UserAgent()},
			DomainName:     r.Host,
			Stage:          s.opts.Stage,
			APIID:          s.opts.APIID,
			StageVariables: d.vars,
		},
	}
	c.ev.ForwardedProto, c.ev.ForwardedPort = forwardedOf(r)
	c.lastActive.Store(now.UnixNano())
	c.lastInbound.Store(now.UnixNano())
	return c
}

// forwardedOf returns the X-Forwarded-Proto and X-Forwarded-Port of a CONNECT event: the scheme
// and the local port the client connected to.
func forwardedOf(r *http.Request) (proto, port string) {
	proto, port = "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port = p
		}
	}
	return proto, port
}

// attach gives the connection its WebSocket once the handshake is done: it arms the idle and
// lifetime timers, starts writing frames queued meanwhile, and carries out a close requested
// meanwhile.
func (c *Conn) attach(ws *websocket.Conn) {
	c.mu.Lock()
	c.ws = ws
	if len(c.queue) > 0 && !c.writing {
		c.writing = true
		go c.drain()
	}
	if c.closing.Load() {
		code, reason := c.closeCode, c.closeReason
		go func() { _ = ws.Close(code, reason) }()
	}
	c.mu.Unlock()
	l := c.lim
	c.ageLimit = time.Since(c.srv.started) + l.MaxConnectionDuration
	c.limitTimer = time.AfterFunc(math.MaxInt64, c.checkLimits) // armed once assigned
	c.limitTimer.Reset(min(l.IdleTimeout, l.MaxConnectionDuration))
}

// checkLimits closes the connection with 1001 when no client message arrived for the idle
// timeout (control frames do not count as activity, as on AWS) or when it has been open for
// MaxConnectionDuration, and otherwise re-arms the timer for whichever comes first. One timer
// serves both limits, which keeps an idle connection smaller.
func (c *Conn) checkLimits() {
	l := c.lim
	ageLeft := c.ageLimit - time.Since(c.srv.started)
	idleLeft := l.IdleTimeout - c.srv.now().Sub(time.Unix(0, c.lastInbound.Load()))
	if ageLeft <= 0 || idleLeft <= 0 {
		c.closeWith(websocket.StatusGoingAway, "Going away")
		return
	}
	c.limitTimer.Reset(min(ageLeft, idleLeft))
}

// closeWith starts a server-side close with code; only the first call has an effect. It does not
// block: the close handshake runs on its own goroutine and the read loop finishes the connection.
func (c *Conn) closeWith(code websocket.StatusCode, reason string) {
	if !c.closing.CompareAndSwap(false, true) {
		return
	}
	c.mu.Lock()
	c.closeCode, c.closeReason = code, reason
	ws := c.ws
	c.mu.Unlock()
	if ws != nil { // otherwise attach closes it
		go func() { _ = ws.Close(code, reason) }()
	}
}

// abort drops the connection without a close handshake.
func (c *Conn) abort() {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws != nil {
		_ = ws.CloseNow()
	}
}

// readLoop reads and handles messages in order until the connection ends, then finishes it.
func (c *Conn) readLoop() {
	if rc := c.quiet; rc != nil {
		c.quiet = nil
		waitReadable(rc)
	}
	ctx := context.Background()
	var err error
	for {
		var typ websocket.MessageType
		var buf *bytes.Buffer
		typ, buf, err = c.readMessage(ctx)
		if err != nil {
			if errors.Is(err, errFrameTooBig) {
				c.closeWith(websocket.StatusMessageTooBig, "Frame too big")
			}
			break
		}
		if !c.accept(typ, buf.Bytes()) {
			break
		}
		owner := c.handle(typ, buf.Bytes())
		putBuffer(buf)
		if !owner {
			return // an inline handler outlived its deadline; another goroutine reads on
		}
		if c.closing.Load() {
			break // the server is closing it (throttled, say): no more messages
		}
	}
	c.finish(err)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readMessage reads one message into a pooled buffer; the caller returns it with putBuffer.
func (c *Conn) readMessage(ctx context.Context) (websocket.MessageType, *bytes.Buffer, error) {
	typ, r, err := c.ws.Reader(ctx)
	if err != nil {
		return 0, nil, err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if _, err := buf.ReadFrom(r); err != nil {
		putBuffer(buf)
		return 0, nil, err
	}
	return typ, buf, nil
}

// putBuffer returns a message buffer to the pool, unless it grew beyond a message's limit.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() > 256*1024 {
		return
	}
	bufPool.Put(buf)
}

// accept applies the frame rules before a message reaches a route: binary frames close with 1003
// unless configured as base64 events; text must be valid UTF-8 (RFC 6455 requires 1007).
func (c *Conn) accept(typ websocket.MessageType, body []byte) bool {
	switch {
	case typ == websocket.MessageBinary && c.lim.BinaryMessages != config.BinaryBase64:
		c.closeWith(websocket.StatusUnsupportedData, "Binary frames are not supported")
		return false
	case typ == websocket.MessageText && !utf8.Valid(body):
		c.closeWith(websocket.StatusInvalidFramePayloadData, "Invalid UTF-8 in text frame")
		return false
	}
	return true
}

// handle runs one message through route selection and its integration. It reports whether this
// goroutine still owns the connection: false when an inline handler outlived the integration
// timeout and another goroutine took over the read loop (see invokeInline).
func (c *Conn) handle(typ websocket.MessageType, body []byte) bool {
	s := c.srv
	now := s.now()
	c.lastInbound.Store(now.UnixNano())
	c.lastActive.Store(now.UnixNano())
	c.tapFrame(true, typ == websocket.MessageBinary, body)

	reqID, msgID := s.opts.IDs.MessageIDs()
	d := s.dep.Load()
	table := d.routes
	var (
		key string
		rt  *Route
		ok  bool
	)
	if typ == websocket.MessageBinary {
		// A binary body is not JSON: route selection falls through to $default.
		rt, ok = table.Get(event.RouteDefault)
		key = event.RouteDefault
	} else {
		key, rt, ok = table.Select(body)
	}
	call := msgCall{reqID: reqID, msgID: msgID, at: now}
	if !ok || (rt.IAM && !d.routeAllowed(&c.ev, key)) {
		// Counted and logged before the client can see the frame. A key no route has is the
		// client's own text: it is counted for the stage only, so clients cannot add series.
		c.logMessage(call, key, http.StatusForbidden, 0, msgForbidden, "")
		metricRoute := key
		if !ok {
			metricRoute = ""
		}
		s.observe(Request{Kind: RequestMessage, Route: metricRoute, Outcome: OutcomeClientError, Latency: -1})
		c.send(errorFrame(msgForbidden, c.id, reqID), true)
		return true
	}
	if !d.throttle.allow(key) {
		// [UNVERIFIED] AWS documents close code 1008 for "too many requests from a particular
		// client"; whether a throttled message gets an error frame instead is not documented.
		s.log.Info("message throttled", "route", key, "connectionId", c.id, "requestId", reqID)
		// Counted and logged before the close, so whoever sees the 1008 also sees them.
		c.logMessage(call, key, http.StatusTooManyRequests, 0, "Too Many Requests", "")
		s.observe(Request{Kind: RequestMessage, Route: key, Outcome: OutcomeThrottled, Latency: -1})
		c.closeWith(websocket.StatusPolicyViolation, "Too many requests")
		return true
	}

	var payload string
	isBase64 := typ == websocket.MessageBinary
	if isBase64 {
		payload = base64.StdEncoding.EncodeToString(body)
	} else {
		payload = string(body)
	}
	if c.msg == nil {
		c.msg = new(event.MessageEvent)
	}
	c.ev.StageVariables = d.vars // the deployment's, for this and later events
	req := c.ev.MessageInto(c.msg, reqID, msgID, now, key, payload, isBase64)
	if inv, ok := rt.Invoker.(inlineInvoker); ok {
		return c.invokeInline(inv, rt, key, call, req)
	}
	if s.obs != nil {
		call.start = time.Now()
	}
	resp, err := s.invoke(rt, req, c.lim.IntegrationTimeout)
	c.reply(rt, key, call, resp, err)
	return true
}

// msgCall identifies a message's request, for its reply and its access-log entry.
type msgCall struct {
	reqID, msgID string
	at           time.Time // when the message arrived
	// start is when the integration was called (monotonic), for the observer; zero without one.
	start time.Time
}

// reply sends what the client gets for a message once its integration has answered: the error
// frame for a failure or a timeout, or a two-way route's response.
func (c *Conn) reply(rt *Route, key string, call msgCall, resp *event.Response, err error) {
	s := c.srv
	reqID := call.reqID
	if s.obs != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		s.obs.Request(Request{Kind: RequestMessage, Route: key, Outcome: outcomeOf(status, err), Latency: time.Since(call.start)})
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("integration timed out", "route", key, "connectionId", c.id, "requestId", reqID)
		c.send(errorFrame(msgEndpointTimeout, c.id, reqID), true)
		c.logMessage(call, key, http.StatusGatewayTimeout, 0, msgEndpointTimeout, err.Error())
	case err != nil:
		s.log.Warn("integration failed", "route", key, "connectionId", c.id, "requestId", reqID, "err", err)
		c.send(errorFrame(msgInternalError, c.id, reqID), true)
		c.logMessage(call, key, http.StatusInternalServerError, 0, msgInternalError, err.Error())
	default:
		if rt.ReturnResponse {
			c.sendResponse(resp, key, reqID)
		}
		c.logMessage(call, key, http.StatusOK, resp.StatusCode, "", "")
	}
}

// logMessage writes a MESSAGE access-log entry when access logging is on; the integration's
// latency runs to now.
func (c *Conn) logMessage(call msgCall, key string, status, integStatus int, errMsg, integErr string) {
	l := c.srv.dep.Load().access
	if l == nil {
		return
	}
	latency := time.Duration(-1)
	if status != http.StatusForbidden && status != http.StatusTooManyRequests {
		latency = time.Since(call.at)
	}
	l.Log(&accesslog.Entry{Conn: &c.ev, EventType: event.TypeMessage, RequestID: call.reqID, MessageID: call.msgID,
		RouteKey: key, Time: call.at, Status: status, IntegrationStatus: integStatus, IntegrationLatency: latency,
		Error: errMsg, IntegrationError: integErr})
}

// sendResponse sends a two-way route's response body. [UNVERIFIED] whether AWS forwards the body
// of a 4xx/5xx result; like serverless-offline we forward it whatever the status. An empty body
// sends nothing.
func (c *Conn) sendResponse(resp *event.Response, key, reqID string) {
	if resp.Body == "" {
		return
	}
	if o := c.srv.obs; o != nil {
		o.Sent(key)
	}
	if resp.IsBase64Encoded {
		data, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			c.srv.log.Warn("route response is not valid base64", "connectionId", c.id, "requestId", reqID, "err", err)
			c.send(errorFrame(msgInternalError, c.id, reqID), true)
			return
		}
		c.enqueue(outbound{typ: websocket.MessageBinary, data: data}, true)
		return
	}
	c.sendString(resp.Body)
}

// sendString sends s as a text frame, written from a pooled copy: a two-way route's reply costs
// no allocation.
func (c *Conn) sendString(s string) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	buf.WriteString(s)
	if err := c.enqueue(outbound{typ: websocket.MessageText, data: buf.Bytes(), pooled: buf}, true); err != nil {
		putBuffer(buf) // not queued
	}
}

// send queues a text frame. inline lets the caller write it itself when nothing else is queued,
// which the read loop does to avoid a goroutine hand-off per reply.
func (c *Conn) send(data []byte, inline bool) error {
	return c.enqueue(outbound{typ: websocket.MessageText, data: data}, inline)
}

// enqueue adds a frame to the bounded send queue. When the queue already holds SendQueueBytes the
// frame is refused with LimitExceededException and the connection stays up: a client that does
// not read loses new frames, never the server's memory.
func (c *Conn) enqueue(m outbound, inline bool) error {
	c.mu.Lock()
	if err := c.admitLocked(len(m.data)); err != nil {
		c.mu.Unlock()
		c.refused(err)
		return err
	}
	if c.ws == nil || c.writing || len(c.queue) > 0 || !inline {
		start := c.appendLocked(m)
		c.mu.Unlock()
		if start {
			go c.drain()
		}
		return nil
	}
	c.writing = true
	c.mu.Unlock()
	c.write(m)
	c.drain()
	return nil
}

// queueOnly adds a frame to the send queue like enqueue but never starts a writer: when start is
// true the connection has none yet, and the caller must run drain (writing is already set on its
// behalf). Broadcast uses it so that its loop over thousands of connections is not made to wait
// behind the writers it would start (each go statement can hand the CPU to the new goroutine).
func (c *Conn) queueOnly(m outbound) (start bool, err error) {
	c.mu.Lock()
	if err = c.admitLocked(len(m.data)); err == nil {
		start = c.appendLocked(m)
	}
	c.mu.Unlock()
	c.refused(err)
	return start, err
}

// admitLocked says whether a frame of n bytes may join the queue: ErrGone once the connection is
// closing, ErrLimitExceeded when the queue is full. c.mu is held.
func (c *Conn) admitLocked(n int) error {
	if c.closed || c.closing.Load() {
		return apigw.ErrGone
	}
	if c.queued > 0 && c.queued+n > c.lim.SendQueueBytes {
		return apigw.ErrLimitExceeded
	}
	return nil
}

// appendLocked queues m and reports whether a writer must be started for it, marking the
// connection as writing when so. Before the handshake ends no writer starts: attach does that.
// c.mu is held.
func (c *Conn) appendLocked(m outbound) (start bool) {
	c.queue = append(c.queue, m)
	c.queued += len(m.data)
	if !c.writing && c.ws != nil {
		c.writing = true
		return true
	}
	return false
}

// refused counts a frame dropped because the send queue was full.
func (c *Conn) refused(err error) {
	if err == apigw.ErrLimitExceeded && c.srv.obs != nil {
		c.srv.obs.Dropped()
	}
}

// drain writes queued frames until the queue is empty, then clears writing.
func (c *Conn) drain() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.queue, c.queued = nil, 0
			c.writing = false
			c.mu.Unlock()
			return
		}
		m := c.queue[0]
		c.queue[0] = outbound{}
		c.queue = c.queue[1:]
		c.queued -= len(m.data)
		c.mu.Unlock()
		c.write(m)
	}
}

// write sends one frame with the write timeout. A client that does not take the frame in time is
// disconnected (the read loop then reports 1006).
//
// The timeout is kept by writeDog, which checks writeSince, rather than by a context with a
// timeout (a timer per frame, and a callback the library registers on it) or a deadline on the
// connection (set before and cleared after every frame): two atomic stores and, while the
// watchdog is armed already, one compare-and-swap per frame.
func (c *Conn) write(m outbound) {
	if m.pooled != nil {
		defer putBuffer(m.pooled)
	}
	if c.writeDog == nil {
		c.writeDog = newWatchdog(c.checkWrite)
	}
	c.writeSince.Store(time.Now().UnixNano())
	c.writeDog.arm(c.lim.WriteTimeout)
	err := c.ws.Write(context.Background(), m.typ, m.data)
	c.writeSince.Store(0)
	if err != nil {
		if !c.closing.Load() {
			c.srv.log.Info("write failed; closing connection", "connectionId", c.id, "err", err)
			_ = c.ws.CloseNow()
		}
		return
	}
	c.lastActive.Store(c.srv.now().UnixNano())
	c.tapFrame(false, m.typ == websocket.MessageBinary, m.data)
}

// checkWrite is writeDog's check: it drops the connection when the frame being written has taken
// WriteTimeout, which ends the write with an error, and otherwise says how long it has left.
func (c *Conn) checkWrite(now time.Time) time.Duration {
	since := c.writeSince.Load()
	if since == 0 {
		return 0
	}
	if left := time.Unix(0, since).Add(c.lim.WriteTimeout).Sub(now); left > 0 {
		return left
	}
	_ = c.ws.CloseNow()
	return 0
}

// finish runs once when the read loop ends: it unregisters the connection, stops its timers and
// delivers $disconnect with the close code and reason.
func (c *Conn) finish(readErr error) {
	s := c.srv
	s.conns.Remove(c.id)
	if s.opts.Tracker != nil {
		s.opts.Tracker.Closed(&c.ev)
	}
	s.tapClosed(c.id)
	c.limitTimer.Stop()
	c.callDog.stop() // writeDog may be armed by a write still failing; its check then finds none

	c.mu.Lock()
	c.closed = true
	c.queue, c.queued = nil, 0
	serverCode, serverReason := c.closeCode, c.closeReason
	c.mu.Unlock()

	code, reason := disconnectStatus(readErr, c.closing.Load(), serverCode, serverReason)
	if !c.closing.Load() {
		_ = c.ws.CloseNow()
	}
	s.deliverDisconnect(c, code, reason)
	s.live.Done()
}

// disconnectStatus decides the disconnectStatusCode and disconnectReason of a connection: the
// code and reason the client sent, 1005 for a close frame without a code, 1006 for a dropped TCP
// connection, or the code of a server-side close with AWS's reason text for it.
func disconnectStatus(readErr error, serverClose bool, serverCode websocket.StatusCode, serverReason string) (int, string) {
	if serverClose {
		return int(serverCode), event.CloseReason(int(serverCode))
	}
	var ce websocket.CloseError
	if errors.As(readErr, &ce) {
		if ce.Code == websocket.StatusNoStatusRcvd {
			return 1005, event.CloseReason(1005)
		}
		// The client's own reason, "" when it gave none: AWS's recorded sample of a client
		// closing with 1001 has disconnectReason "".
		return int(ce.Code), ce.Reason
	}
	if errors.Is(readErr, websocket.ErrMessageTooBig) {
		return 1009, event.CloseReason(1009)
	}
	return 1006, event.CloseReason(1006)
}

// deliverDisconnect invokes $disconnect, if the stage has one, on its own goroutine; the server
// waits for it at shutdown. The result is ignored, as on AWS.
func (s *Server) deliverDisconnect(c *Conn, code int, reason string) {
	d := s.dep.Load()
	if _, ok := d.routes.Get(event.RouteDisconnect); !ok {
		return
	}
	c.ev.StageVariables = d.vars
	ev := c.ev // the event's fields as of now, for the goroutine
	s.live.Add(1)
	go func() {
		defer s.live.Done()
		s.disconnect(s.base, d, &ev, c.lim.IntegrationTimeout, code, reason)
	}()
}

// DeliverDisconnect invokes $disconnect for a connection this server does not hold, one that
// another node held until it died (see internal/cluster), with the deployment in force, and
// returns once the integration has answered or failed. The result is ignored and failures are
// logged, as for the server's own connections; ctx bounds the call beside the integration
// timeout. Shutdown does not wait for these calls: their caller does.
func (s *Server) DeliverDisconnect(ctx context.Context, c *event.Conn, code int, reason string) {
	d := s.dep.Load()
	ev := *c
	ev.StageVariables = d.vars
	s.disconnect(ctx, d, &ev, d.limits.IntegrationTimeout, code, reason)
}

// disconnect runs $disconnect for c, if deployment d has one, and reports it to the observer and
// the access log.
func (s *Server) disconnect(ctx context.Context, d *deployed, c *event.Conn, timeout time.Duration, code int, reason string) {
	rt, ok := d.routes.Get(event.RouteDisconnect)
	if !ok {
		return
	}
	reqID := s.opts.IDs.RequestID()
	now := s.now()
	req := c.Disconnect(reqID, now, code, reason)
	start := time.Now()
	resp, err := s.invokeCtx(ctx, rt, req, timeout)
	latency := time.Since(start)
	if err != nil {
		s.log.Warn("$disconnect integration failed", "connectionId", c.ConnectionID, "requestId", reqID, "err", err)
	}
	if s.obs != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		s.obs.Request(Request{Kind: RequestDisconnect, Route: event.RouteDisconnect, Reached: true, Outcome: outcomeOf(status, err), Latency: latency})
	}
	if l := d.access; l != nil {
		e := &accesslog.Entry{Conn: c, EventType: event.TypeDisconnect, RequestID: reqID,
			RouteKey: event.RouteDisconnect, Time: now, Status: http.StatusOK, IntegrationLatency: latency}
		if err != nil {
			e.Status, e.Error, e.IntegrationError = http.StatusInternalServerError, msgInternalError, err.Error()
		} else {
			e.IntegrationStatus = resp.StatusCode
		}
		l.Log(e)
	}
}

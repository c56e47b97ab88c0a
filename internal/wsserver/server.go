package wsserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/accesslog"
	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
	"github.com/switchboardhq/switchboard/internal/registry"
	"github.com/switchboardhq/switchboard/internal/route"
)

// Route is one entry of a stage's route table.
type Route struct {
	Key     string
	Invoker integration.Invoker
	// ReturnResponse makes the route two-way: the handler's body is sent back as a frame.
	ReturnResponse bool
	// IAM restricts the route to connections that Options.RouteAuthorizer allows; others get
	// the Forbidden frame.
	IAM bool
}

// Options configures a Server. Zero fields take the defaults stated on each. StageVariables,
// Limits, AccessLog, Throttle, Routes, Authorizer and RouteAuthorizer are the first deployment;
// Deploy replaces them.
type Options struct {
	// Stage is the stage name reported in events. Required.
	Stage string
	// APIID is reported as requestContext.apiId. Required.
	APIID string
	// StageVariables are delivered as stageVariables when non-empty.
	StageVariables map[string]string
	// Limits are the runtime limits; zero fields fall back to AWS's quotas (see config.Limits).
	Limits config.Limits
	// AccessLog, when set, gets an entry per CONNECT, MESSAGE and DISCONNECT request.
	AccessLog *accesslog.Logger
	// Throttle is the stage's route throttle (a token bucket per route); zero means none. A
	// throttled handshake is refused with 429, a throttled message closes its connection with
	// 1008.
	Throttle config.Throttle
	// Routes is the initial route table. Required.
	Routes *route.Table[*Route]
	// IDs generates connection, request and message ids. Required.
	IDs *event.IDs
	// Authorizer decides on handshakes before $connect runs; nil allows every handshake.
	Authorizer ConnectAuthorizer
	// RouteAuthorizer decides whether a connection may use a route marked IAM; nil refuses
	// them all.
	RouteAuthorizer RouteAuthorizer
	// Observer hears of every request, for metrics; nil observes nothing.
	Observer Observer
	// ConnectionTags are `connectionTags`: the tags a connection gets at its handshake.
	ConnectionTags map[string]string
	// Tracker is told when a connection starts to exist for @connections and when it ends
	// (a cluster records them); nil tracks nothing.
	Tracker Tracker
	// Logger receives connection-level events. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Server is one stage's WebSocket endpoint. It implements http.Handler for the stage path and
// apigw.Connections for the connections it holds.
type Server struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	obs  Observer // nil: none

	started time.Time // when New ran; connections measure their age from it (monotonic)

	dep   atomic.Pointer[deployed] // the deployment in force
	conns *registry.Registry[*Conn]

	// base is the parent context of every integration call; cancelled by Close.
	base       context.Context
	cancelBase context.CancelFunc

	draining atomic.Bool
	// throttleShare is how many nodes share the stage's throttle (SetThrottleShare); 0 or 1:
	// this node alone.
	throttleShare atomic.Int64
	// callsCanceled is set when Shutdown cancels the integration calls: inline calls (which do
	// not run under base) started from then on begin canceled.
	callsCanceled atomic.Bool
	// live counts handshakes in progress, open connections and $disconnect deliveries.
	live sync.WaitGroup
	// tap hears frames (SetTap); nil: none.
	tap atomic.Pointer[tapBox]
}

// New returns a Server ready to serve handshakes.
func New(opts Options) (*Server, error) {
	if opts.Stage == "" || opts.APIID == "" || opts.Routes == nil || opts.IDs == nil {
		return nil, errors.New("wsserver: Stage, APIID, Routes and IDs are required")
	}
	s := &Server{
		opts:  opts,
		log:   opts.Logger,
		now:   opts.Now,
		obs:   opts.Observer,
		conns: registry.New[*Conn](),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.started = time.Now()
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.deploy(Deployment{Routes: opts.Routes, StageVariables: opts.StageVariables, Limits: opts.Limits,
		Throttle: opts.Throttle, AccessLog: opts.AccessLog, Authorizer: opts.Authorizer, RouteAuthorizer: opts.RouteAuthorizer,
		ConnectionTags: opts.ConnectionTags})
	return s, nil
}

// Routes returns the current route table.
func (s *Server) Routes() *route.Table[*Route] { return s.dep.Load().routes }

// SetRoutes atomically replaces the route table, keeping the rest of the deployment. Connections
// pick it up with their next message (and their $disconnect), so added routes take effect for
// existing connections.
func (s *Server) SetRoutes(t *route.Table[*Route]) {
	d := s.dep.Load().deployment()
	d.Routes = t
	s.deploy(d)
}

// Len returns the number of open connections.
func (s *Server) Len() int { return s.conns.Len() }

// ServeHTTP handles a WebSocket handshake on the stage path: it runs the authorizer and the
// $connect integration while the client waits, and only then answers 101.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSONMessage(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Connection", "upgrade") ||
		!headerHasToken(r.Header, "Upgrade", "websocket") {
		// A plain HTTP request to the WebSocket endpoint. AWS's answer is not documented; 426 says
		// what is wrong in HTTP's own terms.
		w.Header().Set("Upgrade", "websocket")
		writeJSONMessage(w, http.StatusUpgradeRequired, "Upgrade Required: this endpoint accepts WebSocket connections only")
		return
	}
	now := s.now()
	d := s.dep.Load()
	c := s.newConn(r, now, d)
	reqID := s.opts.IDs.RequestID()
	// logged writes the CONNECT access-log entry: the handshake's status, and the $connect
	// integration's outcome when it ran.
	logged := func(status, integStatus int, latency time.Duration, errMsg, integErr string) {
		if d.access != nil {
			d.access.Log(&accesslog.Entry{Conn: &c.ev, EventType: event.TypeConnect, RequestID: reqID,
				RouteKey: event.RouteConnect, Time: now, Status: status, IntegrationStatus: integStatus,
				IntegrationLatency: latency, Error: errMsg, IntegrationError: integErr})
		}
	}
	if !d.throttle.allow(event.RouteConnect) {
		logged(http.StatusTooManyRequests, 0, -1, "Too Many Requests", "")
		s.observe(Request{Kind: RequestConnect, Route: event.RouteConnect, Outcome: OutcomeThrottled, Latency: -1})
		writeJSONMessage(w, http.StatusTooManyRequests, "Too Many Requests")
		return
	}
	s.live.Add(1)
	defer s.live.Done()

	if a := d.authorizer; a != nil {
		hs := &Handshake{Request: r, Conn: &c.ev, RequestID: reqID, Now: now}
		ctx, cancel := context.WithTimeout(r.Context(), c.lim.IntegrationTimeout)
		err := a.AuthorizeConnect(ctx, hs)
		cancel()
		if err != nil {
			e := s.handshakeRefusal(c, err)
			logged(e.Status, 0, -1, e.Message, "")
			outcome := OutcomeClientError
			if e.Status >= 500 {
				outcome = OutcomeExecutionError
			}
			s.observe(Request{Kind: RequestConnect, Route: event.RouteConnect, Outcome: outcome, Latency: -1})
			writeError(w, e) // after the count and the log line, so a client that sees it sees them
			return
		}
	}

	tags := d.handshakeTags(r, &c.ev)
	connected := false
	integStatus, latency := 0, time.Duration(-1)
	if rt, ok := d.routes.Get(event.RouteConnect); ok {
		req := c.ev.Connect(reqID, now, r.Header, r.URL.Query(), c.ev.Identity.SourceIP)
		start := time.Now()
		resp, err := s.invoke(rt, req, c.lim.IntegrationTimeout)
		latency = time.Since(start)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		s.observe(Request{Kind: RequestConnect, Route: event.RouteConnect, Reached: true, Outcome: outcomeOf(status, err), Latency: latency})
		if err != nil {
			status := http.StatusBadGateway
			if errors.Is(err, context.DeadlineExceeded) {
				// [UNVERIFIED] AWS documents 502 for a failing $connect; a timeout is most
				// plausibly a gateway timeout.
				status = http.StatusGatewayTimeout
			}
			s.log.Warn("$connect integration failed", "connectionId", c.id, "requestId", reqID, "err", err)
			writeJSONMessage(w, status, http.StatusText(status))
			logged(status, 0, latency, http.StatusText(status), err.Error())
			return
		}
		integStatus = resp.StatusCode
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			s.log.Info("$connect rejected the connection", "connectionId", c.id, "requestId", reqID, "status", resp.StatusCode)
			w.WriteHeader(validStatus(resp.StatusCode))
			logged(validStatus(resp.StatusCode), integStatus, latency, "", "")
			return
		}
		if p := responseHeader(resp, "Sec-WebSocket-Protocol"); p != "" {
			w.Header().Set("Sec-WebSocket-Protocol", p)
		}
		tags = s.responseTags(resp, c, tags)
		connected = true
	} else {
		s.observe(Request{Kind: RequestConnect, Route: event.RouteConnect, Reached: true, Outcome: OutcomeOK, Latency: -1})
	}

	// The connection exists for @connections from here on: posts made now are queued and sent
	// once the handshake completes (AWS answers 410 only while $connect runs).
	if tags != nil {
		c.tags.Store(&tags)
	}
	s.live.Add(1)
	s.conns.Add(c.id, c)
	if s.opts.Tracker != nil {
		s.opts.Tracker.Opened(&c.ev)
	}
	s.tapOpened(c.id)
	hw := &hijackSmall{ResponseWriter: w, maxFrame: int64(c.lim.MaxFrameBytes)}
	ws, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		// API Gateway does not check Origin; authorization is the authorizer's job.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.Warn("websocket accept failed", "connectionId", c.id, "err", err)
		logged(http.StatusBadRequest, integStatus, latency, "Bad Request", "")
		s.conns.Remove(c.id)
		if s.opts.Tracker != nil {
			s.opts.Tracker.Closed(&c.ev)
		}
		s.tapClosed(c.id)
		if connected {
			s.deliverDisconnect(c, 1006, "")
		}
		s.live.Done()
		return
	}
	logged(http.StatusOK, integStatus, latency, "", "")
	ws.SetReadLimit(int64(c.lim.MaxMessageBytes))
	c.quiet = hw.quiet
	c.attach(ws)
	go c.readLoop()
	// Shutdown sets draining before it snapshots the registry, so a connection registered
	// concurrently is either in its snapshot or sees draining here.
	if s.draining.Load() {
		c.closeWith(websocket.StatusGoingAway, "Going away")
	}
}

// routeAllowed asks the deployment's route authorizer about an IAM route.
func (d *deployed) routeAllowed(c *event.Conn, key string) bool {
	return d.routeAuth != nil && d.routeAuth.AuthorizeRoute(c, key)
}

// invoke calls a route's integration with the integration timeout, under the server's base
// context so that Close cancels calls still in flight.
func (s *Server) invoke(rt *Route, req *event.Request, timeout time.Duration) (*event.Response, error) {
	return s.invokeCtx(s.base, rt, req, timeout)
}

// invokeCtx is invoke under parent instead of the base context.
func (s *Server) invokeCtx(parent context.Context, rt *Route, req *event.Request, timeout time.Duration) (*event.Response, error) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	resp, err := rt.Invoker.Invoke(ctx, req)
	if err == nil && resp == nil {
		err = integration.ErrBadResponse
	}
	return resp, err
}

// handshakeRefusal is the answer to a handshake the authorizer refused: the status it chose, or
// a 500 for an error that carries none. It logs the refusal.
func (s *Server) handshakeRefusal(c *Conn, err error) *apigw.Error {
	var e *apigw.Error
	if !errors.As(err, &e) {
		e = &apigw.Error{Status: http.StatusInternalServerError, Type: "InternalServerErrorException", Message: "Internal server error"}
	}
	s.log.Info("handshake refused", "connectionId", c.id, "status", e.Status, "err", err)
	return e
}

// Shutdown stops accepting handshakes, closes every connection with 1001 and waits until their
// $disconnect deliveries have finished or ctx ends. In-flight integration calls are cancelled
// when ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	for _, c := range s.conns.Snapshot() {
		c.closeWith(websocket.StatusGoingAway, "Going away")
	}
	done := make(chan struct{})
	go func() {
		s.live.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelCalls()
		return nil
	case <-ctx.Done():
		s.cancelCalls()
		for _, c := range s.conns.Snapshot() {
			c.abort()
		}
		return ctx.Err()
	}
}

// cancelCalls cancels every integration call still running: those under the base context and the
// connections' inline calls.
func (s *Server) cancelCalls() {
	s.callsCanceled.Store(true)
	s.cancelBase()
	for _, c := range s.conns.Snapshot() {
		c.cancelCall()
	}
}

// responseHeader finds a header in a proxy response, case-insensitively, in either map.
func responseHeader(resp *event.Response, name string) string {
	for k, v := range resp.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range resp.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return strings.Join(v, ", ")
		}
	}
	return ""
}

// validStatus maps a handler's status code to one net/http can write.
func validStatus(code int) int {
	if code < 100 || code > 999 {
		return http.StatusBadGateway
	}
	return code
}

// headerHasToken reports whether a comma-separated header contains token, case-insensitively.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// writeJSONMessage writes {"message":"..."} with status, API Gateway's error body shape.
func writeJSONMessage(w http.ResponseWriter, status int, message string) {
	writeError(w, &apigw.Error{Status: status, Type: errorTypeFor(status), Message: message})
}

// writeError renders e as API Gateway does: its status, x-amzn-ErrorType and {"message": ...}.
func writeError(w http.ResponseWriter, e *apigw.Error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", e.Type)
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(`{"message":` + quoteJSON(e.Message) + `}`))
}

func errorTypeFor(status int) string {
	switch status {
	case http.StatusUpgradeRequired:
		return "UpgradeRequiredException"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailableException"
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return "IntegrationFailureException"
	default:
		return "InternalServerErrorException"
	}
}

// remoteIP returns the IP part of a RemoteAddr.
func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// Package metrics keeps one API stage's metrics: API Gateway's CloudWatch metrics for WebSocket
// APIs (ConnectCount, MessageCount, IntegrationError, ClientError, ExecutionError,
// IntegrationLatency) under Prometheus names, Switchboard's own (connections, dropped messages,
// throttled requests, function invocations), and a window of their recent history from which
// Metric computes CloudWatch's statistics.
//
// Use New for each API stage, report what happens with Request, Sent, Dropped and Function's
// methods (each a few atomic operations: they run on the message path), call Tick every
// Options.Resolution, and read the figures with Metric or, through NewGatherer, in the Prometheus
// text format. The counting rules are in docs/operations.md.
package metrics

import (
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	// DefaultResolution is how often Tick is meant to be called: the granularity of Metric's
	// periods.
	DefaultResolution = 10 * time.Second
	// DefaultRetention is how much history is kept: the longest period Metric accepts.
	DefaultRetention = 3 * time.Hour
)

// Options configure a Registry.
type Options struct {
	// API and Stage are the values of the api and stage labels: the API id and the stage name.
	API, Stage string
	// Detailed keeps a series per route key (API Gateway's DetailedMetricsEnabled): the route
	// label, and Metric's Route option. Default false. SetDetailed changes it.
	Detailed bool
	// Resolution is how often the owner calls Tick. Default DefaultResolution.
	Resolution time.Duration
	// Retention is how much history Metric can look back over. Default DefaultRetention.
	Retention time.Duration
}

// The counters of a series, in the order of Series.counts.
const (
	cConnect = iota
	cMessage
	cIntegrationError
	cClientError
	cExecutionError
	cThrottled
	nCounts
)

// Registry holds one API stage's metrics. It is a prometheus.Collector (see NewGatherer). All
// methods are safe for concurrent use.
type Registry struct {
	api, stage string
	resolution time.Duration
	retention  time.Duration
	capacity   int // samples kept per series

	detailed atomic.Bool
	whole    *Series                            // the route-less series
	routes   atomic.Pointer[map[string]*Series] // by route key; replaced, never changed

	dropped     atomic.Uint64
	connections atomic.Pointer[func() int]

	mu        sync.Mutex // creating series and functions; ticks; Metric's reads of history
	functions atomic.Pointer[map[string]*Function]
}

// New returns an empty Registry.
func New(opts Options) *Registry {
	if opts.Resolution <= 0 {
		opts.Resolution = DefaultResolution
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	r := &Registry{
		api: opts.API, stage: opts.Stage,
		resolution: opts.Resolution,
		retention:  opts.Retention,
		capacity:   int(opts.Retention/opts.Resolution) + 2,
	}
	r.whole = newSeries("")
	r.detailed.Store(opts.Detailed)
	r.routes.Store(&map[string]*Series{})
	r.functions.Store(&map[string]*Function{})
	return r
}

// SetDetailed turns per-route series on or off (stage.detailedMetrics); series kept so far stay.
func (r *Registry) SetDetailed(on bool) { r.detailed.Store(on) }

// Detailed reports whether per-route series are on.
func (r *Registry) Detailed() bool { return r.detailed.Load() }

// SetConnections sets the function the switchboard_connections gauge reads when collected.
func (r *Registry) SetConnections(f func() int) { r.connections.Store(&f) }

// Series is the counters and latency histogram of one route key, or of the stage as a whole
// (route ""). Its fields are updated atomically.
type Series struct {
	route   string
	counts  [nCounts]atomic.Uint64
	latency *histogram

	history []sample // guarded by Registry.mu
	evicted bool     // history has lost its oldest samples; guarded by Registry.mu
}

func newSeries(route string) *Series { return &Series{route: route, latency: newHistogram()} }

// series returns the series events of route go to: the route's own with detailed metrics on,
// the stage's otherwise (and for route "").
func (r *Registry) series(route string) *Series {
	if route == "" || !r.detailed.Load() {
		return r.whole
	}
	if s, ok := (*r.routes.Load())[route]; ok {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.routes.Load()
	if s, ok := old[route]; ok {
		return s
	}
	m := make(map[string]*Series, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	s := newSeries(route)
	m[route] = s
	r.routes.Store(&m)
	return s
}

// allSeries returns the stage's series and every route's.
func (r *Registry) allSeries() []*Series {
	routes := *r.routes.Load()
	out := make([]*Series, 0, len(routes)+1)
	out = append(out, r.whole)
	for _, s := range routes {
		out = append(out, s)
	}
	return out
}

// Kind is the kind of a request.
type Kind uint8

// The kinds of request.
const (
	KindConnect    Kind = iota // a WebSocket handshake
	KindMessage                // a message from a client
	KindDisconnect             // a $disconnect delivery
)

// Outcome is how a request ended.
type Outcome uint8

// The outcomes.
const (
	// OK: the integration answered with a status below 400, or the route has no integration.
	OK Outcome = iota
	// ClientError: refused before any integration ran, with a 4xx: an authorizer's 401 or 403,
	// a message no route took or that its route's IAM auth forbids.
	ClientError
	// Throttled: refused by the stage's throttle (429); a client error too.
	Throttled
	// IntegrationError: the integration answered with a status of 400 or more.
	IntegrationError
	// ExecutionError: calling the integration (or the authorizer) failed: an error, a crash, a
	// malformed response, a timeout.
	ExecutionError
)

// Request is one request the gateway handled.
type Request struct {
	Kind  Kind
	Route string // the route key; "" when none was selected
	// Reached is set for a handshake that got past throttling and authorization to its
	// $connect route (with or without an integration): what ConnectCount counts.
	Reached bool
	Outcome Outcome
	// Latency is the integration's latency; negative when no integration ran.
	Latency time.Duration
}

// Request counts one request (see docs/operations.md for the rules): ConnectCount for a
// handshake that reached $connect, MessageCount for every message from a client, the error
// metric its outcome names, and IntegrationLatency when an integration ran.
func (r *Registry) Request(q Request) {
	s := r.series(q.Route)
	switch q.Kind {
	case KindConnect:
		if q.Reached {
			s.counts[cConnect].Add(1)
		}
	case KindMessage:
		s.counts[cMessage].Add(1)
	}
	switch q.Outcome {
	case ClientError:
		s.counts[cClientError].Add(1)
	case Throttled:
		s.counts[cClientError].Add(1)
		s.counts[cThrottled].Add(1)
	case IntegrationError:
		s.counts[cIntegrationError].Add(1)
	case ExecutionError:
		s.counts[cExecutionError].Add(1)
	}
	if q.Latency >= 0 {
		s.latency.observe(q.Latency)
	}
}

// Sent counts a message sent to a client in MessageCount: a two-way route's response (route is
// its key) or an @connections post (route "").
func (r *Registry) Sent(route string) { r.series(route).counts[cMessage].Add(1) }

// Dropped counts a message that was not sent because the connection's send queue was full.
func (r *Registry) Dropped() { r.dropped.Add(1) }

// Function is the metrics of one function (Lambda's Invocations, Errors, Throttles, Duration,
// and cold starts). Its fields are updated atomically.
type Function struct {
	name        string
	invocations atomic.Uint64
	errors      atomic.Uint64
	timeouts    atomic.Uint64
	throttles   atomic.Uint64
	coldStarts  atomic.Uint64
	duration    *histogram
}

// Function returns the metrics of the function called name, creating them on first use.
func (r *Registry) Function(name string) *Function {
	if f, ok := (*r.functions.Load())[name]; ok {
		return f
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.functions.Load()
	if f, ok := old[name]; ok {
		return f
	}
	m := make(map[string]*Function, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	f := &Function{name: name, duration: newHistogram()}
	m[name] = f
	r.functions.Store(&m)
	return f
}

// Invoked counts an invocation that ran for d; failed counts it in errors too (timeouts
// included, as Lambda's Errors does), timedOut in timeouts.
func (f *Function) Invoked(d time.Duration, failed, timedOut bool) {
	f.invocations.Add(1)
	if failed || timedOut {
		f.errors.Add(1)
	}
	if timedOut {
		f.timeouts.Add(1)
	}
	f.duration.observe(d)
}

// ColdStart counts a worker started for an invocation.
func (f *Function) ColdStart() { f.coldStarts.Add(1) }

// Throttled counts an invocation refused because every worker stayed busy.
func (f *Function) Throttled() { f.throttles.Add(1) }

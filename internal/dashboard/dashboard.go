// Package dashboard is the admin listener's live page: the open connections (with one
// connection's details and latest frames in and out), traffic per route, function workers, the
// APIs' routes and settings; and forms to send a message to a connection, broadcast, and close
// a connection. The page (HTML, one script, one style sheet) is embedded in the binary.
//
// Use New with an API for each API stage to show (internal/app adapts an App), mount the
// Handler at "/" of the admin listener, and Close it when the listener stops. The page reads
// GET /api/apis and the event stream GET /api/events (Server-Sent Events: the selected API's
// state every Options.Interval, a connection's frames as they come); its actions are POSTs
// under /api/apis/{api}/ that carry the header of CSRFHeader and pass
// http.CrossOriginProtection. The admin listener has no authentication: it must stay private.
//
// Frames are recorded only while someone looks: the first request to the API installs each
// API's Tap, and Options.Idle after the last page went away the taps are removed and the frames
// forgotten.
package dashboard

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/metrics"
)

// Defaults of Options.
const (
	DefaultFrames         = 50
	DefaultFrameBytes     = 2 << 10
	DefaultMaxBytes       = 16 << 20
	DefaultMaxConnections = 10_000
	DefaultLinger         = 2 * time.Minute
	DefaultInterval       = time.Second
	DefaultIdle           = 5 * time.Minute
	DefaultListLimit      = 100
)

// CSRFHeader must be present (any value) on the dashboard's POSTs: a page of another origin
// cannot set it without a CORS preflight, which the dashboard never grants.
const CSRFHeader = "X-Switchboard-Dashboard"

// Options configure a Handler.
type Options struct {
	// APIs are the API stages shown, in the order of the page's selector. Required.
	APIs []API
	// Logger receives the errors of failed requests. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Frames is how many of a connection's latest frames are kept. Default DefaultFrames (50).
	Frames int
	// FrameBytes is the most of one frame's payload kept. Default DefaultFrameBytes (2 KiB).
	FrameBytes int
	// MaxBytes bounds the payload bytes kept for all connections together; past it frames are
	// kept without their data. Default DefaultMaxBytes (16 MiB).
	MaxBytes int
	// MaxConnections bounds the connections whose frames are kept. Default
	// DefaultMaxConnections (10,000).
	MaxConnections int
	// Linger is how long a closed connection's frames stay. Default DefaultLinger (2 minutes).
	Linger time.Duration
	// Interval is how often the event stream sends the state. Default DefaultInterval (1 s).
	Interval time.Duration
	// Idle is how long after the last request the frame taps are removed. Default
	// DefaultIdle (5 minutes).
	Idle time.Duration
	// ListLimit is how many connections the state lists. Default DefaultListLimit (100).
	ListLimit int
	// Hosts are host names, besides IP addresses, "localhost" and names under ".localhost", that
	// the Host header may carry (without the port). Any other is refused, so that a site whose
	// DNS name is rebound to the listener's address cannot read or drive the page.
	Hosts []string
}

// API is what the dashboard shows and does for one API stage. Its methods are called from
// request goroutines and must be safe for concurrent use.
type API interface {
	// Info describes the API: its identity, routes and settings.
	Info() Info
	// Connections posts to, describes and closes connections.
	Connections() apigw.Connections
	// Directory lists connections and broadcasts.
	Directory() apigw.Directory
	// ConnectionCount is the number of open connections on this node.
	ConnectionCount() int
	// Traffic returns the API's counters; ok is false when its metrics are off.
	Traffic() (s metrics.Snapshot, ok bool)
	// Functions describes the API's functions and their workers.
	Functions() []Function
	// SetTap makes t hear the API's frames; nil stops it.
	SetTap(t Tap)
}

// Tap hears the frames in and out of an API's connections, and their opening and closing. Its
// methods run on the message path: they are cheap and never block.
type Tap interface {
	// Frame reports a data frame; data is valid only during the call.
	Frame(connectionID string, inbound, binary bool, data []byte, at time.Time)
	Opened(connectionID string)
	Closed(connectionID string)
}

// Info describes an API stage.
type Info struct {
	Name               string    `json:"name"`
	ID                 string    `json:"id"`
	Stage              string    `json:"stage"`
	URL                string    `json:"url"`
	ManagementEndpoint string    `json:"managementEndpoint"`
	DeploymentID       string    `json:"deploymentId"`
	Routes             []Route   `json:"routes"`
	Settings           []Setting `json:"settings"`
}

// Route is one deployed route.
type Route struct {
	Key string `json:"key"`
	// Target says what handles it ("function src/chat.send", "url http://…", "Go handler").
	Target         string `json:"target"`
	ReturnResponse bool   `json:"returnResponse"`
	IAM            bool   `json:"iam"`
}

// Setting is one named setting, shown as text.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Function is one function and its workers.
type Function struct {
	Name    string `json:"name"`
	Route   string `json:"route"`
	Handler string `json:"handler"`
	Runtime string `json:"runtime"`
	// Started is false until the function's first use creates its worker pool.
	Started        bool      `json:"started"`
	MaxConcurrency int       `json:"maxConcurrency"`
	Workers        []Worker  `json:"workers"`
	Logs           []LogLine `json:"logs"`
}

// Worker is one worker process of a function.
type Worker struct {
	Num         int       `json:"num"`
	PID         int       `json:"pid"`
	State       string    `json:"state"`
	Invocations uint64    `json:"invocations"`
	Started     time.Time `json:"started"`
}

// LogLine is one line a worker wrote.
type LogLine struct {
	At        time.Time `json:"at"`
	Worker    int       `json:"worker"`
	Stream    string    `json:"stream"`
	RequestID string    `json:"requestId,omitempty"`
	Text      string    `json:"text"`
}

//go:embed static
var static embed.FS

// Handler serves the dashboard. It is safe for concurrent use.
type Handler struct {
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	recs   []*recorder // by API index
	budget budget
	csrf   *http.CrossOriginProtection

	ctx    context.Context // cancelled by Close: ends the event streams
	cancel context.CancelFunc

	mu      sync.Mutex
	tapping bool
	streams int       // event streams open
	lastUse time.Time // the last API request or stream end
	idle    *time.Timer
	closed  bool
}

var _ http.Handler = (*Handler)(nil)

// New returns a Handler for opts.APIs. It installs no tap until the page is used.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Frames = orDefault(opts.Frames, DefaultFrames)
	opts.FrameBytes = orDefault(opts.FrameBytes, DefaultFrameBytes)
	opts.MaxBytes = orDefault(opts.MaxBytes, DefaultMaxBytes)
	opts.MaxConnections = orDefault(opts.MaxConnections, DefaultMaxConnections)
	opts.Linger = orDefault(opts.Linger, DefaultLinger)
	opts.Interval = orDefault(opts.Interval, DefaultInterval)
	opts.Idle = orDefault(opts.Idle, DefaultIdle)
	opts.ListLimit = min(orDefault(opts.ListLimit, DefaultListLimit), apigw.MaxListLimit)
	h := &Handler{opts: opts, log: opts.Logger, mux: http.NewServeMux(), csrf: http.NewCrossOriginProtection()}
	h.budget.maxBytes = int64(opts.MaxBytes)
	h.budget.maxRings = int64(opts.MaxConnections)
	for range opts.APIs {
		h.recs = append(h.recs, newRecorder(&h.opts, &h.budget))
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.routes()
	return h
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (h *Handler) routes() {
	assets, _ := fs.Sub(static, "static") // the directory is embedded: Sub cannot fail
	files := http.FileServerFS(assets)
	h.mux.Handle("GET /{$}", files)
	h.mux.Handle("GET /app.js", files)
	h.mux.Handle("GET /app.css", files)
	h.mux.HandleFunc("GET /api/apis", h.serve(h.listAPIs))
	h.mux.HandleFunc("GET /api/apis/{api}/connections", h.serve(h.listConnections))
	h.mux.HandleFunc("GET /api/apis/{api}/connections/{id}", h.serve(h.getConnection))
	h.mux.HandleFunc("POST /api/apis/{api}/connections/{id}/messages", h.serve(h.mutating(h.postMessage)))
	h.mux.HandleFunc("POST /api/apis/{api}/connections/{id}/close", h.serve(h.mutating(h.closeConnection)))
	h.mux.HandleFunc("POST /api/apis/{api}/broadcast", h.serve(h.mutating(h.broadcast)))
	h.mux.HandleFunc("GET /api/events", h.events)
}

// ServeHTTP serves the page, its JSON API and its event stream; other paths get 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	if !h.hostAllowed(r.Host) {
		writeJSON(w, http.StatusMisdirectedRequest, map[string]string{"message": "the dashboard answers to an IP address or localhost in the Host header, not " +
			strconv.Quote(r.Host) + " (a rebound DNS name would otherwise reach it)"})
		return
	}
	h.mux.ServeHTTP(w, r)
}

// hostAllowed says whether a request's Host may reach the dashboard: an IP address, localhost
// (or a name under .localhost, which resolvers keep on loopback), or one of Options.Hosts.
func (h *Handler) hostAllowed(hostport string) bool {
	host := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		host = hh
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	for _, allowed := range h.opts.Hosts {
		if strings.EqualFold(host, allowed) {
			return true
		}
	}
	return false
}

// Close ends the event streams, removes the taps and forgets the frames. The page's requests
// still work afterwards but record nothing.
func (h *Handler) Close() {
	h.mu.Lock()
	h.closed = true
	h.cancel()
	if h.idle != nil {
		h.idle.Stop()
	}
	h.stopTappingLocked()
	h.mu.Unlock()
}

// touch notes a use of the page and starts tapping if it has not.
func (h *Handler) touch() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastUse = h.opts.Now()
	if h.tapping || h.closed {
		return
	}
	h.tapping = true
	for i, a := range h.opts.APIs {
		a.SetTap(h.recs[i])
	}
	h.idle = time.AfterFunc(h.opts.Idle, h.checkIdle)
}

// checkIdle stops tapping when no stream is open and the page has not been used for
// Options.Idle; otherwise it looks again later.
func (h *Handler) checkIdle() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.tapping {
		return
	}
	if since := h.opts.Now().Sub(h.lastUse); h.streams > 0 || since < h.opts.Idle {
		h.idle.Reset(max(h.opts.Idle-since, time.Second))
		return
	}
	h.stopTappingLocked()
}

func (h *Handler) stopTappingLocked() {
	if !h.tapping {
		return
	}
	h.tapping = false
	for i, a := range h.opts.APIs {
		a.SetTap(nil)
		h.recs[i].reset()
	}
}

// streamStarted and streamEnded count the open event streams.
func (h *Handler) streamStarted() {
	h.touch()
	h.mu.Lock()
	h.streams++
	h.mu.Unlock()
}

func (h *Handler) streamEnded() {
	h.mu.Lock()
	h.streams--
	h.lastUse = h.opts.Now()
	h.mu.Unlock()
}

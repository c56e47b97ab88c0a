// Package admin is the admin listener's HTTP handler: GET /metrics (the Prometheus text format),
// /healthz (the process is alive) and /readyz (it serves: 503 while starting and from the moment
// a drain starts, so that a load balancer stops sending). It is never mounted on the public
// listener.
//
// Use New with the metrics' gatherer, SetReady once the APIs serve, SetDraining when a shutdown
// begins, and Mount to add pages (a dashboard at "/", say).
package admin

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure a Handler.
type Options struct {
	// Gatherer is what /metrics serves. Required.
	Gatherer prometheus.Gatherer
	// Logger receives errors met while gathering metrics. Default: discard.
	Logger *slog.Logger
}

// The states /readyz reports.
const (
	starting int32 = iota
	ready
	draining
)

// Handler serves the admin endpoints. It is safe for concurrent use.
type Handler struct {
	mux   *http.ServeMux
	state atomic.Int32
}

var _ http.Handler = (*Handler)(nil)

// New returns a Handler whose /readyz says "starting" until SetReady.
func New(opts Options) *Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{mux: http.NewServeMux()}
	h.mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError, // serve what could be gathered; the error is logged
	}))
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		text(w, http.StatusOK, "ok")
	})
	h.mux.HandleFunc("GET /readyz", h.readyz)
	return h
}

func (h *Handler) readyz(w http.ResponseWriter, _ *http.Request) {
	switch h.state.Load() {
	case ready:
		text(w, http.StatusOK, "ready")
	case draining:
		text(w, http.StatusServiceUnavailable, "draining")
	default:
		text(w, http.StatusServiceUnavailable, "starting")
	}
}

// SetReady makes /readyz answer 200, unless a drain has begun.
func (h *Handler) SetReady() { h.state.CompareAndSwap(starting, ready) }

// SetDraining makes /readyz answer 503 from now on.
func (h *Handler) SetDraining() { h.state.Store(draining) }

// Mount serves handler for pattern (http.ServeMux's patterns: "/" is every path the admin
// endpoints do not take, "GET /dashboard/" a subtree). It panics, as ServeMux does, when
// pattern conflicts with one already mounted.
func (h *Handler) Mount(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

// ServeHTTP serves the admin endpoints and the mounted pages; other paths get 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

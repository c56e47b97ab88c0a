package main

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"runtime"
	"runtime/debug"

	"github.com/switchboardhq/switchboard/internal/procstat"
)

// Stats is what /stats reports about this process. Memory figures are bytes.
type Stats struct {
	RSS        int64 `json:"rss"`         // VmRSS from /proc/self/status
	HeapInuse  int64 `json:"heap_inuse"`  // runtime.MemStats.HeapInuse
	StackInuse int64 `json:"stack_inuse"` // runtime.MemStats.StackInuse
	Sys        int64 `json:"sys"`         // runtime.MemStats.Sys: all memory the Go runtime holds
	Mallocs    int64 `json:"mallocs"`     // runtime.MemStats.Mallocs: heap allocations so far
	NumGC      int64 `json:"num_gc"`      // runtime.MemStats.NumGC: completed GC cycles
	Goroutines int   `json:"goroutines"`
	Open       int64 `json:"open"`     // connections past $connect and not yet past $disconnect
	Connects   int64 `json:"connects"` // $connect invocations so far
	GC         bool  `json:"gc"`       // the figures were taken after a forced collection
}

// debugMux serves the pprof endpoints under /debug/pprof/ and /stats.
func debugMux(h *handlers) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /stats", h.statsHandler)
	return mux
}

// statsHandler answers GET /stats with Stats as JSON. With ?gc=1 it first runs two garbage
// collections and returns freed memory to the operating system (debug.FreeOSMemory), so that RSS
// reflects live memory rather than garbage not yet collected.
func (h *handlers) statsHandler(w http.ResponseWriter, r *http.Request) {
	gc := r.URL.Query().Get("gc") == "1"
	if gc {
		runtime.GC()
		debug.FreeOSMemory() // collects again, then releases
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := procstat.RSS(procstat.Self)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Stats{
		RSS:        rss,
		HeapInuse:  int64(ms.HeapInuse),
		StackInuse: int64(ms.StackInuse),
		Sys:        int64(ms.Sys),
		Mallocs:    int64(ms.Mallocs),
		NumGC:      int64(ms.NumGC),
		Goroutines: runtime.NumGoroutine(),
		Open:       h.open.Load(),
		Connects:   h.connects.Load(),
		GC:         gc,
	})
}

package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/internal/metrics"
)

// framePoll is how often an event stream looks for a watched connection's new frames.
const framePoll = 200 * time.Millisecond

// trafficWindow is how many state intervals the rates and latencies are computed over.
const trafficWindow = 5

// state is the "state" event: what the page shows of one API, every Options.Interval.
type state struct {
	API          int             `json:"api"`
	At           time.Time       `json:"at"`
	DeploymentID string          `json:"deploymentId"`
	Connections  connState       `json:"connections"`
	Traffic      trafficState    `json:"traffic"`
	Functions    []functionState `json:"functions"`
	// Conn is the watched connection, nil when none is; its frames come in "frames" events.
	Conn *connState1 `json:"conn"`
}

type connState struct {
	// Count is the number of open connections on this node.
	Count int `json:"count"`
	connPage
}

// connState1 is the watched connection: Connection is nil once it has closed.
type connState1 struct {
	ID         string    `json:"id"`
	Connection *connView `json:"connection"`
	Recorded   bool      `json:"recorded"`
}

type trafficState struct {
	// Enabled is false when the API's metrics are off.
	Enabled bool `json:"enabled"`
	// Detailed is set when per-route series are on (stage.detailedMetrics).
	Detailed bool `json:"detailed"`
	// Window is the span, in seconds, the rates and latencies are over.
	Window  float64      `json:"window"`
	Rows    []trafficRow `json:"rows"`
	Dropped uint64       `json:"dropped"`
}

// trafficRow is the stage's (Route "") or one route's traffic.
type trafficRow struct {
	Route       string  `json:"route"`
	Messages    uint64  `json:"messages"` // since start
	Errors      uint64  `json:"errors"`   // since start
	MessageRate float64 `json:"messageRate"`
	ErrorRate   float64 `json:"errorRate"`
	// The integration latency over the window, in milliseconds; nil without observations.
	LatencyMean *float64 `json:"latencyMeanMs"`
	LatencyP50  *float64 `json:"latencyP50Ms"`
	LatencyP99  *float64 `json:"latencyP99Ms"`
}

type functionState struct {
	Function
	Invocations uint64 `json:"invocations"` // since start
	Errors      uint64 `json:"errors"`
	Throttles   uint64 `json:"throttles"`
	ColdStarts  uint64 `json:"coldStarts"`
}

// framesEvent is the "frames" event: frames of the watched connection newer than those sent.
type framesEvent struct {
	ID     string  `json:"id"`
	Frames []Frame `json:"frames"`
}

// sample is a Traffic snapshot with its time.
type sample struct {
	at time.Time
	s  metrics.Snapshot
}

// events answers GET /api/events?api=N&conn=ID with Server-Sent Events: "state" at once and
// every Options.Interval, and "frames" for the connection conn (all kept at first, then new
// ones as they come).
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	i, a, err := h.apiAt(orDefaultString(q.Get("api"), "0"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": err.Error()})
		return
	}
	conn := q.Get("conn")
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	h.streamStarted()
	defer h.streamEnded()

	var history []sample
	var sent uint64 // the last frame sequence sent
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err == nil {
			_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		}
		if err == nil {
			err = rc.Flush()
		}
		return err == nil
	}
	sendState := func() bool {
		now := h.opts.Now()
		if s, ok := a.Traffic(); ok {
			history = append(history, sample{at: now, s: s})
			if len(history) > trafficWindow+1 {
				history = history[1:]
			}
		}
		return send("state", h.state(r, i, a, conn, now, history))
	}
	sendFrames := func() bool {
		if conn == "" {
			return true
		}
		frames, _ := h.recs[i].frames(conn, sent)
		if len(frames) == 0 && sent > 0 {
			return true
		}
		if len(frames) > 0 {
			sent = frames[len(frames)-1].Seq
		}
		if frames == nil {
			frames = []Frame{}
		}
		return send("frames", framesEvent{ID: conn, Frames: frames})
	}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil || !sendState() || !sendFrames() {
		return
	}
	tick := time.NewTicker(h.opts.Interval)
	defer tick.Stop()
	var poll <-chan time.Time
	if conn != "" {
		p := time.NewTicker(framePoll)
		defer p.Stop()
		poll = p.C
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		case <-tick.C:
			h.recs[i].maybeSweep()
			if !sendState() {
				return
			}
		case <-poll:
			if !sendFrames() {
				return
			}
		}
	}
}

func orDefaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// state gathers the "state" event of API i.
func (h *Handler) state(r *http.Request, i int, a API, conn string, now time.Time, history []sample) state {
	st := state{API: i, At: now, DeploymentID: a.Info().DeploymentID}
	st.Connections.Count = a.ConnectionCount()
	if p, err := h.page(r, a, "", h.opts.ListLimit); err == nil {
		st.Connections.connPage = p
	} else {
		h.log.Warn("dashboard: list connections", "err", err)
	}
	if st.Connections.Items == nil {
		st.Connections.Items = []connView{}
	}
	st.Traffic = traffic(history)
	var fnCounts map[string]metrics.FunctionCounts
	if len(history) > 0 {
		fnCounts = map[string]metrics.FunctionCounts{}
		for _, f := range history[len(history)-1].s.Functions {
			fnCounts[f.Name] = f
		}
	}
	st.Functions = []functionState{}
	for _, f := range a.Functions() {
		c := fnCounts[f.Name]
		st.Functions = append(st.Functions, functionState{Function: f, Invocations: c.Invocations,
			Errors: c.Errors, Throttles: c.Throttles, ColdStarts: c.ColdStarts})
	}
	if conn != "" {
		d, _, err := h.detail(r, i, a, conn, ^uint64(0))
		if err != nil {
			h.log.Warn("dashboard: get connection", "connectionId", conn, "err", err)
		}
		st.Conn = &connState1{ID: conn, Connection: d.Connection, Recorded: d.Recorded}
	}
	return st
}

// traffic computes the rates and latencies between the first and the last sample.
func traffic(history []sample) trafficState {
	if len(history) == 0 {
		return trafficState{Rows: []trafficRow{}}
	}
	last := history[len(history)-1]
	first := history[0]
	t := trafficState{Enabled: true, Detailed: last.s.Detailed, Dropped: last.s.Dropped,
		Window: last.at.Sub(first.at).Seconds()}
	earlier := map[string]metrics.Counts{}
	for _, c := range first.s.Routes {
		earlier[c.Route] = c
	}
	t.Rows = append(t.Rows, row(last.s.Stage, first.s.Stage, t.Window))
	for _, c := range last.s.Routes {
		t.Rows = append(t.Rows, row(c, earlier[c.Route], t.Window))
	}
	return t
}

func row(now, then metrics.Counts, window float64) trafficRow {
	d := now.Sub(then)
	r := trafficRow{Route: now.Route, Messages: now.Messages, Errors: now.Errors()}
	if window > 0 {
		r.MessageRate = float64(d.Messages) / window
		r.ErrorRate = float64(d.Errors()) / window
	}
	ms := func(v time.Duration, ok bool) *float64 {
		if !ok {
			return nil
		}
		f := math.Round(float64(v)/float64(time.Microsecond)) / 1000
		return &f
	}
	r.LatencyMean = ms(d.Latency.Mean())
	r.LatencyP50 = ms(d.Latency.Quantile(0.5))
	r.LatencyP99 = ms(d.Latency.Quantile(0.99))
	return r
}

package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the result of one run and the schema of --json output. Field names are stable;
// durations are in milliseconds (float) and rates per second.
type Report struct {
	URL         string    `json:"url"`          // the target as given
	Mode        string    `json:"mode"`         // "echo", "post", "idle" or "fanout"
	Started     time.Time `json:"started"`      // when the run began
	Connections int       `json:"connections"`  // connections requested (-c)
	MessageSize int       `json:"message_size"` // requested message size in bytes
	Action      string    `json:"action"`       // route action in every message
	TargetRate  float64   `json:"target_rate"`  // messages/s requested; 0 = closed loop
	SourceIPs   []string  `json:"source_ips"`   // local addresses dialled from; empty = kernel's choice
	FileLimit   uint64    `json:"file_limit"`   // RLIMIT_NOFILE during the run (0 = unknown)

	Connect   ConnectStats     `json:"connect"`
	Messages  MessageStats     `json:"messages"`
	RoundTrip Latency          `json:"round_trip"`       // send to matching reply, measured messages only
	Fanout    *FanoutStats     `json:"fanout,omitempty"` // --fanout runs only
	Errors    map[string]int64 `json:"errors"`           // count by kind, warmup included; {} when none
	Notes     []string         `json:"notes"`            // warnings about the run; [] when none
}

// ConnectStats describes the connect phase.
type ConnectStats struct {
	Attempted int64   `json:"attempted"`
	OK        int64   `json:"ok"`
	Failed    int64   `json:"failed"`
	OpenAtEnd int64   `json:"open_at_end"` // connections still open when the run ended
	Seconds   float64 `json:"seconds"`     // length of the connect phase
	PerSecond float64 `json:"per_second"`  // successful connects per second of the phase
	Latency   Latency `json:"latency"`     // TCP connect + WebSocket handshake
}

// MessageStats describes the measured messages (those sent after the warmup). After a run,
// Sent == Received + TimedOut + Lost + Unanswered.
type MessageStats struct {
	Sent     int64 `json:"sent"`
	Received int64 `json:"received"`  // matching replies
	TimedOut int64 `json:"timed_out"` // no reply within --timeout (or by the end of the run)
	Lost     int64 `json:"lost"`      // their connection ended before the reply
	// Unanswered were still in flight when --max-duration or cancellation cut the run short.
	Unanswered int64 `json:"unanswered"`
	Missed     int64 `json:"missed"` // --rate sends skipped because no connection could take them
	// AllReplies counts every matching reply of the run, warmup included (for costs per message
	// measured over the whole run, such as a server's CPU time).
	AllReplies int64   `json:"all_replies"`
	Seconds    float64 `json:"seconds"` // measurement window, from the warmup's end to the last reply
	PerSecond  float64 `json:"per_second"`
}

// Latency summarises a latency histogram; values are accurate to about 0.5% (max is exact).
type Latency struct {
	Count  int64   `json:"count"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P90MS  float64 `json:"p90_ms"`
	P99MS  float64 `json:"p99_ms"`
	MaxMS  float64 `json:"max_ms"`
}

func latencyOf(s histSnapshot) Latency {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Latency{
		Count:  s.total,
		MeanMS: ms(s.mean()),
		P50MS:  ms(s.quantile(0.50)),
		P90MS:  ms(s.quantile(0.90)),
		P99MS:  ms(s.quantile(0.99)),
		MaxMS:  ms(time.Duration(s.max)),
	}
}

// report assembles the figures of a finished run.
func (r *runner) report(tm timing, sources []string, fileLimit uint64, notes []string) *Report {
	mode := r.cfg.mode
	switch {
	case r.cfg.idle:
		mode = "idle"
	case r.fan != nil:
		mode = "fanout"
	}
	rep := &Report{
		URL:         r.url,
		Mode:        mode,
		Started:     tm.started,
		Connections: r.cfg.conns,
		MessageSize: r.cfg.size,
		Action:      r.cfg.action,
		TargetRate:  r.cfg.rate,
		SourceIPs:   sources,
		FileLimit:   fileLimit,
		Errors:      r.errs.snapshot(),
		Notes:       notes,
	}
	if rep.SourceIPs == nil {
		rep.SourceIPs = []string{}
	}
	cs := tm.connectEnd.Sub(tm.connectStart).Seconds()
	rep.Connect = ConnectStats{
		Attempted: r.st.connAttempted.Load(),
		OK:        r.st.connOK.Load(),
		Failed:    r.st.connFailed.Load(),
		OpenAtEnd: tm.openAtEnd,
		Seconds:   cs,
		PerSecond: perSecond(r.st.connOK.Load(), cs),
		Latency:   latencyOf(r.connLat.snapshot()),
	}
	ms := max(0, tm.measureEnd.Sub(tm.measureStart).Seconds())
	rep.Messages = MessageStats{
		Sent:       r.st.sent.Load(),
		AllReplies: r.st.replies.Load(),
		Received:   r.st.received.Load(),
		TimedOut:   r.st.timedOut.Load(),
		Lost:       r.st.lost.Load(),
		Unanswered: r.st.unanswered.Load(),
		Missed:     r.st.missed.Load(),
		Seconds:    ms,
		PerSecond:  perSecond(r.st.received.Load(), ms),
	}
	rep.RoundTrip = latencyOf(r.rtt.snapshot())
	if r.fan != nil {
		fs := r.fanStats
		fs.Via, fs.Management, fs.Workers = r.fan.via, r.fan.base, r.fan.workers
		if fs.Via == fanoutBroadcast {
			fs.Workers = 0
		}
		if fs.Rounds == nil {
			fs.Rounds = []FanoutRound{}
		}
		rep.Fanout = &fs
	}
	if rep.Messages.Missed > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("could not keep up with --rate %g: %d sends skipped (achieved %.0f msg/s)",
			r.cfg.rate, rep.Messages.Missed, perSecond(rep.Messages.Sent, ms)))
	}
	if tm.closeIncomplete {
		rep.Notes = append(rep.Notes, fmt.Sprintf("graceful close did not finish within %s; the rest were cut", closeBound))
	}
	if rep.Notes == nil {
		rep.Notes = []string{}
	}
	return rep
}

func perSecond(n int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(n) / secs
}

// errorTotal is the number of errors of all kinds.
func (rep *Report) errorTotal() int64 {
	var n int64
	for _, v := range rep.Errors {
		n += v
	}
	return n
}

// writeJSON prints rep as one JSON object on one line.
func (rep *Report) writeJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(rep)
}

// writeTable prints rep for people.
func (rep *Report) writeTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, a...)...) }
	loop := "closed loop"
	if rep.TargetRate > 0 {
		loop = fmt.Sprintf("fixed rate %g msg/s", rep.TargetRate)
	}
	switch {
	case rep.Mode == "idle":
		row("target", "%s (idle: no messages)", rep.URL)
	case rep.Fanout != nil:
		row("target", "%s (fan-out by %s through %s, %d-byte messages)", rep.URL, rep.Fanout.Via, rep.Fanout.Management, rep.MessageSize)
	default:
		row("target", "%s (%s, %s, %d-byte messages, action %q)", rep.URL, rep.Mode, loop, rep.MessageSize, rep.Action)
	}
	c := rep.Connect
	row("connections", "%d attempted, %d ok, %d failed in %.2fs (%.0f conn/s)", c.Attempted, c.OK, c.Failed, c.Seconds, c.PerSecond)
	row("connect latency", "p50 %s  p99 %s  max %s", fmtMS(c.Latency.P50MS), fmtMS(c.Latency.P99MS), fmtMS(c.Latency.MaxMS))
	switch {
	case rep.Mode == "idle":
		row("held open", "%d connections at the end", c.OpenAtEnd)
	case rep.Fanout != nil:
		rep.Fanout.writeRows(row)
	default:
		m := rep.Messages
		row("messages", "%d sent, %d received, %d timed out, %d lost", m.Sent, m.Received, m.TimedOut, m.Lost)
		if m.Unanswered > 0 {
			row("", "%d unanswered when the run was cut short", m.Unanswered)
		}
		row("throughput", "%.0f msg/s over %.2fs", m.PerSecond, m.Seconds)
		l := rep.RoundTrip
		row("round trip", "p50 %s  p90 %s  p99 %s  max %s  mean %s",
			fmtMS(l.P50MS), fmtMS(l.P90MS), fmtMS(l.P99MS), fmtMS(l.MaxMS), fmtMS(l.MeanMS))
	}
	row("errors", "%s", errorsLine(rep.Errors))
	for _, n := range rep.Notes {
		row("note", "%s", n)
	}
	return tw.Flush()
}

// errorsLine lists error counts by kind, largest first, in words ("closed with code 1009: 2").
func errorsLine(errs map[string]int64) string {
	if len(errs) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(errs))
	for k := range errs {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int {
		return cmp.Or(cmp.Compare(errs[b], errs[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", strings.ReplaceAll(k, "_", " "), errs[k])
	}
	return strings.Join(parts, ", ")
}

func fmtMS(ms float64) string {
	return fmtDuration(time.Duration(ms * float64(time.Millisecond)))
}

// fmtDuration rounds d to three significant digits for display ("8.51ms", "412µs").
func fmtDuration(d time.Duration) string {
	unit := time.Duration(1)
	for v := d; v >= 1000; v /= 10 {
		unit *= 10
	}
	return d.Round(unit).String()
}

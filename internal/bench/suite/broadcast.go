package suite

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/internal/bench"
)

// The broadcast's budget (issue 14): one POST @broadcast reaching 10,000 connections.
const (
	broadcastBudgetMS    = 100.0 // server time (Server-Timing) of the fan-out, p99 of the rounds
	broadcastBudgetConns = 10_000
	broadcastKey         = "broadcast"
	broadcastSize        = 64 // bytes of the frame each round sends
	// drainTimeout bounds the wait for the server to see the previous run's connections close.
	drainTimeout = 30 * time.Second
)

// broadcastRows opens the connections in the load generator and sends each of them one frame a
// round: with one POST @broadcast, and, as its baseline, with a POST @connections/{id} per
// connection (the loop AWS's sample chat app runs), the ids listed with GET @connections.
func (s *suite) broadcastRows(ctx context.Context) error {
	sec := s.rep.section("Broadcast",
		"The load generator opens the connections (idle, each past an in-process $connect) and counts the frames they "+
			"receive. Each round sends one 64-byte text frame to every connection, the rounds one after the other: "+
			"with one POST /{stage}/@broadcast over loopback (server time: its Server-Timing header, the fan-out onto every "+
			"connection's send queue), or, as the baseline, with a POST /{stage}/@connections/{id} per connection from 64 "+
			"workers on keep-alive connections, the ids listed first with GET /{stage}/@connections (1000 a page). "+
			"Delivered: from the start of the round's first request until the last client has the frame, on the load "+
			"generator's clock. Percentiles are over the rounds (nearest rank: with 20 rounds, p99 is the maximum).")
	conns := s.plan.broadcastConns
	row := sec.add(&Row{Key: broadcastKey, Title: fmt.Sprintf("broadcast to %s connections", thousands(int64(conns))),
		BaseName: fmt.Sprintf("POST loop, %d workers", s.plan.postWorkers)})
	if max := s.fileLimit.maxConns(); conns > max {
		row.NotRun = fmt.Sprintf("the open-file limit is %d", s.fileLimit.soft)
		if max < 100 {
			return nil
		}
		row.Note = fmt.Sprintf("%s; measured at %s connections instead", row.NotRun, thousands(int64(max)))
		row.NotRun = ""
		conns = max
	}
	srv, err := s.startSwitchboard(ctx, serveDefault)
	if err != nil {
		return err
	}
	defer srv.stop()
	s.rep.Servers = append(s.rep.Servers, srv.command)

	common := []string{"-c", fmt.Sprint(conns), "--connect-rate", "0", "--size", fmt.Sprint(broadcastSize)}
	s.progress("broadcast to %s connections", thousands(int64(conns)))
	row.Sub, err = s.runLoad(ctx, nil, srv.URL, append([]string{"--fanout", "broadcast", "--rounds", fmt.Sprint(s.plan.broadcastRounds)}, common...)...)
	if fail(row, err) {
		return sectionErr(sec)
	}
	// The posts list the connections: wait until the server has seen the last run's close.
	if err := waitDrained(ctx, srv); err != nil {
		row.Err = err.Error()
		return sectionErr(sec)
	}
	s.progress("the same fan-out as a POST per connection")
	row.Base, err = s.runLoad(ctx, nil, srv.URL, append([]string{"--fanout", "posts", "--rounds", fmt.Sprint(s.plan.postRounds),
		"--workers", fmt.Sprint(s.plan.postWorkers)}, common...)...)
	if err == nil && row.Base.Errors != "" {
		row.Err = "baseline's load generator errors: " + row.Base.Errors
	}
	fail(row, err)
	return sectionErr(sec)
}

// waitDrained waits until the server holds no connection.
func waitDrained(ctx context.Context, srv *sbServer) error {
	deadline := time.Now().Add(drainTimeout)
	for {
		st, err := srv.stats(ctx, false)
		if err != nil {
			return err
		}
		if st.Open == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server still holds %d connections %s after the load generator ended", st.Open, seconds(drainTimeout))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// fanout merges the fan-out figures of the load's runs; nil when it has none.
func (l *load) fanout() *bench.FanoutStats {
	var out *bench.FanoutStats
	for _, r := range l.Rounds {
		if r.Fanout == nil {
			continue
		}
		if out == nil {
			f := *r.Fanout
			f.Rounds = nil
			out = &f
		}
		out.Rounds = append(out.Rounds, r.Fanout.Rounds...)
	}
	return out
}

// fanoutFigure summarises a fan-out load: server time (broadcasts), the last answer and delivery.
func fanoutFigure(l *load) string {
	f := l.fanout()
	if f == nil {
		return "no fan-out figures"
	}
	sum := f.Summary()
	var s string
	if f.Via == "broadcast" {
		s = fmt.Sprintf("server time p50 %s, p99 %s, max %s; ", millis(sum.Server.P50), millis(sum.Server.P99), millis(sum.Server.Max))
	} else {
		s = fmt.Sprintf("%s POSTs a round answered in p50 %s (%s/s), max %s; ids listed in %s; ", thousands(sum.MinSent),
			millis(sum.Request.P50), thousands(int64(perSec(sum.MinSent, sum.Request.P50))), millis(sum.Request.Max), millis(f.ListMS))
	}
	rounds := "rounds"
	if sum.Rounds == 1 {
		rounds = "round"
	}
	s += fmt.Sprintf("all delivered p50 %s, p99 %s, max %s; %s %s, %s sent, %s dropped", millis(sum.Delivered.P50),
		millis(sum.Delivered.P99), millis(sum.Delivered.Max), thousands(int64(sum.Rounds)), rounds, thousands(sum.Sent), thousands(sum.Dropped))
	if sum.Gone > 0 {
		s += fmt.Sprintf(", %s gone", thousands(sum.Gone))
	}
	if sum.Received < sum.Sent {
		s += fmt.Sprintf(", %s not received", thousands(sum.Sent-sum.Received))
	}
	return s
}

// perSec is n per ms milliseconds, per second.
func perSec(n int64, ms float64) float64 {
	if ms <= 0 {
		return 0
	}
	return float64(n) / ms * 1000
}

// fanoutRatio is the ratio cell of the broadcast row: delivery time against the POST loop's.
func fanoutRatio(sub, base *load) string {
	fs, fb := sub.fanout(), base.fanout()
	if fs == nil || fb == nil {
		return "—"
	}
	return ratioOf(fs.Summary().Delivered.P50, fb.Summary().Delivered.P50) + " of the time to deliver to all (p50)"
}

// judgeBroadcast evaluates the broadcast's budget line.
func judgeBroadcast(r *Row) Budget {
	b := Budget{Line: fmt.Sprintf("Broadcast to %s connections in < %.0f ms of server time (Server-Timing, p99 of the rounds)",
		thousands(int64(broadcastBudgetConns)), broadcastBudgetMS)}
	if v, fig, bad := unusable(r); bad {
		b.Verdict, b.Figure = v, fig
		return b
	}
	f := r.Sub.fanout()
	if f == nil || len(f.Rounds) == 0 {
		b.Verdict, b.Figure = Failed, "no broadcast round ran"
		return b
	}
	sum := f.Summary()
	b.Figure = fmt.Sprintf("p99 %s (p50 %s, max %s) at %s connections; all delivered p50 %s", millis(sum.Server.P99),
		millis(sum.Server.P50), millis(sum.Server.Max), thousands(sum.MinSent), millis(sum.Delivered.P50))
	if fb := r.Base.fanoutOrNil(); fb != nil {
		b.Figure += fmt.Sprintf(" (the POST loop: %s)", millis(fb.Summary().Delivered.P50))
	}
	switch {
	case sum.MinSent < broadcastBudgetConns:
		b.Verdict = NotRun
		why := r.Note
		if why == "" {
			why = "this run holds fewer connections"
		}
		b.Figure += fmt.Sprintf(" (%s there; not measured at %s: %s)", withinWord(sum.Server.P99 < broadcastBudgetMS),
			thousands(int64(broadcastBudgetConns)), why)
	case sum.Server.P99 < broadcastBudgetMS:
		b.Verdict = Met
	default:
		b.Verdict = NotMet
	}
	return b
}

// fanoutOrNil is fanout for a load that may be missing.
func (l *load) fanoutOrNil() *bench.FanoutStats {
	if l == nil {
		return nil
	}
	return l.fanout()
}

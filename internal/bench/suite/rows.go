package suite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// steps are the suite's parts, in the order they run, by the names Options.Only takes.
func (s *suite) steps() []step {
	return []step{{"idle", s.idleRows}, {"gateway", s.gatewayRows}, {"metrics", s.metricsRows}, {"cluster", s.clusterRows},
		{"broadcast", s.broadcastRows}, {"functions", s.functionRows}, {"cold-starts", s.coldStartRows}, {"serverless-offline", s.serverlessOfflineRows}}
}

// step is one part of the suite.
type step struct {
	name string
	run  func(context.Context) error
}

// idleRows measures memory per idle connection at each size, on a fresh server each time.
func (s *suite) idleRows(ctx context.Context) error {
	sec := s.rep.section("Idle memory",
		"Switchboard's RSS per idle connection: the benchmark server's RSS with the connections open minus its RSS before "+
			"the first one, both read from /proc/self/status after a forced GC (runtime.GC and debug.FreeOSMemory), "+
			"divided by the connections open. Kernel socket buffers are not in a process's RSS and are not counted. "+
			"Each connection completed $connect (an in-process handler) and sent nothing.")
	for i, n := range s.plan.idleConns {
		s.progress("idle memory, %s connections", thousands(n))
		prof := ""
		if i == len(s.plan.idleConns)-1 {
			prof = "heap-idle.pprof"
		}
		sec.add(s.idleRow(ctx, n, serveDefault, prof))
	}
	// The same as the largest row, served the other way the Go API offers: without the listener
	// that tells TLS from plain connections, whose wrapper hides the socket (see docs).
	last := s.plan.idleConns[len(s.plan.idleConns)-1]
	s.progress("idle memory, %s connections, plain listener", thousands(last))
	sec.add(s.idleRow(ctx, last, servePlain, "heap-idle-plain.pprof"))
	return sectionErr(sec)
}

// gatewayRows runs the rows that need only in-process routes: connect rate, the in-process
// two-way route and @connections, each next to the bare echo server.
func (s *suite) gatewayRows(ctx context.Context) error {
	sb, err := s.startSwitchboard(ctx, serveDefault)
	if err != nil {
		return err
	}
	defer sb.stop()
	echo, err := s.startEcho(ctx)
	if err != nil {
		return err
	}
	defer echo.stop()
	s.rep.Servers = append(s.rep.Servers, sb.command, echo.command)

	s.progress("connect rate")
	conn := s.rep.section("Connect rate",
		"Connections per second while opening them as fast as the load generator can (at most 512 handshakes in flight), "+
			"each held open until all are up; the round with the median rate of those run in turn with the baseline's. "+
			"Switchboard runs an in-process $connect handler before answering 101. The load generator's own dialling "+
			"shares the two cores, so the bare echo server's rate is this machine's ceiling.")
	args := []string{"--idle", "-c", fmt.Sprint(s.plan.connectConns), "--connect-rate", "0", "--duration", "1s"}
	row := conn.add(&Row{Key: "connect-switchboard", Title: fmt.Sprintf("%s connects, in-process $connect", thousands(s.plan.connectConns)), BaseName: "bare echo"})
	row.Sub, row.Base, err = s.interleave(ctx, sb.URL, echo.URL, args)
	if fail(row, err) {
		return err
	}

	loop := s.rep.section("Round trip: in-process two-way route",
		"Closed loop: each of C connections sends a 100-byte JSON message and waits for the reply before sending the next. "+
			"Switchboard routes it by $request.body.action to an in-process Go handler (aws-lambda-go types) on a two-way "+
			"route that returns the body; the baseline is the bare echo server written with the same WebSocket library.")
	for _, c := range s.plan.loopConns {
		s.progress("in-process round trip, C = %d", c)
		row := loop.add(&Row{Key: fmt.Sprintf("loop-inproc-%d", c), Title: fmt.Sprintf("C = %s", thousands(c)), BaseName: "bare echo"})
		row.Sub, row.Base, err = s.interleave(ctx, sb.URL, echo.URL, s.roundTripArgs(c, "echo", ""))
		s.echoRuns[c] = row.Base
		if fail(row, err) {
			return err
		}
		if c == s.plan.budgetConns {
			if err := s.profileRun(ctx, sb, c); err != nil {
				return err
			}
		}
	}

	post := s.rep.section("@connections",
		"Closed loop as above, but the route is one-way and its in-process handler echoes the message by posting it to the "+
			"sender's connection: with a real aws-sdk-go-v2 ApiGatewayManagementApi client (an HTTP POST to "+
			"/@connections/{id}, as a Lambda function does), or with the Go API's PostToConnection (no HTTP). "+
			"Messages/s here is @connections POSTs/s. Baseline: the bare echo server at the same C, run in turn with each round.")
	for _, r := range []struct{ key, title, action string }{
		{"post-sdk", "HTTP POST via aws-sdk-go-v2", "sdkpost"},
		{"post-api", "Go API PostToConnection", "post"},
	} {
		s.progress("@connections, %s", r.title)
		row := post.add(&Row{Key: r.key, Title: fmt.Sprintf("%s, C = %d", r.title, s.plan.postConns), BaseName: "bare echo"})
		row.Sub, row.Base, err = s.interleave(ctx, sb.URL, echo.URL, s.roundTripArgs(s.plan.postConns, r.action, "post"))
		if fail(row, err) {
			return err
		}
	}
	return errorsOf(conn, loop, post)
}

// metricsRows measures what metrics cost: the in-process two-way route at the budget's C on two
// servers side by side, one with metrics (the default) and one without, in turn.
func (s *suite) metricsRows(ctx context.Context) error {
	on, err := s.startSwitchboard(ctx, serveDefault)
	if err != nil {
		return err
	}
	defer on.stop()
	off, err := s.startSwitchboard(ctx, serveNoMetrics)
	if err != nil {
		return err
	}
	defer off.stop()
	s.rep.Servers = append(s.rep.Servers, off.command)
	sec := s.rep.section("Metrics cost",
		"The in-process two-way route's closed loop, as above, on two benchmark servers: with metrics (the default: API "+
			"Gateway's and Switchboard's counters, the latency histogram) and with -metrics=false, their rounds run in turn.")
	c := s.plan.budgetConns
	s.progress("metrics cost, C = %d", c)
	row := sec.add(&Row{Key: fmt.Sprintf("metrics-%d", c), Title: fmt.Sprintf("C = %s, metrics on", thousands(c)), BaseName: "metrics off"})
	row.Sub, row.Base, err = s.interleaveRounds(ctx, on.URL, off.URL, s.roundTripArgs(c, "echo", ""), s.plan.metricsRounds)
	if fail(row, err) {
		return err
	}
	return sectionErr(sec)
}

// profileRun runs the in-process route once more at C connections while taking a CPU profile
// and then a heap profile of the server; its figures are not reported (profiling slows the
// server down a little).
func (s *suite) profileRun(ctx context.Context, sb *sbServer, c int) error {
	s.progress("profiling the in-process route at C = %d", c)
	lead := time.Second
	args := []string{"-c", fmt.Sprint(c), "--action", "echo", "--duration", (s.plan.profileFor + 2*lead).String(), "--connect-rate", "0"}
	done := make(chan error, 1)
	var l *load
	go func() {
		var err error
		l, err = s.runLoad(ctx, nil, sb.URL, args...)
		done <- err
	}()
	time.Sleep(lead)
	cpu := fmt.Sprintf("cpu-inproc-c%d.pprof", c)
	heap := fmt.Sprintf("heap-inproc-c%d.pprof", c)
	perr := sb.profile(ctx, fmt.Sprintf("profile?seconds=%d", int(s.plan.profileFor.Seconds())), filepath.Join(s.profDir, cpu))
	if perr == nil {
		perr = sb.profile(ctx, "heap", filepath.Join(s.profDir, heap))
	}
	if err := <-done; err != nil {
		return err
	}
	if perr != nil {
		return fmt.Errorf("profile: %w", perr)
	}
	s.rep.Profiles = append(s.rep.Profiles,
		fmt.Sprintf("%s, %s: CPU (%s) and heap profiles of the server during `%s`", cpu, heap, seconds(s.plan.profileFor), l.Command))
	return nil
}

// fail records err on the row; it reports whether there was one.
func fail(row *Row, err error) bool {
	if err == nil {
		if row.Sub != nil && row.Sub.Errors != "" {
			row.Err = "load generator errors: " + row.Sub.Errors
		}
		return false
	}
	row.Err = err.Error()
	return true
}

// sectionErr returns an error naming the failed rows of a section.
func sectionErr(sec *Section) error {
	var errs []error
	for _, r := range sec.Rows {
		if r.failed() {
			errs = append(errs, fmt.Errorf("%s, %s: %s", sec.Title, r.Title, r.Err))
		}
	}
	return errors.Join(errs...)
}

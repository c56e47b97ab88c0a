package suite

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// idleSettle is how long the connections sit idle, after the last one is up, before the
// measurement: long enough for the handshakes' garbage to become collectable.
const idleSettle = 2 * time.Second

// idleResult is one idle-memory measurement on a fresh benchmark server.
type idleResult struct {
	Wanted int         // connections requested
	Conns  int64       // connections open at the measurement
	Before serverStats // after a forced GC, before any connection
	After  serverStats // after a forced GC, with the connections open
	RawRSS int64       // RSS with the connections open, before the forced GC
	Server string      // the server's command line
}

// perConn returns the RSS, heap and stack growth per open connection, in bytes.
func (r *idleResult) perConn() (rss, heap, stack float64) {
	if r.Conns <= 0 {
		return 0, 0, 0
	}
	n := float64(r.Conns)
	return float64(r.After.RSS-r.Before.RSS) / n,
		float64(r.After.HeapInuse-r.Before.HeapInuse) / n,
		float64(r.After.StackInuse-r.Before.StackInuse) / n
}

// idleRow measures Switchboard's memory per idle connection: a fresh server, its RSS after a
// forced GC, then `switchboard bench --idle` opens the connections and holds them while the
// server is measured again (and, when heapProfile is set, profiled).
func (s *suite) idleRow(ctx context.Context, wanted int, how int, heapProfile string) *Row {
	row := &Row{Key: fmt.Sprintf("idle-%d", wanted), Title: fmt.Sprintf("%s idle connections", thousands(int64(wanted)))}
	if how == servePlain {
		row.Key += "-plain"
		row.Title += ", API.Handler on a plain listener"
	}
	conns := wanted
	if max := s.fileLimit.maxConns(); conns > max {
		if s.fileLimit.raiseErr == nil {
			row.NotRun = fmt.Sprintf("the open-file limit is %d", s.fileLimit.soft)
		} else {
			row.NotRun = fmt.Sprintf("the open-file limit is %d and cannot be raised here (%v)", s.fileLimit.soft, s.fileLimit.raiseErr)
		}
		if max < 1000 {
			return row
		}
		row.Note = fmt.Sprintf("%s; measured at %s connections instead, the most one process can hold here", row.NotRun, thousands(int64(max)))
		row.NotRun = ""
		conns = max
	}
	srv, err := s.startSwitchboard(ctx, how)
	if err != nil {
		row.Err = err.Error()
		return row
	}
	defer srv.stop()
	res := &idleResult{Wanted: wanted, Server: srv.command}
	row.Idle = res
	time.Sleep(time.Second) // let start-up garbage become collectable
	if res.Before, err = srv.stats(ctx, true); err != nil {
		row.Err = err.Error()
		return row
	}

	// Hold long enough for the settle time and the measurements after the last connect.
	hold := s.plan.idleHold
	args := []string{"--idle", "-c", fmt.Sprint(conns), "--connect-rate", "0", "--duration", hold.String()}
	done := make(chan struct{})
	var l *load
	var loadErr error
	go func() {
		defer close(done)
		l, loadErr = s.runLoad(ctx, nil, srv.URL, args...)
	}()
	measured := s.measureIdle(ctx, srv, res, int64(conns), done, heapProfile)
	<-done
	switch {
	case loadErr != nil:
		row.Err = loadErr.Error()
	case measured != nil:
		row.Err = measured.Error()
	default:
		row.Sub = l
		if l.Errors != "" {
			row.Err = "load generator errors: " + l.Errors
		}
	}
	return row
}

// measureIdle waits until conns connections are open (or the load generator has ended), lets
// them settle and measures the server.
func (s *suite) measureIdle(ctx context.Context, srv *sbServer, res *idleResult, conns int64, loadDone <-chan struct{}, heapProfile string) error {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := srv.stats(ctx, false)
		if err != nil {
			return err
		}
		if st.Open >= conns {
			break
		}
		select {
		case <-loadDone:
			return fmt.Errorf("the load generator ended with %d of %d connections open", st.Open, conns)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	time.Sleep(idleSettle)
	raw, err := srv.stats(ctx, false)
	if err != nil {
		return err
	}
	res.RawRSS = raw.RSS
	if res.After, err = srv.stats(ctx, true); err != nil {
		return err
	}
	res.Conns = res.After.Open
	if heapProfile != "" {
		if err := srv.profile(ctx, "heap", filepath.Join(s.profDir, heapProfile)); err != nil {
			return fmt.Errorf("heap profile: %w", err)
		}
		s.rep.Profiles = append(s.rep.Profiles, fmt.Sprintf("%s: heap profile of the server (`%s`) holding %s idle connections",
			heapProfile, srv.command, thousands(res.Conns)))
	}
	return nil
}

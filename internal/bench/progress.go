package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progressInterval is how often the live progress line is written.
const progressInterval = time.Second

// progressWriter writes the live progress line: rewritten in place with \r on a terminal, one
// plain line per update otherwise (logs, pipes, tests).
type progressWriter struct {
	w       io.Writer
	tty     bool
	lastLen int
}

func newProgressWriter(w io.Writer) *progressWriter {
	return &progressWriter{w: w, tty: isTerminal(w)}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progressWriter) update(line string) {
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	pad := max(0, p.lastLen-len(line))
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.lastLen = len(line)
}

// finish ends an in-place line so that what follows starts on a fresh line.
func (p *progressWriter) finish() {
	if p.tty && p.lastLen > 0 {
		fmt.Fprintln(p.w)
		p.lastLen = 0
	}
}

// progressLoop is the running progress reporter of a run.
type progressLoop struct {
	done chan struct{}
	wg   sync.WaitGroup
}

func (p *progressLoop) stop() {
	close(p.done)
	p.wg.Wait()
}

// startProgress writes a progress line to w every progressInterval until stopped.
func (r *runner) startProgress(w io.Writer) *progressLoop {
	pw := newProgressWriter(w)
	p := &progressLoop{done: make(chan struct{})}
	p.wg.Go(func() {
		defer pw.finish()
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		start := time.Now()
		prev := r.rtt.snapshot()
		prevReplies, prevConns := int64(0), int64(0)
		prevAt := start
		for {
			select {
			case <-p.done:
				return
			case now := <-t.C:
				cur := r.rtt.snapshot()
				replies, conns := r.st.replies.Load(), r.st.connOK.Load()
				secs := now.Sub(prevAt).Seconds()
				pw.update(r.progressLine(now.Sub(start), cur.since(prev),
					float64(replies-prevReplies)/secs, float64(conns-prevConns)/secs))
				prev, prevReplies, prevConns, prevAt = cur, replies, conns, now
			}
		}
	})
	return p
}

// progressLine renders one progress update; interval holds the round trips of the last interval.
func (r *runner) progressLine(elapsed time.Duration, interval histSnapshot, msgRate, connRate float64) string {
	head := fmt.Sprintf("bench %4s", elapsed.Round(time.Second))
	errs := r.errs.total()
	switch r.phase.Load() {
	case phaseConnecting:
		return fmt.Sprintf("%s connecting: %d/%d ok, %d failed, %.0f conn/s, %d errors", head,
			r.st.connOK.Load(), r.cfg.conns, r.st.connFailed.Load(), connRate, errs)
	case phaseIdle:
		return fmt.Sprintf("%s idle: holding %d connections, %d errors", head, r.live.Load(), errs)
	case phaseClosing:
		return fmt.Sprintf("%s closing %d connections", head, r.live.Load())
	}
	if r.fan != nil {
		return fmt.Sprintf("%s fan-out by %s: round %d/%d, %d frames received, %d errors", head, r.fan.via,
			r.fan.current.Load(), len(r.fan.rounds), r.st.replies.Load(), errs)
	}
	phase := "measuring"
	switch r.phase.Load() {
	case phaseWarmup:
		phase = "warmup"
	case phaseDraining:
		phase = "draining"
	}
	return fmt.Sprintf("%s %s: %d sent, %d received, %.0f msg/s, p50 %s p99 %s, %d errors", head, phase,
		r.st.sent.Load(), r.st.received.Load(), msgRate,
		fmtDuration(interval.quantile(0.5)), fmtDuration(interval.quantile(0.99)), errs)
}

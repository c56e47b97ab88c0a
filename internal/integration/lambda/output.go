package lambda

import (
	"os"
	"sync/atomic"
	"time"
)

// outputDrainLimit bounds how long a result waits for its worker's output pipes to empty.
const outputDrainLimit = 100 * time.Millisecond

// outputPipe is the read end of one of a worker's output streams and the copier's state.
type outputPipe struct {
	r  *os.File
	lw *lineWriter
	// copying is set while the copier holds bytes it has read and not yet written to lw.
	copying atomic.Bool
}

// outputPipes creates the worker's stdout and stderr pipes and returns their write ends, for the
// child.
func (w *worker) outputPipes() (outW, errW *os.File, err error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, nil, err
	}
	w.pipes = []*outputPipe{{r: outR, lw: w.stdout}, {r: errR, lw: w.stderr}}
	return outW, errW, nil
}

// copyOutput starts copying the pipes into their line writers, until the last process holding a
// write end has closed it (or closeOutput).
func (w *worker) copyOutput() {
	for _, p := range w.pipes {
		w.copiers.Add(1)
		go func() {
			defer w.copiers.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := p.r.Read(buf)
				if n > 0 {
					p.copying.Store(true)
					_, _ = p.lw.Write(buf[:n])
					p.copying.Store(false)
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// awaitOutput waits for the copiers after the worker's process has exited. A process it started
// that still holds the pipes open gets exitOutputDelay; then the pipes are closed under it.
func (w *worker) awaitOutput() {
	done := make(chan struct{})
	go func() {
		w.copiers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(exitOutputDelay):
	}
	w.closeOutput()
	<-done
}

// closeOutput closes the pipes' read ends, which ends the copiers.
func (w *worker) closeOutput() {
	for _, p := range w.pipes {
		_ = p.r.Close()
	}
}

// drainOutput waits, at most outputDrainLimit, until what the worker has written to its output
// pipes so far has gone through the line writers, so that the lines belong to the invocation
// that is current now. Where the pipe's fill level cannot be read, it returns at once.
func (w *worker) drainOutput() {
	deadline := time.Now().Add(outputDrainLimit)
	for _, p := range w.pipes {
		for (pipeBuffered(p.r) > 0 || p.copying.Load()) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

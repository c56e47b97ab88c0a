package lambda

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// Worker process timing.
const (
	// initTimeout bounds a worker's initialisation (start to first /next), Lambda's init limit.
	initTimeout = 10 * time.Second
	// stopGrace is how long a stopped worker gets between SIGTERM and SIGKILL.
	stopGrace = 500 * time.Millisecond
	// memorySampleInterval is how often a busy worker's memory is checked against its limit.
	memorySampleInterval = 50 * time.Millisecond
	// exitOutputDelay bounds the wait for a dead worker's output pipes to drain (they stay open
	// while a process it started lives on).
	exitOutputDelay = time.Second
)

// workerState is where a worker is in its life; the pool's mutex guards it.
type workerState int

const (
	stateStarting workerState = iota // process started, no /next yet
	stateIdle                        // waiting in /next, in the idle list
	stateBusy                        // owned by an Invoke, or running an invocation
	stateStopping                    // being stopped on purpose (reaped, retired, closed)
	stateDead                        // process exited
)

// worker is one runtime process with its own Runtime API endpoint. It runs one invocation at a
// time.
type worker struct {
	fn      *Function
	gen     *generation
	num     int // sequence number within the function, for logs
	api     *runtimeAPI
	srv     *http.Server
	cmd     *exec.Cmd
	stdout  *lineWriter
	stderr  *lineWriter
	pipes   []*outputPipe // stdout's and stderr's read ends, from spawn on
	copiers sync.WaitGroup
	errTail tail
	started time.Time
	exited  chan struct{} // closed once the process has exited and its output is drained

	// Guarded by fn.mu.
	state     workerState
	reserved  bool          // the Invoke that started it waits for its first /next
	finishing bool          // answered its invocation, next /next not yet seen
	initDone  chan struct{} // closed at the first /next or when initialisation failed
	initErr   error         // why initialisation failed; set before initDone is closed
	idleTimer *time.Timer

	mu           sync.Mutex
	proc         *os.Process   // nil until the process has started
	killPending  bool          // kill was asked for before proc was known
	stopping     bool          // stop has been called: the runtime dropping its /next is expected
	requestID    string        // the latest invocation, for attributing output lines
	invocations  atomic.Uint64 // events delivered (Status)
	initDuration time.Duration
	initReported bool
	peakKB       int64         // the highest VmHWM seen
	memReadAt    time.Time     // when peakKB was last read
	failure      *HandlerError // why the worker was killed during initialisation
}

// spawn starts a worker process for generation g. The caller has counted it in f.total.
func (f *Function) spawn(g *generation, reserved bool) (*worker, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the Runtime API: %w", err)
	}
	w := &worker{fn: f, gen: g, exited: make(chan struct{}), state: stateStarting,
		reserved: reserved, initDone: make(chan struct{})}
	w.stdout = &lineWriter{emit: func(line string) { w.output("stdout", line) }}
	w.stderr = &lineWriter{emit: func(line string) {
		w.errTail.add(line)
		w.output("stderr", line)
	}}
	launch := g.prepared.Launch
	w.cmd = exec.Command(launch.Path, launch.Args...)
	w.cmd.Dir = launch.Dir
	if w.cmd.Env, err = f.workerEnv(g, ln.Addr().String(), newLogStreamName(time.Now())); err != nil {
		ln.Close()
		return nil, err
	}
	// The output pipes are the worker's own rather than exec's, so that the result path can see
	// whether they still hold output (drainOutput).
	outW, errW, err := w.outputPipes()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("create output pipes: %w", err)
	}
	defer outW.Close() // the child holds its own copies from Start on
	defer errW.Close()
	w.cmd.Stdout = outW
	w.cmd.Stderr = errW
	isolate(w.cmd)

	// Start the process and register the worker in one step, so that Close either sees it or
	// keeps it from starting.
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		ln.Close()
		w.closeOutput()
		return nil, errClosed
	}
	f.seq++
	w.num = f.seq
	log := f.log.With("function", f.name, "worker", w.num)
	w.api = newRuntimeAPI(f.arn, runtimeHooks{
		next:      func(first bool) { f.ready(w, first) },
		initError: w.initFailed,
		result: func(inv *invocation, r result) {
			// The runtime wrote the invocation's output before posting its result, and asks for
			// the next event only once this returns: draining first keeps each line with its
			// invocation.
			w.drainOutput()
			f.answered(w) // first, so that the caller's next invocation waits for this worker
			w.complete(inv, r)
		},
		hangup: w.hangup,
	}, w.exited, log)
	w.srv = &http.Server{
		Handler:           w.api.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	w.started = time.Now()
	go func() { _ = w.srv.Serve(ln) }()
	if err := w.cmd.Start(); err != nil {
		_ = w.srv.Close()
		w.closeOutput()
		return nil, &HandlerError{Type: "Runtime.InvalidEntrypoint", Message: err.Error(), Init: true}
	}
	w.copyOutput()
	w.mu.Lock()
	w.proc = w.cmd.Process
	pending := w.killPending
	w.mu.Unlock()
	if pending {
		killProcess(w.proc)
	}
	log.Debug("worker started", "pid", w.proc.Pid, "runtimeApi", ln.Addr().String(), "command", launch.Path)
	f.workers[w] = struct{}{}
	f.bg.Add(1)
	go w.wait()
	time.AfterFunc(initTimeout, w.checkInit)
	return w, nil
}

// output forwards one line of the worker's output to the log, attributed to the invocation it
// belongs to, like a CloudWatch log line.
func (w *worker) output(stream, line string) {
	w.mu.Lock()
	id := w.requestID
	w.mu.Unlock()
	attrs := []any{"function", w.fn.name, "stream", stream}
	if id != "" {
		attrs = append(attrs, "requestId", id)
	}
	w.fn.log.Info(line, attrs...)
	w.fn.logs.add(LogLine{At: time.Now(), Worker: w.num, Stream: stream, RequestID: id, Text: line})
}

// wait reaps the process, fails the invocation it was running, and tells the pool.
func (w *worker) wait() {
	defer w.fn.bg.Done()
	err := w.cmd.Wait()
	w.awaitOutput()
	w.stdout.flush()
	w.stderr.flush()
	close(w.exited)
	_ = w.srv.Close()
	if inv := w.api.current(); inv != nil {
		w.complete(inv, result{err: exitError(inv.id, err, false)})
	}
	w.fn.workerGone(w, err)
}

// deliver hands inv to the worker's pending /next and starts watching its deadline and memory.
// It returns false when the worker exited before taking the event.
func (w *worker) deliver(inv *invocation) bool {
	select {
	case <-w.exited:
		return false
	default:
	}
	w.mu.Lock()
	w.requestID = inv.id
	w.mu.Unlock()
	w.invocations.Add(1)
	inv.start = time.Now()
	w.fn.log.Info("START RequestId: "+inv.id+" Version: $LATEST", "function", w.fn.name, "requestId", inv.id)
	if !w.api.offer(inv, w.exited) {
		return false
	}
	go w.watch(inv)
	return true
}

// watch enforces inv's deadline and the memory limit while inv runs.
func (w *worker) watch(inv *invocation) {
	timer := time.NewTimer(time.Until(inv.deadline))
	defer timer.Stop()
	ticker := time.NewTicker(memorySampleInterval)
	defer ticker.Stop()
	tick := ticker.C
	for {
		select {
		case <-inv.done:
			return
		case <-w.exited:
			return
		case <-timer.C:
			secs := inv.limit.Seconds()
			w.fn.log.Error(fmt.Sprintf("Task timed out after %.2f seconds", secs), "function", w.fn.name, "requestId", inv.id)
			w.complete(inv, result{err: timeoutError(inv.id, secs)})
			w.fn.discard(w)
			return
		case <-tick:
			m, err := readMemory(w.pid())
			if err != nil {
				tick = nil // no /proc here, or the process is gone
				continue
			}
			w.notePeak(m.peakKB)
			if used := megabytes(m.rssKB); used > w.fn.memoryMB {
				w.complete(inv, result{err: outOfMemoryError(inv.id, used, w.fn.memoryMB)})
				w.fn.discard(w)
				return
			}
		}
	}
}

// complete records inv's outcome (the first outcome wins) and writes the log lines: a failure
// before the caller learns of it, END and REPORT after, so the caller is not kept waiting.
func (w *worker) complete(inv *invocation, r result) {
	if !inv.claim() {
		return
	}
	f := w.fn
	duration := time.Since(inv.start)
	status := ""
	timedOut := false
	if r.err != nil {
		var he *HandlerError
		if errors.As(r.err, &he) {
			switch he.Type {
			case ErrorTypeTimeout:
				timedOut = true
				status = "\tStatus: timeout"
			case ErrorTypeExit, ErrorTypeOutOfMemory:
				status = "\tStatus: error\tError Type: " + he.Type
			}
		}
		f.log.Error("invocation failed", "function", f.name, "requestId", inv.id, "worker", w.num,
			"error", r.err, "stderr", w.errTail.String())
	}
	inv.settle(r)
	f.obs.Invoked(duration, r.err != nil, timedOut)
	f.log.Info("END RequestId: "+inv.id, "function", f.name, "requestId", inv.id)
	f.log.Info(w.report(inv.id, duration)+status, "function", f.name, "requestId", inv.id)
}

// report is the REPORT line of an invocation, with Init Duration on a worker's first one. Max
// Memory Used is the worker's resident peak (VmHWM), read at most once per sample interval so
// that quick invocations do not each pay for a /proc read.
func (w *worker) report(requestID string, d time.Duration) string {
	w.mu.Lock()
	stale := time.Since(w.memReadAt) >= memorySampleInterval
	w.mu.Unlock()
	if stale {
		if m, err := readMemory(w.pid()); err == nil {
			w.notePeak(m.peakKB)
		}
	}
	w.mu.Lock()
	peakKB := w.peakKB
	initDuration := time.Duration(0)
	if !w.initReported {
		w.initReported = true
		initDuration = w.initDuration
	}
	w.mu.Unlock()
	ms := float64(d) / float64(time.Millisecond)
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		requestID, ms, int64(math.Ceil(ms)), w.fn.memoryMB, megabytes(peakKB))
	if initDuration > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", float64(initDuration)/float64(time.Millisecond))
	}
	return line
}

func (w *worker) notePeak(kb int64) {
	w.mu.Lock()
	w.peakKB = max(w.peakKB, kb)
	w.memReadAt = time.Now()
	w.mu.Unlock()
}

// initFailed handles /runtime/init/error: Lambda tears such an environment down.
func (w *worker) initFailed(he *HandlerError) {
	w.mu.Lock()
	w.failure = he
	w.mu.Unlock()
	w.kill()
}

// checkInit kills a worker still initialising after initTimeout.
func (w *worker) checkInit() {
	w.fn.mu.Lock()
	starting := w.state == stateStarting
	w.fn.mu.Unlock()
	if !starting {
		return
	}
	w.mu.Lock()
	if w.failure == nil {
		w.failure = &HandlerError{Type: ErrorTypeTimeout, Init: true,
			Message: fmt.Sprintf("Init timed out after %.2f seconds", initTimeout.Seconds())}
	}
	w.mu.Unlock()
	w.kill()
}

// hangup handles a runtime that dropped its /next: it is exiting or broken, so it goes.
func (w *worker) hangup() {
	w.mu.Lock()
	stopping := w.stopping
	w.mu.Unlock()
	select {
	case <-w.exited:
	default:
		if !stopping {
			w.fn.log.Warn("runtime dropped its request for the next event; stopping the worker", "function", w.fn.name, "worker", w.num)
		}
		w.kill()
	}
}

// process returns the worker's process, nil before it has started.
func (w *worker) process() *os.Process {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.proc
}

// pid is the worker's process id, 0 before it has started.
func (w *worker) pid() int {
	if p := w.process(); p != nil {
		return p.Pid
	}
	return 0
}

// kill ends the worker at once (SIGKILL to its process group).
func (w *worker) kill() {
	w.mu.Lock()
	p := w.proc
	if p == nil {
		w.killPending = true
	}
	w.mu.Unlock()
	if p != nil {
		killProcess(p)
	}
}

// stop ends the worker: SIGTERM, then SIGKILL after stopGrace.
func (w *worker) stop() {
	w.mu.Lock()
	w.stopping = true
	w.mu.Unlock()
	p := w.process()
	if p == nil {
		w.kill()
		return
	}
	terminateProcess(p)
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-w.exited:
	case <-t.C:
		killProcess(p)
	}
}

// initFailure is why a worker that never asked for an event failed to start.
func (w *worker) initFailure(exitErr error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failure != nil {
		return w.failure
	}
	return exitError("", exitErr, true)
}

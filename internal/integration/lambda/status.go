package lambda

import (
	"slices"
	"sync"
	"time"
	"unicode/utf8"
)

// The bounds of a Function's recent output (Status.Logs).
const (
	// LogLines is how many of the workers' latest output lines a Function keeps.
	LogLines = 100
	// LogLineBytes is the most of one line kept; longer lines are cut and end with "…".
	LogLineBytes = 1024
)

// Status is a function's state at one moment: its workers and their latest output, for the
// admin dashboard.
type Status struct {
	Name string
	// MaxConcurrency is the most workers it may run at once.
	MaxConcurrency int
	// Workers are the live workers (starting, idle, busy or stopping), oldest first.
	Workers []WorkerStatus
	// Logs are the latest lines the workers wrote, oldest first: at most LogLines.
	Logs []LogLine
}

// WorkerStatus describes one worker process.
type WorkerStatus struct {
	// Num is the worker's sequence number within the function, as in the logs' worker attribute.
	Num int
	// PID is the process id; 0 before the process has started.
	PID int
	// State is "starting", "idle", "busy" or "stopping".
	State string
	// Invocations counts the events handed to the worker.
	Invocations uint64
	// Started is when the process was started.
	Started time.Time
}

// LogLine is one line of a worker's output.
type LogLine struct {
	At     time.Time
	Worker int
	// Stream is "stdout" or "stderr".
	Stream string
	// RequestID is the invocation the line belongs to; "" before the first.
	RequestID string
	Text      string
}

// String names the state as Status does.
func (s workerState) String() string {
	switch s {
	case stateStarting:
		return "starting"
	case stateIdle:
		return "idle"
	case stateBusy:
		return "busy"
	case stateStopping:
		return "stopping"
	default:
		return "dead"
	}
}

// Status returns the function's workers and its latest output lines.
func (f *Function) Status() Status {
	st := Status{Name: f.name, MaxConcurrency: f.maxConcurrency}
	var live []*worker
	f.mu.Lock()
	for w := range f.workers {
		if w.state == stateDead {
			continue
		}
		live = append(live, w)
		st.Workers = append(st.Workers, WorkerStatus{Num: w.num, State: w.state.String(),
			Invocations: w.invocations.Load(), Started: w.started})
	}
	f.mu.Unlock()
	for i, w := range live {
		st.Workers[i].PID = w.pid() // outside f.mu: pid takes the worker's own lock
	}
	slices.SortFunc(st.Workers, func(a, b WorkerStatus) int { return a.Num - b.Num })
	st.Logs = f.logs.lines()
	return st
}

// logRing keeps a function's latest output lines. Adding a line costs a lock and a copy of at
// most LogLineBytes.
type logRing struct {
	mu   sync.Mutex
	buf  []LogLine // LogLines long once full
	next int       // where the next line goes once full
}

func (r *logRing) add(l LogLine) {
	if len(l.Text) > LogLineBytes {
		cut := LogLineBytes
		for cut > 0 && !utf8.RuneStart(l.Text[cut]) {
			cut--
		}
		l.Text = l.Text[:cut] + "…"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < LogLines {
		r.buf = append(r.buf, l)
		return
	}
	r.buf[r.next] = l
	r.next = (r.next + 1) % LogLines
}

// lines returns the lines kept, oldest first.
func (r *logRing) lines() []LogLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]LogLine, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

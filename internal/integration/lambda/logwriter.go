package lambda

import (
	"bytes"
	"strings"
	"sync"
)

// Limits of the output kept and forwarded per worker.
const (
	maxLogLine    = 64 << 10 // a longer line is forwarded in pieces
	tailLines     = 10       // stderr lines kept for failure reports
	maxTailLength = 512      // bytes kept of each of those lines
)

// lineWriter splits a worker's output stream into lines and hands each to emit. It is the
// Stdout/Stderr of the worker's exec.Cmd, so exec copies the pipe into it and Wait returns only
// after the last write.
type lineWriter struct {
	emit func(line string)

	mu  sync.Mutex
	buf []byte
}

func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	lw.buf = append(lw.buf, p...)
	for {
		i := bytes.IndexByte(lw.buf, '\n')
		if i < 0 {
			if len(lw.buf) >= maxLogLine {
				lw.emit(string(lw.buf))
				lw.buf = lw.buf[:0]
			}
			return len(p), nil
		}
		lw.emit(strings.TrimSuffix(string(lw.buf[:i]), "\r"))
		lw.buf = lw.buf[i+1:]
	}
}

// flush forwards a last line that had no newline.
func (lw *lineWriter) flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if len(lw.buf) > 0 {
		lw.emit(string(lw.buf))
		lw.buf = nil
	}
}

// tail keeps the last lines of a stream, to name in failure reports.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (t *tail) add(line string) {
	if len(line) > maxTailLength {
		line = line[:maxTailLength] + "…"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

// String joins the kept lines with newlines.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

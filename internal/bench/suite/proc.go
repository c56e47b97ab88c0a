package suite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a stopped child gets to exit after SIGTERM before its process group is
// killed.
const stopGrace = 30 * time.Second

// proc is a child process the suite started (a server or a baseline). It runs in its own process
// group, so that stop can also end whatever it started.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done is closed
	out  *tail         // the last lines of its stdout and stderr
}

// startProc starts argv in dir with env added to the suite's environment. When firstLine is
// set, startProc waits (bounded by ready) for the first line of stdout and returns it.
func startProc(ctx context.Context, name, dir string, env []string, firstLine bool, ready time.Duration, argv ...string) (*proc, string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), out: newTail(64)}
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		first := true
		for sc.Scan() {
			if first && firstLine {
				lines <- sc.Text()
			} else {
				p.out.Write(append(sc.Bytes(), '\n'))
			}
			first = false
		}
		close(lines)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if !firstLine {
		return p, "", nil
	}
	timer := time.NewTimer(ready)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		if ok {
			return p, line, nil
		}
		<-p.done
		return nil, "", fmt.Errorf("%s exited before it was ready (%v):\n%s", name, p.err, p.out)
	case <-timer.C:
		p.stop()
		return nil, "", fmt.Errorf("%s printed nothing within %s:\n%s", name, ready, p.out)
	case <-ctx.Done():
		p.stop()
		return nil, "", ctx.Err()
	}
}

// pid returns the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process with SIGTERM (a graceful shutdown), and after stopGrace kills its whole
// process group. Whatever is left of the group once the process has exited is killed too.
func (p *proc) stop() {
	if !p.exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
		}
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	<-p.done
}

// waitPort waits until something accepts TCP connections on addr, the process exits, or ready
// passes.
func (p *proc) waitPort(ctx context.Context, addr string, ready time.Duration) error {
	deadline := time.Now().Add(ready)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited before listening on %s (%v):\n%s", p.name, addr, p.err, p.out)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not listen on %s within %s:\n%s", p.name, addr, ready, p.out)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// tail keeps the last n lines written to it; it is safe for concurrent writers.
type tail struct {
	mu    sync.Mutex
	n     int
	lines []string
	part  string
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := t.part + string(b)
	parts := strings.Split(text, "\n")
	t.part = parts[len(parts)-1]
	for _, l := range parts[:len(parts)-1] {
		t.lines = append(t.lines, l)
		if len(t.lines) > t.n {
			t.lines = t.lines[len(t.lines)-t.n:]
		}
	}
	return len(b), nil
}

// String returns the kept lines, indented for inclusion in an error.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string(nil), t.lines...)
	if t.part != "" {
		lines = append(lines, t.part)
	}
	if len(lines) > t.n {
		lines = lines[len(lines)-t.n:]
	}
	if len(lines) == 0 {
		return "  (no output)"
	}
	return "  " + strings.Join(lines, "\n  ")
}

var _ io.Writer = (*tail)(nil)

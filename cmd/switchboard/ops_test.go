package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// served is a running `switchboard serve` with an admin listener.
type served struct {
	cmd    *exec.Cmd
	url    string // the stage's ws:// URL
	admin  string // http://host:port of the admin listener
	stderr *lockedBuffer
}

// startServeAdmin runs `switchboard serve --admin 127.0.0.1:0` and reads the addresses it prints.
func startServeAdmin(t *testing.T, config string) *served {
	t.Helper()
	s := &served{}
	s.cmd, s.stderr = runServe(t, func(line string) bool {
		if v, ok := strings.CutPrefix(line, "WebSocket URL:"); ok {
			s.url = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "Admin:"); ok {
			s.admin, _, _ = strings.Cut(strings.TrimSpace(v), " ")
		}
		return s.url != "" && s.admin != ""
	}, "--config", config, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0")
	if s.url == "" || !strings.HasPrefix(s.admin, "http://127.0.0.1:") {
		t.Fatalf("serve printed URL %q and admin %q; stderr:\n%s", s.url, s.admin, s.stderr)
	}
	return s
}

func (s *served) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.admin + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pathBackend is a url integration answering each event with its own path as the body.
func pathBackend(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"statusCode":200,"body":%q}`, strings.TrimPrefix(r.URL.Path, "/"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServeSIGHUPDeploys: with autoDeploy false, an edited config is deployed at SIGHUP, and a
// client that stays connected gets the added route; the admin listener serves the metrics.
func TestServeSIGHUPDeploys(t *testing.T) {
	b := pathBackend(t)
	base := fmt.Sprintf("stage: {name: prod, autoDeploy: false}\nroutes:\n  echo: {url: '%s/echo', returnResponse: true}\n", b.URL)
	path := writeConfig(t, base)
	s := startServeAdmin(t, path)
	if code, body := s.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %q", code, body)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	ask := func(action string) string {
		t.Helper()
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"`+action+`"}`)); err != nil {
			t.Fatal(err)
		}
		_, msg, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(msg)
	}
	if got := ask("late"); !strings.Contains(got, "Forbidden") {
		t.Fatalf("before: %q", got)
	}
	if err := os.WriteFile(path, []byte(base+fmt.Sprintf("  late: {url: '%s/late', returnResponse: true}\n", b.URL)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(s.stderr.String(), "trigger=reload") {
		if ctx.Err() != nil {
			t.Fatalf("no deployment logged after SIGHUP; stderr:\n%s", s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := ask("late"); got != "late" {
		t.Fatalf("after SIGHUP the open connection got %q, want the added route's answer", got)
	}
	if !strings.Contains(s.stderr.String(), "deploymentId=") {
		t.Errorf("the deployment id is not logged:\n%s", s.stderr)
	}
	code, body := s.get(t, "/metrics")
	if code != 200 || !strings.Contains(body, `apigateway_message_count_total{api="`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics: %d\n%s", code, body)
	}
}

// TestServeReadyzDuringDrain: /readyz turns 503 as soon as SIGTERM starts the drain, while
// /healthz stays 200.
func TestServeReadyzDuringDrain(t *testing.T) {
	b := newBackend(t, true) // $disconnect hangs: the drain lasts
	s := startServeAdmin(t, writeConfig(t, fmt.Sprintf(
		"stage: {name: prod}\nroutes:\n  $disconnect: {type: url, url: '%s'}\n", b.URL)))
	if code, _ := s.get(t, "/readyz"); code != 200 {
		t.Fatalf("/readyz before the drain: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if e := b.next(t); e != "DISCONNECT 1001" {
		t.Fatalf("backend got %q", e)
	}
	// The drain is under way (its $disconnect is held).
	if code, body := s.get(t, "/readyz"); code != http.StatusServiceUnavailable || body != "draining\n" {
		t.Fatalf("/readyz during the drain: %d %q", code, body)
	}
	if code, _ := s.get(t, "/healthz"); code != 200 {
		t.Fatalf("/healthz during the drain: %d", code)
	}
}

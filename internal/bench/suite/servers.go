package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// readyTimeout bounds a server's start-up (a function route builds its Go handler first).
const readyTimeout = 3 * time.Minute

// sbServer is a running bench/server: the Switchboard side.
type sbServer struct {
	*proc
	URL        string `json:"url"`
	Management string `json:"management"`
	Debug      string `json:"debug"`
	NATS       string `json:"nats"` // the cluster's NATS URL, when it is a node of one
	command    string // its command line, for the report
}

// serverStats is bench/server's /stats answer (bench/server's Stats type).
type serverStats struct {
	RSS        int64 `json:"rss"`
	HeapInuse  int64 `json:"heap_inuse"`
	StackInuse int64 `json:"stack_inuse"`
	Goroutines int   `json:"goroutines"`
	Open       int64 `json:"open"`
	Connects   int64 `json:"connects"`
}

// Ways to start bench/server.
const (
	serveDefault   = iota // the API serves itself (API.StartOn), as `switchboard serve` does
	serveFunctions        // the same, with the function routes
	servePlain            // API.Handler in bench/server's own plain net/http server
	serveNoMetrics        // as serveDefault, without metrics (their cost's baseline)
)

// startSwitchboard starts bench/server the given way, with extra flags.
func (s *suite) startSwitchboard(ctx context.Context, how int, extra ...string) (*sbServer, error) {
	argv := []string{s.bin.server, "-listen", "127.0.0.1:0", "-debug", "127.0.0.1:0"}
	argv = append(argv, extra...)
	switch how {
	case serveFunctions:
		argv = append(argv, "-functions", "bench/functions", "-workers", strconv.Itoa(s.plan.functionLimit))
	case servePlain:
		argv = append(argv, "-plain")
	case serveNoMetrics:
		argv = append(argv, "-metrics=false")
	}
	p, line, err := startProc(ctx, "benchmark server", s.opts.Root, nil, true, readyTimeout, argv...)
	if err != nil {
		return nil, err
	}
	srv := &sbServer{proc: p, command: displayCommand(argv)}
	if err := json.Unmarshal([]byte(line), srv); err != nil || srv.URL == "" || srv.Debug == "" {
		p.stop()
		return nil, fmt.Errorf("benchmark server printed %q, want its addresses as JSON", line)
	}
	return srv, nil
}

// stats fetches /stats; gc forces a collection first.
func (srv *sbServer) stats(ctx context.Context, gc bool) (serverStats, error) {
	u := srv.Debug + "/stats"
	if gc {
		u += "?gc=1"
	}
	var st serverStats
	body, err := httpGet(ctx, u)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("decode /stats: %w", err)
	}
	return st, nil
}

// profile saves a pprof profile of the server: kind "heap", or "profile?seconds=N" for CPU.
func (srv *sbServer) profile(ctx context.Context, kind, path string) error {
	body, err := httpGet(ctx, srv.Debug+"/debug/pprof/"+kind)
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o644)
}

// echoServer is a running bench/echo: the bare coder/websocket echo baseline.
type echoServer struct {
	*proc
	URL     string
	command string
}

func (s *suite) startEcho(ctx context.Context) (*echoServer, error) {
	argv := []string{s.bin.echo, "-listen", "127.0.0.1:0"}
	p, line, err := startProc(ctx, "echo server", s.opts.Root, nil, true, readyTimeout, argv...)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "ws://") {
		p.stop()
		return nil, fmt.Errorf("echo server printed %q, want its ws:// URL", line)
	}
	return &echoServer{proc: p, URL: line, command: displayCommand(argv)}, nil
}

// httpGet GETs a loopback URL and returns the body of a 200 answer.
func httpGet(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// displayCommand renders argv for the report: the built binaries by their program names
// (switchboard, bench/server, bench/echo), arguments shell-quoted where needed.
func displayCommand(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if i == 0 {
			switch base := filepath.Base(a); base {
			case "server", "echo":
				a = "go run ./bench/" + base
			case "switchboard":
				a = "switchboard"
			}
			parts[i] = a
			continue
		}
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@%+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

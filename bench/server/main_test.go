package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// start runs the server with o until the test ends and returns its addresses.
func start(t *testing.T, o options) addresses {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, o, pw, slog.New(slog.NewTextHandler(io.Discard, nil)))
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read addresses: %v", err)
	}
	go io.Copy(io.Discard, pr)
	var a addresses
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		t.Fatalf("addresses line %q: %v", line, err)
	}
	for _, u := range []string{a.URL, a.Management, a.Debug} {
		if !strings.Contains(u, "://127.0.0.1:") {
			t.Fatalf("addresses %+v: want loopback URLs", a)
		}
	}
	return a
}

// roundTrip sends msg and returns the next frame.
func roundTrip(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read after %s: %v", msg, err)
	}
	return string(b)
}

func stats(t *testing.T, base, query string) Stats {
	t.Helper()
	resp, err := http.Get(base + "/stats" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decode /stats: %v", err)
	}
	return st
}

func TestRoutesStatsAndProfiles(t *testing.T) {
	a := start(t, options{listen: "127.0.0.1:0", debug: "127.0.0.1:0"})
	c, _, err := websocket.Dial(context.Background(), a.URL, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()

	for _, action := range []string{"echo", "post", "sdkpost"} {
		msg := `{"action":"` + action + `","seq":1}`
		if got := roundTrip(t, c, msg); got != msg {
			t.Errorf("%s: got %q, want the message back", action, got)
		}
	}
	if got := roundTrip(t, c, `{"action":"nope"}`); !strings.HasPrefix(got, `{"message": "Forbidden"`) {
		t.Errorf("unknown route: got %q, want the Forbidden frame", got)
	}

	st := stats(t, a.Debug, "")
	if st.Open != 1 || st.Connects != 1 || st.RSS <= 0 || st.HeapInuse <= 0 || st.Goroutines <= 0 || st.GC {
		t.Errorf("/stats = %+v", st)
	}
	if st := stats(t, a.Debug, "?gc=1"); !st.GC || st.NumGC == 0 {
		t.Errorf("/stats?gc=1 = %+v, want a forced GC", st)
	}
	resp, err := http.Get(a.Debug + "/debug/pprof/heap")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("heap profile: %v %v", resp, err)
	}
	resp.Body.Close()

	_ = c.Close(websocket.StatusNormalClosure, "")
	for i := 0; stats(t, a.Debug, "").Open != 0; i++ { // $disconnect comes after the close
		if i == 500 {
			t.Fatal("$disconnect never uncounted the connection")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPlainListener(t *testing.T) {
	a := start(t, options{listen: "127.0.0.1:0", debug: "127.0.0.1:0", plain: true})
	c, _, err := websocket.Dial(context.Background(), a.URL, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	for _, action := range []string{"echo", "sdkpost"} {
		msg := `{"action":"` + action + `"}`
		if got := roundTrip(t, c, msg); got != msg {
			t.Errorf("%s: got %q, want the message back", action, got)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for name, o := range map[string]options{
		"missing functions": {listen: "127.0.0.1:0", debug: "127.0.0.1:0", functions: t.TempDir()},
		"plain functions":   {listen: "127.0.0.1:0", debug: "127.0.0.1:0", functions: "../functions", plain: true},
		"remote debug":      {listen: "127.0.0.1:0", debug: "0.0.0.0:0"},
	} {
		if err := run(context.Background(), o, io.Discard, slog.New(slog.DiscardHandler)); err == nil {
			t.Errorf("%s: run succeeded", name)
		}
	}
}

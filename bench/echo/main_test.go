package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

func TestEchoServerPrintsURLAndEchoes(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, "127.0.0.1:0", pw, slog.New(slog.NewTextHandler(io.Discard, nil)))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("read URL: %v", err)
	}
	go io.Copy(io.Discard, pr) // nothing more is expected; keep the writer unblocked
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("printed %q, want a ws://127.0.0.1 URL", line)
	}

	c, _, err := websocket.Dial(ctx, url+"any/path", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	for _, msg := range []string{`{"action":"echo","seq":1}`, strings.Repeat("x", 100<<10)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil || typ != websocket.MessageText || string(got) != msg {
			t.Fatalf("echo of %d bytes: type %v, %d bytes, err %v", len(msg), typ, len(got), err)
		}
	}
	// Above the 128 KiB read limit the server closes with 1009 (message too big).
	if err := c.Write(ctx, websocket.MessageText, make([]byte, 129<<10)); err != nil {
		t.Fatalf("write: %v", err)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("oversized message: %v, want close 1009", err)
	}

	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run: %v", err)
	}
}

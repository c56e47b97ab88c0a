package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestChatRooms runs the example as the README does and chats in two rooms with real clients.
func TestChatRooms(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, slog.New(slog.DiscardHandler)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	base := ln.Addr().String()

	resp, err := http.Get("http://" + base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "new WebSocket(") {
		t.Fatalf("browser page not served: %d", resp.StatusCode)
	}

	dial := func(room string) *websocket.Conn {
		c, _, err := websocket.Dial(context.Background(), "ws://"+base+"/local?room="+room, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		return c
	}
	alice, bob, carol := dial("lobby"), dial("lobby"), dial("other")
	// Joining happens in $connect, which finishes before the handshake completes, so the room
	// is complete now.
	if err := alice.Write(ctx, websocket.MessageText, []byte(`{"action":"sendMessage","data":"hi all"}`)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*websocket.Conn{alice, bob} {
		rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
		_, b, err := c.Read(rctx)
		rcancel()
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Room, Data string }
		if err := json.Unmarshal(b, &m); err != nil || m.Room != "lobby" || m.Data != "hi all" {
			t.Fatalf("lobby member got %s (%v)", b, err)
		}
	}
	// carol is in another room: the next frame she gets is the answer to her own message.
	if err := carol.Write(ctx, websocket.MessageText, []byte(`not json`)); err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	_, b, err := carol.Read(rctx)
	if err != nil || !strings.Contains(string(b), "unknown message") {
		t.Fatalf("carol got %s (%v); she must not see the lobby's message", b, err)
	}
}

// Command chat is Switchboard's example API: a chat room. Clients join a room on $connect
// (ws://127.0.0.1:3001/local?room=lobby), send {"action":"sendMessage","data":"..."} to broadcast
// to their room through the @connections API, and leave on $disconnect. A browser page at
// http://127.0.0.1:3001/ lets you try it.
//
//	go run ./examples/chat [-listen 127.0.0.1:3001]
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/switchboardhq/switchboard"
)

//go:embed index.html
var page []byte

func main() {
	listen := flag.String("listen", "127.0.0.1:3001", "address to serve on")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err == nil {
		err = run(ctx, ln, log)
	}
	if err != nil {
		log.Error("chat example failed", "err", err)
		os.Exit(1)
	}
}

// run serves the chat example on ln until ctx is cancelled.
func run(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	chat := newChat(log)
	api, err := switchboard.New(switchboard.Props{
		Name: "chat",
		Routes: map[string]switchboard.Route{
			"$connect":    {Handler: chat.connect},
			"$disconnect": {Handler: chat.disconnect},
			"sendMessage": {Handler: chat.sendMessage},
			"$default":    {Handler: chat.fallback, ReturnResponse: true},
		},
	}, switchboard.WithLogger(log))
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.Handle("/", api.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	addr := ln.Addr().String()
	fmt.Printf("Chat example running.\n")
	fmt.Printf("  Browser:     http://%s/\n", addr)
	fmt.Printf("  WebSocket:   ws://%s/local?room=lobby\n", addr)
	fmt.Printf("  wscat:       npx wscat -c 'ws://%s/local?room=lobby'   then send {\"action\":\"sendMessage\",\"data\":\"hi\"}\n", addr)
	fmt.Printf("  Management:  http://%s/local/@connections/{connectionId}\n", addr)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return api.Shutdown(sctx)
}

package bench

import (
	"bytes"
	"context"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// echoReadLimit is the bare echo server's message limit: API Gateway's 128 KiB payload quota.
const echoReadLimit = 128 << 10

var echoBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// EchoHandler returns the baseline server for benchmarks: a bare github.com/coder/websocket
// endpoint on any path that sends every data frame back unchanged, with no compression and a
// 128 KiB read limit. Each connection's read loop runs in its own goroutine and the HTTP handler
// returns at once, which is what the gateway does too; comparing the gateway with this handler
// isolates the gateway's own cost.
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return // Accept has written the HTTP error response
		}
		c.SetReadLimit(echoReadLimit)
		go echo(c)
	})
}

// echo copies frames back until the connection ends. A Background context: per-call contexts
// would cost a timer per frame, and the connection's end unblocks the calls anyway.
func echo(c *websocket.Conn) {
	defer c.CloseNow()
	ctx := context.Background()
	for {
		typ, rd, err := c.Reader(ctx)
		if err != nil {
			return
		}
		buf := echoBuffers.Get().(*bytes.Buffer)
		buf.Reset()
		_, err = buf.ReadFrom(rd)
		if err == nil {
			err = c.Write(ctx, typ, buf.Bytes())
		}
		echoBuffers.Put(buf)
		if err != nil {
			return
		}
	}
}

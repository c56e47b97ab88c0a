package wsserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/apigw"
	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

// echoRoute is a two-way route that answers with the message body.
func echoRoute() *Route {
	return &Route{ReturnResponse: true, Invoker: integration.Func(func(_ context.Context, req *event.Request) (*event.Response, error) {
		return &event.Response{StatusCode: 200, Body: *req.Body}, nil
	})}
}

// TestMessagesLargerThanTheBuffers: messages far larger than the connection's read and write
// buffers arrive and go back intact.
func TestMessagesLargerThanTheBuffers(t *testing.T) {
	h := newHarness(t, map[string]*Route{"echo": echoRoute()}, config.Limits{})
	c := h.mustDial()
	for _, n := range []int{readBufferSize - 20, readBufferSize + 1, 5000, 100 << 10} {
		msg := `{"action":"echo","pad":"` + strings.Repeat("x", n) + `"}`
		writeFramed(t, c, msg, 32<<10) // frames of at most 32 KiB, API Gateway's frame limit
		if got := readText(t, c); got != msg {
			t.Fatalf("%d-byte message came back as %d bytes", len(msg), len(got))
		}
	}
}

// TestBytesSentWithTheHandshake: a client that sends a frame in the same packet as its handshake
// request (before the 101) does not lose it: the connection keeps net/http's read buffer that
// holds it.
func TestBytesSentWithTheHandshake(t *testing.T) {
	h := newHarness(t, map[string]*Route{"echo": echoRoute()}, config.Limits{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	msg := []byte(`{"action":"echo","early":true}`)
	var req bytes.Buffer
	req.WriteString("GET /test HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	req.Write(maskedTextFrame(msg))
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s", resp.Status)
	}
	var head [2]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		t.Fatalf("no frame after the 101: %v", err)
	}
	if head[0] != 0x81 || int(head[1]) != len(msg) {
		t.Fatalf("frame header %x, want a final text frame of %d bytes", head, len(msg))
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo = %q, %v; want %q", got, err, msg)
	}
}

// maskedTextFrame encodes a final text frame as a client must send it (masked), for payloads
// under 126 bytes.
func maskedTextFrame(payload []byte) []byte {
	key := [4]byte{1, 2, 3, 4}
	out := []byte{0x81, 0x80 | byte(len(payload))}
	out = append(out, key[:]...)
	for i, b := range payload {
		out = append(out, b^key[i%4])
	}
	return out
}

// TestWriteTimeoutDisconnects: a client that stops reading is disconnected once a frame has
// waited WriteTimeout, and its $disconnect reports 1006.
func TestWriteTimeoutDisconnects(t *testing.T) {
	rec := newRecorder()
	h := newHarness(t, map[string]*Route{
		"$connect":    {Invoker: rec.handler(ok200, nil)},
		"$disconnect": {Invoker: rec.handler(ok200, nil)},
	}, config.Limits{WriteTimeout: 100 * time.Millisecond})
	c := h.mustDial() // never reads
	id := h.connectedID(rec)
	chunk := make([]byte, 64<<10)
	// Fill the socket buffers; posts fail with 429 while the queue is full and 410 once the
	// server has given up on the client.
	for i := 0; i < 100_000; i++ {
		err := h.srv.PostToConnection(context.Background(), id, chunk)
		if errors.Is(err, apigw.ErrGone) {
			break
		}
		if err != nil && !errors.Is(err, apigw.ErrLimitExceeded) {
			t.Fatalf("post: %v", err)
		}
		if errors.Is(err, apigw.ErrLimitExceeded) {
			time.Sleep(time.Millisecond)
		}
	}
	ev := rec.next(t)
	if ev.RequestContext.EventType != event.TypeDisconnect || ev.RequestContext.DisconnectStatusCode != 1006 {
		t.Fatalf("got %s with code %d, want DISCONNECT with 1006", ev.RequestContext.EventType, ev.RequestContext.DisconnectStatusCode)
	}
	_ = c.CloseNow()
}

// TestQuietClientKeepsItsConnection: the write timeout applies to frames being written, not to
// the time between them: a client that reads everything stays connected through quiet periods
// longer than WriteTimeout, and its pings still get their pongs.
func TestQuietClientKeepsItsConnection(t *testing.T) {
	h := newHarness(t, map[string]*Route{"echo": echoRoute()}, config.Limits{WriteTimeout: 20 * time.Millisecond})
	c := h.mustDial()
	replies := make(chan string, 1)
	go func() { // the client's reader, which also takes the pongs
		defer close(replies)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			replies <- string(b)
		}
	}()
	for round := range 3 {
		msg := fmt.Sprintf(`{"action":"echo","round":%d}`, round)
		write(t, c, msg)
		select {
		case got := <-replies:
			if got != msg {
				t.Fatalf("round %d: reply %q", round, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: no reply", round)
		}
		time.Sleep(60 * time.Millisecond) // quiet for three write timeouts
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := c.Ping(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: ping after a quiet period: %v", round, err)
		}
	}
}

// TestIdleConnectionStacks: a connection whose client has sent nothing costs its read loop the
// smallest goroutine stack (2 KiB): it waits for the first message in a shallow frame, not inside
// the WebSocket library, where it would need 4 KiB. It measures stack memory, not time.
func TestIdleConnectionStacks(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation makes every stack larger")
	}
	h := newHarness(t, map[string]*Route{"echo": echoRoute()}, config.Limits{})
	const n = 400
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	conns := make([]*websocket.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.CloseNow()
		}
	}()
	for range n { // one at a time, so that handshake goroutines never outnumber parked read loops
		c, _, err := h.dial(nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i := 0; h.srv.Len() < n; i++ {
		if i == 1000 {
			t.Fatalf("%d of %d connections registered", h.srv.Len(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perConn := float64(after.StackInuse-before.StackInuse) / n
	t.Logf("stack per idle connection: %.0f bytes", perConn)
	if perConn > 3<<10 {
		t.Errorf("idle connections use %.0f bytes of stack each, want about 2 KiB", perConn)
	}
	// They still work: the first message after the wait is handled.
	write(t, conns[0], `{"action":"echo","first":true}`)
	if got := readText(t, conns[0]); got != `{"action":"echo","first":true}` {
		t.Fatalf("reply %q", got)
	}
}

// TestSwitchingResponse: the 101 response Hijack writes itself is what net/http would write:
// sorted names, no invalid names, CR/LF in values made harmless, trimmed values, and a Date.
func TestSwitchingResponse(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	h := http.Header{}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
	h.Set("Sec-WebSocket-Protocol", " chat\r\nSet-Cookie: injected ")
	h["Bad Name"] = []string{"x"}
	got := string(appendSwitching(nil, h, now))
	want := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
		"Sec-Websocket-Protocol: chat  Set-Cookie: injected\r\n" +
		"Upgrade: websocket\r\n" +
		"Date: Sat, 21 Nov 2026 11:00:00 GMT\r\n\r\n"
	if got != want {
		t.Errorf("response:\n%q\nwant:\n%q", got, want)
	}
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Set-Cookie") != "" || len(resp.Header) != 5 {
		t.Errorf("parsed as %s with headers %v; want 101 with 5 headers and no Set-Cookie", resp.Status, resp.Header)
	}
	h.Set("Date", "Thu, 01 Jan 2026 00:00:00 GMT")
	if got := string(appendSwitching(nil, h, now)); strings.Count(got, "Date: ") != 1 || !strings.Contains(got, "Date: Thu, 01 Jan 2026") {
		t.Errorf("with a Date set, the response is %q; want that Date alone", got)
	}
}

// TestSubprotocolFromConnect: the Sec-WebSocket-Protocol a $connect integration returns reaches
// the client in the 101 response that the server writes itself.
func TestSubprotocolFromConnect(t *testing.T) {
	connect := &Route{Invoker: integration.Func(func(context.Context, *event.Request) (*event.Response, error) {
		return &event.Response{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "chat.v2"}}, nil
	})}
	h := newHarness(t, map[string]*Route{"$connect": connect, "echo": echoRoute()}, config.Limits{})
	c, resp, err := h.dial(&websocket.DialOptions{Subprotocols: []string{"chat.v1", "chat.v2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.Subprotocol() != "chat.v2" || resp.Header.Get("Date") == "" {
		t.Errorf("subprotocol %q, Date %q; want chat.v2 and a Date", c.Subprotocol(), resp.Header.Get("Date"))
	}
	write(t, c, `{"action":"echo"}`)
	if got := readText(t, c); got != `{"action":"echo"}` {
		t.Errorf("echo = %q", got)
	}
}

// writeFramed sends s as one text message in frames of at most frame bytes.
func writeFramed(t *testing.T, c *websocket.Conn, s string, frame int) {
	t.Helper()
	w, err := c.Writer(context.Background(), websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for b := []byte(s); len(b) > 0; {
		n := min(frame, len(b))
		if _, err := w.Write(b[:n]); err != nil { // each Write is one frame
			t.Fatalf("write: %v", err)
		}
		b = b[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// TestFrameLimit: a frame may carry up to MaxFrameBytes (32 KiB by default) and a message may be
// larger in several frames; a larger frame closes the connection with 1009, whose $disconnect
// says so, as API Gateway does.
func TestFrameLimit(t *testing.T) {
	rec := newRecorder()
	routes := func() map[string]*Route {
		return map[string]*Route{"echo": echoRoute(), "$disconnect": {Invoker: rec.handler(ok200, nil)}}
	}
	h := newHarness(t, routes(), config.Limits{})
	c := h.mustDial()
	pad := func(total int) string {
		return `{"action":"echo","pad":"` + strings.Repeat("x", total-len(`{"action":"echo","pad":""}`)) + `"}`
	}
	for _, m := range []struct {
		size, frame int
	}{{32 << 10, 32 << 10}, {100 << 10, 32 << 10}, {100 << 10, 1000}} {
		msg := pad(m.size)
		writeFramed(t, c, msg, m.frame)
		if got := readText(t, c); got != msg {
			t.Fatalf("%d bytes in frames of %d came back as %d bytes", m.size, m.frame, len(got))
		}
	}
	// The server may close before the client has written the whole frame: the write's error
	// does not matter.
	_ = c.Write(context.Background(), websocket.MessageText, []byte(pad(32<<10+1)))
	if code := closeStatus(t, c); code != websocket.StatusMessageTooBig {
		t.Fatalf("close %v after a frame of 32 KiB + 1, want 1009", code)
	}
	if d := rec.next(t); d.RequestContext.DisconnectStatusCode != 1009 {
		t.Errorf("disconnect code %d, want 1009", d.RequestContext.DisconnectStatusCode)
	}

	// A lower limit applies too, and frames sent with the handshake request are checked as well.
	h = newHarness(t, routes(), config.Limits{MaxFrameBytes: 1000})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req bytes.Buffer
	req.WriteString("GET /test HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	req.Write([]byte{0x81, 0x80 | 126, 0x03, 0xe9, 0, 0, 0, 0}) // a 1001-byte text frame, zero mask
	req.WriteString(strings.Repeat("x", 1001))
	if _, err := conn.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		t.Fatalf("no close frame: %v", err)
	}
	if head[0] != 0x88 || int(head[2])<<8|int(head[3]) != 1009 {
		t.Errorf("server sent frame %x, want a close frame with 1009", head)
	}
}

// TestFrameGuardScan feeds the guard streams of frames cut at every byte: frames at the limit
// pass (7-bit, 16-bit and 64-bit lengths, masked or not), one byte more fails.
func TestFrameGuardScan(t *testing.T) {
	frame := func(n int, masked bool) []byte {
		var b []byte
		mask := byte(0)
		if masked {
			mask = 0x80
		}
		switch {
		case n < 126:
			b = []byte{0x82, mask | byte(n)}
		case n < 1<<16:
			b = []byte{0x82, mask | 126, byte(n >> 8), byte(n)}
		default:
			b = []byte{0x82, mask | 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		}
		if masked {
			b = append(b, 1, 2, 3, 4)
		}
		return append(b, bytes.Repeat([]byte{'x'}, n)...)
	}
	const max = 300
	var ok []byte
	for _, n := range []int{0, 125, 126, 300} {
		ok = append(ok, frame(n, true)...)
		ok = append(ok, frame(n, false)...)
	}
	for cut := 1; cut < len(ok); cut += 7 {
		g := &frameGuard{max: max}
		if err := g.scan(ok[:cut]); err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if err := g.scan(ok[cut:]); err != nil {
			t.Fatalf("cut at %d, second part: %v", cut, err)
		}
		if g.got != 0 || g.skip != 0 {
			t.Fatalf("cut at %d: guard mid-frame at the end (got %d, skip %d)", cut, g.got, g.skip)
		}
	}
	for _, n := range []int{max + 1, 1 << 16, 1 << 20} {
		g := &frameGuard{max: max}
		if err := g.scan(append(append([]byte(nil), ok...), frame(n, true)...)); !errors.Is(err, errFrameTooBig) {
			t.Errorf("a %d-byte frame after good ones: %v, want errFrameTooBig", n, err)
		}
	}
	huge := []byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4} // a 64-bit length with the top bit set, masked
	if err := (&frameGuard{max: max}).scan(huge); !errors.Is(err, errFrameTooBig) {
		t.Errorf("a 2^63-byte frame header: %v, want errFrameTooBig", err)
	}
}

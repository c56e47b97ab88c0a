package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// dialer opens the TCP connections under the WebSocket handshakes: always to the one resolved
// target address (never wherever a URL or redirect points), rotating across source addresses,
// and remembering every connection so the end of a run can cut them all if a graceful close
// hangs.
type dialer struct {
	target  string // resolved ip:port
	dialers []net.Dialer
	next    atomic.Uint64

	mu    sync.Mutex
	conns []net.Conn
}

func newDialer(target netip.AddrPort, sources []netip.Addr, timeout time.Duration) *dialer {
	d := &dialer{target: target.String()}
	for _, s := range sources {
		d.dialers = append(d.dialers, net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: s.AsSlice(), Zone: s.Zone()}})
	}
	if len(d.dialers) == 0 {
		d.dialers = []net.Dialer{{Timeout: timeout}}
	}
	return d
}

// dialContext is the http.Transport's DialContext; it ignores addr (always the target's host:port
// because redirects are refused) in favour of the address resolved once at the start.
func (d *dialer) dialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	i := (d.next.Add(1) - 1) % uint64(len(d.dialers))
	c, err := d.dialers[i].DialContext(ctx, "tcp", d.target)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.conns = append(d.conns, c)
	d.mu.Unlock()
	return c, nil
}

// cutAll closes every connection ever dialled, unblocking any read, write or close on them.
func (d *dialer) cutAll() {
	d.mu.Lock()
	conns := d.conns
	d.conns = nil
	d.mu.Unlock()
	for _, c := range conns {
		_ = c.Close() // most are already closed; the error says so
	}
}

// httpClient returns the client for websocket.Dial: one fresh TCP connection per handshake, no
// proxy from the environment (it could send loopback traffic elsewhere), no redirects, HTTP/1.1.
func (d *dialer) httpClient(insecure bool) *http.Client {
	return &http.Client{
		Transport:     &upgradeTransport{dialer: d, tls: &tls.Config{InsecureSkipVerify: insecure}}, //nolint:gosec // only when asked for
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// upgradeTransport is the http.RoundTripper under websocket.Dial. It writes the handshake request
// on a fresh connection and reads the response itself: http.Transport would keep two goroutines
// and two 4 KiB buffers per connection for as long as the WebSocket lives, and its per-request
// machinery is a good part of the load generator's CPU time in a connect storm, time the server
// under test would otherwise have on this shared machine.
type upgradeTransport struct {
	dialer *dialer
	tls    *tls.Config // for wss://
}

// handshakeReadBuffer is the size of the buffer the response is read with; it stays with the
// connection (bytes the server sent after its 101 may be in it), so it is small.
const handshakeReadBuffer = 512

// RoundTrip dials, sends req and reads the response head. The response's Body is the connection
// itself for a 101, as websocket.Dial needs, and the response body (closing the connection) for
// any other status. ctx's end aborts the exchange.
func (t *upgradeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	conn, err := t.dialer.dialContext(ctx, "tcp", "")
	if err != nil {
		return nil, err
	}
	resp, err := t.exchange(ctx, conn, req)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return resp, nil
}

func (t *upgradeTransport) exchange(ctx context.Context, conn net.Conn, req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "https" || req.URL.Scheme == "wss" {
		cfg := t.tls.Clone()
		cfg.ServerName = req.URL.Hostname()
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, err
		}
		conn = tc
	}
	// A deadline in the past unblocks the write or read when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if _, err := conn.Write(appendRequestHead(nil, req)); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, handshakeReadBuffer)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, err
	}
	if !stop() {
		_ = resp.Body.Close()
		return nil, context.Cause(ctx)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		resp.Body = &upgradedConn{Reader: br, Conn: conn}
	} else {
		resp.Body = &closingBody{ReadCloser: resp.Body, conn: conn}
	}
	return resp, nil
}

// appendRequestHead appends req's request line and headers.
func appendRequestHead(b []byte, req *http.Request) []byte {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	for name, values := range req.Header {
		for _, v := range values {
			b = append(b, name...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	return append(b, "\r\n"...)
}

// upgradedConn is a 101 response's Body: the connection, read through the buffer the response
// was read with.
type upgradedConn struct {
	*bufio.Reader
	net.Conn
}

func (c *upgradedConn) Read(p []byte) (int, error) { return c.Reader.Read(p) }

// closingBody closes the connection with the body of a refused handshake.
type closingBody struct {
	io.ReadCloser
	conn net.Conn
}

func (b *closingBody) Close() error {
	_ = b.ReadCloser.Close()
	return b.conn.Close()
}

package bench

import (
	"context"
	"crypto/tls"
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
func (d *dialer) httpClient(insecure bool, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           d.dialContext,
			DisableKeepAlives:     true,
			DisableCompression:    true,
			TLSClientConfig:       &tls.Config{InsecureSkipVerify: insecure}, //nolint:gosec // only when asked for
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

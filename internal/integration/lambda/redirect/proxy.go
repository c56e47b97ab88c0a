package redirect

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Proxy timing.
const (
	// requestTimeout bounds reading a client's CONNECT request.
	requestTimeout = 10 * time.Second
	// dialTimeout bounds connecting to a destination or an upstream proxy.
	dialTimeout = 30 * time.Second
)

// Options configure Listen.
type Options struct {
	// Rules say which host names go to the gateway. Required (with nothing to redirect, the
	// proxy only passes connections on).
	Rules Rules
	// Env is the function's own environment: its HTTPS_PROXY (or https_proxy), when set, is
	// where connections to every other destination go, except those its NO_PROXY (or no_proxy)
	// names, which go direct, as Go's net/http would have sent them. Default none: direct.
	Env map[string]string
	// Logger receives refused and failed tunnels. Default: discard.
	Logger *slog.Logger
}

// Proxy is an HTTP CONNECT proxy on 127.0.0.1 for one function's Go workers: a tunnel to a
// redirected host name on port 443 goes to Rules.To, any other to its destination. It only
// tunnels; TLS runs between the worker and the far end.
type Proxy struct {
	rules    Rules
	upstream *url.URL // the function's own HTTPS proxy, nil for none
	noProxy  noProxy
	log      *slog.Logger
	ln       net.Listener
	dialer   net.Dialer

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a Proxy on a free loopback port. Close stops it.
func Listen(opts Options) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("redirecting proxy: %w", err)
	}
	p := &Proxy{rules: opts.Rules, log: opts.Logger, ln: ln, conns: map[net.Conn]struct{}{},
		dialer: net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}}
	p.upstream, p.noProxy = proxyFromEnv(opts.Env)
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// URL is the proxy's address as HTTPS_PROXY takes it: http://127.0.0.1:port.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Close stops accepting, ends every tunnel and waits for them. It is safe to call twice.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// track registers c to be closed by Close; it reports false (and closes c) when the proxy is
// already closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer p.untrack(c)
			p.handle(c)
		}()
	}
}

// handle serves one client connection: one CONNECT request, then the tunnel.
func (p *Proxy) handle(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if req.Method != http.MethodConnect {
		writeStatus(c, http.StatusMethodNotAllowed, "this proxy only tunnels (CONNECT)")
		return
	}
	target := req.RequestURI // host:port
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		writeStatus(c, http.StatusBadRequest, "CONNECT needs host:port")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	far, via, status, err := p.dial(ctx, host, port)
	cancel()
	if err != nil {
		p.log.Warn("redirecting proxy: cannot reach the destination", "destination", target, "via", via, "err", err)
		writeStatus(c, status, err.Error())
		return
	}
	if !p.track(far) {
		return
	}
	defer p.untrack(far)
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		return
	}
	// Bytes the client sent after its request (the start of its TLS handshake) go first.
	if n := br.Buffered(); n > 0 {
		early, _ := br.Peek(n)
		if _, err := far.Write(early); err != nil {
			return
		}
	}
	splice(c, far)
}

// dial connects to host:port: the gateway for a redirected name, else the destination, directly
// or through the function's own proxy. via names the way taken, for logs; status is the HTTP
// status to answer with when it fails.
func (p *Proxy) dial(ctx context.Context, host, port string) (conn net.Conn, via string, status int, err error) {
	switch r := p.route(host, port); r {
	case routeGateway:
		conn, err = p.dialer.DialContext(ctx, "tcp", p.rules.To)
		return conn, "gateway " + p.rules.To, http.StatusBadGateway, err
	case routeUpstream:
		conn, status, err = p.dialUpstream(ctx, net.JoinHostPort(host, port))
		return conn, "proxy " + p.upstream.Host, status, err
	default:
		conn, err = p.dialer.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
		return conn, "direct", http.StatusBadGateway, err
	}
}

// The ways a tunnel can go.
const (
	routeGateway  = "gateway"  // a redirected name: the gateway
	routeUpstream = "upstream" // the function's own proxy
	routeDirect   = "direct"   // the destination itself
)

// route says which way a tunnel to host:port goes.
func (p *Proxy) route(host, port string) string {
	switch {
	case p.rules.Match(host, port):
		return routeGateway
	case p.upstream != nil && !p.noProxy.match(host, port) && !isLoopback(host):
		return routeUpstream
	}
	return routeDirect
}

// isLoopback reports whether host is "localhost" or a loopback address, which Go's net/http never
// sends to a proxy.
func isLoopback(host string) bool {
	if normalize(host) == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialUpstream opens a tunnel to target through the function's own proxy. On a refusal, status is
// the upstream proxy's.
func (p *Proxy) dialUpstream(ctx context.Context, target string) (net.Conn, int, error) {
	u := p.upstream
	addr := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	conn, err := p.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, http.StatusBadGateway, err
	}
	if u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, http.StatusBadGateway, err
		}
		conn = tc
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if u.User != nil {
		pass, _ := u.User.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass)) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		conn.Close()
		return nil, http.StatusBadGateway, err
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		conn.Close()
		return nil, http.StatusBadGateway, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, resp.StatusCode, fmt.Errorf("the function's proxy answered %s", resp.Status)
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		// A proxy does not speak for the far end before the tunnel is up; a reply that does is
		// not a tunnel this proxy can pass on faithfully.
		conn.Close()
		return nil, http.StatusBadGateway, errors.New("the function's proxy sent data before the tunnel was up")
	}
	return conn, http.StatusOK, nil
}

// writeStatus answers a CONNECT request that will not be tunnelled.
func writeStatus(c net.Conn, status int, msg string) {
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(msg), msg)
}

// splice copies both ways until both directions end; a direction that ends half-closes the other
// side's writes, so TLS close_notify and EOF pass through.
func splice(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, err := io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok && err == nil {
			_ = cw.CloseWrite()
		} else {
			// An error, or nothing to half-close: end both, so the other copy stops too.
			a.Close()
			b.Close()
		}
	}
	go pipe(a, b)
	go pipe(b, a)
	wg.Wait()
}

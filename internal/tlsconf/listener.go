package tlsconf

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// DefaultPeekTimeout is how long a new connection may take to send its first byte before the
// Listener closes it.
const DefaultPeekTimeout = 10 * time.Second

// recordTypeHandshake is the first byte of every TLS connection: a handshake record.
const recordTypeHandshake = 0x16

// ListenerOptions configure NewListener.
type ListenerOptions struct {
	// PeekTimeout bounds the wait for a connection's first byte. Default DefaultPeekTimeout.
	PeekTimeout time.Duration
}

// Listener serves TLS and plain connections on one port (see NewListener). Its methods are safe
// for concurrent use.
type Listener struct {
	inner   net.Listener
	config  *tls.Config
	timeout time.Duration

	ready chan net.Conn // classified connections, for Accept
	errs  chan error    // errors of the inner Accept, for Accept
	done  chan struct{} // closed by Close

	mu      sync.Mutex
	closed  bool
	pending map[net.Conn]struct{} // connections whose first byte is awaited
	wg      sync.WaitGroup        // the accept loop and the classifying goroutines
}

var _ net.Listener = (*Listener)(nil)

// NewListener wraps inner: Accept returns a *tls.Conn (server side, using config) for each
// connection that starts with a TLS handshake record and the connection itself otherwise (on
// Unix the socket itself, unwrapped: the first byte is peeked, not read). The first byte is
// awaited in a goroutine per connection with a read deadline of PeekTimeout, so a
// client that connects and sends nothing is closed after PeekTimeout without delaying other
// connections. Errors of inner's Accept are returned by Accept as they are. The Listener starts
// accepting at once; Close stops it and closes the connections still being classified.
func NewListener(inner net.Listener, config *tls.Config, opts ListenerOptions) *Listener {
	if opts.PeekTimeout <= 0 {
		opts.PeekTimeout = DefaultPeekTimeout
	}
	l := &Listener{
		inner:   inner,
		config:  config,
		timeout: opts.PeekTimeout,
		ready:   make(chan net.Conn),
		errs:    make(chan error),
		done:    make(chan struct{}),
		pending: map[net.Conn]struct{}{},
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// Accept returns the next classified connection, or an error of the inner listener, or
// net.ErrClosed once the Listener is closed.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes the inner listener and the connections not yet classified, and waits for the
// Listener's goroutines. Connections already returned by Accept are the caller's.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.done)
	err := l.inner.Close()
	for c := range l.pending {
		c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	return err
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

func (l *Listener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.inner.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Hand the error to Accept's caller, who decides whether to retry (net/http backs
			// off on temporary errors); waiting for it to be taken paces this loop too.
			select {
			case l.errs <- err:
				continue
			case <-l.done:
				return
			}
		}
		if !l.track(c) {
			c.Close()
			return
		}
		l.wg.Add(1)
		go l.classify(c)
	}
}

// track records c as pending; false when the Listener is closed.
func (l *Listener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.pending[c] = struct{}{}
	return true
}

// classify looks at c's first byte and hands the connection, TLS or plain, to Accept.
func (l *Listener) classify(c net.Conn) {
	defer l.wg.Done()
	var first byte
	consumed := false
	err := c.SetReadDeadline(time.Now().Add(l.timeout))
	if err == nil {
		first, consumed, err = peekFirst(c)
	}
	if err == nil {
		err = c.SetReadDeadline(time.Time{})
	}
	l.mu.Lock()
	delete(l.pending, c)
	closed := l.closed
	l.mu.Unlock()
	if err != nil || closed {
		c.Close()
		return
	}
	out := c
	if consumed {
		out = &peekedConn{Conn: c, first: first, unread: true}
	}
	if first == recordTypeHandshake {
		out = tls.Server(out, l.config)
	}
	select {
	case l.ready <- out:
	case <-l.done:
		out.Close()
	}
}

// readFirst reads c's first byte; consumed is true.
func readFirst(c net.Conn) (byte, bool, error) {
	var b [1]byte
	_, err := io.ReadFull(c, b[:])
	return b[0], true, err
}

// peekedConn is a connection whose first byte was read already; Read returns it first.
type peekedConn struct {
	net.Conn
	first  byte
	unread bool
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if c.unread && len(p) > 0 {
		c.unread = false
		p[0] = c.first
		return 1, nil
	}
	return c.Conn.Read(p)
}

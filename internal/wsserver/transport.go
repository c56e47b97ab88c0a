package wsserver

import (
	"bufio"
	"net"
	"net/http"
	"syscall"
)

// The sizes of a connection's read and write buffers. net/http hands a hijacked connection its
// two 4 KiB bufio buffers, which would be most of an idle connection's memory; with these a
// message that fits still takes one read and one write system call, and a larger one an extra
// call at most (bufio reads and writes large payloads directly).
const (
	readBufferSize  = 512
	writeBufferSize = 512
)

// hijackSmall is the ResponseWriter websocket.Accept gets: its Hijack returns the connection with
// bufio buffers of readBufferSize and writeBufferSize instead of net/http's. net/http's reader is
// kept when it already holds bytes the client sent after its handshake request (a client may not
// send before the 101, but one that does must not lose them).
type hijackSmall struct {
	http.ResponseWriter
	// quiet is the socket, when the connection exposes it and nothing of the client's first
	// message has been read yet: the read loop can wait for that message in a shallow frame
	// (waitReadable).
	quiet syscall.RawConn
}

// Hijack takes over the connection as http.Hijacker does.
func (h *hijackSmall) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	r := brw.Reader
	if r.Buffered() == 0 {
		r = bufio.NewReaderSize(conn, readBufferSize)
		h.quiet = rawConn(conn)
	}
	return conn, bufio.NewReadWriter(r, bufio.NewWriterSize(conn, writeBufferSize)), nil
}

// Unwrap gives http.ResponseController the underlying ResponseWriter.
func (h *hijackSmall) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// rawConn returns conn's socket when conn is the socket itself (a *net.TCPConn), or nil. Wrapped
// connections are left alone even when they expose what they wrap: a wrapper may hold bytes it
// has read from the socket already (crypto/tls does), and waiting for the socket would then stall
// a message that has arrived.
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

package wsserver

import (
	"bufio"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"
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
// bufio buffers of readBufferSize and writeBufferSize instead of net/http's, and reads through a
// frameGuard. Bytes the client sent after its handshake request, which net/http's reader may
// already hold (a client may not send before the 101, but one that does must not lose them), go
// through the guard first.
//
// It also writes the 101 Switching Protocols response itself: WriteHeader(101) is held back and
// Hijack writes the status line and headers straight to the connection. net/http would write
// them with its general response writer, whose header sorting runs deep enough in the handshake
// goroutine to grow its stack twice on every connect (about a tenth of the server's CPU time in
// a connect storm).
type hijackSmall struct {
	http.ResponseWriter
	// quiet is the socket, when the connection exposes it and nothing of the client's first
	// message has been read yet: the read loop can wait for that message in a shallow frame
	// (waitReadable).
	quiet syscall.RawConn
	// switching is set once WriteHeader(101) was held back for Hijack to write.
	switching bool
	// maxFrame is the largest frame payload the client may send (limits.maxFrameBytes, never 0
	// once defaults apply): Hijack wraps the connection's reads in a frameGuard.
	maxFrame int64
}

// WriteHeader holds back 101 Switching Protocols for Hijack and passes any other status on.
func (h *hijackSmall) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		h.switching = true
		return
	}
	h.ResponseWriter.WriteHeader(code)
}

// Hijack takes over the connection as http.Hijacker does, having written the 101 response when
// WriteHeader(101) was called.
func (h *hijackSmall) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	bw := bufio.NewWriterSize(conn, writeBufferSize)
	if h.switching {
		_, _ = bw.Write(appendSwitching(bw.AvailableBuffer(), h.Header(), time.Now()))
		if err := bw.Flush(); err != nil {
			_ = conn.Close()
			return nil, nil, err
		}
	}
	// The guard must see the stream from its first byte: what net/http's reader already holds
	// goes through it first.
	var pre []byte
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		pre = append([]byte(nil), b...)
	} else {
		h.quiet = rawConn(conn)
	}
	guarded := &guardedConn{Conn: conn, guard: &frameGuard{r: conn, max: h.maxFrame, pre: pre}}
	return guarded, bufio.NewReadWriter(bufio.NewReaderSize(guarded, readBufferSize), bw), nil
}

// appendSwitching appends a 101 Switching Protocols response with header, as net/http writes
// one: names in sorted order (invalid ones dropped), CR and LF in values turned into spaces and
// surrounding blanks trimmed, and a Date unless header has one.
func appendSwitching(b []byte, header http.Header, now time.Time) []byte {
	b = append(b, "HTTP/1.1 101 Switching Protocols\r\n"...)
	var namesBuf [8]string
	names := namesBuf[:0]
	for name := range header {
		if validFieldName(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range header[name] {
			b = append(b, name...)
			b = append(b, ": "...)
			for _, c := range []byte(strings.Trim(v, " \t")) {
				if c == '\r' || c == '\n' {
					c = ' '
				}
				b = append(b, c)
			}
			b = append(b, "\r\n"...)
		}
	}
	if _, ok := header["Date"]; !ok {
		b = append(b, "Date: "...)
		b = now.UTC().AppendFormat(b, http.TimeFormat)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// validFieldName reports whether name is an HTTP token (RFC 9110, section 5.1).
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
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

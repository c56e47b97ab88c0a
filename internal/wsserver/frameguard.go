package wsserver

import (
	"errors"
	"fmt"
	"io"
	"net"
)

// errFrameTooBig fails the reads of a connection whose client sent a frame over the frame limit.
var errFrameTooBig = errors.New("websocket: frame too big")

// frameGuard watches the frame headers in the byte stream a client sends and fails the read that
// brings a header announcing a payload over max (API Gateway's 32 KB frame quota; messages may be
// larger, in several frames). The WebSocket library has a limit for whole messages only. It only
// parses headers: payload bytes pass through untouched.
type frameGuard struct {
	r   io.Reader
	max int64
	pre []byte // bytes the client sent before the handshake completed, read first

	hdr  [14]byte // the header being read: 2 bytes, up to 8 of extended length, 4 of mask
	got  int      // bytes of hdr read so far
	want int      // hdr's full length, known once its second byte is in (0 before)
	skip int64    // payload bytes of the current frame still to pass
	err  error
}

// Read reads from the connection and scans what it read. The read that finds a frame over the
// limit fails with errFrameTooBig; later reads (the close handshake's) discard what the client
// still sends until the connection ends, so that the client's unread bytes do not turn the close
// into a reset that could discard the close frame before the client reads it.
func (g *frameGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		for {
			if _, err := g.r.Read(p); err != nil {
				return 0, err
			}
		}
	}
	var n int
	var err error
	if len(g.pre) > 0 {
		n = copy(p, g.pre)
		g.pre = g.pre[n:]
	} else {
		n, err = g.r.Read(p)
	}
	if ferr := g.scan(p[:n]); ferr != nil {
		g.err = ferr
		return 0, ferr
	}
	return n, err
}

// scan advances the frame parser over b.
func (g *frameGuard) scan(b []byte) error {
	for len(b) > 0 {
		if g.skip > 0 {
			k := min(int64(len(b)), g.skip)
			g.skip -= k
			b = b[k:]
			continue
		}
		g.hdr[g.got] = b[0]
		g.got++
		b = b[1:]
		if g.got == 2 {
			g.want = 2
			switch g.hdr[1] & 0x7f {
			case 126:
				g.want += 2
			case 127:
				g.want += 8
			}
			if g.hdr[1]&0x80 != 0 {
				g.want += 4 // the masking key
			}
		}
		if g.got < 2 || g.got < g.want {
			continue
		}
		var length uint64
		switch l := g.hdr[1] & 0x7f; l {
		case 126:
			length = uint64(g.hdr[2])<<8 | uint64(g.hdr[3])
		case 127:
			for _, c := range g.hdr[2:10] {
				length = length<<8 | uint64(c)
			}
		default:
			length = uint64(l)
		}
		if length > uint64(g.max) {
			return fmt.Errorf("%w: a frame of %d bytes, over the limit of %d", errFrameTooBig, length, g.max)
		}
		g.skip = int64(length)
		g.got, g.want = 0, 0
	}
	return nil
}

// guardedConn is a hijacked connection whose reads go through a frameGuard.
type guardedConn struct {
	net.Conn
	guard *frameGuard
}

func (c *guardedConn) Read(p []byte) (int, error) { return c.guard.Read(p) }

//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tlsconf

import (
	"io"
	"net"
	"syscall"
)

// peekFirst returns c's first byte, waiting at most until c's read deadline. On a socket it
// peeks (MSG_PEEK) and consumed is false: the connection can then be handed on as the socket
// itself, unwrapped, which lets the WebSocket server park idle connections cheaply. Other
// connections fall back to readFirst.
func peekFirst(c net.Conn) (b byte, consumed bool, err error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return readFirst(c)
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return readFirst(c)
	}
	var buf [1]byte
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK)
			if rerr != syscall.EINTR {
				return rerr != syscall.EAGAIN // false: wait until readable (or the deadline)
			}
		}
	})
	switch {
	case err != nil:
		return 0, false, err
	case rerr != nil:
		return 0, false, rerr
	case n == 0:
		return 0, false, io.EOF
	}
	return buf[0], false, nil
}

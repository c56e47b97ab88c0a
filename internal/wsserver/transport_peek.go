//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package wsserver

import "syscall"

// waitReadable blocks until the socket has data to read, has been closed by the peer or has
// failed, without taking anything from it (MSG_PEEK), and returns then whatever the outcome: the
// read that follows meets the data or the error.
//
// The read loop waits for a client's first message here, rather than inside the WebSocket
// library's frame reader: a goroutine parked that deep needs a 4 KiB stack, one parked here fits
// in the smallest, 2 KiB one. Connections that never send anything (clients that only receive
// @connections posts) are most of an idle server's connections.
func waitReadable(rc syscall.RawConn) {
	var b [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		for {
			_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN
			}
		}
	})
}

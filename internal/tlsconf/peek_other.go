//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package tlsconf

import "net"

// peekFirst reads c's first byte (consumed is true: the caller must give it back).
func peekFirst(c net.Conn) (byte, bool, error) { return readFirst(c) }

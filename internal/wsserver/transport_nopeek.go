//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package wsserver

import "syscall"

// waitReadable returns at once where MSG_PEEK is not available: the read loop then waits inside
// the WebSocket library, with a larger stack.
func waitReadable(syscall.RawConn) {}

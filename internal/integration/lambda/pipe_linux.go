package lambda

import (
	"os"
	"syscall"
	"unsafe"
)

// pipeBuffered is how many bytes f, a pipe's read end, holds unread (FIONREAD), or 0 when that
// cannot be told.
func pipeBuffered(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	_ = rc.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n
}

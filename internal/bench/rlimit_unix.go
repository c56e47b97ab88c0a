//go:build unix

package bench

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit (every connection is a file
// descriptor) and returns the limit in force.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("read open-file limit: %w", err)
	}
	if l.Cur < l.Max {
		raised := l
		raised.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return uint64(l.Cur), fmt.Errorf("raise open-file limit to %d: %w", l.Max, err)
		}
		l = raised
	}
	return uint64(l.Cur), nil
}

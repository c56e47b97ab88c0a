//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package runtimes

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// lockPollInterval is how often a waiting lockFile retries.
const lockPollInterval = 100 * time.Millisecond

// lockFile takes an exclusive lock on path (created if missing), waiting until it is free or ctx
// ends. It uses flock(2), so the operating system releases the lock if the holder dies; separate
// calls in one process exclude each other too. The returned function releases the lock.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, &os.PathError{Op: "flock", Path: path, Err: err}
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPollInterval):
		}
	}
}

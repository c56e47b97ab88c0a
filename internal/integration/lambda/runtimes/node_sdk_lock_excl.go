//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package runtimes

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"time"
)

const (
	// lockPollInterval is how often a waiting lockFile retries.
	lockPollInterval = 100 * time.Millisecond
	// lockStaleAfter is how old a lock file must be before a waiter assumes its holder died.
	lockStaleAfter = 15 * time.Minute
)

// lockFile takes an exclusive lock by creating path exclusively, waiting until it can or ctx ends.
// Without flock(2) a dead holder's lock file stays behind, so one older than lockStaleAfter is
// removed. The returned function releases the lock.
func lockFile(ctx context.Context, path string) (func(), error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if fi, statErr := os.Stat(path); statErr == nil && time.Since(fi.ModTime()) > lockStaleAfter {
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lockPollInterval):
		}
	}
}

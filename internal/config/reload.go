package config

import (
	"context"
	"crypto/sha256"
	"os"
	"time"
)

// DefaultWatchInterval is how often a Watcher reads its files.
const DefaultWatchInterval = time.Second

// Watcher tells when a config file's content has changed. It polls: it reads the file and
// compares a hash of the content with the one it saw before, so it needs no file-system
// notifications and sees an edit however the editor saves it (in place, or a new file renamed
// over the old one). A file that cannot be read (an editor between removing and rewriting it)
// counts as unchanged until it can be read again.
type Watcher struct {
	path string
	last [sha256.Size]byte
	seen bool
}

// NewWatcher returns a Watcher of path that takes the file's content now as the one it has seen.
func NewWatcher(path string) *Watcher {
	w := &Watcher{path: path}
	w.Changed()
	return w
}

// Path is the file watched.
func (w *Watcher) Path() string { return w.path }

// Changed reads the file and reports whether its content differs from what the previous call
// (or NewWatcher) saw.
func (w *Watcher) Changed() bool {
	data, err := os.ReadFile(w.path)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	changed := w.seen && sum != w.last
	w.last, w.seen = sum, true
	return changed
}

// Watch calls changed each time the file's content changes, checking every interval
// (DefaultWatchInterval when 0), until ctx ends.
func (w *Watcher) Watch(ctx context.Context, interval time.Duration, changed func()) {
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if w.Changed() {
				changed()
			}
		}
	}
}

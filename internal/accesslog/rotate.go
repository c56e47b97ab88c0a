package accesslog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File is an access log file that rotates daily: the first write of a new day (UTC, as
// CloudWatch's timestamps) renames the file to <name>.<YYYY-MM-DD><ext> after the day it holds
// (access.log becomes access.2026-11-21.log) and starts a new one. Rotated files older than the
// retention are deleted at start-up and at each rotation: a file is kept until retention days
// have passed since the end of its day, as CloudWatch Logs expires events. It is safe for
// concurrent use.
type File struct {
	path      string
	retention atomic.Int32 // days; 0 keeps every file
	now       func() time.Time
	log       *slog.Logger

	mu  sync.Mutex
	f   *os.File
	day time.Time // the UTC day the open file holds
}

var _ io.WriteCloser = (*File)(nil)

// OpenFile opens (creating it when missing, appending otherwise) the access log at path. A file
// left by an earlier day is rotated now, and rotated files past retentionDays (0: forever) are
// deleted. now is the clock (time.Now when nil); log gets the files deleted and rotation errors.
func OpenFile(path string, retentionDays int, now func() time.Time, log *slog.Logger) (*File, error) {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &File{path: path, now: now, log: log}
	f.retention.Store(int32(retentionDays))
	today := dayOf(now())
	if st, err := os.Stat(path); err == nil && dayOf(st.ModTime()).Before(today) {
		if err := f.rename(dayOf(st.ModTime())); err != nil {
			return nil, err
		}
	}
	if err := f.open(today); err != nil {
		return nil, err
	}
	f.expire()
	return f, nil
}

// SetRetention changes the retention, from the next rotation on.
func (f *File) SetRetention(days int) { f.retention.Store(int32(days)) }

// Write appends p to the file, rotating it first when the day has changed.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return 0, os.ErrClosed
	}
	if today := dayOf(f.now()); today.After(f.day) {
		f.rotate(today)
	}
	return f.f.Write(p)
}

// Close closes the file.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}

// rotate closes the day's file, renames it and opens a new one for today, then deletes what is
// past the retention. A failed rename keeps writing to the same file (the error is logged).
func (f *File) rotate(today time.Time) {
	if err := f.f.Close(); err != nil {
		f.log.Warn("access log: close before rotation", "file", f.path, "err", err)
	}
	if err := f.rename(f.day); err != nil {
		f.log.Error("access log: rotation failed; writing on to the same file", "file", f.path, "err", err)
	}
	if err := f.open(today); err != nil {
		f.log.Error("access log: cannot open a new file; entries are lost until it can", "file", f.path, "err", err)
		f.f = nil
		return
	}
	f.expire()
}

// open opens the live file for day.
func (f *File) open(day time.Time) error {
	fh, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open access log: %w", err)
	}
	f.f, f.day = fh, day
	return nil
}

// rename moves the live file to its rotated name for day, adding .1, .2, ... before the
// extension when that name is taken (a restart on the same day).
func (f *File) rename(day time.Time) error {
	dir, stem, ext := f.parts()
	target := filepath.Join(dir, stem+"."+day.Format(time.DateOnly)+ext)
	for n := 1; ; n++ {
		if _, err := os.Lstat(target); os.IsNotExist(err) {
			break
		}
		target = filepath.Join(dir, fmt.Sprintf("%s.%s.%d%s", stem, day.Format(time.DateOnly), n, ext))
	}
	if err := os.Rename(f.path, target); err != nil {
		return fmt.Errorf("rotate access log: %w", err)
	}
	return nil
}

// parts splits the path into directory, stem and extension: logs/access.log is logs, access
// and .log.
func (f *File) parts() (dir, stem, ext string) {
	dir, base := filepath.Split(f.path)
	ext = filepath.Ext(base)
	return filepath.Clean(dir), strings.TrimSuffix(base, ext), ext
}

// expire deletes the rotated files whose day ended retention days ago or earlier.
func (f *File) expire() {
	days := int(f.retention.Load())
	if days <= 0 {
		return
	}
	dir, stem, ext := f.parts()
	pattern := regexp.MustCompile(`^` + regexp.QuoteMeta(stem) + `\.(\d{4}-\d{2}-\d{2})(\.\d+)?` + regexp.QuoteMeta(ext) + `$`)
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.log.Warn("access log: cannot list rotated files", "dir", dir, "err", err)
		return
	}
	now := f.now()
	for _, e := range entries {
		m := pattern.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		day, err := time.Parse(time.DateOnly, m[1])
		if err != nil {
			continue
		}
		if now.Sub(day.AddDate(0, 0, 1)) < time.Duration(days)*24*time.Hour {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil {
			f.log.Warn("access log: cannot delete a file past its retention", "file", p, "err", err)
			continue
		}
		f.log.Info("access log: deleted a file past its retention", "file", p, "retentionDays", days)
	}
}

// dayOf is the start of t's day in UTC.
func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

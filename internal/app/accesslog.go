package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboardhq/switchboard/internal/accesslog"
	"github.com/switchboardhq/switchboard/internal/config"
)

// accessState is a deployment's access log: the logger (nil when logging is off) and, for a
// file destination, the file it writes to.
type accessState struct {
	cfg    config.AccessLog
	logger *accesslog.Logger
	path   string          // the file's absolute path; "" for stdout and stderr
	file   *accesslog.File // nil for stdout and stderr
}

// openAccessLog returns the access log of cfg's `accessLog`: its destination is "stdout",
// "stderr", or a file (relative to the config's directory) appended to, created when missing,
// rotated daily and kept for `retention`. The deployed one, cur, is returned when nothing
// changed, and its file reused when the destination did not change.
func (a *App) openAccessLog(cfg *config.Config, cur *accessState) (*accessState, error) {
	c := cfg.AccessLog
	if cur != nil && cur.cfg == c {
		return cur, nil
	}
	st := &accessState{cfg: c}
	if !c.Enabled {
		return st, nil
	}
	var w io.Writer
	switch dest := strings.TrimSpace(c.Destination); dest {
	case "", "stdout":
		w = os.Stdout
	case "stderr":
		w = os.Stderr
	default:
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(cfg.Dir(), dest)
		}
		if abs, err := filepath.Abs(dest); err == nil {
			dest = abs
		}
		st.path = dest
		if cur != nil && cur.path == dest && cur.file != nil {
			st.file = cur.file
			st.file.SetRetention(c.RetentionDays())
		} else {
			f, err := accesslog.OpenFile(dest, c.RetentionDays(), a.opts.Now, a.log)
			if err != nil {
				return nil, a.configError(cfg, "accessLog.destination", "open the access log", err)
			}
			st.file = f
		}
		w = st.file
	}
	l, err := accesslog.New(strings.TrimSuffix(c.Format, "\n"), w, a.log)
	if err != nil {
		if st.file != nil && (cur == nil || st.file != cur.file) {
			st.file.Close()
		}
		return nil, fmt.Errorf("accessLog.format: %w", err)
	}
	st.logger = l
	return st, nil
}

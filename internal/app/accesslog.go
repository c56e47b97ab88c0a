package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/switchboardhq/switchboard/internal/accesslog"
)

// openAccessLog opens the stage's access log when `accessLog` is on: its destination is
// "stdout", "stderr", or a file (relative to the config's directory) appended to and created
// when missing. It returns a nil Logger when access logging is off, and the file to close at
// shutdown, if any.
func (a *App) openAccessLog() (*accesslog.Logger, io.Closer, error) {
	c := a.cfg.AccessLog
	if !c.Enabled {
		return nil, nil, nil
	}
	var w io.Writer
	var closer io.Closer
	switch dest := strings.TrimSpace(c.Destination); dest {
	case "", "stdout":
		w = os.Stdout
	case "stderr":
		w = os.Stderr
	default:
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(a.cfg.Dir(), dest)
		}
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, nil, a.configError("accessLog.destination", "open the access log", err)
		}
		w, closer = f, f
	}
	l, err := accesslog.New(strings.TrimSuffix(c.Format, "\n"), w, a.log)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, nil, fmt.Errorf("accessLog.format: %w", err)
	}
	return l, closer, nil
}

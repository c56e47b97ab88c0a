package runtimes

import (
	"log/slog"
	"sync"
)

// warned holds the keys of the warnings already logged by this process: a warning about the
// machine (no python3.12, no boto3) is worth one line per run, not one per function and reload.
var warned sync.Map

// warnOnce logs msg at warning level the first time this process sees key.
func warnOnce(log *slog.Logger, key, msg string, args ...any) {
	if _, seen := warned.LoadOrStore(key, true); !seen {
		log.Warn(msg, args...)
	}
}

package event

import (
	"sync/atomic"
	"time"
)

// requestTimeLayout is requestContext.requestTime (reference §2.2), e.g.
// "20/Jan/2024:11:55:08 +0000". Go's month names are always English, whatever the locale.
const requestTimeLayout = "02/Jan/2006:15:04:05 +0000"

// cachedTime is the last second FormatRequestTime formatted. Every event of one second shares
// it, so the common case costs one atomic load and no allocation.
type cachedTime struct {
	unix int64
	text string
}

var lastRequestTime atomic.Pointer[cachedTime]

// FormatRequestTime formats t as requestContext.requestTime: "dd/MMM/yyyy:HH:mm:ss +0000" in
// UTC with English month abbreviations, e.g. "20/Jan/2024:11:55:08 +0000". Sub-second precision
// is dropped (requestTimeEpoch carries milliseconds). It is safe for concurrent use; the most
// recent second is cached, so repeated calls within one second do not allocate.
func FormatRequestTime(t time.Time) string {
	unix := t.Unix()
	if c := lastRequestTime.Load(); c != nil && c.unix == unix {
		return c.text
	}
	var buf [len(requestTimeLayout) + 8]byte // room for years beyond 9999
	text := string(t.UTC().AppendFormat(buf[:0], requestTimeLayout))
	lastRequestTime.Store(&cachedTime{unix: unix, text: text})
	return text
}

package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"maps"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"

	"github.com/coder/websocket"
)

// Error kinds, as they appear in the report's errors object. Handshake statuses and close codes
// are appended to their prefix, e.g. "handshake_status_403" and "closed_with_code_1009".
const (
	kindDialRefused      = "dial_refused"         // nothing listens at the target
	kindDialTimeout      = "dial_timeout"         // TCP connect or handshake took longer than --timeout
	kindDialPorts        = "dial_ports_exhausted" // no free local port (add --source-ips)
	kindDialFileLimit    = "dial_file_limit"      // out of file descriptors (RLIMIT_NOFILE)
	kindDialCanceled     = "dial_canceled"        // the run ended while dialling
	kindDialTLS          = "dial_tls_failed"      // TLS handshake or certificate check failed (--insecure?)
	kindDialFailed       = "dial_failed"          // any other dial error
	kindHandshakeFailed  = "handshake_failed"     // 101 response that is not a valid WebSocket upgrade
	kindHandshakeStatus  = "handshake_status_"    // + HTTP status other than 101
	kindClosedWithCode   = "closed_with_code_"    // + close code the server sent
	kindClosedAbnormally = "closed_abnormally"    // connection dropped without a close frame
	kindReplyTimeout     = "reply_timeout"        // no reply within --timeout
	kindMismatchedReply  = "mismatched_reply"     // a frame without a seq this connection sent
	kindLateReply        = "late_reply"           // a reply to a message already timed out or answered
)

// errorCounts counts errors by kind; errors are rare, so a mutex is enough.
type errorCounts struct {
	mu sync.Mutex
	m  map[string]int64
}

func (e *errorCounts) add(kind string) { e.addN(kind, 1) }

// addN counts n errors of one kind.
func (e *errorCounts) addN(kind string, n int64) {
	e.mu.Lock()
	if e.m == nil {
		e.m = map[string]int64{}
	}
	e.m[kind] += n
	e.mu.Unlock()
}

func (e *errorCounts) snapshot() map[string]int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := maps.Clone(e.m)
	if out == nil {
		out = map[string]int64{}
	}
	return out
}

func (e *errorCounts) total() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	var n int64
	for _, v := range e.m {
		n += v
	}
	return n
}

// dialErrorKind classifies a failed websocket.Dial. runEnded says the run's own context ended.
func dialErrorKind(err error, resp *http.Response, runEnded bool) string {
	var ne net.Error
	switch {
	case resp != nil && resp.StatusCode != http.StatusSwitchingProtocols:
		return kindHandshakeStatus + strconv.Itoa(resp.StatusCode)
	case runEnded:
		return kindDialCanceled
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindDialRefused
	case errors.Is(err, syscall.EADDRNOTAVAIL), errors.Is(err, syscall.EADDRINUSE):
		return kindDialPorts
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return kindDialFileLimit
	case errors.As(err, new(*tls.CertificateVerificationError)), errors.As(err, new(tls.RecordHeaderError)),
		errors.As(err, new(tls.AlertError)):
		return kindDialTLS
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return kindDialTimeout
	case resp != nil:
		return kindHandshakeFailed
	default:
		return kindDialFailed
	}
}

// closeErrorKind classifies the error that ended a connection's read loop.
func closeErrorKind(err error) string {
	if code := websocket.CloseStatus(err); code >= 0 {
		return kindClosedWithCode + strconv.Itoa(int(code))
	}
	return kindClosedAbnormally
}

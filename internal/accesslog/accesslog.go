// Package accesslog writes API Gateway-style access logs: one line per CONNECT, MESSAGE and
// DISCONNECT request, rendered from a format of $context and $stageVariables variables (the
// stage's AccessLogSettings.Format on AWS, `accessLog.format` here). OpenFile is a log file that
// rotates daily and keeps its files for a retention.
package accesslog

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/event"
)

// Entry is one request and its outcome.
type Entry struct {
	// Conn is the connection's record: id, identity, authorizer context, stage, API id.
	Conn      *event.Conn
	EventType string // CONNECT, MESSAGE or DISCONNECT
	RequestID string
	MessageID string // MESSAGE only
	RouteKey  string // the selected route; "" when none matched
	Time      time.Time
	// Status is the request's status: 200, or the status a refused handshake got, 403 for a
	// message no route took, 429 throttled, 500 for a failed integration, 504 a timed-out one.
	Status int
	// IntegrationStatus is the integration's statusCode, 0 when none answered.
	IntegrationStatus int
	// IntegrationLatency is how long the integration took; negative when none ran.
	IntegrationLatency time.Duration
	// Error is the gateway's error message ("Forbidden", "Internal server error", ...), "" for
	// none; IntegrationError is the integration's error text.
	Error, IntegrationError string
}

// Logger renders entries with a format and writes a line each to a writer.
type Logger struct {
	parts []part
	log   *slog.Logger

	mu     sync.Mutex
	w      io.Writer
	buf    []byte
	failed bool // a write failed; logged once
}

// part is a literal of the format, or a variable: $context.<text> when isVar is set,
// $stageVariables.<text> when isStageVar is.
type part struct {
	text       string
	isVar      bool
	isStageVar bool
}

// New parses format and returns a Logger writing to w. Write errors are reported to log once.
func New(format string, w io.Writer, log *slog.Logger) (*Logger, error) {
	parts, err := parse(format)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Logger{parts: parts, w: w, log: log}, nil
}

const (
	contextPrefix  = "$context."
	stageVarPrefix = "$stageVariables."
)

// parse splits format into literals, $context variables and $stageVariables variables. A
// $context variable's name runs over letters, digits, '_' and '.', without a trailing '.' (a
// sentence's full stop); a stage variable's over letters, digits and '_'.
func parse(format string) ([]part, error) {
	if strings.ContainsAny(format, "\r\n") {
		return nil, fmt.Errorf("access log format: must be one line")
	}
	var parts []part
	rest := format
	for {
		i, prefix := strings.Index(rest, contextPrefix), contextPrefix
		if j := strings.Index(rest, stageVarPrefix); j >= 0 && (i < 0 || j < i) {
			i, prefix = j, stageVarPrefix
		}
		if i < 0 {
			if rest != "" {
				parts = append(parts, part{text: rest})
			}
			return parts, nil
		}
		if i > 0 {
			parts = append(parts, part{text: rest[:i]})
		}
		rest = rest[i+len(prefix):]
		n := 0
		for n < len(rest) && isNameByte(rest[n]) && (prefix == contextPrefix || rest[n] != '.') {
			n++
		}
		name := strings.TrimRight(rest[:n], ".")
		if name == "" {
			parts = append(parts, part{text: prefix})
			continue
		}
		parts = append(parts, part{text: name, isVar: prefix == contextPrefix, isStageVar: prefix == stageVarPrefix})
		rest = rest[len(name):]
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// Log writes e's line.
func (l *Logger) Log(e *Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf[:0]
	for _, p := range l.parts {
		switch {
		case p.isVar:
			b = appendValue(b, e.value(p.text))
		case p.isStageVar:
			b = appendValue(b, e.Conn.StageVariables[p.text])
		default:
			b = append(b, p.text...)
		}
	}
	b = append(b, '\n')
	l.buf = b
	if _, err := l.w.Write(b); err != nil && !l.failed {
		l.failed = true
		l.log.Error("cannot write the access log; further errors are not reported", "err", err)
	}
}

// appendValue appends v, "-" when empty, with control characters (a line break could forge a
// record) as spaces. Nothing else is escaped, as on AWS: a format that quotes values is the
// format's business.
func appendValue(b []byte, v string) []byte {
	if v == "" {
		return append(b, '-')
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}

// value is the $context variable name's value for e, "" when it has none.
func (e *Entry) value(name string) string {
	c := e.Conn
	switch name {
	case "apiId":
		return c.APIID
	case "connectionId":
		return c.ConnectionID
	case "connectedAt":
		return strconv.FormatInt(c.ConnectedAt, 10)
	case "domainName":
		return c.DomainName
	case "domainPrefix":
		return event.DomainPrefix(c.DomainName)
	case "stage":
		return c.Stage
	case "eventType":
		return e.EventType
	case "requestId", "extendedRequestId":
		return e.RequestID
	case "messageId":
		return e.MessageID
	case "routeKey":
		return e.RouteKey
	case "requestTime":
		return event.FormatRequestTime(e.Time)
	case "requestTimeEpoch":
		return strconv.FormatInt(e.Time.UnixMilli(), 10)
	case "status":
		return itoa(e.Status)
	case "integrationStatus", "integration.status":
		return itoa(e.IntegrationStatus)
	case "integration.integrationStatus":
		// The integration service's own status: 200 once the integration answered.
		if e.IntegrationStatus != 0 {
			return "200"
		}
		return ""
	case "integrationLatency", "integration.latency":
		if e.IntegrationLatency < 0 {
			return ""
		}
		return strconv.FormatInt(e.IntegrationLatency.Milliseconds(), 10)
	case "error.message":
		return e.Error
	case "error.messageString":
		if e.Error == "" {
			return ""
		}
		return strconv.Quote(e.Error)
	case "integration.error", "integrationErrorMessage":
		return e.IntegrationError
	case "identity.sourceIp":
		return c.Identity.SourceIP
	case "identity.userAgent":
		return c.Identity.UserAgent
	case "identity.accountId":
		return c.Identity.AccountID
	case "identity.caller":
		return c.Identity.Caller
	case "identity.user":
		return c.Identity.User
	case "identity.userArn":
		return c.Identity.UserARN
	case "identity.accessKey":
		return c.Identity.AccessKey
	case "identity.principalOrgId":
		return c.Identity.PrincipalOrgID
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok && c.Authorizer != nil {
		if v, ok := c.Authorizer[key]; ok && v != nil {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

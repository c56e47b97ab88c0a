package accesslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/config"
	"github.com/switchboardhq/switchboard/internal/event"
)

func entry() *Entry {
	return &Entry{
		Conn: &event.Conn{
			ConnectionID: "BFHPhfCWIAMCKlQ=", ConnectedAt: 1763726400000, DomainName: "127.0.0.1:3001",
			Stage: "dev", APIID: "abcdef1234",
			Identity:   event.Identity{SourceIP: "127.0.0.1", UserAgent: "wscat\r\nforged line", Caller: "AIDAEXAMPLE"},
			Authorizer: map[string]any{"principalId": "user-1", "tier": 2},
		},
		EventType: "MESSAGE", RequestID: "req-1", MessageID: "msg-1", RouteKey: "sendMessage",
		Time:   time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC),
		Status: 200, IntegrationStatus: 201, IntegrationLatency: 12 * time.Millisecond,
	}
}

func render(t *testing.T, format string, e *Entry) string {
	t.Helper()
	var buf bytes.Buffer
	l, err := New(format, &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Log(e)
	return buf.String()
}

func TestRenderFormats(t *testing.T) {
	for _, c := range []struct{ name, format, want string }{
		{"AWS's CLF example",
			`$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId`,
			`127.0.0.1 AIDAEXAMPLE - [21/Nov/2026:12:00:00 +0000] "MESSAGE sendMessage BFHPhfCWIAMCKlQ=" 200 req-1` + "\n"},
		{"ids, times and the integration",
			`$context.apiId/$context.stage $context.messageId $context.extendedRequestId $context.requestTimeEpoch $context.connectedAt $context.integrationLatency $context.integration.status $context.integration.integrationStatus`,
			"abcdef1234/dev msg-1 req-1 1795262400000 1763726400000 12 201 200\n"},
		{"the domain and its prefix (none for an address)",
			`$context.domainName $context.domainPrefix`,
			"127.0.0.1:3001 -\n"},
		{"authorizer values, stringified",
			`$context.authorizer.principalId $context.authorizer.tier $context.authorizer.missing`,
			"user-1 2 -\n"},
		{"control characters become spaces, unknown variables a dash",
			`ua=$context.identity.userAgent x=$context.noSuchThing`,
			"ua=wscat  forged line x=-\n"},
		{"a trailing full stop is not part of the name; a bare prefix is text",
			`id $context.requestId. and $context.`,
			"id req-1. and $context.\n"},
	} {
		if got := render(t, c.format, entry()); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestErrorsAndMissingValues(t *testing.T) {
	e := entry()
	e.Status, e.IntegrationStatus, e.IntegrationLatency = 500, 0, -1
	e.Error, e.IntegrationError = "Internal server error", "go handler: boom"
	got := render(t, `$context.status $context.error.message|$context.error.messageString|$context.integration.error|$context.integrationLatency|$context.integration.integrationStatus`, e)
	if want := `500 Internal server error|"Internal server error"|go handler: boom|-|-` + "\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestDefaultFormatIsJSON: the default format (SST's fields) renders as a JSON object whatever is
// missing.
func TestDefaultFormatIsJSON(t *testing.T) {
	for _, e := range []*Entry{entry(), {Conn: &event.Conn{}, EventType: "CONNECT", RequestID: "r", Status: 429, IntegrationLatency: -1}} {
		line := render(t, config.DefaultAccessLogFormat, e)
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%q is not JSON: %v", line, err)
		}
		if v["requestId"] != e.RequestID || v["status"] != float64(e.Status) || v["eventType"] != e.EventType {
			t.Errorf("fields %v", v)
		}
	}
}

func TestFormatMustBeOneLine(t *testing.T) {
	if _, err := New("a $context.requestId\nb", &bytes.Buffer{}, nil); err == nil {
		t.Error("a two-line format was accepted")
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write([]byte) (int, error) { w.n++; return 0, errors.New("disk full") }

func TestWriteErrorsAreReportedOnce(t *testing.T) {
	var logs bytes.Buffer
	w := &failingWriter{}
	l, err := New("$context.requestId", w, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		l.Log(entry())
	}
	if w.n != 3 || strings.Count(logs.String(), "disk full") != 1 {
		t.Errorf("%d writes, log %q; want 3 writes and the error once", w.n, logs.String())
	}
}

// TestDomainPrefixOfACustomDomain renders $context.domainPrefix for a wildcard tenant's host.
func TestDomainPrefixOfACustomDomain(t *testing.T) {
	e := entry()
	e.Conn.DomainName = "tenant1.example.com:3001"
	if got := render(t, "$context.domainName $context.domainPrefix", e); got != "tenant1.example.com:3001 tenant1\n" {
		t.Errorf("got %q", got)
	}
}

func TestStageVariables(t *testing.T) {
	e := entry()
	e.Conn.StageVariables = map[string]string{"version": "1.10", "env": "prod"}
	got := render(t, `$context.requestId $stageVariables.version/$stageVariables.env $stageVariables.missing $stageVariables.`, e)
	if want := "req-1 1.10/prod - $stageVariables.\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

package bench

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		url, addr string
		port      uint16
		remote    bool
		err       string
	}{
		{url: "ws://127.0.0.1:3001/", addr: "127.0.0.1", port: 3001},
		{url: "ws://127.9.8.7/dev", addr: "127.9.8.7", port: 80},
		{url: "wss://[::1]:8443/x", addr: "::1", port: 8443},
		{url: "wss://localhost/", addr: "127.0.0.1", port: 443},
		{url: "ws://api.LOCALHOST.:9/", addr: "127.0.0.1", port: 9},
		{url: "ws://[::ffff:127.0.0.1]:1/", addr: "127.0.0.1", port: 1},
		{url: "ws://192.0.2.1/", err: errRemote.Error()},
		{url: "ws://example.com/", err: errRemote.Error()},
		{url: "ws://[2001:db8::1]/", err: errRemote.Error()},
		{url: "ws://192.0.2.1:7/", remote: true, addr: "192.0.2.1", port: 7},
		{url: "ws://example.com/", remote: true, addr: "invalid IP", port: 80},
		{url: "http://127.0.0.1/", err: "scheme must be ws or wss"},
		{url: "ws:///path", err: "no host"},
		{url: "ws://127.0.0.1:99999/", err: "bad port"},
		{url: "ws://127.0.0.1:0/", err: "bad port"},
		{url: "::", err: "target URL"},
	} {
		got, err := parseTarget(tc.url, tc.remote)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.url, err, tc.err)
			}
			if tc.err == errRemote.Error() && !errors.Is(err, errRemote) {
				t.Errorf("%s: error does not wrap errRemote", tc.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if got.addr.String() != tc.addr || got.port != tc.port {
			t.Errorf("%s: addr %s port %d, want %s %d", tc.url, got.addr, got.port, tc.addr, tc.port)
		}
	}
}

func TestResolveLiteralNeedsNoLookup(t *testing.T) {
	tg, err := parseTarget("ws://127.0.0.1:3001/", false)
	if err != nil {
		t.Fatal(err)
	}
	ap, err := tg.resolve(t.Context(), true)
	if err != nil || ap.String() != "127.0.0.1:3001" {
		t.Errorf("resolve = %v, %v", ap, err)
	}
}

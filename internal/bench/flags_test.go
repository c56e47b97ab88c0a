package bench

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseArgsDefaults(t *testing.T) {
	cfg, err := parseArgs([]string{"ws://127.0.0.1:3001/"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.conns != 10 || cfg.connectRate != 1000 || cfg.size != 100 || cfg.action != "echo" || cfg.rate != 0 ||
		cfg.duration != 10*time.Second || cfg.count != 0 || cfg.warmup != 0 || cfg.mode != "echo" ||
		cfg.maxDuration != 10*time.Minute || cfg.timeout != 10*time.Second || cfg.sources != nil || cfg.idle || cfg.json {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestParseArgsFlagsAroundURL(t *testing.T) {
	cfg, err := parseArgs([]string{"-c", "7", "ws://127.0.0.1:3001/", "--connections=8", "--header", "Authorization: Bearer a",
		"--header", "X-Trace: 1", "--subprotocol", "a, b", "--source-ips", "127.0.0.1-127.0.0.2", "--json"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.conns != 8 || !cfg.json || len(cfg.sources) != 2 {
		t.Errorf("cfg = %+v", cfg)
	}
	want := http.Header{"Authorization": {"Bearer a"}, "X-Trace": {"1"}}
	if cfg.headers.Get("Authorization") != "Bearer a" || cfg.headers.Get("X-Trace") != "1" || len(cfg.headers) != len(want) {
		t.Errorf("headers = %v", cfg.headers)
	}
	if strings.Join(cfg.subprotocols, "|") != "a|b" {
		t.Errorf("subprotocols = %q", cfg.subprotocols)
	}
}

func TestParseArgsReportsEveryProblem(t *testing.T) {
	_, err := parseArgs([]string{"--rate", "-1", "--duration", "0", "--idle", "--count", "5", "--source-ips", "::1",
		"ws://127.0.0.1/", "ws://127.0.0.2/"}, io.Discard)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"want one target URL", "--rate", "--duration 0", "--idle sends no messages"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := parseArgs([]string{"--source-ips", "::1", "ws://127.0.0.1/"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "different address families") {
		t.Errorf("family mismatch: %v", err)
	}
	if _, err := parseArgs([]string{"--header", "NoColon", "ws://127.0.0.1/"}, io.Discard); err == nil {
		t.Error("a header without a colon was accepted")
	}
	for _, v := range []string{"NaN", "+Inf", "-1"} {
		if _, err := parseArgs([]string{"--rate", v, "--connect-rate", v, "ws://127.0.0.1/"}, io.Discard); err == nil ||
			!strings.Contains(err.Error(), "--rate must be") || !strings.Contains(err.Error(), "--connect-rate must be") {
			t.Errorf("rates of %s: %v", v, err)
		}
	}
	if _, err := parseArgs(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "missing target URL") {
		t.Errorf("no URL: %v", err)
	}
}

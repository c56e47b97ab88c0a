package bench

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestMain fails the package when goroutines of ours (benchmark loops, WebSocket or HTTP
// connections) outlive the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(5 * time.Second)
		for len(leakedGoroutines()) > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if leaked := leakedGoroutines(); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leaked goroutines:\n%s\n", strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of running goroutines that belong to this package, the
// WebSocket library or net/http, other than TestMain's own.
func leakedGoroutines() []string {
	buf := make([]byte, 1<<20)
	var out []string
	for g := range strings.SplitSeq(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "bench.TestMain") {
			continue
		}
		if strings.Contains(g, "internal/bench.") || strings.Contains(g, "coder/websocket") || strings.Contains(g, "net/http.") {
			out = append(out, g)
		}
	}
	return out
}

// wsURL starts h on a loopback test server and returns its ws:// URL.
func wsURL(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/bench"
}

type mainResult struct {
	code   int
	stdout string
	stderr string
	report *Report
}

// runMain runs Main with args; with --json among them it decodes the report.
func runMain(t *testing.T, args ...string) mainResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	res := mainResult{code: Main(t.Context(), args, &stdout, &stderr)}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	if slices.Contains(args, "--json") && res.code != exitUsage {
		res.report = new(Report)
		if err := json.Unmarshal(stdout.Bytes(), res.report); err != nil {
			t.Fatalf("decode report: %v\nstdout: %s\nstderr: %s", err, res.stdout, res.stderr)
		}
	}
	return res
}

func checkOrdered(t *testing.T, what string, l Latency) {
	t.Helper()
	if !(l.P50MS > 0 && l.P50MS <= l.P90MS && l.P90MS <= l.P99MS && l.P99MS <= l.MaxMS) {
		t.Errorf("%s percentiles not ordered: %+v", what, l)
	}
}

func checkSettled(t *testing.T, m MessageStats) {
	t.Helper()
	if m.Sent != m.Received+m.TimedOut+m.Lost+m.Unanswered {
		t.Errorf("sent %d != received %d + timed out %d + lost %d + unanswered %d", m.Sent, m.Received, m.TimedOut, m.Lost, m.Unanswered)
	}
}

func TestEchoClosedLoopCount(t *testing.T) {
	url := wsURL(t, EchoHandler())
	res := runMain(t, "--json", "-c", "5", "--count", "200", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	rep := res.report
	if rep.Connect.Attempted != 5 || rep.Connect.OK != 5 || rep.Connect.Failed != 0 {
		t.Errorf("connect = %+v, want 5 attempted and ok", rep.Connect)
	}
	m := rep.Messages
	if m.Sent != 200 || m.Received != 200 || m.TimedOut != 0 || m.Lost != 0 || m.AllReplies != 200 {
		t.Errorf("messages = %+v, want 200 sent and received, no warmup", m)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors = %v, want none", rep.Errors)
	}
	if rep.RoundTrip.Count != 200 {
		t.Errorf("round trip count = %d, want 200", rep.RoundTrip.Count)
	}
	checkOrdered(t, "round trip", rep.RoundTrip)
	if rep.Connect.Latency.Count != 5 || rep.Connect.Latency.P50MS <= 0 || rep.Connect.Latency.P99MS > rep.Connect.Latency.MaxMS {
		t.Errorf("connect latency = %+v", rep.Connect.Latency)
	}
	if m.Seconds <= 0 || m.PerSecond <= 0 || rep.Connect.PerSecond <= 0 {
		t.Errorf("rates: messages %+v, connect %+v", m, rep.Connect)
	}
	if rep.Mode != "echo" || rep.Action != "echo" || rep.MessageSize != 100 || rep.Connections != 5 {
		t.Errorf("settings echoed wrongly: %+v", rep)
	}
}

// TestAllRepliesCountsTheWarmup: replies during the warmup are not measured but are counted in
// AllReplies.
func TestAllRepliesCountsTheWarmup(t *testing.T) {
	url := wsURL(t, EchoHandler())
	res := runMain(t, "--json", "-c", "2", "--warmup", "100ms", "--count", "50", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	if m := res.report.Messages; m.Received != 50 || m.AllReplies <= m.Received {
		t.Errorf("messages = %+v, want 50 measured and more replies in all", m)
	}
}

func TestFixedRateCount(t *testing.T) {
	url := wsURL(t, EchoHandler())
	res := runMain(t, "--json", "-c", "3", "--rate", "3000", "--count", "150", "--mode", "post", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	m := res.report.Messages
	if m.Sent != 150 || m.Received != 150 {
		t.Errorf("messages = %+v, want 150 sent and received", m)
	}
	if res.report.TargetRate != 3000 || res.report.Mode != "post" {
		t.Errorf("target rate %v mode %q", res.report.TargetRate, res.report.Mode)
	}
	checkOrdered(t, "round trip", res.report.RoundTrip)
}

// frameServer serves WebSocket connections that answer every text frame with reply(frame); a
// nil reply closes the connection with 1003 (unsupported data).
func frameServer(t *testing.T, reply func(frame []byte) []byte) string {
	return wsURL(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			out := reply(b)
			if out == nil {
				c.Close(websocket.StatusUnsupportedData, "unexpected frame")
				return
			}
			if err := c.Write(r.Context(), websocket.MessageText, out); err != nil {
				return
			}
		}
	}))
}

func TestWarmupMessagesAreNotCounted(t *testing.T) {
	var frames atomic.Int64
	url := frameServer(t, func(b []byte) []byte { frames.Add(1); return b })
	res := runMain(t, "--json", "-c", "2", "--warmup", "300ms", "--count", "40", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	if m := res.report.Messages; m.Sent != 40 || m.Received != 40 {
		t.Errorf("messages = %+v, want 40 measured", m)
	}
	if n := frames.Load(); n <= 40 {
		t.Errorf("server saw %d frames; warmup should have sent some beyond the 40 measured", n)
	}
}

func TestMessagesHaveRequestedSizeAndAction(t *testing.T) {
	type seen struct {
		size   int
		action string
	}
	var mu sync.Mutex
	var got []seen
	url := frameServer(t, func(b []byte) []byte {
		var msg struct {
			Action string `json:"action"`
			Seq    uint64 `json:"seq"`
			T      int64  `json:"t"`
			Data   string `json:"data"`
		}
		if err := json.Unmarshal(b, &msg); err != nil || msg.Seq == 0 || msg.T == 0 {
			return nil
		}
		mu.Lock()
		got = append(got, seen{len(b), msg.Action})
		mu.Unlock()
		return b
	})
	res := runMain(t, "--json", "-c", "1", "--count", "5", "--size", "300", "--action", `send"msg`, url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s, report %+v", res.code, res.stderr, res.report)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 5 {
		t.Fatalf("server saw %d messages, want 5", len(got))
	}
	for _, s := range got {
		if s.size != 300 || s.action != `send"msg` {
			t.Errorf("message of %d bytes with action %q, want 300 bytes and send\"msg", s.size, s.action)
		}
	}
}

// closeRecorder accepts connections, reads until they end and records each close code.
type closeRecorder struct {
	mu    sync.Mutex
	codes []websocket.StatusCode
}

func (s *closeRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	_, _, err = c.Read(context.Background())
	s.mu.Lock()
	s.codes = append(s.codes, websocket.CloseStatus(err))
	s.mu.Unlock()
}

func (s *closeRecorder) closes() []websocket.StatusCode {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.codes)
}

func TestIdleHoldsConnectionsAndClosesNormally(t *testing.T) {
	srv := &closeRecorder{}
	url := wsURL(t, srv)
	res := runMain(t, "--json", "-c", "3", "--idle", "--duration", "100ms", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	rep := res.report
	if rep.Mode != "idle" || rep.Connect.OK != 3 || rep.Connect.OpenAtEnd != 3 || rep.Messages.Sent != 0 {
		t.Errorf("report = %+v", rep)
	}
	want := []websocket.StatusCode{1000, 1000, 1000}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if slices.Equal(srv.closes(), want) {
			return
		}
	}
	t.Errorf("server saw close codes %v, want %v", srv.closes(), want)
}

func TestHandshakeStatusCounted(t *testing.T) {
	url := wsURL(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Forbidden", http.StatusForbidden)
	}))
	res := runMain(t, "--json", "-c", "4", "--count", "10", url)
	if res.code != exitRunErrors {
		t.Fatalf("exit %d, want %d; stderr: %s", res.code, exitRunErrors, res.stderr)
	}
	rep := res.report
	if rep.Connect.Attempted != 4 || rep.Connect.Failed != 4 || rep.Connect.OK != 0 {
		t.Errorf("connect = %+v", rep.Connect)
	}
	if rep.Errors["handshake_status_403"] != 4 || len(rep.Errors) != 1 {
		t.Errorf("errors = %v, want handshake_status_403: 4", rep.Errors)
	}
	if rep.Messages.Sent != 0 {
		t.Errorf("sent %d messages without connections", rep.Messages.Sent)
	}
}

func TestCloseCodeCounted(t *testing.T) {
	// The server's read limit is below the message size, so coder/websocket closes with 1009.
	url := wsURL(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(16)
		c.Read(context.Background())
	}))
	res := runMain(t, "--json", "-c", "2", "--count", "50", url)
	if res.code != exitRunErrors {
		t.Fatalf("exit %d, want %d; stderr: %s", res.code, exitRunErrors, res.stderr)
	}
	rep := res.report
	if rep.Errors["closed_with_code_1009"] != 2 || len(rep.Errors) != 1 {
		t.Errorf("errors = %v, want closed_with_code_1009: 2", rep.Errors)
	}
	if m := rep.Messages; m.Sent != 2 || m.Lost != 2 || m.Received != 0 {
		t.Errorf("messages = %+v, want 2 sent and lost", m)
	}
	checkSettled(t, rep.Messages)
	if rep.Connect.OpenAtEnd != 0 {
		t.Errorf("open at end = %d", rep.Connect.OpenAtEnd)
	}
}

func TestDialRefusedCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	res := runMain(t, "--json", "-c", "3", "--count", "10", "ws://"+addr+"/")
	if res.code != exitRunErrors {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	if got := res.report.Errors; got["dial_refused"] != 3 || len(got) != 1 {
		t.Errorf("errors = %v, want dial_refused: 3", got)
	}
}

// TestUnansweredHandshakeTimesOut: a server that accepts the TCP connection but never answers
// the handshake costs each dial --timeout, counted as dial_timeout, and the run still ends.
func TestUnansweredHandshakeTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	res := runMain(t, "--json", "-c", "3", "--count", "10", "--timeout", "300ms", "ws://"+ln.Addr().String()+"/")
	ln.Close()
	<-done
	for _, c := range held {
		c.Close()
	}
	if res.code != exitRunErrors {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	if got := res.report.Errors; got["dial_timeout"] != 3 || len(got) != 1 {
		t.Errorf("errors = %v, want dial_timeout: 3", got)
	}
}

func TestMismatchedRepliesTimeOut(t *testing.T) {
	url := frameServer(t, func([]byte) []byte { return []byte(`{"hello":"world"}`) })
	res := runMain(t, "--json", "-c", "1", "--count", "2", "--timeout", "150ms", url)
	if res.code != exitRunErrors {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	rep := res.report
	if rep.Errors["mismatched_reply"] != 2 || rep.Errors["reply_timeout"] != 2 || len(rep.Errors) != 2 {
		t.Errorf("errors = %v, want 2 mismatched replies and 2 reply timeouts", rep.Errors)
	}
	if m := rep.Messages; m.Sent != 2 || m.TimedOut != 2 || m.Received != 0 {
		t.Errorf("messages = %+v", m)
	}
	checkSettled(t, rep.Messages)
}

func TestSourceAddressesHeadersAndSubprotocol(t *testing.T) {
	var mu sync.Mutex
	ips := map[string]int{}
	var auths, protos []string
	url := wsURL(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"sb.v1"}})
		if err != nil {
			return
		}
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		ips[host]++
		auths = append(auths, r.Header.Get("Authorization"))
		protos = append(protos, c.Subprotocol())
		mu.Unlock()
		go echo(c)
	}))
	res := runMain(t, "--json", "-c", "4", "--count", "8", "--source-ips", "127.0.0.2-127.0.0.3",
		"--header", "Authorization: Bearer t0k", "--subprotocol", "sb.v1", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if ips["127.0.0.2"] != 2 || ips["127.0.0.3"] != 2 || len(ips) != 2 {
		t.Errorf("connections came from %v, want two each from 127.0.0.2 and 127.0.0.3", ips)
	}
	for i := range auths {
		if auths[i] != "Bearer t0k" || protos[i] != "sb.v1" {
			t.Errorf("connection %d: Authorization %q, subprotocol %q", i, auths[i], protos[i])
		}
	}
	if got := res.report.SourceIPs; !slices.Equal(got, []string{"127.0.0.2", "127.0.0.3"}) {
		t.Errorf("report source IPs = %v", got)
	}
}

func TestMaxDurationCutsTheRunShort(t *testing.T) {
	url := wsURL(t, EchoHandler())
	res := runMain(t, "--json", "-c", "2", "--duration", "1h", "--max-duration", "300ms", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s, report: %+v", res.code, res.stderr, res.report)
	}
	m := res.report.Messages
	if m.Seconds >= 60 || m.Received == 0 {
		t.Errorf("messages = %+v; want some received in a window cut far below --duration", m)
	}
	checkSettled(t, m)
}

func TestSecureWebSocket(t *testing.T) {
	srv := httptest.NewUnstartedServer(EchoHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	url := "wss" + strings.TrimPrefix(srv.URL, "https") + "/"

	res := runMain(t, "--json", "-c", "1", "--count", "1", url)
	if res.code != exitRunErrors || res.report.Errors[kindDialTLS] != 1 {
		t.Errorf("untrusted certificate: exit %d, errors %v; want one dial_tls_failed", res.code, res.report.Errors)
	}
	res = runMain(t, "--json", "-c", "2", "--count", "20", "--insecure", url)
	if res.code != exitOK || res.report.Messages.Received != 20 {
		t.Errorf("--insecure: exit %d, report %+v, stderr %s", res.code, res.report, res.stderr)
	}
}

func TestRefusesNonLoopbackBeforeDialing(t *testing.T) {
	for _, url := range []string{"ws://192.0.2.1:9/", "wss://example.com/", "ws://10.0.0.1/"} {
		res := runMain(t, "--json", "-c", "1", "--count", "1", url)
		if res.code != exitUsage || res.stdout != "" || !strings.Contains(res.stderr, "--allow-remote") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 naming --allow-remote", url, res.code, res.stdout, res.stderr)
		}
	}
}

func TestHumanTable(t *testing.T) {
	url := wsURL(t, EchoHandler())
	res := runMain(t, "-c", "2", "--count", "20", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s", res.code, res.stderr)
	}
	for _, want := range []string{"connections", "2 attempted, 2 ok, 0 failed", "20 sent, 20 received, 0 timed out, 0 lost",
		"round trip", "p99", "errors", "none"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestHelpAndBadArguments(t *testing.T) {
	res := runMain(t, "-h")
	if res.code != exitOK {
		t.Errorf("-h: exit %d", res.code)
	}
	for _, want := range []string{"-c, --connections int", "(default 10)", "--connect-rate", "(default 1000)",
		"--max-duration", "(default 10m0s)", "--source-ips", "Exit status"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	if strings.Count(res.stderr, "--connections") != 1 {
		t.Errorf("usage lists --connections more than once:\n%s", res.stderr)
	}

	res = runMain(t, "-c", "0", "--mode", "fast", "--size", "-1", "ws://127.0.0.1:1/")
	if res.code != exitUsage {
		t.Errorf("bad values: exit %d", res.code)
	}
	for _, want := range []string{"--connections", "--mode", "--size"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("errors lack %q: %s", want, res.stderr)
		}
	}

	res = runMain(t, "--no-such-flag", "ws://127.0.0.1:1/")
	if res.code != exitUsage || !strings.Contains(res.stderr, "no-such-flag") {
		t.Errorf("unknown flag: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestLargeMessagesGoInFrames: a message larger than API Gateway's 32 KB frame quota is sent in
// frames of at most 32 KiB (a server that reads the raw frames checks), and still counts as one.
func TestLargeMessagesGoInFrames(t *testing.T) {
	var mu sync.Mutex
	var largest, messages int
	url := wsURL(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Sec-WebSocket-Accept", base64.StdEncoding.EncodeToString(sum[:]))
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		var msg []byte
		for {
			var h [2]byte
			if _, err := io.ReadFull(brw, h[:]); err != nil {
				return
			}
			n := uint64(h[1] & 0x7f)
			switch n {
			case 126:
				var ext [2]byte
				io.ReadFull(brw, ext[:])
				n = uint64(binary.BigEndian.Uint16(ext[:]))
			case 127:
				var ext [8]byte
				io.ReadFull(brw, ext[:])
				n = binary.BigEndian.Uint64(ext[:])
			}
			var mask [4]byte
			io.ReadFull(brw, mask[:])
			payload := make([]byte, n)
			if _, err := io.ReadFull(brw, payload); err != nil {
				return
			}
			if h[0]&0x0f == 0x8 { // close
				return
			}
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
			mu.Lock()
			largest = max(largest, int(n))
			mu.Unlock()
			msg = append(msg, payload...)
			if h[0]&0x80 == 0 {
				continue // more frames of this message
			}
			mu.Lock()
			messages++
			mu.Unlock()
			out := []byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 0}
			binary.BigEndian.PutUint64(out[2:], uint64(len(msg)))
			brw.Write(append(out, msg...))
			brw.Flush()
			msg = msg[:0]
		}
	}))
	res := runMain(t, "--json", "-c", "1", "--count", "3", "--size", "100000", url)
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr: %s, report %+v", res.code, res.stderr, res.report)
	}
	mu.Lock()
	defer mu.Unlock()
	if messages != 3 || largest != 32<<10 || res.report.Messages.Received != 3 {
		t.Errorf("server saw %d messages, largest frame %d bytes, client received %d; want 3, 32768, 3",
			messages, largest, res.report.Messages.Received)
	}
}

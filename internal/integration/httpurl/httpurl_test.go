package httpurl

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboardhq/switchboard/internal/event"
	"github.com/switchboardhq/switchboard/internal/integration"
)

func testRequest() *event.Request {
	c := &event.Conn{
		ConnectionID: "R1kmxc2VNjMCFIA=",
		ConnectedAt:  1705751697419,
		Identity:     event.Identity{SourceIP: "192.0.2.1"},
		DomainName:   "localhost",
		Stage:        "local",
		APIID:        "abcdefghij",
	}
	return c.Message("R1knPH17NjMFftw=", "R1knPc2ntjMCFIA=", time.UnixMilli(1705751708326), "chat", `{"action":"chat","text":"<b>&</b>"}`, false)
}

// backend starts a loopback HTTP server that answers with h.
func backend(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestInvokeSuccess(t *testing.T) {
	var got events.APIGatewayWebsocketProxyRequest
	var rawBody string
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(r.Body)
		rawBody = string(data)
		if err := json.Unmarshal(data, &got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"statusCode":200,"headers":{"X-A":"1"},"body":"pong"}`)
	})
	inv := New(srv.URL+"/ws", nil)
	defer inv.Close()
	if err := inv.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	resp, err := inv.Invoke(context.Background(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Body != "pong" || resp.Headers["X-A"] != "1" {
		t.Errorf("response = %+v", resp)
	}
	rc := got.RequestContext
	if rc.RouteKey != "chat" || rc.ConnectionID != "R1kmxc2VNjMCFIA=" || rc.MessageID != "R1knPc2ntjMCFIA=" || got.Body != `{"action":"chat","text":"<b>&</b>"}` {
		t.Errorf("backend received %+v", got)
	}
	if !strings.Contains(rawBody, `<b>&</b>`) {
		t.Errorf("HTML characters were escaped: %s", rawBody)
	}
}

func TestInvokeNon2xx(t *testing.T) {
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "overloaded")
	})
	resp, err := New(srv.URL, nil).Invoke(context.Background(), testRequest())
	var se *StatusError
	if !errors.As(err, &se) || resp != nil {
		t.Fatalf("Invoke = %v, %v; want a *StatusError", resp, err)
	}
	if se.StatusCode != http.StatusServiceUnavailable || se.Body != "overloaded" {
		t.Errorf("StatusError = %+v", se)
	}
	if !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error %q does not name the URL", err)
	}
}

func TestInvokeBadBody(t *testing.T) {
	bodies := map[string]string{
		"garbage":     "<html>not json</html>",
		"null":        "null",
		"empty":       "",
		"unknown key": `{"statusCode":200,"Data":"x"}`,
		"too large":   `{"statusCode":200,"body":"` + strings.Repeat("x", MaxResponseBytes) + `"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, body)
			})
			resp, err := New(srv.URL, nil).Invoke(context.Background(), testRequest())
			if !errors.Is(err, integration.ErrBadResponse) || resp != nil {
				t.Fatalf("Invoke = %v, %v; want integration.ErrBadResponse", resp, err)
			}
			if !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q does not name the URL", err)
			}
		})
	}
}

func TestInvokeBackendDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	resp, err := New(url, nil).Invoke(context.Background(), testRequest())
	if err == nil || resp != nil {
		t.Fatalf("Invoke = %v, %v; want an error", resp, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, integration.ErrBadResponse) {
		t.Errorf("a refused connection reported as %v", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("error %v does not carry the dial failure", err)
	}
	if strings.Count(err.Error(), url) != 1 {
		t.Errorf("error %q should name the URL exactly once", err)
	}
}

func TestInvokeDeadline(t *testing.T) {
	release := make(chan struct{})
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		select { // never answers in time
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // runs before srv.Close, which waits for the handler
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, err := New(srv.URL, nil).Invoke(ctx, testRequest())
	if !errors.Is(err, context.DeadlineExceeded) || resp != nil {
		t.Fatalf("Invoke = %v, %v; want an error wrapping context.DeadlineExceeded", resp, err)
	}
}

func TestInvokeDeadlineWhileReadingBody(t *testing.T) {
	release := make(chan struct{})
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"statusCode":`)
		w.(http.Flusher).Flush() // headers and half a body, then silence
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := New(srv.URL, nil).Invoke(ctx, testRequest()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestInvokeCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"statusCode":200}`)
	})
	if _, err := New(srv.URL, nil).Invoke(ctx, testRequest()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// Sequential calls reuse one kept-alive connection.
func TestInvokeReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"statusCode":200,"body":"ok"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	inv := New(srv.URL, nil)
	defer inv.Close()
	for range 5 {
		if _, err := inv.Invoke(context.Background(), testRequest()); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("5 sequential calls opened %d connections, want 1", n)
	}
}

func TestClientPassedIn(t *testing.T) {
	var used atomic.Bool
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Store(true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	srv := backend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"statusCode":201}`)
	})
	inv := New(srv.URL, client)
	resp, err := inv.Invoke(context.Background(), testRequest())
	if err != nil || resp.StatusCode != 201 || !used.Load() {
		t.Fatalf("Invoke = %+v, %v; client used %v", resp, err, used.Load())
	}
	if err := inv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBadURL(t *testing.T) {
	for _, u := range []string{"", "::", "ftp://example.com/x", "/relative/path", "http://"} {
		inv := New(u, nil)
		if err := inv.Start(context.Background()); err == nil {
			t.Errorf("Start(%q) succeeded", u)
		}
		if resp, err := inv.Invoke(context.Background(), testRequest()); err == nil || resp != nil {
			t.Errorf("Invoke(%q) = %v, %v; want an error", u, resp, err)
		}
	}
}

func BenchmarkInvoke(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"statusCode":200,"body":"ok"}`)
	}))
	defer srv.Close()
	inv := New(srv.URL, nil)
	defer inv.Close()
	req := testRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := inv.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

package bench

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/switchboardhq/switchboard"
)

// startSwitchboard runs a real Switchboard API with a $connect route on loopback until the test
// ends and returns its ws:// URL; its management endpoint is the same URL with http://.
func startSwitchboard(t *testing.T) string {
	t.Helper()
	connect := func(context.Context, events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	}
	api, err := switchboard.New(switchboard.Props{
		Name:   "fanout",
		Stage:  switchboard.Stage{Name: "bench"},
		Routes: map[string]switchboard.Route{"$connect": {Handler: connect}},
	}, switchboard.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if err := api.StartOn(t.Context(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := api.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return api.URL()
}

func TestFanoutReachesEveryConnection(t *testing.T) {
	url := startSwitchboard(t)
	for _, via := range []string{fanoutBroadcast, fanoutPosts} {
		t.Run(via, func(t *testing.T) {
			res := runMain(t, "--fanout", via, "-c", "30", "--rounds", "3", "--workers", "4", "--size", "64", "--json", url)
			if res.code != exitOK {
				t.Fatalf("exit %d, stderr:\n%s", res.code, res.stderr)
			}
			f := res.report.Fanout
			if res.report.Mode != "fanout" || f == nil || f.Via != via {
				t.Fatalf("report mode %q, fanout %+v: want a %s fan-out", res.report.Mode, f, via)
			}
			if f.Listed != 30 || !strings.HasPrefix(f.Management, "http://127.0.0.1:") {
				t.Errorf("listed %d connections at %q, want 30 at the target's http:// URL", f.Listed, f.Management)
			}
			if len(f.Rounds) != 3 {
				t.Fatalf("%d rounds, want 3", len(f.Rounds))
			}
			for i, r := range f.Rounds {
				if r.Sent != 30 || r.Received != 30 || r.Dropped != 0 || r.Gone != 0 {
					t.Errorf("round %d: %+v, want 30 sent and received", i+1, r)
				}
				if r.DeliveredMS <= 0 || r.RequestMS <= 0 {
					t.Errorf("round %d: %+v, want request and delivery times", i+1, r)
				}
				if hasServer := r.ServerMS > 0; hasServer != (via == fanoutBroadcast) {
					t.Errorf("round %d: server time %v; only a broadcast has one", i+1, r.ServerMS)
				}
			}
			if len(res.report.Errors) != 0 {
				t.Errorf("errors %v", res.report.Errors)
			}
		})
	}
}

func TestFanoutTable(t *testing.T) {
	res := runMain(t, "--fanout", "broadcast", "-c", "5", "--rounds", "2", startSwitchboard(t))
	for _, want := range []string{"fan-out by broadcast through http://127.0.0.1:", "server time", "10 sent, 10 received"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestFanoutFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--fanout", "carrier-pigeon"}, "--fanout must be broadcast or posts"},
		{[]string{"--fanout", "posts", "--idle"}, "--fanout sends no messages"},
		{[]string{"--fanout", "posts", "--rounds", "0"}, "--rounds must be between"},
		{[]string{"--fanout", "posts", "--workers", "0"}, "--workers must be between"},
		{[]string{"--fanout", "posts", "--management", "ftp://127.0.0.1/x"}, "--management must be an http"},
		{[]string{"--fanout", "posts", "--management", "http://192.0.2.1/x"}, "not loopback"},
		{[]string{"--management", "http://127.0.0.1/x"}, "--management needs --fanout"},
	} {
		_, err := parseArgs(append(c.args, "ws://127.0.0.1:1/bench"), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	cfg, err := parseArgs([]string{"--fanout", "broadcast", "wss://localhost:9/prod"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.management.String(); got != "https://localhost:9/prod" {
		t.Errorf("default management URL %q, want the target's with https", got)
	}
}

func TestServerTiming(t *testing.T) {
	for header, want := range map[string]float64{
		"broadcast;dur=3.214":                       3.214,
		`db;dur=1, broadcast;desc="fan-out";dur=12`: 12,
		`broadcast;DUR="0.5"`:                       0.5,
	} {
		if got, ok := serverTiming(header, "broadcast"); !ok || got != want {
			t.Errorf("serverTiming(%q) = %v, %v; want %v", header, got, ok, want)
		}
	}
	for _, header := range []string{"", "db;dur=3", "broadcast", "broadcast;dur=x"} {
		if got, ok := serverTiming(header, "broadcast"); ok {
			t.Errorf("serverTiming(%q) = %v, want none", header, got)
		}
	}
}

func TestFanoutReceive(t *testing.T) {
	f := &fanout{rounds: make([]fanoutCounter, 2), arrived: make(chan struct{}, 1)}
	msg := newMessageBuilder("x", 64)
	at := time.Unix(100, 0)
	if !f.receive(msg.appendMessage(nil, 2, 0), at) || !f.receive(msg.appendMessage(nil, 2, 0), at.Add(-time.Second)) {
		t.Fatal("a frame of round 2 was not counted")
	}
	if got := f.rounds[1].received.Load(); got != 2 {
		t.Errorf("round 2 received %d, want 2", got)
	}
	if got := f.rounds[1].last.Load(); got != at.UnixNano() {
		t.Errorf("last receipt %d, want the latest, %d", got, at.UnixNano())
	}
	for _, bad := range [][]byte{msg.appendMessage(nil, 3, 0), msg.appendMessage(nil, 0, 0), []byte("hello")} {
		if f.receive(bad, at) {
			t.Errorf("%q counted, want it refused", bad)
		}
	}
}

func TestSpread(t *testing.T) {
	if got := spreadOf([]float64{5, 1, 3, 2, 4}); got != (Spread{P50: 3, P99: 5, Max: 5}) {
		t.Errorf("spread = %+v", got)
	}
	if got := spreadOf(nil); got != (Spread{}) {
		t.Errorf("spread of none = %+v", got)
	}
}

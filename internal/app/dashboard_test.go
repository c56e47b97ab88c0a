package app

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboardhq/switchboard/internal/dashboard"
)

// recordingTap keeps what a dashboard.Tap hears.
type recordingTap struct {
	mu     sync.Mutex
	frames []string // "in:<data>" or "out:<data>"
	opened []string
	closed []string
}

func (r *recordingTap) Frame(id string, inbound, _ bool, data []byte, _ time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	dir := "out:"
	if inbound {
		dir = "in:"
	}
	r.frames = append(r.frames, dir+string(data))
}

func (r *recordingTap) Opened(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.opened = append(r.opened, id)
}

func (r *recordingTap) Closed(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = append(r.closed, id)
}

func (r *recordingTap) seen() (frames, opened, closed []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.frames...), append([]string(nil), r.opened...), append([]string(nil), r.closed...)
}

// TestDashboardAPIDescribesTheApp: the adapter reports the deployed routes and settings (with
// no secret in them), the function's worker and output after an invocation, the traffic, and
// the frames of a connection while a tap is set.
func TestDashboardAPIDescribesTheApp(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (scripts/test.sh installs it)")
	}
	cfg := loadConfig(t, map[string]string{
		"switchboard.yaml": `name: dash
stage:
  detailedMetrics: true
  variables: {apiKey: hunter2}
routes:
  hello:
    function: hello.handler
    returnResponse: true
  backend: {type: url, url: 'http://user:hunter2@127.0.0.1:1/x'}
`,
		"hello.mjs": `export const handler = async (event) => {
  console.log("handled " + event.body);
  return { statusCode: 200, body: "hi" };
};
`,
	})
	a := startApp(t, cfg, Options{CacheDir: testCacheDir(t)})
	d := a.DashboardAPI()
	tap := &recordingTap{}
	d.SetTap(tap)

	c := dialWS(t, a.URL(), nil)
	if got := roundTrip(t, c, `{"action":"hello"}`); got != "hi" {
		t.Fatalf("reply %q", got)
	}

	info := d.Info()
	if info.Name != "dash" || info.Stage != cfg.Stage.Name || info.URL != a.URL() || info.DeploymentID == "" {
		t.Errorf("info %+v", info)
	}
	targets := map[string]string{}
	for _, r := range info.Routes {
		targets[r.Key] = r.Target
	}
	if targets["hello"] != "function hello.handler" || !strings.HasPrefix(targets["backend"], "url http://") {
		t.Errorf("route targets %v", targets)
	}
	var settings strings.Builder
	for _, s := range info.Settings {
		settings.WriteString(s.Name + ": " + s.Value + "\n")
	}
	if text := settings.String() + targets["backend"]; strings.Contains(text, "hunter2") {
		t.Errorf("a secret shows:\n%s", text)
	}
	if !strings.Contains(settings.String(), "Stage variables: apiKey (values hidden)") || !strings.Contains(settings.String(), "Detailed metrics: on") {
		t.Errorf("settings:\n%s", settings.String())
	}

	var fn dashboard.Function
	waitUntil(t, "the function's output line", func() bool {
		fns := d.Functions()
		if len(fns) != 1 {
			return false
		}
		fn = fns[0]
		for _, l := range fn.Logs {
			if strings.Contains(l.Text, `handled {"action":"hello"}`) {
				return true
			}
		}
		return false
	})
	if fn.Route != "hello" || !fn.Started || len(fn.Workers) != 1 || fn.Workers[0].PID == 0 || fn.Workers[0].Invocations != 1 {
		t.Errorf("function %+v", fn)
	}

	s, ok := d.Traffic()
	if !ok || s.Stage.Messages < 2 || len(s.Routes) == 0 {
		t.Errorf("traffic %+v, want the message and its reply", s)
	}
	if n := d.ConnectionCount(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	_ = c.Close(websocket.StatusNormalClosure, "")
	waitUntil(t, "the tap to hear the close", func() bool {
		_, _, closed := tap.seen()
		return len(closed) == 1
	})
	frames, opened, _ := tap.seen()
	if len(opened) != 1 || len(frames) != 2 || frames[0] != `in:{"action":"hello"}` || frames[1] != "out:hi" {
		t.Errorf("the tap heard frames %q and opens %q", frames, opened)
	}
	d.SetTap(nil)
	c2 := dialWS(t, a.URL(), nil)
	roundTrip(t, c2, `{"action":"hello"}`)
	if f, _, _ := tap.seen(); len(f) != 2 {
		t.Errorf("the tap heard %d frames after it was removed", len(f)-2)
	}
}

// waitUntil polls cond for up to 20 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
